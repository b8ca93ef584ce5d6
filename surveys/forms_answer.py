"""The respondent's page form: reads the posted fields of one survey page into answers
(`Given`, one per question key) and gives the templates what to show for each question.

Field names, per question key `k`: `q-k` (the choice, the choices, the number or the text),
`q-k-autre` (the « autre, précisez » text), `q-k-<row>` (a grid row's column),
`q-k-<task>` and `q-k-<task>-commentaire` (a letter task's status and comment); `revision`
is the response's revision the page was shown at. Only the reading of the fields is here (a
number written « 3,5 », a revision that is not a number); the rules of each kind are checked by
the service (`surveys.answers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict

from surveys.answers import (
    EMPTY,
    Given,
    LetterTask,
    PageNode,
    QuestionNode,
    SurveyStructure,
    TaskAnswer,
)
from surveys.models import QuestionKind


def field_name(node: QuestionNode, *parts: str) -> str:
    return "-".join(["q", node.key, *parts])


@dataclass
class QuestionField:
    """One question as the page shows it: its answer, its errors, its condition."""

    node: QuestionNode
    given: Given
    errors: list[str] = field(default_factory=list)
    tasks: list[LetterTask] = field(default_factory=list)
    raw_number: str = ""
    # Shown only for some answers to a question of the same page (the page's script hides it;
    # without script it stays, with its hint, and is ignored unless shown).
    depends_on_page: bool = False
    parent: QuestionNode | None = None

    @property
    def name(self) -> str:
        return field_name(self.node)

    @property
    def id(self) -> str:
        return f"question-{self.node.key}"

    @property
    def kind(self) -> str:
        return self.node.kind

    @property
    def number_value(self) -> str:
        if self.raw_number:
            return self.raw_number
        if self.given.number is None:
            return ""
        text = format(self.given.number.normalize(), "f")
        return text.replace(".", ",")

    @property
    def choices(self) -> list[dict[str, Any]]:
        return [
            {
                "option": o,
                # What the page's markup reads of the option (`surveys.question_html`).
                "key": o.key,
                "label": o.label,
                "id": f"{self.id}-{o.key}",
                "checked": o.key in self.given.options,
            }
            for o in self.node.choices
        ]

    @property
    def other_name(self) -> str:
        return field_name(self.node, "autre")

    @property
    def grid_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "row": row,
                "name": field_name(self.node, row.key),
                "id": f"{self.id}-{row.key}",
                "cells": [
                    {
                        "option": o,
                        "key": o.key,
                        "label": o.label,
                        "id": f"{self.id}-{row.key}-{o.key}",
                        "checked": self.given.cells.get(row.key) == o.key,
                    }
                    for o in self.node.choices
                ],
            }
            for row in self.node.rows
        ]

    @property
    def task_rows(self) -> list[dict[str, Any]]:
        rows = []
        for n, task in enumerate(self.tasks, start=1):
            answer = self.given.tasks.get(task.key, TaskAnswer())
            rows.append(
                {
                    "task": task,
                    "number": n,
                    "name": field_name(self.node, task.key),
                    "comment_name": field_name(self.node, task.key, "commentaire"),
                    "id": f"{self.id}-{n}",
                    "comment": answer.comment,
                    "statuses": [
                        {
                            "option": o,
                            "key": o.key,
                            "label": o.label,
                            "id": f"{self.id}-{n}-{o.key}",
                            "checked": answer.status == o.key,
                        }
                        for o in self.node.choices
                    ],
                }
            )
        return rows

    @property
    def shown_if_text(self) -> str:
        if self.parent is None:
            return ""
        labels = [
            o.label for o in self.parent.choices if o.key in self.node.question.shown_if_options
        ]
        return " ou ".join(f"« {label} »" for label in labels)


def _text(data: QueryDict, name: str) -> str:
    return str(data.get(name, "")).replace("\r\n", "\n").strip()


def parse_number(raw: str) -> Decimal | None:
    """« 3 », « 3,5 », « 1 250 » → Decimal; raises ValueError when it is not a number."""
    cleaned = raw.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not value.is_finite():
        raise ValueError(raw)
    return value


def page_field(
    structure: SurveyStructure,
    node: QuestionNode,
    *,
    on_page: set[str],
    given: Given,
    tasks: list[LetterTask],
    errors: list[str] | None = None,
    raw_number: str = "",
) -> QuestionField:
    """Question `node` as a page holding the questions `on_page` shows it: its condition is the
    page's own when the question it depends on is on that page too."""
    parent = structure.by_key.get(node.parent_key or "")
    return QuestionField(
        node=node,
        given=given,
        errors=list(errors or []),
        tasks=tasks if node.kind == QuestionKind.LETTER_TASKS else [],
        raw_number=raw_number,
        depends_on_page=parent is not None and parent.key in on_page,
        parent=parent,
    )


