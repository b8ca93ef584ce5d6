"""The author's preview of a survey: each page as its respondent sees it, before any answer.

Each question is drawn by the respondent's own markup (`surveys.question_html`), so that what
the DANE checks before publishing is the page a referent or a principal will get, with its
hints and its « précisez » fields. A « tasks of my letter » question shows example tasks: each
referent sees those of their own letter. Conditional questions are all shown, each with the
answers it waits for, whether that question is on the same page or an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from surveys.answers import EMPTY, LetterTask, PageNode, QuestionNode, SurveyStructure
from surveys.forms_answer import page_field
from surveys.question_html import answer_question_html

EXAMPLE_TASKS = [
    LetterTask(
        key="exemple-1",
        label="Accompagner les enseignants dans l’usage de l’ENT",
        section="Accompagnement des équipes",
    ),
    LetterTask(
        key="exemple-2",
        label="Administrer par délégation les services en ligne",
        section="Administration des services numériques",
    ),
]
# Where the respondent's page names their establishment and year, the preview says whose.
ANY_ESTABLISHMENT = "votre établissement"


@dataclass(frozen=True)
class PreviewQuestion:
    html: SafeString
    parent: QuestionNode | None  # the question whose answers show this one
    shown_if_labels: list[str]


@dataclass(frozen=True)
class PreviewPage:
    node: PageNode
    questions: list[PreviewQuestion]


def _shown_if_labels(node: QuestionNode, parent: QuestionNode | None) -> list[str]:
    if parent is None:
        return []
    labels = {o.key: o.label for o in parent.choices}
    return [labels.get(key, key) for key in node.question.shown_if_options]


def preview_pages(structure: SurveyStructure) -> list[PreviewPage]:
    school_year = str(structure.survey.school_year)
    pages = []
    for page in structure.pages:
        on_page = {n.key for n in page.questions}
        questions = []
        for node in page.questions:
            field = page_field(structure, node, on_page=on_page, given=EMPTY, tasks=EXAMPLE_TASKS)
            questions.append(
                PreviewQuestion(
                    html=answer_question_html(
                        field, establishment_name=ANY_ESTABLISHMENT, school_year=school_year
                    ),
                    parent=field.parent,
                    shown_if_labels=_shown_if_labels(node, field.parent),
                )
            )
        pages.append(PreviewPage(node=page, questions=questions))
    return pages
