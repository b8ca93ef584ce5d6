"""Django admin for platform administrators: the académies' establishments and reference data.

Académie staff never use it (they are not `is_staff`); they manage their data in the application.
The académies themselves are administered from `accounts.admin_academies`: creating one invites
its first DANE administrator, a people service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from establishments.models import (
    Departement,
    Establishment,
    EstablishmentImport,
    PupilCount,
    SchoolYear,
)


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "academie")
    list_filter = ("academie",)
    search_fields = ("code", "name")
    list_select_related = ("academie",)


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("label", "start_year")
    ordering = ("-start_year",)


class EstablishmentAdminForm(forms.ModelForm):
    # No inner Meta: the admin builds the form's fields on each request, inside the platform
    # administrator's unscoped access; a Meta here would query départements at import time.

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        academie = cleaned.get("academie")
        departement = cleaned.get("departement")
        if academie and departement and departement.academie_id != academie.pk:
            self.add_error("departement", "Ce département n’appartient pas à l’académie choisie.")
        return cleaned


class PupilCountInline(admin.TabularInline):
    model = PupilCount
    extra = 0
    fields = ("school_year", "pupils", "source", "updated_at")
    readonly_fields = ("updated_at",)


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    form = EstablishmentAdminForm
    fields = (
        "academie",
        "uai",
        "name",
        "type",
        "sector",
        "departement",
        "commune",
        "email",
        "bassin",
        "created_at",
        "updated_at",
    )
    list_display = ("uai", "name", "academie", "type", "sector", "departement", "commune")
    list_filter = ("academie", "type", "sector")
    search_fields = ("uai", "name", "commune")
    list_select_related = ("academie", "departement")
    autocomplete_fields = ("departement",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [PupilCountInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # A pupil count always belongs to its establishment's académie.
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, PupilCount):
                instance.academie_id = form.instance.academie_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(PupilCount)
class PupilCountAdmin(admin.ModelAdmin):
    list_display = ("establishment", "school_year", "pupils", "source", "academie")
    list_filter = ("academie", "school_year")
    search_fields = ("establishment__uai", "establishment__name")
    list_select_related = ("establishment", "school_year", "academie")
    raw_id_fields = ("establishment",)
    fields = ("establishment", "school_year", "pupils", "source", "academie", "updated_at")
    readonly_fields = ("academie", "updated_at")

    def save_model(self, request: HttpRequest, obj: PupilCount, form: Any, change: bool) -> None:
        obj.academie_id = obj.establishment.academie_id
        super().save_model(request, obj, form, change)


@admin.register(EstablishmentImport)
class EstablishmentImportAdmin(admin.ModelAdmin):
    """Imports are records of what a DANE loaded: read-only here."""

    list_display = ("filename", "academie", "school_year", "status", "created_at", "created_by")
    list_filter = ("academie", "status", "school_year")
    search_fields = ("filename",)
    list_select_related = ("academie", "school_year", "created_by")
    exclude = ("content",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
