"""Platform administrators' view of the mission letters (all académies), read only.

Letters, signatures and their emails change only through the services, which follow the
workflow table and record who acted; the database refuses any change of a signed or issued
letter anyway. Templates are edited by the DANE in the application.
"""

from __future__ import annotations

from django.contrib import admin

from indemnities.admin import ReadOnlyAdmin
from missions.models import (
    Letter,
    LetterEmail,
    LetterPdfJob,
    LetterSignature,
    LetterTemplate,
)


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
