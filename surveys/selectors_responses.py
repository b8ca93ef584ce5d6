"""Reads for the respondent: the surveys waiting for them, one invitation, its survey's
structure, the answers saved so far, and the tasks of the referent's letter in force.

A person reaches only their own invitations: their user, their académie, the establishments of
the role they act in, and the audience of that role (a RUPN the referents' bilan, a principal
the principals' survey). Anything else is the same 404 as a missing invitation.

Principals and the DANE also read, at the service-fait certification, the "tasks of my letter"
answers their referents submitted (`letter_task_answers_of`), and nothing else of a referent's
response.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from establishments.models import Establishment, SchoolYear
from indemnities.models import Allocation
from indemnities.panels import CertificationPanel
from missions.document import stored_document
from missions.models import Letter
from rupn.process_cache import ProcessCache
from surveys.answers import Given, LetterTask, SurveyStructure, TaskAnswer
from surveys.models import (
    Answer,
    Audience,
    Campaign,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    SurveyStatus,
)
from tenancy.roles import Role
from tenancy.scope import Scope, ScopeKind

AUDIENCE_OF_ROLE = {Role.RUPN: Audience.RUPN, Role.PRINCIPAL: Audience.PRINCIPALS}


def campaign_is_open(campaign: Campaign, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return campaign.opens_at <= now < campaign.closes_at


def campaign_has_opened(campaign: Campaign, now: datetime.datetime | None = None) -> bool:
    return campaign.opens_at <= (now or timezone.now())


def invitations_of(scope: Scope | None) -> QuerySet[SurveyInvitation]:
    """The acting person's own invitations, for the audience of the role they act in."""
    if scope is None or scope.user_id is None or scope.kind is ScopeKind.NOTHING:
        return SurveyInvitation.objects.none()
    audience = AUDIENCE_OF_ROLE.get(scope.role) if scope.role else None
    if audience is None:
        return SurveyInvitation.objects.none()
    return SurveyInvitation.objects.filter(
        academie_id=scope.academie_id,
        user_id=scope.user_id,
        establishment_id__in=scope.establishment_ids,
        campaign__survey__audience=audience,
        campaign__survey__status=SurveyStatus.PUBLISHED,
    )


def get_invitation_for(scope: Scope | None, pk: int | str) -> SurveyInvitation:
    """One of the person's invitations whose campaign has opened, with its campaign, survey,
    school year, establishment and response (if any); 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Invitation introuvable.") from None
    invitation = (
        invitations_of(scope)
        .filter(pk=pk, campaign__opens_at__lte=timezone.now())
        .select_related("campaign__survey__school_year", "establishment", "response")
        .first()
    )
    if invitation is None:
        raise Http404("Invitation introuvable.")
    return invitation


def response_of(invitation: SurveyInvitation) -> SurveyResponse | None:
    try:
        return invitation.response
    except SurveyResponse.DoesNotExist:
        return None


@dataclass(frozen=True)
class InvitationLine:
    """A survey on the respondent's home page."""

    invitation: SurveyInvitation
    survey: Survey
    campaign: Campaign
    establishment: Establishment
    is_open: bool
    started: bool
    submitted_at: datetime.datetime | None

    @property
    def state_label(self) -> str:
        if self.submitted_at is not None:
            return "Réponses envoyées"
        if not self.is_open:
            return "Campagne close"
        return "En cours" if self.started else "À remplir"


def invitation_lines(scope: Scope | None) -> list[InvitationLine]:
    """The person's surveys of opened campaigns, newest year first: one query."""
    rows = (
        invitations_of(scope)
        .filter(campaign__opens_at__lte=timezone.now())
        .select_related("campaign__survey__school_year", "establishment", "response")
        .order_by("-campaign__survey__school_year__start_year", "establishment__name", "pk")
    )
    now = timezone.now()
    lines = []
    for invitation in rows:
        response = response_of(invitation)
        lines.append(
            InvitationLine(
                invitation=invitation,
                survey=invitation.campaign.survey,
                campaign=invitation.campaign,
                establishment=invitation.establishment,
                is_open=campaign_is_open(invitation.campaign, now),
                started=response is not None,
                submitted_at=response.submitted_at if response is not None else None,
            )
        )
    return lines


# About a thousand questions' worth of surveys: two audiences a year, in every académie.
_structures: ProcessCache[SurveyStructure] = ProcessCache(maxsize=128)


def survey_structure(survey: Survey) -> SurveyStructure:
    """Pages, questions and options of a survey: in three queries the first time a process
    meets the survey at its structure version, from that first reading afterwards (every
    change raises the version). The survey itself is the caller's, read with its status and
    wording of now."""

    def load() -> SurveyStructure:
        pages = list(survey.pages.order_by("position", "pk"))
        questions = list(
            Question.objects.filter(survey=survey).order_by("page__position", "position", "pk")
        )
        options = list(
            QuestionOption.objects.filter(question__survey=survey).order_by(
                "role", "position", "pk"
            )
        )
        return SurveyStructure.build(survey, pages, questions, options)

    structure = _structures.get_or_load((survey.pk, survey.structure_version), load)
    return structure if structure.survey is survey else replace(structure, survey=survey)


