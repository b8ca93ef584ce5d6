"""Writes on the académie's mission-letter templates: drafts, publication, new versions.

A published version never changes: editing it means `template_new_version` (a draft copied
from it). Every write is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from audit.services import audit_record
from establishments.models import Academie, SchoolYear
from missions.models import (
    LetterTemplate,
    SectionKind,
    TemplateSection,
    TemplateStatus,
    TemplateTask,
)
from missions.placeholders import placeholder_errors
from rupn.formatting import quoted
from tenancy.scope import Scope


@dataclass(frozen=True)
class TaskData:
    label: str
    key: str = ""
    checked_by_default: bool = True


@dataclass(frozen=True)
class SectionData:
    kind: str
    title: str
    body: str = ""
    allows_own_tasks: bool = False
    tasks: Sequence[TaskData] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # Lists or tuples alike: two templates' data compare by content.
        object.__setattr__(self, "tasks", tuple(self.tasks))


@dataclass(frozen=True)
class TemplateData:
    title: str
    introduction: str
    indemnity_clause: str
    requires_dan_visa: bool
    sections: Sequence[SectionData]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))


def _errors(data: TemplateData) -> list[str]:
    errors: list[str] = []
    if not data.title.strip():
        errors.append("Donnez un titre à la trame.")
    if not data.sections:
        errors.append("Ajoutez au moins une section.")
    texts = [("Introduction", data.introduction), ("Clause d’indemnité", data.indemnity_clause)]
    keys: dict[str, str] = {}
    for number, section in enumerate(data.sections, start=1):
        where = f"Section {number}"
        if section.kind not in SectionKind.values:
            errors.append(f"{where} : choisissez la nature de la section.")
        if not section.title.strip():
            errors.append(f"{where} : donnez-lui un titre.")
        texts += [(f"{where} (titre)", section.title), (f"{where} (texte)", section.body)]
        if section.kind == SectionKind.TASKS and not section.tasks and not section.allows_own_tasks:
            errors.append(
                f"{where} : une liste de tâches propose au moins une tâche, ou permet au chef "
                "d’établissement d’ajouter les siennes."
            )
        if section.kind != SectionKind.TASKS and section.tasks:
            errors.append(f"{where} : seule une liste de tâches propose des tâches.")
        for task in section.tasks:
            if not task.label.strip():
                errors.append(f"{where} : une tâche n’a pas de libellé.")
                continue
            key = task.key or slugify(task.label)[:60]
            if key in keys:
                errors.append(
                    f"{where} : la tâche {quoted(task.label[:60])} a la même clé que "
                    f"{quoted(keys[key][:60])} ; donnez-lui une clé propre."
                )
            keys[key] = task.label
            texts.append((f"{where} (tâche)", task.label))
    return errors + placeholder_errors(texts)


def _write_sections(template: LetterTemplate, sections: Sequence[SectionData]) -> None:
    TemplateSection.objects.filter(template=template).delete()
    for position, data in enumerate(sections, start=1):
        section = TemplateSection.objects.create(
            template=template,
            position=position,
            kind=data.kind,
            title=data.title.strip(),
            body=data.body.strip(),
            allows_own_tasks=data.allows_own_tasks,
        )
        TemplateTask.objects.bulk_create(
            TemplateTask(
                section=section,
                key=task.key or slugify(task.label)[:60],
                label=task.label.strip(),
                checked_by_default=task.checked_by_default,
                position=index,
            )
            for index, task in enumerate(data.tasks, start=1)
        )


def template_data_of(template: LetterTemplate) -> TemplateData:
    """A template's content as data (to copy it, or to fill its editing form)."""
    sections = template.sections.prefetch_related("tasks").order_by("position")
    return TemplateData(
        title=template.title,
        introduction=template.introduction,
        indemnity_clause=template.indemnity_clause,
        requires_dan_visa=template.requires_dan_visa,
        sections=[
            SectionData(
                kind=s.kind,
                title=s.title,
                body=s.body,
                allows_own_tasks=s.allows_own_tasks,
                tasks=[
                    TaskData(label=t.label, key=t.key, checked_by_default=t.checked_by_default)
                    for t in s.tasks.all()
                ],
            )
            for s in sections
        ],
    )


