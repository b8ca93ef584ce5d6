"""The DANE admin's pages of the mission-letter templates: versions of a year, the preview of
a version as a referent receives it, publication, a new version, last year's copy."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import history_for, history_lines
from establishments.forms import SchoolYearForm, year_filter
from establishments.models import SchoolYear
from missions.models import LetterTemplate
from missions.placeholders import fill_placeholders
from missions.selectors import get_template_for, templates_visible_to
from missions.services_templates import (
    template_copy_previous_year,
    template_new_version,
    template_publish,
)
from rupn.links import url_with_query
from tenancy.http import request_scope, role_required
from tenancy.roles import Role
from tenancy.scope import Scope

# What a preview fills the fields with: an example referent, not a real one.
PREVIEW_VALUES = {
    "referent": "Mme Camille Martin",
    "etablissement": "Collège exemple",
    "chef_etablissement": "M. Dominique Durand",
    "montant": "1 250,00 €",
}


def _templates_url(school_year: SchoolYear) -> str:
    return url_with_query("missions:templates", annee=school_year.start_year)


@role_required(Role.DANE_ADMIN)
def templates(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(SchoolYearForm, request.GET)
    school_year = chosen.school_year
    versions = list(
        templates_visible_to(scope)
        .filter(school_year=school_year)
        .select_related("published_by")
        .order_by("-version")
    )
    return render(
        request,
        "missions/template_list.html",
        {
            "page_title": f"Trames de lettre de mission {school_year.label}",
            "form": chosen.form,
            "school_year": school_year,
            "versions": versions,
            "has_draft": any(not v.is_published for v in versions),
            "history": history_lines(
                history_for(
                    scope,
                    whole_academie=True,
                    verb_prefix="template.",
                    school_year_id=school_year.pk,
                )
            ),
        },
        status=200 if chosen.valid else 400,
    )


@role_required(Role.DANE_ADMIN)
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for(request_scope(request), pk)
    values = {
        **PREVIEW_VALUES,
        "annee": template.school_year.label,
        "academie": str(request.academie),  # type: ignore[attr-defined]
    }
    sections = [
        {
            "section": section,
            "title": fill_placeholders(section.title, values),
            "body": fill_placeholders(section.body, values),
            "tasks": [fill_placeholders(t.label, values) for t in section.tasks.all()],
        }
        for section in template.sections.prefetch_related("tasks").order_by("position")
    ]
    return render(
        request,
        "missions/template_preview.html",
        {
            "page_title": f"Aperçu – {template}",
            "template": template,
            "introduction": fill_placeholders(template.introduction, values),
            "indemnity_clause": fill_placeholders(template.indemnity_clause, values),
            "sections": sections,
        },
    )


def _on_template(
    request: HttpRequest, pk: int, act: Callable[[LetterTemplate, Scope], str]
) -> HttpResponse:
    """Run `act` (a service, returning the success message) on one of the académie's templates,
    then go back to its year; a refusal is shown as the service wrote it."""
    scope = request_scope(request)
    template = get_template_for(scope, pk)
    try:
        messages.success(request, act(template, scope))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_templates_url(template.school_year))


def _publish(template: LetterTemplate, actor: Scope) -> str:
    template_publish(template=template, actor=actor)
    return f"Version {template.version} publiée."


def _new_version(template: LetterTemplate, actor: Scope) -> str:
    new = template_new_version(template=template, actor=actor)
    return f"Version {new.version} créée en brouillon."


@role_required(Role.DANE_ADMIN)
@require_POST
def template_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_template(request, pk, _publish)


@role_required(Role.DANE_ADMIN)
@require_POST
def template_new_version_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _on_template(request, pk, _new_version)


@role_required(Role.DANE_ADMIN)
@require_POST
def template_copy_view(request: HttpRequest, start_year: int) -> HttpResponse:
    scope = request_scope(request)
    school_year = SchoolYear.objects.filter(start_year=start_year).first()
    if school_year is None:
        messages.error(request, "Cette année scolaire n’existe pas.")
        return redirect("missions:templates")
    try:
        template_copy_previous_year(
            academie=request.academie,  # type: ignore[attr-defined]
            school_year=school_year,
            actor=scope,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Trame {school_year.label} créée à partir de l’an dernier.")
    return redirect(_templates_url(school_year))
