"""Platform administrators' view of the IMP data (all académies). DANE staff use the app pages.

Certifications and allocations are read-only here: they change only through the services, which
check the envelope and record who acted in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from indemnities.models import (
    Allocation,
    EnvelopeBand,
    EnvelopeOverride,
    ImpMultiple,
    ImpRuleSet,
    ServiceCertification,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ImpMultipleInline(admin.TabularInline):
    model = ImpMultiple
    extra = 0


class EnvelopeBandInline(admin.TabularInline):
    model = EnvelopeBand
    extra = 0


@admin.register(ImpRuleSet)
class ImpRuleSetAdmin(admin.ModelAdmin):
    list_display = ["academie", "school_year", "base_rate", "max_referents", "locked_at"]
    list_filter = ["academie", "school_year"]
    readonly_fields = ["updated_at", "updated_by"]
    inlines = [ImpMultipleInline, EnvelopeBandInline]


@admin.register(EnvelopeOverride)
class EnvelopeOverrideAdmin(admin.ModelAdmin):
    list_display = ["establishment", "school_year", "amount", "created_by", "created_at"]
    list_filter = ["academie", "school_year"]
    list_select_related = ["establishment", "school_year", "created_by"]
    raw_id_fields = ["establishment"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = [
        "establishment",
        "school_year",
        "referent",
        "amount",
        "withdrawn_at",
        "letter_issued_at",
        "updated_at",
    ]
    list_filter = ["academie", "school_year"]
    list_select_related = ["establishment", "school_year", "referent__academie"]
    raw_id_fields = ["establishment", "referent"]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(ServiceCertification)
class ServiceCertificationAdmin(ReadOnlyAdmin):
    list_display = ["allocation", "status", "months_done", "amount", "certified_at"]
    list_filter = ["academie", "status", "is_correction"]
    list_select_related = ["allocation"]
