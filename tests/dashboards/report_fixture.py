"""The overview's académie (`overview_fixture`) with what the synthesis report reads besides:
the tasks of the letters, a bilan with questions and answers this year and last year.

Letters' tasks (signed letters only count; r2's sent letter gives K1 and does not):
- rupn, collège A (16), issued: K1, K2 and a task of the establishment's own;
- r3, LGT B (86), awaiting the visa: K2, K3;
- last year p1, collège A, issued: K1.

Bilan this year (rupn and r3 submitted; r2 started; r4 invited only):
- délégation: rupn « oui », r3 « non »;
- tâches de ma lettre: rupn K1 faite, K2 en partie; r3 K2 faite, K3 non faite;
- demandes: rupn a text with an email address and a phone number, r3 « Plus de tablettes
  pour le lycée ».
Bilan last year: p1 invited and submitted: délégation « non », K1 faite.
"""

from __future__ import annotations

import datetime
from unittest import mock

from django.utils import timezone

from establishments.models import SchoolYear
from missions.models import Letter, LetterStatus
from surveys.models import (
    Answer,
    Audience,
    Campaign,
    OptionRole,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveyInvitation,
    SurveyPage,
    SurveyResponse,
)
from tests.dashboards import overview_fixture
from tests.dashboards.overview_fixture import OverviewWorld

K1 = ("former", "Former les enseignants au numérique")
K2 = ("ent", "Administrer l’ENT")
K3 = ("site", "Animer le site internet du lycée")
OWN = ("propre-ab12cd34", "Gérer la classe mobile")
RUPN_TEXT = (
    "Du temps pour la mission ; écrivez-moi à jean.dupont@ac-poitiers.fr ou au 05 49 00 00 00."
)
R3_TEXT = "Plus de tablettes pour le lycée"


def tasks(*items: tuple[str, str], own: tuple[str, str] | None = None) -> dict:
    chosen = [{"section": 2, "key": k, "label": label, "own": False} for k, label in items]
    if own:
        chosen.append({"section": 2, "key": own[0], "label": own[1], "own": True})
    return {"tasks": chosen, "texts": {}, "training": False, "ends_on": None}


def questions(survey: Survey) -> dict[str, Question]:
    """The three questions of the fixture's bilans and their options."""
    page = SurveyPage.objects.create(
        academie_id=survey.academie_id, survey=survey, position=1, title="Vos missions"
    )
    made = {}
    for position, (key, kind, label, options) in enumerate(
        [
            (
                "taches",
                QuestionKind.LETTER_TASKS,
                "Où en sont les tâches de votre lettre ?",
                [
                    ("faite", "Faite"),
                    ("en-partie", "En partie"),
                    ("non-faite", "Non faite"),
                    ("pas-commencee", "Pas commencée"),
                ],
            ),
            (
                "delegation",
                QuestionKind.YES_NO,
                "Avez-vous administré des services en ligne ?",
                [("oui", "Oui"), ("non", "Non")],
            ),
            ("demandes", QuestionKind.LONG_TEXT, "Vos demandes au rectorat", []),
        ],
        start=1,
    ):
        question = Question.objects.create(
            academie_id=survey.academie_id,
            survey=survey,
            page=page,
            position=position,
            key=key,
            kind=kind,
            label=label,
        )
        for index, (option_key, option_label) in enumerate(options, start=1):
            QuestionOption.objects.create(
                academie_id=survey.academie_id,
                question=question,
                role=OptionRole.CHOICE,
                position=index,
                key=option_key,
                label=option_label,
            )
        made[key] = question
    return made


