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
