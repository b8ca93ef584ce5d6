"""The filters of the letters' list pages."""

from __future__ import annotations

from django import forms

from establishments.forms import ScopedEstablishmentFilterForm
from missions.models import LetterStatus


class LetterFilterForm(ScopedEstablishmentFilterForm):
    """School year, département, type of establishment and state (`?annee=2025&etat=sent`);
    département and type only for a role that sees several establishments."""

    field_order = ("annee", "departement", "type", "etat")

    etat = forms.ChoiceField(
        label="État", required=False, choices=[("", "Tous"), *LetterStatus.choices]
    )