class PageForm:
    """The posted answers of one page, or the saved ones to show (`given`)."""

    def __init__(
        self,
        structure: SurveyStructure,
        page: PageNode,
        *,
        saved: Mapping[str, Given],
        tasks: list[LetterTask],
        data: QueryDict | None = None,
    ) -> None:
        self.structure = structure
        self.page = page
        self.tasks = tasks
        self.data = data
        self.parse_errors: dict[str, list[str]] = {}
        self.raw_numbers: dict[str, str] = {}
        self.revision: int | None = None
        if data is None:
            self.given = {n.key: saved.get(n.key, EMPTY) for n in page.questions}
        else:
            self.given = {n.key: self._read(n, data) for n in page.questions}
            try:
                self.revision = int(str(data.get("revision", "")))
            except ValueError:
                self.revision = None
        visible_with_saved = structure.visible_keys({**saved, **self.given})
        on_page = {n.key for n in page.questions}
        self.fields: list[QuestionField] = []
        for node in page.questions:
            question_field = page_field(
                structure,
                node,
                on_page=on_page,
                given=self.given.get(node.key, EMPTY),
                tasks=tasks,
                errors=self.parse_errors.get(node.key, []),
                raw_number=self.raw_numbers.get(node.key, ""),
            )
            if not question_field.depends_on_page and node.key not in visible_with_saved:
                continue  # hidden by an answer of an earlier page
            self.fields.append(question_field)

    def _read(self, node: QuestionNode, data: QueryDict) -> Given:
        name = field_name(node)
        kind = node.kind
        if kind == QuestionKind.MULTIPLE:
            return Given(
                options=tuple(str(v) for v in data.getlist(name) if v),
                other=_text(data, field_name(node, "autre")),
            )
        if kind in (QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.SCALE):
            values = [str(v) for v in data.getlist(name) if v]
            return Given(options=tuple(values), other=_text(data, field_name(node, "autre")))
        if kind == QuestionKind.GRID:
            cells = {}
            for row in node.rows:
                value = _text(data, field_name(node, row.key))
                if value:
                    cells[row.key] = value
            return Given(cells=cells)
        if kind == QuestionKind.NUMBER:
            raw = _text(data, name)
            try:
                return Given(number=parse_number(raw))
            except ValueError:
                self.raw_numbers[node.key] = raw
                self.parse_errors[node.key] = [
                    "Indiquez un nombre, en chiffres (par exemple 3 ou 2,5)."
                ]
                return EMPTY
        if kind == QuestionKind.LETTER_TASKS:
            tasks = {}
            for task in self.tasks:
                status = _text(data, field_name(node, task.key))
                comment = _text(data, field_name(node, task.key, "commentaire"))
                if status or comment:
                    tasks[task.key] = TaskAnswer(status=status, comment=comment)
            return Given(tasks=tasks)
        return Given(text=_text(data, name))

    def is_valid(self) -> bool:
        return self.data is not None and not self.parse_errors and self.revision is not None

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        for f in self.fields:
            f.errors += list(errors.get(f.node.key, []))

    @property
    def error_fields(self) -> list[QuestionField]:
        return [f for f in self.fields if f.errors]
