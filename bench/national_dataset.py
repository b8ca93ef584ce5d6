"""A national-scale dataset on PostgreSQL, by bulk inserts: 30 académies, 11 000 establishments,
about 20 000 RUPN a year over 5 school years with their letters in every state, IMP rules,
envelopes, allocations and certifications, and each académie-year's bilan (a 50-question survey
with its campaign, invitations, responses and answers) and principals' survey.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench .venv/bin/python \\
        bench/national_dataset.py [--etablissements 11000] [--grande 1000] [--annees 5] \\
        [--reponses-annees 2] [--graine 2025]

It migrates the database, EMPTIES every table of the application (the database must be one for
measures, never a real one: it refuses a database whose name does not contain "bench") and
fills it. One académie (Bordeaux) gets `--grande` establishments, the others share the rest.

Rows are written as data, not through the services: letters get their state and timestamps
directly, the signed ones a fixed canonical document and its SHA-256 (no signature rows, no PDF:
the database triggers of `missions/migrations/0003_letter_freeze.py` only guard UPDATE and
DELETE, so inserts pass). Small tables go through `bulk_create`, large ones through PostgreSQL's
COPY with ids chosen here, then the sequences are moved past them. Answers are kept bounded: only
the submitted bilans of the last `--reponses-annees` years carry their answers (about 50 rows
each); the count of every table is printed with the time taken.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Role, User  # noqa: E402
from establishments.models import (  # noqa: E402
    Academie,
    Departement,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
    Sector,
)
from establishments.school_years import school_year_start_for  # noqa: E402
from establishments.uai import make_uai  # noqa: E402
from indemnities.defaults import POITIERS_BANDS  # noqa: E402
from indemnities.models import (  # noqa: E402
    DEFAULT_MULTIPLES,
    Allocation,
    EnvelopeBand,
    EnvelopeOverride,
    ImpMultiple,
    ImpRuleSet,
    ServiceCertification,
    ServiceStatus,
)
from missions.models import Letter, LetterStatus, LetterTemplate, TemplateStatus  # noqa: E402
from surveys.models import (  # noqa: E402
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
    SurveyStatus,
)
from tenancy.guard import scopes_disabled  # noqa: E402

APP_LABELS = ("audit", "establishments", "accounts", "indemnities", "missions", "surveys")
TYPES = [
    (EstablishmentType.COLLEGE, 0.63),
    (EstablishmentType.LGT, 0.15),
    (EstablishmentType.LP, 0.12),
    (EstablishmentType.LPO, 0.08),
    (EstablishmentType.EREA, 0.02),
]
REFERENTS = [(0, 0.08), (1, 0.25), (2, 0.47), (3, 0.20)]  # referents an establishment has
CURRENT_STATES = [
    (LetterStatus.DRAFT, 0.10),
    (LetterStatus.SENT, 0.15),
    (LetterStatus.CHANGES_REQUESTED, 0.05),
    (LetterStatus.REFERENT_SIGNED, 0.15),
    (LetterStatus.AWAITING_VISA, 0.15),
    (LetterStatus.ISSUED, 0.40),
]
PAST_STATES = [(s, 0.03) for s, _ in CURRENT_STATES[:-1]] + [(LetterStatus.ISSUED, 0.85)]
SIGNED = {LetterStatus.REFERENT_SIGNED, LetterStatus.AWAITING_VISA, LetterStatus.ISSUED}
# A bilan of 50 questions over 5 pages: (kind, options) repeated.
QUESTION_PLAN = [
    (QuestionKind.YES_NO, 2),
    (QuestionKind.SINGLE, 4),
    (QuestionKind.MULTIPLE, 5),
    (QuestionKind.SCALE, 4),
    (QuestionKind.GRID, 3),  # 3 columns × 3 rows
    (QuestionKind.NUMBER, 0),
    (QuestionKind.SHORT_TEXT, 0),
    (QuestionKind.SINGLE, 3),
    (QuestionKind.YES_NO, 2),
    (QuestionKind.LONG_TEXT, 0),
]
CANONICAL = json.dumps(
    {"format": "rupn-lettre/1", "jeu": "données de mesure"}, separators=(",", ":"), sort_keys=True
)
CANONICAL_SHA = hashlib.sha256(CANONICAL.encode()).hexdigest()


def weighted(rng: random.Random, choices: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


class Writer:
    """COPY rows into a model's table with ids chosen here; the other columns get their
    default (a fixed `now` for automatic dates, "" for blank texts, NULL for nullable ones)."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.counts: dict[str, int] = {}
        self.next_ids: dict[type[models.Model], int] = {}

    def ids(self, model: type[models.Model], n: int) -> range:
        start = self.next_ids.get(model, 1)
        self.next_ids[model] = start + n
        return range(start, start + n)

    def _filler(self, field: models.Field) -> Any:  # type: ignore[type-arg]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.now
        if field.has_default():
            value = field.get_default()
            return json.dumps(value) if isinstance(field, models.JSONField) else value
        if field.null:
            return None
        if isinstance(field, models.CharField | models.TextField):
            return ""
        raise ValueError(f"{field.model.__name__}.{field.name} needs a value")

    def copy(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        table: str | None = None,
    ) -> int:
        if table is None:
            concrete = [f for f in model._meta.concrete_fields]
            given = [model._meta.get_field(name) for name in fields]
            missing = [f for f in concrete if f not in given and not f.primary_key]
            columns = [str(getattr(f, "column", "")) for f in given] + [
                str(f.column) for f in missing
            ]
            fill = tuple(self._filler(f) for f in missing)
            table = model._meta.db_table
        else:
            columns, fill = list(fields), ()
        count = 0
        raw = connection.connection.cursor()
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *fill))
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    def counted(self, model: type[models.Model], n: int) -> None:
        table = model._meta.db_table
        self.counts[table] = self.counts.get(table, 0) + n


