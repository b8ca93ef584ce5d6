"""The form of the bulk operations on the issued letters' PDFs."""

from __future__ import annotations

from typing import Any

from django import forms
from dsfr.forms import DsfrBaseForm

from establishments.access import departements_visible_to
from establishments.forms import SchoolYearChoiceField
from establishments.models import Departement, EstablishmentType
from indemnities.forms_rules import DsfrCheckboxes, DsfrRadios
from missions.models import PdfJobKind
from tenancy.scope import Scope

ACTIONS = [
    (
        PdfJobKind.ZIP.value,
        "Télécharger les PDF en une archive ZIP",
    ),
    (
        PdfJobKind.REGENERATE.value,
        "Régénérer les PDF (après un changement de logo ou de certificat du sceau ; "
        "contenu et signatures inchangés)",
    ),
]


class PdfJobForm(DsfrBaseForm):
    """School year, départements and types (none ticked: all), and the operation. The same
    form counts the letters (GET) and starts the operation (POST, `action` then required)."""

    annee = SchoolYearChoiceField(required=False)
    departements = forms.ModelMultipleChoiceField(
        label="Départements",
        help_text="Aucun coché : tous les départements de l’académie.",
        queryset=Departement.objects.none(),
        required=False,
        widget=DsfrCheckboxes,
    )
    types = forms.MultipleChoiceField(
        label="Types d’établissement",
        help_text="Aucun coché : tous les types.",
        choices=EstablishmentType.choices,
        required=False,
        widget=DsfrCheckboxes,
    )
    action = forms.ChoiceField(
        label="Opération", choices=ACTIONS, required=False, widget=DsfrRadios
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["departements"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = departements_visible_to(scope).order_by("code")

    def require_action(self) -> bool:
        """For starting: an operation must be chosen."""
        if self.is_valid() and not self.cleaned_data.get("action"):
            self.add_error("action", "Choisissez l’opération à lancer.")
        return self.is_valid()
