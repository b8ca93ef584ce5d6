"""The filters of the overview pages."""

from __future__ import annotations

from django import forms
from dsfr.forms import DsfrBaseForm

from establishments.forms import SchoolYearChoiceField, ScopedEstablishmentFilterForm
from establishments.models import EstablishmentType


class OverviewFilterForm(ScopedEstablishmentFilterForm):
    """School year, département and type (`?annee=2025&departement=3&type=college`), the
    départements being those of the acting role only."""

    field_order = ("annee", "departement", "type")


class NationalFilterForm(DsfrBaseForm):
    """The platform's national overview: school year and type of establishment."""

    annee = SchoolYearChoiceField(required=False)
    type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Tous"), *EstablishmentType.choices]
    )


class TableExportForm(DsfrBaseForm):
    """Which table of the page to download, and in which format (`?tableau=…&format=csv`); the
    page's filters travel beside them and are read by the page's own form."""

    FORMATS = [("csv", "CSV"), ("xlsx", "XLSX")]

    tableau = forms.SlugField(
        max_length=60,
        error_messages={
            "required": "Indiquez le tableau à télécharger.",
            "invalid": "Ce tableau n’existe pas sur cette page.",
        },
    )
    format = forms.ChoiceField(
        choices=FORMATS,
        error_messages={
            "required": "Choisissez le format du fichier : CSV ou XLSX.",
            "invalid_choice": "Le format du fichier est CSV ou XLSX.",
        },
    )
