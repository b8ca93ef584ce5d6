"""Campaigns, invited people and their answers built straight through the ORM, for the tests
of campaigns, results and exports (the answering pages have their own tests)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.test import TestCase
from django.utils import timezone

from accounts.scopes import scope_for
from establishments.models import Departement, Establishment, EstablishmentType
from surveys.models import (
    Answer,
    Campaign,
    OptionRole,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.services import survey_publish
from surveys.services_campaigns import campaign_create
from tests.factories import AcademieWorld, make_establishment, make_user

_people = itertools.count(1)


def open_campaign(
    world: AcademieWorld,
    survey: Survey,
    *,
    opens_at: datetime.datetime | None = None,
    days: int = 30,
    every: int | None = 7,
) -> Campaign:
    actor = scope_for(world.dane_admin)
    survey = survey_publish(survey=survey, actor=actor)
    opens_at = opens_at or timezone.now()
    # The invitations' emails leave on commit, as in production.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return campaign_create(
            actor=actor,
            survey=survey,
            opens_at=opens_at,
            closes_at=opens_at + datetime.timedelta(days=days),
            reminder_every_days=every,
        )


def invite(
    campaign: Campaign,
    *,
    establishment: Establishment | None = None,
    type: str = EstablishmentType.COLLEGE,
    departement: Departement | None = None,
    sent: bool = True,
) -> SurveyInvitation:
    """One more invited person (with an establishment of their own unless given)."""
    serial = next(_people)
    if establishment is None:
        establishment = make_establishment(
            academie=campaign.academie, departement=departement, type=type, pupils=None
        )
    user = make_user(f"repondant.{serial}.{campaign.academie_id}@test.fr", first_name=f"R{serial}")
    return SurveyInvitation.objects.create(
        academie_id=campaign.academie_id,
        campaign=campaign,
        user=user,
        establishment=establishment,
        email_sent_at=timezone.now() if sent else None,
    )


def respond(
    invitation: SurveyInvitation, answers: dict[str, Any], *, submitted: bool = True
) -> SurveyResponse:
    """The invitation's response with `answers` by question key:
    yes/no, single, scale: an option key; multiple: a list of option keys, the text of an
    « autre » option as `(key, text)`; grid: {row key: option key}; number: a number; texts: a
    string; letter tasks: a list of (task key, task label, status key, comment)."""
    campaign = invitation.campaign
    response = SurveyResponse.objects.create(
        academie_id=invitation.academie_id,
        campaign=campaign,
        invitation=invitation,
        establishment_id=invitation.establishment_id,
        submitted_at=timezone.now() if submitted else None,
    )
    questions = {q.key: q for q in Question.objects.filter(survey_id=campaign.survey_id)}
    options: dict[tuple[int, str, str], QuestionOption] = {
        (o.question_id, o.role, o.key): o
        for o in QuestionOption.objects.filter(question__survey_id=campaign.survey_id)
    }
    rows: list[Answer] = []

    def add(question: Question, **fields: Any) -> None:
        rows.append(
            Answer(
                academie_id=invitation.academie_id, response=response, question=question, **fields
            )
        )

    def choice(question: Question, key: str) -> QuestionOption:
        return options[(question.pk, OptionRole.CHOICE, key)]

    for key, value in answers.items():
        question = questions[key]
        kind = question.kind
        if kind in (QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.SCALE):
            add(question, option=choice(question, value))
        elif kind == QuestionKind.MULTIPLE:
            for item in value:
                if isinstance(item, tuple):
                    add(question, option=choice(question, item[0]), text=item[1])
                else:
                    add(question, option=choice(question, item))
        elif kind == QuestionKind.GRID:
            for row_key, option_key in value.items():
                add(
                    question,
                    row=options[(question.pk, OptionRole.ROW, row_key)],
                    option=choice(question, option_key),
                )
        elif kind == QuestionKind.NUMBER:
            add(question, number=Decimal(str(value)))
        elif kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            add(question, text=value)
        elif kind == QuestionKind.LETTER_TASKS:
            for task_key, task_label, status, comment in value:
                add(
                    question,
                    task_key=task_key,
                    task_label=task_label,
                    option=choice(question, status),
                    text=comment,
                )
    Answer.objects.bulk_create(rows)
    return response
