"""Django admin for platform administrators: people, their roles and invitations.

Writes that have a service go through it (granting, revoking, cancelling), so that who acted is
recorded and the scope rules hold here as in the application.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import admin_academies  # noqa: F401  (registers the académies' admin)
from accounts.models import Invitation, Membership, Role, User
from accounts.services import (
    _check_scope,
    invitation_cancel,
    membership_grant,
    membership_revoke,
)
from tenancy.scope import Scope


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("Un compte existe déjà pour cette adresse électronique.")
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Un compte existe déjà pour cette adresse électronique.")
        return email


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ("academie", "role", "school_year", "created_at", "revoked_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("civility", "first_name", "last_name")}),
        (
            "Droits sur la plateforme",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    inlines = [MembershipInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # A person being created has no role yet: roles come from invitations or the role admin.
        return self.inlines if obj is not None else []


MEMBERSHIP_ADD_FIELDS = (
    "user",
    "academie",
    "role",
    "departements",
    "establishments",
    "school_year",
)


class MembershipAdminForm(forms.ModelForm):
    # No inner Meta: the admin builds the form's fields on each request, inside the platform
    # administrator's unscoped access; a Meta here would query tenant rows at import time.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        academie = cleaned.get("academie")
        role = cleaned.get("role")
        if academie and role:
            try:
                _check_scope(
                    academie_id=academie.pk,
                    role=Role(role),
                    establishments=cleaned.get("establishments") or [],
                    departements=cleaned.get("departements") or [],
                    school_year=cleaned.get("school_year"),
                )
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return cleaned


class ActiveFilter(admin.SimpleListFilter):
    title = "état"
    parameter_name = "etat"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("actif", "Actif"), ("revoque", "Révoqué")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> QuerySet:
        if self.value() == "actif":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoque":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are granted here through `membership_grant` and never edited: revoke and grant anew."""

    form = MembershipAdminForm
    list_display = ("user", "academie", "role", "school_year", "created_at", "revoked_at")
    list_filter = ("academie", "role", ActiveFilter)
    search_fields = ("user__email", "user__last_name", "user__first_name")
    list_select_related = ("user", "academie", "school_year")
    autocomplete_fields = ("user", "establishments", "departements")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (
            "user",
            "academie",
            "role",
            "departements",
            "establishments",
            "school_year",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return MEMBERSHIP_ADD_FIELDS
        return self.get_readonly_fields(request, obj)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        granted = membership_grant(
            academie=data["academie"],
            user=data["user"],
            role=Role(data["role"]),
            actor=Scope.platform(data["academie"].pk, user_id=request.user.pk),
            establishments=data.get("establishments") or [],
            departements=data.get("departements") or [],
            school_year=data.get("school_year"),
        )
        # The admin goes on with `obj` (log entry, redirect): make it the granted row.
        obj.pk = granted.pk
        obj.created_at = granted.created_at

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # membership_grant already set the scope the role needs.
        return None

    @admin.action(description="Révoquer les rôles sélectionnés")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        count = 0
        for membership in queryset.filter(revoked_at__isnull=True):
            membership_revoke(
                membership=membership,
                actor=Scope.platform(membership.academie_id, user_id=request.user.pk),
            )
            count += 1
        self.message_user(request, f"{count} rôle(s) révoqué(s).", messages.SUCCESS)


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "état"
    parameter_name = "etat"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("attente", "En attente"),
            ("acceptee", "Acceptée"),
            ("annulee", "Annulée"),
            ("echec", "Échec d’envoi"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> QuerySet:
        value = self.value()
        if value == "attente":
            return queryset.pending()  # type: ignore[attr-defined]
        if value == "acceptee":
            return queryset.filter(accepted_at__isnull=False)
        if value == "annulee":
            return queryset.filter(cancelled_at__isnull=False)
        if value == "echec":
            return queryset.exclude(email_error="")
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are created by the académie's "Inviter un administrateur DANE"
    button (or by DANE admins in the application), since only then is the link emailed."""

    list_display = (
        "email",
        "academie",
        "role",
        "created_at",
        "expires_at",
        "status",
        "email_sent_at",
        "email_failed",
    )
    list_filter = ("academie", "role", InvitationStatusFilter)
    search_fields = ("email", "last_name")
    list_select_related = ("academie",)
    actions = ["cancel"]
    readonly_fields = (
        "academie",
        "email",
        "first_name",
        "last_name",
        "role",
        "departements",
        "establishments",
        "school_year",
        "token_hash",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "cancelled_at",
        "membership",
        "email_sent_at",
        "email_error",
    )

    @admin.display(description="état")
    def status(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return "Acceptée"
        if obj.cancelled_at:
            return "Annulée"
        return "En attente" if obj.is_pending else "Expirée"

    @admin.display(description="échec d’envoi", boolean=True)
    def email_failed(self, obj: Invitation) -> bool:
        return bool(obj.email_error)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Annuler les invitations sélectionnées")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        count = 0
        for invitation in queryset.filter(accepted_at__isnull=True, cancelled_at__isnull=True):
            invitation_cancel(
                invitation=invitation,
                actor=Scope.platform(invitation.academie_id, user_id=request.user.pk),
            )
            count += 1
        self.message_user(request, f"{count} invitation(s) annulée(s).", messages.SUCCESS)


# allauth's authenticators, in French.
from accounts import admin_mfa  # noqa: E402, F401
