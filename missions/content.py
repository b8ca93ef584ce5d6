"""What a principal chooses on the template for one referent: the letter's `content`.

Stored as JSON on the letter, one shape, read and written only here:

    {
      "tasks": [{"section": 2, "key": "ent-administration", "label": "…", "own": false}, …],
      "texts": {"3": "Le référent accompagne …"},
      "training": true,
      "ends_on": "2026-02-28" | null
    }

`section` is the position of a section in the letter's template; `key` the template task's
stable key (an own task gets `propre-…`); `texts` the free texts by section position;
`training` the tick « s'inscrit au stage entrer dans la fonction de RUPN »; `ends_on` the end of
the mission that an amendment may set. Pure: no database.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from missions.models import LetterTemplate, SectionKind, TemplateSection

OWN_TASK_PREFIX = "propre-"
MAX_OWN_TASK_LENGTH = 500
MAX_TEXT_LENGTH = 5000


@dataclass(frozen=True)
class ChosenTask:
    section: int
    key: str
    label: str
    own: bool = False


@dataclass(frozen=True)
class LetterContent:
    tasks: Sequence[ChosenTask] = ()
    texts: Mapping[int, str] = field(default_factory=dict)
    training: bool = False
    ends_on: datetime.date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "tasks": [
                {"section": t.section, "key": t.key, "label": t.label, "own": t.own}
                for t in self.tasks
            ],
            "texts": {str(position): text for position, text in sorted(self.texts.items())},
            "training": self.training,
            "ends_on": self.ends_on.isoformat() if self.ends_on else None,
        }

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> LetterContent:
        data = data or {}
        ends_on = data.get("ends_on")
        return cls(
            tasks=tuple(
                ChosenTask(
                    section=int(t["section"]),
                    key=str(t["key"]),
                    label=str(t["label"]),
                    own=bool(t.get("own")),
                )
                for t in data.get("tasks", ())
            ),
            texts={int(k): str(v) for k, v in (data.get("texts") or {}).items()},
            training=bool(data.get("training")),
            ends_on=datetime.date.fromisoformat(ends_on) if ends_on else None,
        )

    def keys(self) -> set[str]:
        return {t.key for t in self.tasks}


def own_task_key() -> str:
    return OWN_TASK_PREFIX + secrets.token_hex(4)


def sections_of(template: LetterTemplate) -> list[TemplateSection]:
    """The template's sections with their tasks (prefetched by the caller, or fetched here)."""
    return sorted(template.sections.all(), key=lambda s: s.position)


def default_content(template: LetterTemplate) -> LetterContent:
    """A new letter: every task pre-checked by the académie, no free text yet."""
    return LetterContent(
        tasks=tuple(
            ChosenTask(section=s.position, key=t.key, label=t.label)
            for s in sections_of(template)
            if s.kind == SectionKind.TASKS
            for t in sorted(s.tasks.all(), key=lambda t: t.position)
            if t.checked_by_default
        )
    )