def given_of(response: SurveyResponse | None, structure: SurveyStructure) -> dict[str, Given]:
    """The answers saved on a response, by question key: one query."""
    if response is None:
        return {}
    rows = Answer.objects.filter(response=response).values_list(
        "question_id", "option__key", "row__key", "task_key", "number", "text"
    )
    raw: dict[int, dict[str, object]] = {}
    for question_id, option, row, task_key, number, text in rows.order_by("pk"):
        node = structure.by_id.get(question_id)
        if node is None:
            continue
        slot = raw.setdefault(question_id, {"options": [], "cells": {}, "tasks": {}})
        kind = node.kind
        if kind == QuestionKind.GRID:
            if row and option:
                slot["cells"][row] = option  # type: ignore[index]
        elif kind == QuestionKind.LETTER_TASKS:
            slot["tasks"][task_key] = TaskAnswer(status=option or "", comment=text)  # type: ignore[index]
        elif kind == QuestionKind.NUMBER:
            slot["number"] = number
        elif kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            slot["text"] = text
        elif option:
            slot["options"].append(option)  # type: ignore[attr-defined]
            if text:
                slot["other"] = text
    given: dict[str, Given] = {}
    for question_id, slot in raw.items():
        node = structure.by_id[question_id]
        stored_number = slot.get("number")
        given[node.key] = Given(
            options=tuple(slot["options"]),  # type: ignore[arg-type]
            other=str(slot.get("other", "")),
            cells=dict(slot["cells"]),  # type: ignore[call-overload]
            number=Decimal(str(stored_number)) if stored_number is not None else None,
            text=str(slot.get("text", "")),
            tasks=dict(slot["tasks"]),  # type: ignore[call-overload]
        )
    return given


# --- The tasks of the referent's letter -------------------------------------------------------


def letter_in_force_for(
    *, user_id: int, establishment_id: int, school_year_id: int
) -> Letter | None:
    """The referent's letter that binds now for that establishment and year (the last issued
    amendment when there is one)."""
    return (
        Letter.objects.in_force()
        .filter(
            establishment_id=establishment_id,
            school_year_id=school_year_id,
            referent__user_id=user_id,
        )
        .order_by("-issued_at", "-pk")
        .first()
    )


def letter_tasks(letter: Letter | None) -> list[LetterTask]:
    """The tasks as the signed letter writes them, section by section."""
    if letter is None:
        return []
    document = stored_document(letter) or {}
    tasks: list[LetterTask] = []
    for section in document.get("sections", []):
        for task in section.get("taches", []) or []:
            tasks.append(
                LetterTask(
                    key=str(task.get("cle", "")),
                    label=str(task.get("libelle", "")),
                    section=str(section.get("titre", "")),
                )
            )
    return [t for t in tasks if t.key]


def letter_of_invitation(invitation: SurveyInvitation) -> Letter | None:
    """The letter whose tasks the referent's bilan lists (principals have none)."""
    survey = invitation.campaign.survey
    if survey.audience != Audience.RUPN:
        return None
    return letter_in_force_for(
        user_id=invitation.user_id,
        establishment_id=invitation.establishment_id,
        school_year_id=survey.school_year_id,
    )


# --- At the service-fait certification --------------------------------------------------------


@dataclass(frozen=True)
class TaskLine:
    label: str
    status: str  # the status's label
    status_key: str
    comment: str


@dataclass(frozen=True)
class ReferentTasks:
    """A referent's submitted answer to "the tasks of my letter" (one bilan per establishment)."""

    submitted_at: datetime.datetime
    question_label: str
    lines: list[TaskLine]


def letter_task_answers_of(
    scope: Scope,
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    user_ids: Iterable[int],
) -> dict[int, ReferentTasks]:
    """By referent's user id: what they answered to "the tasks of my letter" in the year's
    submitted bilan for that establishment. Only the direction of the establishment and the
    DANE (within its scope) read it; two queries whatever the number of referents."""
    allowed = scope.is_direction or scope.is_dane
    if (
        not allowed
        or not Establishment.objects.filter(scope.establishments_q(), pk=establishment.pk).exists()
    ):
        return {}
    answers = (
        Answer.objects.filter(
            academie_id=scope.academie_id,
            question__kind=QuestionKind.LETTER_TASKS,
            response__establishment_id=establishment.pk,
            response__submitted_at__isnull=False,
            response__invitation__user_id__in=list(user_ids),
            response__campaign__survey__school_year_id=school_year.pk,
            response__campaign__survey__audience=Audience.RUPN,
        )
        .filter(~Q(task_key=""))
        .select_related("option", "question", "response__invitation")
        .order_by("response__invitation__user_id", "pk")
    )
    result: dict[int, ReferentTasks] = {}
    for answer in answers:
        user_id = answer.response.invitation.user_id
        entry = result.get(user_id)
        if entry is None:
            entry = ReferentTasks(
                submitted_at=answer.response.submitted_at,  # type: ignore[arg-type]
                question_label=answer.question.label,
                lines=[],
            )
            result[user_id] = entry
        entry.lines.append(
            TaskLine(
                label=answer.task_label,
                status=answer.option.label if answer.option else "—",
                status_key=answer.option.key if answer.option else "",
                comment=answer.text,
            )
        )
    return result


def letter_tasks_panels(
    scope: Scope,
    establishment: Establishment,
    school_year: SchoolYear,
    allocations: Sequence[Allocation],
) -> dict[int, CertificationPanel]:
    """The service-fait page's panel under each referent: what they answered about the tasks
    of their letter in the year's bilan (a line saying so when they have not submitted it)."""
    if not (scope.is_direction or scope.is_dane):
        return {}
    by_user = letter_task_answers_of(
        scope,
        establishment=establishment,
        school_year=school_year,
        user_ids=[a.referent.user_id for a in allocations],
    )
    return {
        a.pk: CertificationPanel(
            template="surveys/answer/_certification_tasks.html",
            context={
                "answers": by_user.get(a.referent.user_id),
                "referent": a.referent.user,
                "allocation_id": a.pk,
                "school_year": school_year,
            },
        )
        for a in allocations
    }
