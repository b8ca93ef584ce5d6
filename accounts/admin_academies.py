"""Django admin of the académies (the tenants): created from the national list with the
invitation of their first DANE administrator, who may be invited again from here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts.forms import DaneAdminInviteForm
from accounts.forms_academies import AcademieCreateForm
from accounts.services import invitation_create
from accounts.services_academies import academie_create
from establishments.models import Academie, Departement
from tenancy.roles import Role
from tenancy.scope import Scope


class DepartementInline(admin.TabularInline):
    model = Departement
    extra = 0
    fields = ("code", "name")


@admin.register(Academie)
class AcademieAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region_academique", "mfa_required_for_dane", "invite_link")
    search_fields = ("name", "code", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = [DepartementInline]
    actions = ["invite_dane_admin"]

    @admin.display(description="Administrateur DANE")
    def invite_link(self, obj: Academie) -> str:
        url = reverse("admin:establishments_academie_invite_dane_admin", args=[obj.pk])
        return format_html('<a href="{}">Inviter un administrateur DANE</a>', url)

    @admin.action(description="Inviter un administrateur DANE")
    def invite_dane_admin(
        self, request: HttpRequest, queryset: QuerySet[Academie]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request,
                "Choisissez une seule académie pour inviter son administrateur DANE.",
                messages.ERROR,
            )
            return None
        academie = queryset.get()
        return HttpResponseRedirect(
            reverse("admin:establishments_academie_invite_dane_admin", args=[academie.pk])
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """An académie is chosen from the national list, with its first DANE admin's email."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AcademieCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                academie = academie_create(
                    code=form.cleaned_data["code"],
                    admin_email=form.cleaned_data["email"],
                    admin_first_name=form.cleaned_data["first_name"],
                    admin_last_name=form.cleaned_data["last_name"],
                    by=request.user,  # type: ignore[arg-type]
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.log_addition(request, academie, [{"added": {}}])
                self.message_user(
                    request,
                    f"{academie} créée avec {academie.departements.count()} département(s) ; "
                    f"invitation envoyée à {form.cleaned_data['email']} pour l’administrer.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:establishments_academie_change", args=[academie.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": "Ajouter une académie",
            "form": form,
            "opts": self.model._meta,
            "has_choices": len(form.fields["code"].choices) > 1,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "accounts/admin/academie_create.html", context)

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path(
                "<int:pk>/inviter-dane/",
                self.admin_site.admin_view(self.invite_dane_admin_view),
                name="establishments_academie_invite_dane_admin",
            )
        ]
        return custom + super().get_urls()

    def invite_dane_admin_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        academie = get_object_or_404(Academie, pk=pk)
        if not self.has_change_permission(request, academie):
            raise PermissionDenied
        form = DaneAdminInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            invitation, _token = invitation_create(
                academie=academie,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                role=Role.DANE_ADMIN,
                actor=Scope.platform(academie.pk, user_id=request.user.pk),
                base_url=request.build_absolute_uri("/"),
            )
            self.message_user(
                request,
                f"Invitation envoyée à {invitation.email} "
                f"pour administrer l’académie de {academie.name}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:accounts_invitation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Inviter un administrateur DANE",
            "subtitle": str(academie),
            "academie": academie,
            "form": form,
            "opts": self.model._meta,
            "original": academie,
        }
        return TemplateResponse(request, "accounts/admin/invite_dane_admin.html", context)
