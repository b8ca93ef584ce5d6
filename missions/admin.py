"""Platform administrators' view of the mission letters (all académies), read only.

Letters, signatures and their emails change only through the services, which follow the
workflow table and record who acted; the database refuses any change of a signed or issued
letter anyway. Templates are edited by the DANE in the application.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from indemnities.admin import ReadOnlyAdmin
from missions.models import (
    Letter,
    LetterEmail,
    LetterPdfJob,
    LetterSignature,
    LetterTemplate,
    SealCertificate,
)
from missions.seal_store import seal_certificate_check, seal_certificate_install
from tenancy.scope import Scope


class SignatureInline(admin.TabularInline):
    model = LetterSignature
    extra = 0
    can_delete = False
    fields = ("kind", "signer_name", "role", "signed_at", "content_sha256", "voided_at")
    readonly_fields = ("kind", "signer_name", "role", "signed_at", "content_sha256", "voided_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["reference", "establishment", "school_year", "referent", "status", "issued_at"]
    list_filter = ["academie", "school_year", "status"]
    list_select_related = ["establishment", "school_year", "referent__user"]
    search_fields = ["reference", "establishment__uai", "referent__user__email"]
    inlines = [SignatureInline]


@admin.register(LetterEmail)
class LetterEmailAdmin(ReadOnlyAdmin):
    list_display = ["letter", "event", "recipient", "sent_at", "error"]
    list_filter = ["academie", "event"]


@admin.register(LetterTemplate)
class LetterTemplateAdmin(ReadOnlyAdmin):
    list_display = ["academie", "school_year", "version", "status", "published_at"]
    list_filter = ["academie", "school_year", "status"]


class SealCertificateForm(forms.ModelForm):
    """Install a certificate: the PKCS#12 file and its passphrase, checked by the service."""

    pkcs12_file = forms.FileField(
        label="Fichier PKCS#12 (.p12)",
        help_text="Certificat de sceau de l’académie, émis par l’autorité de la plateforme.",
    )
    passphrase = forms.CharField(
        label="Phrase secrète du fichier",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = SealCertificate
        fields = ["academie"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("pkcs12_file")
        if upload is None:
            return data
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("Un fichier PKCS#12 fait moins de 1 Mo.")
        data["pkcs12_data"] = upload.read()
        seal_certificate_check(
            pkcs12_data=data["pkcs12_data"], passphrase=data.get("passphrase") or ""
        )
        return data


@admin.register(SealCertificate)
class SealCertificateAdmin(admin.ModelAdmin):
    """Certificates are installed, never edited: a new one retires the current one, which is
    kept so that the letters it sealed still verify."""

    form = SealCertificateForm
    list_display = ["academie", "subject", "not_after", "installed_at", "retired_at"]
    list_filter = ["academie"]
    readonly_fields = [
        "academie",
        "subject",
        "issuer",
        "serial_number",
        "fingerprint_sha256",
        "not_before",
        "not_after",
        "installed_at",
        "installed_by",
        "retired_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["academie", "pkcs12_file", "passphrase"]
        return self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: SealCertificate, form: Any, change: bool
    ) -> None:
        if change:
            return
        data = form.cleaned_data
        installed = seal_certificate_install(
            academie=data["academie"],
            pkcs12_data=data["pkcs12_data"],
            passphrase=data.get("passphrase") or "",
            actor=Scope.platform(data["academie"].pk, user_id=request.user.pk),
        )
        # The admin goes on with `obj` (log entry, redirect): make it the installed row.
        for field in SealCertificate._meta.concrete_fields:
            setattr(obj, field.attname, getattr(installed, field.attname))


@admin.register(LetterPdfJob)
class LetterPdfJobAdmin(ReadOnlyAdmin):
    list_display = [
        "academie",
        "kind",
        "school_year",
        "status",
        "done_count",
        "total",
        "created_at",
    ]
    list_filter = ["academie", "kind", "status"]
    list_select_related = ["academie", "school_year"]