def content_from_choices(
    template: LetterTemplate,
    *,
    task_keys: Iterable[str],
    own_tasks: Mapping[int, Sequence[tuple[str, str]]],
    texts: Mapping[int, str],
    training: bool,
    ends_on: datetime.date | None = None,
) -> tuple[LetterContent, list[str]]:
    """The content for the template tasks checked (`task_keys`), the own tasks per section
    position (key, label — an empty key makes a new one) and the free texts; with the French
    errors of what the template does not allow."""
    wanted = set(task_keys)
    errors: list[str] = []
    tasks: list[ChosenTask] = []
    clean_texts: dict[int, str] = {}
    for section in sections_of(template):
        if section.kind == SectionKind.TASKS:
            for task in sorted(section.tasks.all(), key=lambda t: t.position):
                if task.key in wanted:
                    tasks.append(
                        ChosenTask(section=section.position, key=task.key, label=task.label)
                    )
            own = [(key, label.strip()) for key, label in own_tasks.get(section.position, ())]
            own = [(key, label) for key, label in own if label]
            if own and not section.allows_own_tasks:
                errors.append(
                    f"La section {quoted_title(section)} n’accepte pas de tâches propres à "
                    "l’établissement."
                )
                continue
            for key, label in own:
                if len(label) > MAX_OWN_TASK_LENGTH:
                    errors.append(
                        f"Une tâche de la section {quoted_title(section)} dépasse "
                        f"{MAX_OWN_TASK_LENGTH} caractères."
                    )
                tasks.append(
                    ChosenTask(
                        section=section.position,
                        key=key if key.startswith(OWN_TASK_PREFIX) else own_task_key(),
                        label=label,
                        own=True,
                    )
                )
        elif section.kind == SectionKind.FREE_TEXT:
            text = texts.get(section.position, "").strip()
            if len(text) > MAX_TEXT_LENGTH:
                errors.append(
                    f"Le texte de la section {quoted_title(section)} dépasse "
                    f"{MAX_TEXT_LENGTH} caractères."
                )
            if text:
                clean_texts[section.position] = text
    unknown = wanted - {t.key for t in tasks}
    if unknown:
        errors.append("Une tâche cochée n’existe pas dans la trame : rechargez la page.")
    return (
        LetterContent(tasks=tuple(tasks), texts=clean_texts, training=training, ends_on=ends_on),
        errors,
    )


def missing_for_sending(template: LetterTemplate, content: LetterContent) -> list[str]:
    """What a letter lacks before it can be sent to the referent, in French."""
    problems: list[str] = []
    chosen_sections = {t.section for t in content.tasks}
    for section in sections_of(template):
        if section.kind == SectionKind.FREE_TEXT and not content.texts.get(section.position):
            problems.append(f"Rédigez la section {quoted_title(section)}.")
    has_task_section = any(s.kind == SectionKind.TASKS for s in sections_of(template))
    if has_task_section and not chosen_sections:
        problems.append("Cochez au moins une tâche.")
    return problems


@dataclass(frozen=True)
class Renewal:
    content: LetterContent
    lost_tasks: list[str]


def renew_content(template: LetterTemplate, previous: LetterContent) -> Renewal:
    """Last year's choices on this year's template: tasks found again by key (in whichever
    section holds them now), own tasks kept where a section still accepts them, free texts by
    the order of free-text sections; the tasks that no longer exist are listed."""
    sections = sections_of(template)
    position_of_key = {
        t.key: s.position for s in sections if s.kind == SectionKind.TASKS for t in s.tasks.all()
    }
    label_of_key = {t.key: t.label for s in sections for t in s.tasks.all()}
    own_sections = [
        s.position for s in sections if s.kind == SectionKind.TASKS and s.allows_own_tasks
    ]
    tasks: list[ChosenTask] = []
    lost: list[str] = []
    for task in previous.tasks:
        if task.own:
            if own_sections:
                target = task.section if task.section in own_sections else own_sections[0]
                tasks.append(ChosenTask(section=target, key=task.key, label=task.label, own=True))
            else:
                lost.append(task.label)
        elif task.key in position_of_key:
            tasks.append(
                ChosenTask(
                    section=position_of_key[task.key], key=task.key, label=label_of_key[task.key]
                )
            )
        else:
            lost.append(task.label)
    order = {s.position: i for i, s in enumerate(sections)}
    tasks.sort(key=lambda t: (order.get(t.section, 0), t.own))
    old_texts = [text for _, text in sorted(previous.texts.items())]
    free_positions = [s.position for s in sections if s.kind == SectionKind.FREE_TEXT]
    texts = dict(zip(free_positions, old_texts, strict=False))
    return Renewal(
        content=LetterContent(tasks=tuple(tasks), texts=texts, training=False),
        lost_tasks=lost,
    )


def quoted_title(section: TemplateSection) -> str:
    return f"« {section.title} »"
