"""French titles and permission labels for every page of the Django admin.

Django's French catalogue builds titles as "Ajout de %s" and "Modification de %s", which reads
"Modification de académie"; and permissions keep the English names Django stores ("Can add
académie"). `french_admin()` gives each registered model admin the elided titles ("Ajout
d’académie", "Modification d’établissement") and French permission labels. It runs once the
admin has discovered every app's registrations (`AccountsConfig.ready`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db.models import Field
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest, HttpResponse

VERBS = {"add": "ajouter", "change": "modifier", "delete": "supprimer", "view": "voir"}


def de(noun: str) -> str:
    """French "de" before a noun, elided before a vowel or a mute h: "d’académie"."""
    first = noun[:1].lower()
    return f"d’{noun}" if first and first in "aâàeéèêiîoôuûyh" else f"de {noun}"


def _french_verbose_name(model: Any, site: admin.AdminSite) -> str:
    """The model's name, or that of a French proxy the admin shows instead (allauth's MFA)."""
    if model is None:
        return ""
    for registered in site._registry:
        if registered._meta.proxy and registered._meta.concrete_model is model:
            return str(registered._meta.verbose_name)
    return str(model._meta.verbose_name)


def permission_label(permission: Permission, site: admin.AdminSite = admin.site) -> str:
    model = permission.content_type.model_class()
    app = model._meta.app_config.verbose_name if model else permission.content_type.app_label
    action, _, _rest = permission.codename.partition("_")
    verb = VERBS.get(action)
    name = _french_verbose_name(model, site) or permission.content_type.model
    return f"{app} | {name} | {verb}" if verb else f"{app} | {name} | {permission.name}"


class FrenchAdminMixin:
    """Titles with French elision; permission choices in French."""

    model: Any
    admin_site: admin.AdminSite

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        name = self.model._meta.verbose_name
        context = {"title": f"Ajout {de(str(name))}", **(extra_context or {})}
        return super().add_view(request, form_url, context)  # type: ignore[misc]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        name = str(self.model._meta.verbose_name)
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        can_change = self.has_change_permission(request, obj)  # type: ignore[attr-defined]
        title = f"Modification {de(name)}" if can_change else f"Affichage {de(name)}"
        context = {"title": title, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Field, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        queryset = getattr(field, "queryset", None)
        if isinstance(field, ModelMultipleChoiceField) and getattr(queryset, "model", None) is (
            Permission
        ):
            site = self.admin_site

            def label(obj: Any) -> str:
                return permission_label(obj, site)

            field.label_from_instance = label  # type: ignore[method-assign,assignment]
        return field


def french_admin(site: admin.AdminSite = admin.site) -> None:
    """Give every registered model admin the French mixin (once)."""
    for model_admin in site._registry.values():
        cls = type(model_admin)
        if not issubclass(cls, FrenchAdminMixin):
            model_admin.__class__ = type(cls.__name__, (FrenchAdminMixin, cls), {})
