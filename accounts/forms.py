"""Forms for invitations and members management. Errors are French and rendered DSFR-style."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from dsfr.forms import DsfrBaseForm

from accounts.access import (
    invitations_visible_to,
    memberships_visible_to,
    other_active_dane_admins_exist,
)
from accounts.models import DANE_ROLES, ESTABLISHMENT_ROLES, Invitation, Membership, Role, User
from accounts.services import _check_scope
from establishments.access import departements_visible_to, establishments_visible_to
from establishments.forms import SchoolYearChoiceField
from establishments.models import Departement, Establishment, SchoolYear
from tenancy.scope import Scope


class DsfrErrorList(ErrorList):
    """Field errors as DSFR error texts (`fr-error-text`)."""

    template_name = "accounts/forms/error_list.html"


class AccountsBaseForm(DsfrBaseForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("error_class", DsfrErrorList)
        super().__init__(*args, **kwargs)


class InvitationAcceptForm(AccountsBaseForm):
    """The password a newly invited person chooses, checked by Django's validators."""

    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 12 caractères, ni trop courant, ni entièrement numérique, "
        "ni trop proche de votre nom ou de votre adresse électronique.",
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Saisissez à nouveau le même mot de passe.",
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif password1:
            # An unsaved user lets the similarity validator compare with the invited name/email.
            candidate = User(
                email=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class MemberFilterForm(AccountsBaseForm):
    q = forms.CharField(label="Rechercher (nom ou adresse)", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Rôle", required=False, choices=[("", "Tous les rôles"), *Role.choices]
    )


class EstablishmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Establishment) -> str:  # type: ignore[override]
        return f"{obj.name} – {obj.commune} ({obj.uai})"


# Which field a scope error of the services belongs to, depending on the role.
SCOPE_FIELD_OF_ROLE = {
    Role.DANE_COORDINATOR: "departements",
    Role.PRINCIPAL: "establishments",
    Role.DEPUTY: "establishments",
    Role.RUPN: "establishments",
}


class MemberInviteForm(AccountsBaseForm):
    """Invite someone to hold a role in the acting DANE administrator's académie.

    Establishments and départements are limited to that académie: others are neither offered
    nor accepted.
    """

    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : prenom.nom@ac-academie.fr",
    )
    first_name = forms.CharField(label="Prénom", max_length=100, required=False)
    last_name = forms.CharField(label="Nom", max_length=100, required=False)
    role = forms.ChoiceField(label="Rôle", choices=[("", "Choisir un rôle"), *Role.choices])
    establishments = EstablishmentChoiceField(
        label="Établissements",
        queryset=Establishment.objects.none(),
        required=False,
        help_text="Chef d’établissement ou adjoint : un ou plusieurs établissements. "
        "Référent : un seul établissement. Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    departements = forms.ModelMultipleChoiceField(
        label="Départements",
        queryset=Departement.objects.none(),
        required=False,
        help_text="Coordonnateur DANE : un ou plusieurs départements.",
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    school_year = SchoolYearChoiceField(
        required=False,
        to_field_name=None,
        help_text="Référent : l’année scolaire de sa mission.",
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        self.acting_scope = scope
        current = SchoolYear.objects.current()
        kwargs.setdefault("initial", {}).setdefault("school_year", current.pk)
        super().__init__(*args, **kwargs)
        establishments_field = self.fields["establishments"]
        assert isinstance(establishments_field, forms.ModelMultipleChoiceField)
        establishments_field.queryset = establishments_visible_to(scope).order_by("name", "uai")
        departements_field = self.fields["departements"]
        assert isinstance(departements_field, forms.ModelMultipleChoiceField)
        departements_field.queryset = departements_visible_to(scope)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role_value = cleaned.get("role")
        if not role_value:
            return cleaned
        role = Role(role_value)
        email = cleaned.get("email")
        if (
            email
            and invitations_visible_to(self.acting_scope)
            .pending()
            .filter(email__iexact=email, role=role)
            .exists()
        ):
            self.add_error(
                "email",
                "Une invitation à ce rôle est déjà en attente pour cette adresse : "
                "annulez-la avant d’en envoyer une nouvelle.",
            )
        if email and self._already_held(email, role, cleaned.get("establishments") or []):
            self.add_error(
                "email",
                "Cette personne a déjà ce rôle dans l’académie"
                + ("." if role in DANE_ROLES else " pour cet établissement."),
            )
        if any(name in self.errors for name in ("establishments", "departements", "school_year")):
            # A choice was refused (e.g. another académie's): its own error says so.
            return cleaned
        # The services own the rules of each role's scope; their message is shown on the field
        # the person has to correct.
        try:
            _check_scope(
                academie_id=self.acting_scope.academie_id,
                role=role,
                establishments=cleaned.get("establishments") or [],
                departements=cleaned.get("departements") or [],
                school_year=cleaned.get("school_year"),
            )
        except ValidationError as exc:
            field = SCOPE_FIELD_OF_ROLE.get(role)
            if (
                role == Role.RUPN
                and cleaned.get("school_year") is None
                and len(cleaned.get("establishments") or []) == 1
            ):
                field = "school_year"
            self.add_error(field, exc)
        return cleaned

    def _already_held(self, email: str, role: Role, establishments: list[Establishment]) -> bool:
        held = memberships_visible_to(self.acting_scope).filter(
            user__email__iexact=email, role=role
        )
        if role in DANE_ROLES:
            return held.exists()
        return held.filter(establishments__in=establishments).exists()

    def invitation_fields(self) -> dict[str, Any]:
        """The keyword arguments of `invitation_create` this form's data gives."""
        role = Role(self.cleaned_data["role"])
        return {
            "email": self.cleaned_data["email"],
            "first_name": self.cleaned_data["first_name"],
            "last_name": self.cleaned_data["last_name"],
            "role": role,
            "establishments": list(self.cleaned_data["establishments"])
            if role in ESTABLISHMENT_ROLES
            else [],
            "departements": list(self.cleaned_data["departements"])
            if role == Role.DANE_COORDINATOR
            else [],
            "school_year": self.cleaned_data["school_year"] if role == Role.RUPN else None,
        }


class MembershipRevokeForm(AccountsBaseForm):
    """Confirms a revocation; refuses to leave the académie without a DANE administrator."""

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        self.membership = membership
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.membership.role == Role.DANE_ADMIN and not other_active_dane_admins_exist(
            self.membership
        ):
            raise ValidationError(
                "Impossible de révoquer le dernier administrateur DANE de l’académie : "
                "invitez d’abord un autre administrateur."
            )
        return cleaned


class DaneAdminInviteForm(forms.Form):
    """Used by platform administrators (Django admin) to invite an académie's DANE admin."""

    email = forms.EmailField(label="Adresse électronique", max_length=254)
    first_name = forms.CharField(label="Prénom", max_length=100, required=False)
    last_name = forms.CharField(label="Nom", max_length=100, required=False)
