"""Builders for answering tests: an open campaign, a referent's issued letter, page data."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from accounts.scopes import scope_for
from missions.models import Letter, LetterStatus
from surveys.answers import Given
from surveys.definition import Definition
from surveys.models import Audience, Campaign, Survey, SurveyInvitation
from surveys.services import survey_publish
from surveys.services_campaigns import campaign_create
from tests.factories import AcademieWorld
from tests.surveys.definitions import make_survey


def open_campaign(
    world: AcademieWorld,
    definition: Definition | None = None,
    *,
    audience: str = Audience.RUPN,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    survey: Survey | None = None,
) -> Campaign:
    """A published survey of the world's académie with a campaign open since yesterday."""
    actor = scope_for(world.dane_admin)
    survey = survey or make_survey(world, definition, audience=audience)
    survey = survey_publish(survey=survey, actor=actor)
    now = timezone.now()
    return campaign_create(
        actor=actor,
        survey=survey,
        opens_at=opens_at or now - datetime.timedelta(days=1),
        closes_at=closes_at or now + datetime.timedelta(days=30),
        reminder_every_days=7,
    )


def invitation_of(campaign: Campaign, membership: Any) -> SurveyInvitation:
    return SurveyInvitation.objects.select_related("campaign__survey", "establishment").get(
        campaign=campaign, user_id=membership.user_id
    )


def issued_letter(world: AcademieWorld, referent: Any = None) -> Letter:
    """The referent's letter of the year, issued (template published on first use)."""
    from missions.models import LetterTemplate
    from tests.missions.letters import advance, draft_letter, publish_template

    if not LetterTemplate.objects.filter(academie=world.academie).exists():
        publish_template(world, visa=False)
    letter = draft_letter(world, referent=referent)
    return advance(letter, world, until=LetterStatus.ISSUED)


def every_kind_answers(task_keys: list[str] | None = None) -> dict[str, Given]:
    """Valid answers to every question of `every_kind()` (the conditional one shown)."""
    from surveys.answers import TaskAnswer

    return {
        "taches": Given(
            tasks={k: TaskAnswer(status="faite", comment="Bien avancé") for k in task_keys or []}
        ),
        "pilotage": Given(options=("oui",)),
        "enquete": Given(options=("non",)),
        "information": Given(options=("courriel", "autre"), other="Le site du collège"),
        "assistance": Given(options=("oui",)),
        "tablette": Given(options=("parfois",)),
        "ressources": Given(cells={"eduthèque": "utilisee", "pix": "inconnue"}),
        "ateliers": Given(number=__import__("decimal").Decimal("4")),
        "projet": Given(text="Former les élèves à l’ENT"),
        "demandes": Given(text="Du temps.\nDu débit."),
    }


def page_of(answers: dict[str, Given], keys: list[str]) -> dict[str, Given]:
    return {k: answers[k] for k in keys if k in answers}


PAGE_1 = ["taches", "pilotage", "enquete", "information"]
PAGE_2 = ["assistance", "tablette", "ressources", "ateliers", "projet", "demandes"]