def reset_database() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit(
            "Refusé : il faut DATABASE_URL vers une base PostgreSQL de mesure dont le nom "
            f"contient « bench » (base actuelle : {connection.vendor} {name})."
        )
    call_command("migrate", verbosity=0)
    tables = [
        model._meta.db_table
        for label in APP_LABELS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def generate(args: argparse.Namespace) -> Writer:
    rng = random.Random(args.graine)
    w = Writer()
    now = w.now
    data = json.loads(
        (Path(__file__).resolve().parent.parent / "establishments/data/academies.json").read_text()
    )["academies"][:30]
    current = school_year_start_for(timezone.localdate())
    years = [
        SchoolYear.objects.get_or_create(start_year=start)[0]
        for start in range(current - args.annees + 1, current + 1)
    ]
    current_year = years[-1]

    # Académies and départements.
    academies = Academie.objects.bulk_create(
        [
            Academie(
                name=a["name"],
                slug=a["slug"],
                code=a["code"],
                region_academique=a.get("region_academique", ""),
                mfa_required_for_dane=False,
            )
            for a in data
        ]
    )
    w.counted(Academie, len(academies))
    departements: dict[int, list[Departement]] = {}
    for academie, a in zip(academies, data, strict=True):
        departements[academie.pk] = Departement.objects.bulk_create(
            [
                Departement(academie=academie, code=d["code"], name=d["name"])
                for d in a["departements"]
            ]
        )
        w.counted(Departement, len(departements[academie.pk]))
    big = next(a for a in academies if a.slug == "bordeaux")

    # Establishments: `--grande` in Bordeaux, the rest shared by the others.
    others = [a for a in academies if a is not big]
    share = (args.etablissements - args.grande) // len(others)
    rest = (args.etablissements - args.grande) - share * len(others)
    per_academie = {a.pk: share + (1 if i < rest else 0) for i, a in enumerate(others)}
    per_academie[big.pk] = args.grande
    establishments: list[Establishment] = []
    prefixes = {d["code"]: d["annuaire_code"] for a in data for d in a["departements"]}
    per_prefix: dict[str, int] = {}
    serial = 0
    for academie in academies:
        deps = departements[academie.pk]
        for index in range(per_academie[academie.pk]):
            serial += 1
            dep = deps[index % len(deps)]
            prefix = prefixes[dep.code]
            per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
            type_ = weighted(rng, TYPES)
            establishments.append(
                Establishment(
                    academie=academie,
                    uai=make_uai(prefix, per_prefix[prefix]),
                    name=f"{EstablishmentType(type_).label} {serial:05d}",
                    type=type_,
                    sector=Sector.PRIVATE if index % 5 == 0 else Sector.PUBLIC,
                    departement=dep,
                    commune=f"Commune {serial % 997}",
                    email=f"ce.{serial:05d}@ac-mesure.fr",
                )
            )
    establishments = Establishment.objects.bulk_create(establishments, batch_size=5000)
    w.counted(Establishment, len(establishments))

    # Pupil counts of every year; a few envelopes set by hand.
    def pupils_of(e: Establishment) -> int:
        base = {"college": 450, "erea": 150}.get(e.type, 900)
        return max(40, int(rng.gauss(base, base / 3)))

    w.copy(
        PupilCount,
        ["academie", "establishment", "school_year", "pupils", "source"],
        (
            (e.academie_id, e.pk, y.pk, pupils_of(e), "mesure")
            for e in establishments
            for y in years
        ),
    )
    w.copy(
        EnvelopeOverride,
        ["academie", "establishment", "school_year", "amount", "justification"],
        (
            (e.academie_id, e.pk, y.pk, Decimal("1875.00"), "Ajustement")
            for e in establishments[::97]
            for y in years
        ),
    )

    # IMP rules of every académie-year (seed 000's table).
    rule_sets = ImpRuleSet.objects.bulk_create(
        [ImpRuleSet(academie=a, school_year=y) for a in academies for y in years]
    )
    w.counted(ImpRuleSet, len(rule_sets))
    w.counted(
        EnvelopeBand,
        len(
            EnvelopeBand.objects.bulk_create(
                [
                    EnvelopeBand(
                        rule_set=r, category=c, min_pupils=lo, max_pupils=hi, imp_units=units
                    )
                    for r in rule_sets
                    for c, lo, hi, units in POITIERS_BANDS
                ]
            )
        ),
    )
    w.counted(
        ImpMultiple,
        len(
            ImpMultiple.objects.bulk_create(
                [ImpMultiple(rule_set=r, factor=f) for r in rule_sets for f in DEFAULT_MULTIPLES]
            )
        ),
    )

    # Templates: one published a year per académie.
    templates = LetterTemplate.objects.bulk_create(
        [
            LetterTemplate(
                academie=a,
                school_year=y,
                status=TemplateStatus.PUBLISHED,
                title=f"Lettre de mission des RUPN {y}",
                introduction="Lettre de mission de {referent}.",
                indemnity_clause="IMP versée à la fin de l’année.",
                published_at=now,
            )
            for a in academies
            for y in years
        ]
    )
    template_of = {(t.academie_id, t.school_year_id): t.pk for t in templates}
    w.counted(LetterTemplate, len(templates))

    # People: a principal per establishment, up to three referent slots per establishment.
    slots = 3
    n_users = len(establishments) * (1 + slots)
    user_ids = w.ids(User, n_users)
    w.copy(
        User,
        ["id", "email", "password", "first_name", "last_name", "is_active", "is_staff"],
        (
            (uid, f"p{uid}@mesure.example", "!", "Prénom", f"Nom{uid}", True, False)
            for uid in user_ids
        ),
    )

    def principal_user(i: int) -> int:
        return user_ids[i * (1 + slots)]

    def referent_user(i: int, slot: int) -> int:
        return user_ids[i * (1 + slots) + 1 + slot]

    memberships: list[tuple[int, int, int, str, int | None]] = []  # id, user, académie, role, year
    links: list[tuple[int, int]] = []  # membership, establishment
    referents: list[tuple[int, int, Establishment, SchoolYear]] = []  # membership, user, est, year
    next_membership = iter(range(1, 10**9))
    for i, e in enumerate(establishments):
        mid = next(next_membership)
        memberships.append((mid, principal_user(i), e.academie_id, Role.PRINCIPAL, None))
        links.append((mid, e.pk))
        for y in years:
            for slot in range(weighted(rng, REFERENTS)):
                mid = next(next_membership)
                memberships.append((mid, referent_user(i, slot), e.academie_id, Role.RUPN, y.pk))
                links.append((mid, e.pk))
                referents.append((mid, referent_user(i, slot), e, y))
    for a in academies:
        uid = w.ids(User, 1)[0]
        w.copy(
            User,
            ["id", "email", "password", "first_name", "last_name", "is_active", "is_staff"],
            [(uid, f"dane.{a.slug}@mesure.example", "!", "Dan", a.name, True, False)],
        )
        memberships.append((next(next_membership), uid, a.pk, Role.DANE_ADMIN, None))
    w.copy(
        Membership,
        ["id", "user", "academie", "role", "school_year"],
        memberships,
    )
    w.copy(
        Membership.establishments.through,
        ["membership_id", "establishment_id"],
        links,
        table=Membership.establishments.through._meta.db_table,
    )

    # Letters (95 % of the referents), allocations (all), certifications (past years).
    letters: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    certifications: list[tuple[Any, ...]] = []
    letter_of: dict[int, tuple[int, str]] = {}
    letter_ids = iter(range(1, 10**9))
    allocation_ids = iter(range(1, 10**9))
    for mid, _uid, e, y in referents:
        is_current = y.pk == current_year.pk
        amount = Decimal("1250.00") if rng.random() < 0.7 else Decimal("625.00")
        status = None
        if rng.random() < 0.95:
            status = weighted(rng, CURRENT_STATES if is_current else PAST_STATES)
            lid = next(letter_ids)
            reference = f"M{y.start_year}-{lid:07d}"
            signed = status in SIGNED
            letters.append(
                (
                    lid,
                    e.academie_id,
                    e.pk,
                    y.pk,
                    mid,
                    template_of[(e.academie_id, y.pk)],
                    reference,
                    status,
                    "{}",
                    CANONICAL if signed else "",
                    CANONICAL_SHA if signed else "",
                    None if status == LetterStatus.DRAFT else now,
                    now if status == LetterStatus.ISSUED else None,
                )
            )
            letter_of[mid] = (lid, status)
        aid = next(allocation_ids)
        issued = status == LetterStatus.ISSUED
        allocations.append(
            (
                aid,
                e.academie_id,
                e.pk,
                y.pk,
                mid,
                amount,
                now if issued else None,
                now if status in SIGNED else None,
            )
        )
        if issued and not is_current:
            full = rng.random() < 0.9
            certifications.append(
                (
                    e.academie_id,
                    aid,
                    ServiceStatus.FULL if full else ServiceStatus.PARTIAL,
                    9 if full else 6,
                    amount if full else (amount * 6 / 9).quantize(Decimal("0.01")),
                    now,
                )
            )
    w.copy(
        Letter,
        [
            "id",
            "academie",
            "establishment",
            "school_year",
            "referent",
            "template",
            "reference",
            "status",
            "content",
            "signed_document",
            "signed_sha256",
            "sent_at",
            "issued_at",
        ],
        letters,
    )
    w.copy(
        Allocation,
        [
            "id",
            "academie",
            "establishment",
            "school_year",
            "referent",
            "amount",
            "letter_issued_at",
            "letter_signed_at",
        ],
        allocations,
    )
    w.copy(
        ServiceCertification,
        ["academie", "allocation", "status", "months_done", "amount", "certified_at"],
        certifications,
    )

    # Surveys: the bilan (50 questions) and the principals' survey of every académie-year.
    surveys = Survey.objects.bulk_create(
        [
            Survey(
                academie=a,
                school_year=y,
                audience=audience,
                title=f"{'Bilan' if audience == Audience.RUPN else 'Enquête'} {y}",
                status=SurveyStatus.PUBLISHED,
                published_at=now,
            )
            for a in academies
            for y in years
            for audience in (Audience.RUPN, Audience.PRINCIPALS)
        ]
    )
    w.counted(Survey, len(surveys))
    bilans = [s for s in surveys if s.audience == Audience.RUPN]
    pages = SurveyPage.objects.bulk_create(
        [
            SurveyPage(academie_id=s.academie_id, survey=s, position=p, title=f"Page {p}")
            for s in bilans
            for p in range(1, 6)
        ]
    )
    w.counted(SurveyPage, len(pages))
    questions = Question.objects.bulk_create(
        [
            Question(
                academie_id=page.academie_id,
                survey_id=page.survey_id,
                page=page,
                position=(page.position - 1) * 10 + q,
                key=f"q{(page.position - 1) * 10 + q}",
                kind=QUESTION_PLAN[q][0],
                label=f"Question {(page.position - 1) * 10 + q}",
            )
            for page in pages
            for q in range(10)
        ],
        batch_size=5000,
    )
    w.counted(Question, len(questions))
    options = QuestionOption.objects.bulk_create(
        [
            QuestionOption(
                academie_id=q.academie_id,
                question=q,
                role=role,
                position=n,
                key=f"{role}{n}",
                label=f"Option {n}",
            )
            for q in questions
            for role, count in (
                (OptionRole.CHOICE, QUESTION_PLAN[q.position % 10][1]),
                (OptionRole.ROW, 3 if q.kind == QuestionKind.GRID else 0),
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    w.counted(QuestionOption, len(options))
    choices: dict[int, list[int]] = {}
    rows_of: dict[int, list[int]] = {}
    for o in options:
        (choices if o.role == OptionRole.CHOICE else rows_of).setdefault(o.question_id, []).append(
            o.pk
        )
    questions_of: dict[int, list[Question]] = {}
    for q in questions:
        questions_of.setdefault(q.survey_id, []).append(q)

    opens = {y.pk: timezone.make_aware(datetime.datetime(y.start_year + 1, 6, 1)) for y in years}
    campaigns = Campaign.objects.bulk_create(
        [
            Campaign(
                academie_id=s.academie_id,
                survey=s,
                opens_at=opens[s.school_year_id],
                closes_at=opens[s.school_year_id] + datetime.timedelta(days=45),
                invitations_sent_at=now,
            )
            for s in surveys
        ]
    )
    w.counted(Campaign, len(campaigns))
    campaign_of = {
        (c.survey.academie_id, c.survey.school_year_id, c.survey.audience): c for c in campaigns
    }

    invitations: list[tuple[Any, ...]] = []
    responses: list[tuple[Any, ...]] = []
    answered: list[tuple[int, int, int]] = []  # response, académie, survey
    invitation_ids = iter(range(1, 10**9))
    response_ids = iter(range(1, 10**9))
    answer_years = {y.pk for y in years[-args.reponses_annees :]} if args.reponses_annees else set()
    current_rate = 0.55  # the current year's bilan is still open
    for mid, uid, e, y in referents:
        campaign = campaign_of[(e.academie_id, y.pk, Audience.RUPN)]
        iid = next(invitation_ids)
        letter_id = letter_of[mid][0] if mid in letter_of else None
        invitations.append((iid, e.academie_id, campaign.pk, uid, e.pk, letter_id, now))
        draw = rng.random()
        rate = current_rate if y.pk == current_year.pk else 0.7
        if draw < rate + 0.05:
            rid = next(response_ids)
            submitted = draw < rate
            responses.append(
                (rid, e.academie_id, campaign.pk, iid, e.pk, letter_id, now if submitted else None)
            )
            if submitted and y.pk in answer_years:
                answered.append((rid, e.academie_id, campaign.survey_id))
    for i, e in enumerate(establishments):
        for y in years:
            campaign = campaign_of[(e.academie_id, y.pk, Audience.PRINCIPALS)]
            iid = next(invitation_ids)
            invitations.append(
                (iid, e.academie_id, campaign.pk, principal_user(i), e.pk, None, now)
            )
            draw = rng.random()
            if draw < 0.68:
                responses.append(
                    (next(response_ids), e.academie_id, campaign.pk, iid, e.pk, None, now)
                )
    w.copy(
        SurveyInvitation,
        ["id", "academie", "campaign", "user", "establishment", "letter", "email_sent_at"],
        invitations,
    )
    w.copy(
        SurveyResponse,
        ["id", "academie", "campaign", "invitation", "establishment", "letter", "submitted_at"],
        responses,
    )

    def answers() -> Iterable[tuple[Any, ...]]:
        for rid, academie_id, survey_id in answered:
            for q in questions_of[survey_id]:
                opts = choices.get(q.pk, [])
                if q.kind == QuestionKind.MULTIPLE:
                    for option in rng.sample(opts, 2):
                        yield (academie_id, rid, q.pk, option, None, None, "")
                elif q.kind == QuestionKind.GRID:
                    for row in rows_of[q.pk]:
                        yield (academie_id, rid, q.pk, rng.choice(opts), row, None, "")
                elif q.kind == QuestionKind.NUMBER:
                    yield (academie_id, rid, q.pk, None, None, Decimal(rng.randint(0, 40)), "")
                elif q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
                    if rng.random() < 0.3:
                        yield (academie_id, rid, q.pk, None, None, None, "Former les collègues.")
                else:
                    yield (academie_id, rid, q.pk, rng.choice(opts), None, None, "")

    w.copy(
        Answer,
        ["academie", "response", "question", "option", "row", "number", "text"],
        answers(),
    )

    # Sequences past the ids written here.
    with connection.cursor() as cursor:
        models_ = [
            m
            for label in APP_LABELS
            for m in apps.get_app_config(label).get_models(include_auto_created=True)
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), models_):
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--etablissements", type=int, default=11000)
    parser.add_argument("--grande", type=int, default=1000, help="établissements de Bordeaux")
    parser.add_argument("--annees", type=int, default=5)
    parser.add_argument("--reponses-annees", type=int, default=2, dest="reponses_annees")
    parser.add_argument("--graine", type=int, default=2025)
    args = parser.parse_args()
    started = time.perf_counter()
    # Measures only: the generator writes every académie's rows at once, which no académie
    # scope allows; nothing here runs in a request.
    with scopes_disabled():
        reset_database()
        reset = time.perf_counter()
        writer = generate(args)
    done = time.perf_counter()
    print(f"Base : {connection.settings_dict['NAME']}")
    print(f"{'table':<45} {'lignes':>10}")
    for table, count in sorted(writer.counts.items()):
        print(f"{table:<45} {count:>10,}".replace(",", "\u202f"))
    total = sum(writer.counts.values())
    print(f"{'total':<45} {total:>10,}".replace(",", "\u202f"))
    print(
        f"Migrations et vidage : {reset - started:.1f} s ; génération et insertion : "
        f"{done - reset:.1f} s ; en tout : {done - started:.1f} s"
    )


if __name__ == "__main__":
    main()
