"""Reads of the mission-letter templates, through the acting scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from establishments.models import SchoolYear
from missions.models import LetterTemplate, TemplateStatus, TemplateTask
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


def published_template_of(academie_id: int, school_year: SchoolYear) -> LetterTemplate | None:
    """The version letters of the year are made on now: the académie's latest published one."""
    return (
        LetterTemplate.objects.filter(
            academie_id=academie_id, school_year=school_year, status=TemplateStatus.PUBLISHED
        )
        .order_by("-version")
        .first()
    )


def published_template(scope: Scope, school_year: SchoolYear) -> LetterTemplate | None:
    """The same, for a person: every role of the académie reads its published templates."""
    return published_template_of(scope.academie_id, school_year)


def template_task_keys(template: LetterTemplate) -> frozenset[str]:
    """The keys of the tasks saved with a template (they stay as they are when it is edited)."""
    return frozenset(
        TemplateTask.objects.filter(section__template=template).values_list("key", flat=True)
    )


def template_draft_of_year(template: LetterTemplate) -> LetterTemplate | None:
    """The draft of the same académie and year as `template`, if there is one."""
    return (
        LetterTemplate.objects.filter(
            academie_id=template.academie_id,
            school_year_id=template.school_year_id,
            status=TemplateStatus.DRAFT,
        )
        .only("pk", "version")
        .first()
    )
