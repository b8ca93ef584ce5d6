"""Reads of the survey builder: the DANE admin's surveys, pages and questions of the académie.

Only a DANE admin (or the platform) reaches a survey here, drafts included; any other scope,
another académie or a missing row get the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from establishments.models import SchoolYear
from surveys.models import (
    Answer,
    Audience,
    OptionRole,
    Question,
    QuestionOption,
    Survey,
    SurveyPage,
)
from tenancy.scope import Scope


def surveys_authored_by(scope: Scope | None) -> QuerySet[Survey]:
    """The académie's surveys, drafts included, for the DANE admin who builds them."""
    if scope is None or not (scope.is_dane_admin or scope.is_platform):
        return Survey.objects.none()
    return Survey.objects.filter(academie_id=scope.academie_id)


def get_survey_for_author(scope: Scope | None, pk: int | str) -> Survey:
    try:
        return surveys_authored_by(scope).select_related("school_year").get(pk=pk)
    except (Survey.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Enquête introuvable.") from exc


def get_page_for_author(scope: Scope | None, pk: int | str) -> SurveyPage:
    try:
        return SurveyPage.objects.select_related("survey__school_year").get(
            pk=pk, survey__in=surveys_authored_by(scope)
        )
    except (SurveyPage.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Page introuvable.") from exc


def get_question_for_author(scope: Scope | None, pk: int | str) -> Question:
    try:
        return Question.objects.select_related("page", "survey__school_year").get(
            pk=pk, survey__in=surveys_authored_by(scope)
        )
    except (Question.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Question introuvable.") from exc


def survey_has_answers(survey: Survey) -> bool:
    """Whether anyone has saved an answer: from then on questions and options stay."""
    return Answer.objects.filter(academie_id=survey.academie_id, question__survey=survey).exists()


@dataclass
class AudienceRow:
    """One audience of a year on the surveys list: its survey, or what it could be copied from."""

    audience: Audience
    survey: Survey | None
    question_count: int = 0
    previous: Survey | None = None


def surveys_of_year(scope: Scope, school_year: SchoolYear) -> list[AudienceRow]:
    """Each audience of the year with its survey (if any) and, when it has none, the latest
    survey of an earlier year for that audience (what « copy last year's » would take)."""
    surveys = {
        s.audience: s
        for s in surveys_authored_by(scope)
        .filter(school_year=school_year)
        .annotate(question_count=Count("questions"))
        .select_related("published_by")
    }
    earlier: dict[str, Survey] = {}
    for s in (
        surveys_authored_by(scope)
        .filter(school_year__start_year__lt=school_year.start_year)
        .select_related("school_year")
        .order_by("-school_year__start_year")
    ):
        earlier.setdefault(s.audience, s)
    return [
        AudienceRow(
            audience=audience,
            survey=surveys.get(audience),
            question_count=getattr(surveys.get(audience), "question_count", 0),
            previous=earlier.get(audience),
        )
        for audience in Audience
    ]


def previous_survey_of(
    *, academie_id: int, school_year: SchoolYear, audience: str
) -> Survey | None:
    """The latest survey of the audience in a year before `school_year`."""
    return (
        Survey.objects.filter(
            academie_id=academie_id,
            audience=audience,
            school_year__start_year__lt=school_year.start_year,
        )
        .select_related("school_year")
        .order_by("-school_year__start_year")
        .first()
    )


@dataclass
class QuestionView:
    question: Question
    choices: list[QuestionOption] = field(default_factory=list)
    rows: list[QuestionOption] = field(default_factory=list)
    parent: Question | None = None
    shown_if_labels: list[str] = field(default_factory=list)
    number: int = 0


@dataclass
class PageView:
    page: SurveyPage
    questions: list[QuestionView]
    number: int


def survey_outline(survey: Survey) -> list[PageView]:
    """The survey's pages and questions with their options, in order, in three queries."""
    pages = list(SurveyPage.objects.filter(survey=survey).order_by("position", "pk"))
    questions = list(
        Question.objects.filter(survey=survey)
        .select_related("shown_if_question")
        .prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("role", "position"))
        )
        .order_by("page__position", "position", "pk")
    )
    by_key = {q.key: q for q in questions}
    views: dict[int, list[QuestionView]] = {}
    number = 0
    for q in questions:
        number += 1
        options = list(q.options.all())
        parent = by_key.get(q.shown_if_question.key) if q.shown_if_question else None
        labels: list[str] = []
        if parent is not None:
            parent_options = {o.key: o.label for o in parent.options.all()}
            labels = [parent_options.get(k, k) for k in q.shown_if_options]
        views.setdefault(q.page_id, []).append(
            QuestionView(
                question=q,
                choices=[o for o in options if o.role == OptionRole.CHOICE],
                rows=[o for o in options if o.role == OptionRole.ROW],
                parent=parent,
                shown_if_labels=labels,
                number=number,
            )
        )
    return [
        PageView(page=page, questions=views.get(page.pk, []), number=n)
        for n, page in enumerate(pages, start=1)
    ]
