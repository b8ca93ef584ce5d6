"""The DANE's forms of the campaigns and results: dates and reminders, filters, exports."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from establishments.access import departements_visible_to
from establishments.models import Departement, EstablishmentType
from tenancy.scope import Scope

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text or "Au format jj/mm/aaaa.",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 15/06/2027."},
    )


def _interval_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Relancer tous les (jours)",
        help_text=(
            "Nombre de jours entre l’invitation (ou la dernière relance) et la relance suivante, "
            "de 1 à 90 ; laissez vide pour ne pas relancer. Seuls ceux qui n’ont pas envoyé "
            "leur réponse sont relancés, au plus une fois par jour, jamais après la clôture."
        ),
        required=False,
        min_value=1,
        max_value=90,
        error_messages={
            "min_value": "L’intervalle des relances va de 1 à 90 jours.",
            "max_value": "L’intervalle des relances va de 1 à 90 jours.",
            "invalid": "Saisissez un nombre entier de jours.",
        },
    )


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day`, in the académie's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def end_of(day: datetime.date) -> datetime.datetime:
    """The end of `day` (midnight of the next day), in the académie's time zone."""
    return start_of(day + datetime.timedelta(days=1))


def last_day(closes_at: datetime.datetime) -> datetime.date:
    """The last day a campaign closing at `closes_at` is open (the day shown to people)."""
    return (timezone.localtime(closes_at) - datetime.timedelta(microseconds=1)).date()


class CampaignForm(DsfrBaseForm):
    """Open a campaign: the first and last days (included) and the reminders' interval."""

    ouverture = _date_field("Ouverture le", "Les invitations partent ce jour-là (jj/mm/aaaa).")
    cloture = _date_field("Dernier jour", "La campagne se clôt à la fin de ce jour (jj/mm/aaaa).")
    relance = _interval_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("ouverture"), data.get("cloture")
        if opens and closes:
            if closes < opens:
                self.add_error("cloture", "Le dernier jour ne peut précéder l’ouverture.")
            elif closes < timezone.localdate():
                self.add_error(
                    "cloture", "Le dernier jour est passé : choisissez une date à venir."
                )
        return data


class CampaignEditForm(DsfrBaseForm):
    """Change the last day and the reminders' interval of a campaign."""

    cloture = _date_field("Dernier jour", "La campagne se clôt à la fin de ce jour (jj/mm/aaaa).")
    relance = _interval_field()


class ResultFilterForm(DsfrBaseForm):
    """The results' filters: the département (among the actor's) and the establishment type."""

    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        required=False,
        empty_label="Tous",
        to_field_name="code",
        error_messages={"invalid_choice": "Ce département n’est pas parmi les vôtres."},
    )
    type = forms.ChoiceField(
        label="Type d’établissement",
        required=False,
        choices=[("", "Tous"), *EstablishmentType.choices],
        error_messages={"invalid_choice": "Type d’établissement inconnu."},
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["departement"]
        assert isinstance(field, forms.ModelChoiceField)
        # Only the actor's départements: another académie's are neither offered nor accepted.
        field.queryset = departements_visible_to(scope).order_by("code")


class ExportForm(ResultFilterForm):
    FORMATS = [("csv", "CSV (tableur, séparateur point-virgule)"), ("xlsx", "Excel (XLSX)")]
    TABLES = [
        ("reponses", "Une ligne par réponse"),
        ("agregats", "Le tableau des résultats agrégés"),
        ("dictionnaire", "Le dictionnaire des colonnes"),
    ]

    format = forms.ChoiceField(label="Format", choices=FORMATS, initial="xlsx")
    tableau = forms.ChoiceField(
        label="Tableau (CSV)",
        choices=TABLES,
        initial="reponses",
        required=False,
        help_text="Le fichier Excel contient les trois tableaux, un par feuille.",
    )