def answer(response: SurveyResponse, qs: dict[str, Question], given: dict) -> None:
    options = {
        (o.question_id, o.key): o
        for o in QuestionOption.objects.filter(question__in=list(qs.values()))
    }
    rows = []
    for key, value in given.items():
        q = qs[key]
        base = {"academie_id": response.academie_id, "response": response, "question": q}
        if q.kind == QuestionKind.LETTER_TASKS:
            for task_key, label, status in value:
                rows.append(
                    Answer(
                        **base, task_key=task_key, task_label=label, option=options[(q.pk, status)]
                    )
                )
        elif q.kind == QuestionKind.YES_NO:
            rows.append(Answer(**base, option=options[(q.pk, value)]))
        else:
            rows.append(Answer(**base, text=value))
    Answer.objects.bulk_create(rows)


def _response(campaign: Campaign, user_id: int) -> SurveyResponse:
    return SurveyResponse.objects.get(campaign=campaign, invitation__user_id=user_id)


def build_report_world(poitiers, bordeaux) -> OverviewWorld:
    # A signed letter's content never changes (the database says so): the overview's letters
    # are written with their tasks from the start.
    current = SchoolYear.objects.current().start_year
    contents = {
        (poitiers.rupn.user.email, current): tasks(K1, K2, own=OWN),
        ("r3@test.fr", current): tasks(K2, K3),
        ("r2@test.fr", current): tasks(K1),
        ("p1@test.fr", current - 1): tasks(K1),
    }

    original = overview_fixture.letter

    def letter_with_tasks(referent, establishment, template, status):
        content = contents.get((referent.user.email, template.school_year.start_year))
        if content is None:
            return original(referent, establishment, template, status)
        now = timezone.now()
        return Letter.objects.create(
            academie_id=establishment.academie_id,
            establishment=establishment,
            school_year=template.school_year,
            referent=referent,
            template=template,
            reference=f"R-{next(overview_fixture._references):06d}",
            status=status,
            content=content,
            sent_at=None if status == LetterStatus.DRAFT else now,
            issued_at=now if status == LetterStatus.ISSUED else None,
        )

    with mock.patch.object(overview_fixture, "letter", letter_with_tasks):
        ow = overview_fixture.build(poitiers, bordeaux)
    world = ow.world
    letters = {
        (letter.referent.user.email, letter.school_year_id): letter
        for letter in Letter.objects.select_related("referent__user").filter(
            academie=world.academie
        )
    }

    campaign = Campaign.objects.get(academie=world.academie, survey__school_year=ow.year)
    qs = questions(campaign.survey)
    answer(
        _response(campaign, world.rupn.user_id),
        qs,
        {
            "delegation": "oui",
            "taches": [(*K1, "faite"), (*K2, "en-partie")],
            "demandes": RUPN_TEXT,
        },
    )
    r3 = letters[("r3@test.fr", ow.year.pk)].referent
    answer(
        _response(campaign, r3.user_id),
        qs,
        {"delegation": "non", "taches": [(*K2, "faite"), (*K3, "non-faite")], "demandes": R3_TEXT},
    )

    previous_campaign = last_years_bilan(ow)
    p1 = letters[("p1@test.fr", ow.previous.pk)].referent
    invitation = SurveyInvitation.objects.create(
        academie=world.academie, campaign=previous_campaign, user=p1.user, establishment=ow.a
    )
    response = SurveyResponse.objects.create(
        academie=world.academie,
        campaign=previous_campaign,
        invitation=invitation,
        establishment=ow.a,
        submitted_at=timezone.now() - datetime.timedelta(days=300),
    )
    answer(
        response,
        questions(previous_campaign.survey),
        {"delegation": "non", "taches": [(*K1, "faite")]},
    )
    return ow


def last_years_bilan(ow: OverviewWorld) -> Campaign:
    previous: SchoolYear = ow.previous
    survey = Survey.objects.create(
        academie=ow.world.academie, school_year=previous, audience=Audience.RUPN, title="Bilan"
    )
    opens = timezone.now() - datetime.timedelta(days=380)
    return Campaign.objects.create(
        academie=ow.world.academie,
        survey=survey,
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=30),
    )
