"""Demo surveys: the RUPN bilan and the principals' survey reconstructed from the Poitiers
synthesis of 2017/2018 (seed `004`, `surveys/data/*.json`), in both demo académies.

For each académie: last year's two surveys with a CLOSED campaign and most people's answers
(results to read), this year's two with an OPEN campaign and some answers, some submitted,
some in progress. Answers go through the respondents' own services, as each person would
answer, at a moment inside the campaign. The demo accounts `rupn@…` and `principal@…` are
left with this year's survey still to fill in.

Running it again adds nothing: surveys, campaigns and responses that exist are kept.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.scopes import scope_for
from establishments.models import Academie, SchoolYear
from surveys.answers import Given, LetterTask, QuestionNode, SurveyStructure, TaskAnswer
from surveys.definition import Definition
from surveys.models import (
    Audience,
    Campaign,
    QuestionKind,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.selectors_responses import letter_of_invitation, letter_tasks, survey_structure
from surveys.services import survey_create, survey_publish
from surveys.services_campaigns import campaign_create
from surveys.services_responses import response_save_page, response_submit

DATA = Path(__file__).resolve().parent / "data"
DEFINITIONS = {Audience.RUPN: "bilan_rupn.json", Audience.PRINCIPALS: "enquete_chefs.json"}
# Left to fill in by whoever tries the demo.
UNANSWERED = ("rupn@", "principal@")

PROJECTS = [
    "Former les élèves et leurs familles à l’ENT dès la rentrée.",
    "Produire et diffuser une lettre d’information numérique (7 à 8 dans l’année).",
    "Préférer Framaforms aux formulaires en ligne des grandes plateformes.",
    "Varier les temps de formation : le soir, entre midi et deux, de petites vidéos.",
    "Former davantage les collègues aux tablettes en classe.",
    "Harmoniser les pratiques avec le matériel : PC, tablettes, VPI, baladodiffusion.",
]
REQUESTS = [
    "Du temps pour assurer la mission : c’est ma première demande.",
    "Une augmentation du débit internet et une couverture Wi-Fi plus stable.",
    "Des ordinateurs dans un plus grand nombre de salles de classe.",
    "Des réunions de RUPN centrées sur les usages pédagogiques.",
    "Plus d’information sur la rémunération de la mission.",
    "Que les tickets d’assistance (Wi-Fi, tablettes) soient suivis sans relance.",
]
TRAININGS = [
    "L’évaluation de projets numériques.",
    "Les usages qui apportent une plus-value par rapport aux usages traditionnels.",
    "Le TBI et les applications de création de contenus.",
]
NEEDS = [
    "Un technicien à proximité pour le réseau Wi-Fi.",
    "Un meilleur renouvellement du matériel.",
    "Un assistant technico-informatique : la maintenance ne relève pas du RUPN.",
]
IDEALS = [
    "Disponible, pédagogue et à l’écoute : notre référent actuel !",
    "Quelqu’un qui communique bien avec les équipes et reste autonome.",
    "Un collègue patient, qui forme sans faire à la place.",
]
COMMENTS = [
    "Avec l’aide du professeur documentaliste.",
    "À poursuivre l’an prochain.",
    "Faute de temps, seulement au premier trimestre.",
    "",
    "",
]
TEXTS = {
    "projets": PROJECTS,
    "demandes": REQUESTS,
    "formations-souhaitees": TRAININGS,
    "besoins": NEEDS,
    "rupn-ideal": IDEALS,
    "autre-e-formation-outils": ["Un MOOC de FUN sur le numérique éducatif.", "Canopé"],
    "autres-missions": ["La gestion des salles informatiques.", ""],
}


def load_definition(audience: Audience | str) -> Definition:
    result: Definition = json.loads(
        (DATA / DEFINITIONS[Audience(audience)]).read_text(encoding="utf-8")
    )
    return result


def _pick(rng: random.Random, node: QuestionNode, weights: list[float] | None = None) -> str:
    keys = [o.key for o in node.choices if not o.is_other]
    return rng.choices(keys, weights=weights[: len(keys)] if weights else None)[0]


def demo_given(
    structure: SurveyStructure, tasks: list[LetterTask], rng: random.Random
) -> dict[str, Given]:
    """Plausible answers to every question (hidden ones are left out by the services)."""
    given: dict[str, Given] = {}
    for node in structure.questions:
        kind = node.kind
        if kind == QuestionKind.LETTER_TASKS:
            statuses = ["faite", "en-partie", "non-faite", "pas-commencee"]
            given[node.key] = Given(
                tasks={
                    t.key: TaskAnswer(
                        status=rng.choices(statuses, weights=[6, 3, 1, 1])[0],
                        comment=rng.choice(COMMENTS),
                    )
                    for t in tasks
                }
            )
        elif kind == QuestionKind.YES_NO:
            given[node.key] = Given(options=(rng.choice(["oui", "oui", "non"]),))
        elif kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
            given[node.key] = Given(options=(_pick(rng, node, [3, 4, 2, 1, 1]),))
        elif kind == QuestionKind.MULTIPLE:
            plain = [o.key for o in node.choices if not o.is_other]
            chosen = rng.sample(plain, k=rng.randint(1, min(3, len(plain))))
            other = node.other_option
            if other is not None and rng.random() < 0.15:
                given[node.key] = Given(options=(*chosen, other.key), other="Le site du collège")
            else:
                given[node.key] = Given(options=tuple(chosen))
        elif kind == QuestionKind.GRID:
            columns = [o.key for o in node.choices]
            given[node.key] = Given(
                cells={r.key: rng.choices(columns, weights=[4, 5, 2])[0] for r in node.rows}
            )
        elif kind == QuestionKind.NUMBER:
            low = int(node.question.min_value or 0)
            high = min(int(node.question.max_value or 10), low + 8)
            given[node.key] = Given(number=Decimal(rng.randint(low, high)))
        else:
            choices = TEXTS.get(node.key, [""])
            text = rng.choice(choices) if rng.random() < 0.7 else ""
            given[node.key] = Given(text=text)
    return given


def _respondent(invitation: SurveyInvitation, survey: Survey) -> Membership | None:
    memberships = Membership.objects.active().filter(
        academie_id=survey.academie_id,
        user_id=invitation.user_id,
        establishments=invitation.establishment_id,
    )
    if survey.audience == Audience.RUPN:
        memberships = memberships.filter(role=Role.RUPN, school_year_id=survey.school_year_id)
    else:
        memberships = memberships.filter(role=Role.PRINCIPAL)
    return memberships.order_by("pk").first()


def _answer(
    invitation: SurveyInvitation,
    structure: SurveyStructure,
    *,
    pages: int | None,
    at: datetime.datetime,
    rng: random.Random,
) -> None:
    """Answer `pages` pages (all when None), then submit when all were answered."""
    survey = structure.survey
    membership = _respondent(invitation, survey)
    if membership is None:
        return
    actor = scope_for(membership)
    tasks = letter_tasks(letter_of_invitation(invitation))
    given = demo_given(structure, tasks, rng)
    count = len(structure.pages) if pages is None else min(pages, len(structure.pages))
    revision = 0
    for page in structure.pages[:count]:
        response = response_save_page(
            actor=actor,
            invitation=invitation,
            page_number=page.number,
            given={n.key: given[n.key] for n in page.questions},
            revision=revision,
            now=at,
        )
        revision = response.revision
    if pages is None:
        response_submit(actor=actor, invitation=invitation, revision=revision, now=at)


def _campaign_dates(
    year: SchoolYear, current: SchoolYear, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    if year.start_year < current.start_year:  # June–July of that year: closed now
        tz = timezone.get_current_timezone()
        opens = datetime.datetime(year.start_year + 1, 6, 1, 8, 0, tzinfo=tz)
        closes = datetime.datetime(year.start_year + 1, 7, 10, 18, 0, tzinfo=tz)
        if closes < now:
            return opens, closes
    opens = (now - datetime.timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    return opens, opens + datetime.timedelta(days=60)


@transaction.atomic
def load_demo_surveys(*, academie: Academie, school_years: Iterable[SchoolYear]) -> None:
    admin = (
        Membership.objects.active()
        .filter(academie=academie, role=Role.DANE_ADMIN)
        .order_by("pk")
        .first()
    )
    if admin is None:
        return
    actor = scope_for(admin)
    current = SchoolYear.objects.current()
    now = timezone.now()
    for year in sorted(school_years, key=lambda y: y.start_year):
        is_past = year.start_year < current.start_year
        for audience in (Audience.RUPN, Audience.PRINCIPALS):
            survey = Survey.objects.filter(
                academie=academie, school_year=year, audience=audience
            ).first()
            if survey is None:
                survey = survey_create(
                    actor=actor,
                    school_year=year,
                    audience=audience,
                    definition=load_definition(audience),
                )
            if not survey.is_published:
                survey = survey_publish(survey=survey, actor=actor)
            campaign = Campaign.objects.filter(survey=survey).first()
            if campaign is None:
                opens, closes = _campaign_dates(year, current, now)
                campaign = campaign_create(
                    actor=actor,
                    survey=survey,
                    opens_at=opens,
                    closes_at=closes,
                    reminder_every_days=7,
                )
            _answers(campaign, survey, is_past=is_past, now=now)


def _answers(campaign: Campaign, survey: Survey, *, is_past: bool, now: datetime.datetime) -> None:
    answered = set(
        SurveyResponse.objects.filter(campaign=campaign).values_list("invitation_id", flat=True)
    )
    # Everyone in a stable order, so that a second run gives each the same part (and, since
    # those who answered are skipped, adds nothing).
    invitations = list(
        SurveyInvitation.objects.filter(campaign=campaign)
        .select_related("user", "establishment", "campaign__survey")
        .order_by("user__email", "establishment__uai")
    )
    if len(answered) == len(invitations):
        return
    structure = survey_structure(survey)
    at = (
        campaign.opens_at + datetime.timedelta(days=3)
        if is_past
        else min(now, campaign.closes_at - datetime.timedelta(hours=1))
    )
    for index, invitation in enumerate(invitations):
        if invitation.pk in answered:
            continue
        rng = random.Random(f"{survey.academie_id}-{survey.school_year_id}-{invitation.pk}")
        if not is_past and invitation.user.email.startswith(UNANSWERED):
            continue
        step = index % 5
        if is_past:
            pages = None if step < 4 else 2  # four in five submitted, one in progress
        elif step in (0, 2):
            pages = None  # submitted
        elif step == 1:
            pages = 2  # in progress
        else:
            continue  # not started yet
        _answer(invitation, structure, pages=pages, at=at, rng=rng)
