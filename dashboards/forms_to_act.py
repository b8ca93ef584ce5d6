"""The filters of the "who still has to act" page and its bulk reminder form."""

from __future__ import annotations

from typing import Any

from django import forms
from dsfr.forms import DsfrBaseForm

from dashboards.models import DEFAULT_PERIOD_DAYS, ReminderKind
from dashboards.selectors_to_act import ToActFilters
from dashboards.services_reminders import MAX_PERIOD_DAYS, MIN_PERIOD_DAYS
from establishments.forms import ScopedEstablishmentFilterForm
from establishments.models import SchoolYear


class ToActFilterForm(ScopedEstablishmentFilterForm):
    """School year, département, establishment type, and the list shown (`liste`)."""

    liste = forms.ChoiceField(
        label="Liste", required=False, choices=[("", "—"), *ReminderKind.choices]
    )

    def kind(self) -> ReminderKind:
        value = self.cleaned_data.get("liste") if self.is_bound and self.is_valid() else ""
        return ReminderKind(value) if value else ReminderKind.NO_REFERENT

    def filters(self, school_year: SchoolYear) -> ToActFilters:
        if not self.is_bound or not self.is_valid():
            return ToActFilters(school_year=school_year)
        data = self.cleaned_data
        departement = data.get("departement")
        return ToActFilters(
            school_year=school_year,
            departement_id=departement.pk if departement else None,
            establishment_type=data.get("type") or "",
        )


class ReminderForm(DsfrBaseForm):
    """The rows ticked (or all of the list) and the period without a second reminder."""

    lignes = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=[])
    toutes = forms.BooleanField(required=False)
    delai = forms.IntegerField(
        label="Ne pas relancer une personne déjà relancée depuis moins de (jours)",
        min_value=MIN_PERIOD_DAYS,
        max_value=MAX_PERIOD_DAYS,
        initial=DEFAULT_PERIOD_DAYS,
        error_messages={
            "required": "Indiquez le délai entre deux relances, en jours.",
            "invalid": "Le délai entre deux relances est un nombre entier de jours.",
            "min_value": f"Le délai entre deux relances est d’au moins {MIN_PERIOD_DAYS} jour.",
            "max_value": f"Le délai entre deux relances est d’au plus {MAX_PERIOD_DAYS} jours.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id is accepted here: the service keeps only the rows of the acting scope.
        field = self.fields["lignes"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.valid_value = lambda value: str(value).isdigit()  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("toutes") and not data.get("lignes"):
            raise forms.ValidationError("Cochez au moins une ligne, ou relancez toute la liste.")
        return data

    def object_ids(self) -> list[int] | None:
        if self.cleaned_data.get("toutes"):
            return None
        return list(self.cleaned_data["lignes"])