@transaction.atomic
def template_create(
    *,
    academie: Academie,
    school_year: SchoolYear,
    data: TemplateData,
    actor: Scope,
    based_on: LetterTemplate | None = None,
) -> LetterTemplate:
    """A new draft for the year (version after the last one). Refused, in French, while a
    draft exists, or with an unknown field or a repeated task key."""
    errors = _errors(data)
    if errors:
        raise ValidationError(errors)
    if LetterTemplate.objects.filter(
        academie=academie, school_year=school_year, status=TemplateStatus.DRAFT
    ).exists():
        raise ValidationError(
            f"Une trame {school_year.label} est déjà en brouillon : modifiez-la plutôt."
        )
    last = LetterTemplate.objects.filter(academie=academie, school_year=school_year).aggregate(
        last=Max("version")
    )["last"]
    template = LetterTemplate.objects.create(
        academie=academie,
        school_year=school_year,
        version=(last or 0) + 1,
        title=data.title.strip(),
        introduction=data.introduction.strip(),
        indemnity_clause=data.indemnity_clause.strip(),
        requires_dan_visa=data.requires_dan_visa,
        based_on=based_on,
    )
    _write_sections(template, data.sections)
    origin = (
        f" à partir de la version {based_on.version} de {based_on.school_year.label}"
        if (based_on)
        else ""
    )
    audit_record(
        actor=actor,
        verb="template.create",
        target=template,
        school_year_id=school_year.pk,
        summary=f"a créé la version {template.version} de la trame {school_year.label}{origin}",
    )
    return template


@transaction.atomic
def template_update(*, template: LetterTemplate, data: TemplateData, actor: Scope) -> None:
    """Replace a draft's content; a published version is refused (start a new version)."""
    locked = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.is_published:
        raise ValidationError(
            "Cette version est publiée : elle ne change plus. Créez une nouvelle version pour "
            "la modifier ; les lettres déjà faites gardent la leur."
        )
    errors = _errors(data)
    if errors:
        raise ValidationError(errors)
    locked.title = data.title.strip()
    locked.introduction = data.introduction.strip()
    locked.indemnity_clause = data.indemnity_clause.strip()
    locked.requires_dan_visa = data.requires_dan_visa
    locked.save()
    _write_sections(locked, data.sections)
    audit_record(
        actor=actor,
        verb="template.update",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"a modifié le brouillon de la trame {locked.school_year.label} "
        f"(version {locked.version})",
    )


@transaction.atomic
def template_publish(*, template: LetterTemplate, actor: Scope) -> LetterTemplate:
    """Freeze the draft: principals make their letters on it from now on."""
    locked = LetterTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.is_published:
        return locked
    locked.status = TemplateStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by_id = actor.user_id
    locked.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=actor,
        verb="template.publish",
        target=locked,
        school_year_id=locked.school_year_id,
        summary=f"a publié la version {locked.version} de la trame {locked.school_year.label}",
    )
    return locked


def template_new_version(*, template: LetterTemplate, actor: Scope) -> LetterTemplate:
    """A draft copied from a published version, to change it without touching its letters."""
    return template_create(
        academie=template.academie,
        school_year=template.school_year,
        data=template_data_of(template),
        actor=actor,
        based_on=template,
    )


def template_copy_previous_year(
    *, academie: Academie, school_year: SchoolYear, actor: Scope
) -> LetterTemplate:
    """This year's first draft as a copy of the latest published version of an earlier year."""
    source = (
        LetterTemplate.objects.filter(
            academie=academie,
            status=TemplateStatus.PUBLISHED,
            school_year__start_year__lt=school_year.start_year,
        )
        .select_related("school_year")
        .order_by("-school_year__start_year", "-version")
        .first()
    )
    if source is None:
        raise ValidationError(
            f"Aucune trame publiée avant {school_year.label} : partez d’une trame vide."
        )
    return template_create(
        academie=academie,
        school_year=school_year,
        data=template_data_of(source),
        actor=actor,
        based_on=source,
    )
