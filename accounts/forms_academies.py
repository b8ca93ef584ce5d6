"""The platform administrator's form to create an académie of the national list."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.forms import DaneAdminInviteForm
from accounts.services_academies import academies_not_created


class AcademieCreateForm(DaneAdminInviteForm):
    """An académie not created yet, and its first DANE admin (the invitation form's fields)."""

    code = forms.ChoiceField(
        label="Académie",
        help_text="Les académies de la liste nationale qui n’existent pas encore ici.",
    )
    field_order = ["code", "email", "first_name", "last_name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse électronique du premier administrateur DANE"
        code_field = self.fields["code"]
        assert isinstance(code_field, forms.ChoiceField)
        code_field.choices = [("", "Choisissez une académie")] + [
            (entry.code, entry.label) for entry in academies_not_created()
        ]
