"""Reads of the mission-letter templates, through the acting scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from establishments.models import SchoolYear
from missions.models import LetterTemplate, TemplateStatus
from tenancy.scope import Scope


def templates_visible_to(scope: Scope | None) -> QuerySet[LetterTemplate]:
    """A DANE admin sees the académie's drafts and versions; everyone else its published ones."""
    if scope is None:
        return LetterTemplate.objects.none()
    templates = LetterTemplate.objects.filter(academie_id=scope.academie_id)
    if scope.is_dane_admin or scope.is_platform:
        return templates
    return templates.filter(status=TemplateStatus.PUBLISHED)


def get_template_for(scope: Scope | None, pk: int | str) -> LetterTemplate:
    try:
        return templates_visible_to(scope).select_related("school_year").get(pk=pk)
    except (LetterTemplate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Trame introuvable.") from exc


def published_template(scope: Scope, school_year: SchoolYear) -> LetterTemplate | None:
    """The version letters of the year are made on now: the latest published one."""
    return (
        templates_visible_to(scope)
        .filter(school_year=school_year, status=TemplateStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
