"""What a respondent gives to one question, and the rules it must follow.

A survey's structure (`SurveyStructure`: pages, questions, their options and rows, read once)
and the answers given (`Given`, one per question key) are plain values: the page forms build
them, the services check them here and store them, the pages show them. No database here.

Rules, for every kind:
- yes/no, single choice, scale: one of the question's options; « autre, précisez » needs its
  text;
- multiple choice: any of its options, « autre, précisez » with its text;
- grid: one column per row; required means every row;
- number: a number within the question's bounds;
- short text (300 characters) and long text (5 000);
- "the tasks of my letter": one status per task of the letter in force, with an optional
  comment; required means every task (no letter in force: nothing to answer); an answer to
  a task the letter in force no longer has (an amendment was issued meanwhile) is not kept.

A conditional question is shown when the answer to its parent (itself shown) includes one of
the options that show it. A hidden question is never required and its answers are not kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from surveys.models import OptionRole, Question, QuestionKind, QuestionOption, Survey, SurveyPage

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
COMMENT_MAX = 1000
ONE_CHOICE_KINDS = frozenset({QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.SCALE})


@dataclass(frozen=True)
class LetterTask:
    """A task as written in the referent's letter in force (`section`: its section's title)."""

    key: str
    label: str
    section: str = ""


@dataclass(frozen=True)
class TaskAnswer:
    status: str = ""  # an option key of the question (faite, en-partie, …)
    comment: str = ""


@dataclass(frozen=True)
class Given:
    """The answer to one question; empty when nothing was given."""

    options: tuple[str, ...] = ()
    other: str = ""
    cells: Mapping[str, str] = field(default_factory=dict)
    number: Decimal | None = None
    text: str = ""
    tasks: Mapping[str, TaskAnswer] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.options
            or self.cells
            or self.number is not None
            or self.text
            or any(t.status or t.comment for t in self.tasks.values())
        )


EMPTY = Given()


@dataclass
class QuestionNode:
    question: Question
    choices: list[QuestionOption]
    rows: list[QuestionOption]
    parent_key: str | None = None

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def other_option(self) -> QuestionOption | None:
        return next((o for o in self.choices if o.is_other), None)

    def choice(self, key: str) -> QuestionOption | None:
        return next((o for o in self.choices if o.key == key), None)

    def row(self, key: str) -> QuestionOption | None:
        return next((o for o in self.rows if o.key == key), None)

    @property
    def shown_if_labels(self) -> list[str]:
        return list(self.question.shown_if_options)


@dataclass
class PageNode:
    page: SurveyPage
    number: int  # 1, 2, … in the survey's order (the page's address)
    questions: list[QuestionNode]


@dataclass
class SurveyStructure:
    survey: Survey
    pages: list[PageNode]
    by_key: dict[str, QuestionNode]
    by_id: dict[int, QuestionNode]

    @classmethod
    def build(
        cls,
        survey: Survey,
        pages: Iterable[SurveyPage],
        questions: Iterable[Question],
        options: Iterable[QuestionOption],
    ) -> SurveyStructure:
        by_id: dict[int, QuestionNode] = {}
        for q in questions:
            by_id[q.pk] = QuestionNode(question=q, choices=[], rows=[])
        for option in options:
            node = by_id.get(option.question_id)
            if node is not None:
                (node.rows if option.role == OptionRole.ROW else node.choices).append(option)
        for node in by_id.values():
            parent = by_id.get(node.question.shown_if_question_id or 0)
            node.parent_key = parent.key if parent is not None else None
        page_nodes = []
        for number, page in enumerate(pages, start=1):
            page_nodes.append(
                PageNode(
                    page=page,
                    number=number,
                    questions=[n for n in by_id.values() if n.question.page_id == page.pk],
                )
            )
        ordered = [n for p in page_nodes for n in p.questions]
        return cls(
            survey=survey,
            pages=page_nodes,
            by_key={n.key: n for n in ordered},
            by_id=by_id,
        )

    @property
    def questions(self) -> list[QuestionNode]:
        return [n for p in self.pages for n in p.questions]

    def page(self, number: int) -> PageNode | None:
        return self.pages[number - 1] if 1 <= number <= len(self.pages) else None

    def visible_keys(self, given: Mapping[str, Given]) -> set[str]:
        """The questions shown for these answers (parents come first in the survey's order)."""
        shown: set[str] = set()
        for node in self.questions:
            parent = node.parent_key
            if parent is None:
                shown.add(node.key)
            elif parent in shown:
                chosen = set(given.get(parent, EMPTY).options)
                if chosen & set(node.question.shown_if_options):
                    shown.add(node.key)
        return shown


def _check_number(node: QuestionNode, value: Decimal) -> str | None:
    q = node.question
    if q.min_value is not None and value < q.min_value:
        return f"La valeur doit être au moins {_plain(q.min_value)}."
    if q.max_value is not None and value > q.max_value:
        return f"La valeur doit être au plus {_plain(q.max_value)}."
    if value != value.quantize(Decimal("0.01")):
        return "Deux décimales au plus."
    return None


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def given_errors(
    node: QuestionNode,
    given: Given,
    *,
    required: bool,
    tasks: list[LetterTask] | None = None,
) -> list[str]:
    """What is wrong with `given` for the question, in French (empty when acceptable)."""
    kind = node.kind
    errors: list[str] = []
    known = {o.key for o in node.choices}
    if kind in ONE_CHOICE_KINDS or kind == QuestionKind.MULTIPLE:
        if any(k not in known for k in given.options):
            errors.append("Cette réponse ne fait pas partie des choix proposés.")
        if kind in ONE_CHOICE_KINDS and len(given.options) > 1:
            errors.append("Une seule réponse est possible.")
        other = node.other_option
        if other is not None and other.key in given.options and not given.other.strip():
            errors.append(f"Précisez votre réponse « {other.label} ».")
        if len(given.other) > SHORT_TEXT_MAX:
            errors.append(f"La précision ne doit pas dépasser {SHORT_TEXT_MAX} caractères.")
        if required and not given.options:
            errors.append(
                "Cochez au moins une réponse."
                if kind == QuestionKind.MULTIPLE
                else "Choisissez une réponse."
            )
    elif kind == QuestionKind.GRID:
        rows = {r.key for r in node.rows}
        if any(r not in rows or c not in known for r, c in given.cells.items()):
            errors.append("Cette réponse ne fait pas partie des choix proposés.")
        missing = [r.label for r in node.rows if r.key not in given.cells]
        if required and missing:
            errors.append(f"Répondez pour chaque ligne ; il manque : {', '.join(missing)}.")
    elif kind == QuestionKind.NUMBER:
        if given.number is not None:
            problem = _check_number(node, given.number)
            if problem:
                errors.append(problem)
        elif required:
            errors.append("Indiquez un nombre.")
    elif kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        limit = SHORT_TEXT_MAX if kind == QuestionKind.SHORT_TEXT else LONG_TEXT_MAX
        if len(given.text) > limit:
            errors.append(f"La réponse ne doit pas dépasser {limit} caractères.")
        if required and not given.text.strip():
            errors.append("Cette réponse est obligatoire.")
    elif kind == QuestionKind.LETTER_TASKS:
        task_list = tasks or []
        task_keys = {t.key for t in task_list}
        for key, answer in given.tasks.items():
            if key not in task_keys:
                continue  # no longer in the letter in force (an amendment): not kept
            if answer.status and answer.status not in known:
                errors.append("Cette réponse ne fait pas partie des choix proposés.")
                break
            if len(answer.comment) > COMMENT_MAX:
                errors.append(f"Un commentaire ne doit pas dépasser {COMMENT_MAX} caractères.")
                break
        missing = [t.label for t in task_list if not given.tasks.get(t.key, TaskAnswer()).status]
        if required and missing:
            errors.append(
                "Indiquez où en est chaque tâche ; "
                f"{len(missing)} tâche{'s' if len(missing) > 1 else ''} sans réponse."
            )
    return errors
