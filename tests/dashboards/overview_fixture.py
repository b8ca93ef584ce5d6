"""A small académie whose overview figures are computed by hand (see `test_overview.py`).

Poitiers (départements 16, 17, 79, 86; the coordinator follows 16), rules of seed 000
(collège ≤ 200 → 1 IMP, > 200 → 2; lycée ≤ 500 → 2, > 500 → 3; EREA → 2; 1 250 € the IMP):

| est. | type    | dép. | pupils (this year) | envelope   | this year's referents          |
|------|---------|------|--------------------|------------|--------------------------------|
| A    | collège | 16   | 300                | 2 500,00   | rupn (issued), r2 (sent)       |
| B    | LGT     | 86   | 800                | 3 750,00   | r3 (awaiting visa)             |
| C    | collège | 17   | 150                | 1 250,00   | a revoked referent only        |
| D    | EREA    | 16   | 100                | 2 500,00   | r4 (draft)                     |
| E    | LP      | 16   | none               | 1 875,00 (override) | none                  |

Allocations this year: rupn 1 250, r2 1 250, r3 3 750 (and r4's 625 withdrawn); rupn's service
certified twice (1 250 then 625: the latest counts). Bilan campaign this year: rupn, r2, r3, r4
invited; rupn and r3 submitted, r2 started only. No principals' campaign.
Last year: A had 180 pupils (1 250,00), one referent p1 at A with an issued letter, allocated
1 250 and certified 1 250; no campaign. Bordeaux gets rows of its own that must never count.

The letters, allocations and survey rows are written directly (as `bench/national_dataset.py`
does): the figures, not the workflows, are under test here.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import Membership
from establishments.models import Establishment, EstablishmentType, PupilCount, SchoolYear
from indemnities.models import Allocation, EnvelopeOverride, ServiceCertification, ServiceStatus
from missions.models import Letter, LetterStatus, LetterTemplate
from surveys.models import Audience, Campaign, Survey, SurveyInvitation, SurveyResponse
from tests.factories import AcademieWorld, make_establishment
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import give_rules, publish_template

_references = itertools.count(1)


@dataclass
class OverviewWorld:
    world: AcademieWorld
    year: SchoolYear
    previous: SchoolYear
    a: Establishment
    b: Establishment
    c: Establishment
    d: Establishment
    e: Establishment


def previous_year() -> SchoolYear:
    current = SchoolYear.objects.current()
    return SchoolYear.objects.get_or_create(start_year=current.start_year - 1)[0]


def letter(
    referent: Membership, establishment: Establishment, template: LetterTemplate, status: str
) -> Letter:
    now = timezone.now()
    return Letter.objects.create(
        academie_id=establishment.academie_id,
        establishment=establishment,
        school_year=template.school_year,
        referent=referent,
        template=template,
        reference=f"T-{next(_references):06d}",
        status=status,
        sent_at=None if status == LetterStatus.DRAFT else now,
        issued_at=now if status == LetterStatus.ISSUED else None,
    )


def allocation(
    referent: Membership, establishment: Establishment, year: SchoolYear, amount: str
) -> Allocation:
    return Allocation.objects.create(
        academie_id=establishment.academie_id,
        establishment=establishment,
        school_year=year,
        referent=referent,
        amount=Decimal(amount),
    )


def certify(allocation_: Allocation, amount: str) -> ServiceCertification:
    return ServiceCertification.objects.create(
        academie_id=allocation_.academie_id,
        allocation=allocation_,
        status=ServiceStatus.FULL,
        months_done=9,
        amount=Decimal(amount),
    )


def bilan(world: AcademieWorld, year: SchoolYear) -> Campaign:
    survey = Survey.objects.create(
        academie=world.academie, school_year=year, audience=Audience.RUPN, title="Bilan"
    )
    opens = timezone.now() - datetime.timedelta(days=10)
    return Campaign.objects.create(
        academie=world.academie,
        survey=survey,
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=30),
    )


def invite(
    campaign: Campaign, referent: Membership, establishment: Establishment, state: str
) -> None:
    invitation = SurveyInvitation.objects.create(
        academie_id=campaign.academie_id,
        campaign=campaign,
        user=referent.user,
        establishment=establishment,
    )
    if state in ("started", "submitted"):
        SurveyResponse.objects.create(
            academie_id=campaign.academie_id,
            campaign=campaign,
            invitation=invitation,
            establishment=establishment,
            submitted_at=timezone.now() if state == "submitted" else None,
        )


def build(poitiers: AcademieWorld, bordeaux: AcademieWorld) -> OverviewWorld:
    year, previous = SchoolYear.objects.current(), previous_year()
    deps = {d.code: d for d in poitiers.academie.departements.all()}
    a, b = poitiers.establishment, poitiers.other_establishment
    c = make_establishment(academie=poitiers.academie, departement=deps["17"], pupils=150)
    d = make_establishment(
        academie=poitiers.academie, departement=deps["16"], type=EstablishmentType.EREA, pupils=100
    )
    e = make_establishment(
        academie=poitiers.academie, departement=deps["16"], type=EstablishmentType.LP, pupils=None
    )
    for world in (poitiers, bordeaux):
        give_rules(world)
        give_rules(world, school_year=previous)
    EnvelopeOverride.objects.create(
        academie=poitiers.academie,
        establishment=e,
        school_year=year,
        amount=Decimal("1875.00"),
        justification="Ouverture d’une section",
    )
    PupilCount.objects.create(
        academie=poitiers.academie, establishment=a, school_year=previous, pupils=180
    )

    rupn = poitiers.rupn
    r2 = add_referent(a, "r2@test.fr")
    r3 = add_referent(b, "r3@test.fr")
    r4 = add_referent(d, "r4@test.fr")
    revoked = add_referent(c, "revoque@test.fr")
    Membership.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    p1 = add_referent(a, "p1@test.fr", school_year=previous)

    template = publish_template(poitiers)
    old_template = publish_template(poitiers, school_year=previous)
    letter(rupn, a, template, LetterStatus.ISSUED)
    letter(r2, a, template, LetterStatus.SENT)
    letter(r3, b, template, LetterStatus.AWAITING_VISA)
    letter(r4, d, template, LetterStatus.DRAFT)
    letter(p1, a, old_template, LetterStatus.ISSUED)

    first = allocation(rupn, a, year, "1250.00")
    certify(first, "1250.00")
    latest = certify(first, "625.00")
    ServiceCertification.objects.filter(pk=latest.pk).update(
        certified_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    allocation(r2, a, year, "1250.00")
    allocation(r3, b, year, "3750.00")
    withdrawn = allocation(r4, d, year, "625.00")
    Allocation.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    certify(allocation(p1, a, previous, "1250.00"), "1250.00")

    campaign = bilan(poitiers, year)
    invite(campaign, rupn, a, "submitted")
    invite(campaign, r2, a, "started")
    invite(campaign, r3, b, "submitted")
    invite(campaign, r4, d, "invited")

    # Bordeaux: rows of every kind, which no Poitiers figure may include.
    bordeaux_template = publish_template(bordeaux)
    letter(bordeaux.rupn, bordeaux.establishment, bordeaux_template, LetterStatus.ISSUED)
    allocation(bordeaux.rupn, bordeaux.establishment, year, "999.00")
    invite(bilan(bordeaux, year), bordeaux.rupn, bordeaux.establishment, "submitted")
    return OverviewWorld(poitiers, year, previous, a, b, c, d, e)


def grow(world: AcademieWorld, template: LetterTemplate, *, count: int) -> None:
    """More of everything in département 16: `count` collèges, each with a referent, a letter
    and an allocation (for the query counts at two sizes)."""
    departement = world.academie.departements.get(code="16")
    for index in range(count):
        establishment = make_establishment(academie=world.academie, departement=departement)
        referent = add_referent(establishment, f"plus{index}@test.fr")
        letter(referent, establishment, template, LetterStatus.SENT)
        allocation(referent, establishment, template.school_year, "1250.00")


def survey_campaign(world: AcademieWorld, year: SchoolYear, audience: str) -> Campaign:
    """A campaign of `audience` for `year` (written directly, like `bilan`)."""
    survey = Survey.objects.create(
        academie=world.academie, school_year=year, audience=audience, title=f"{audience} {year}"
    )
    opens = timezone.now() - datetime.timedelta(days=10)
    return Campaign.objects.create(
        academie=world.academie,
        survey=survey,
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=30),
    )


def add_history(ow: OverviewWorld, bordeaux: AcademieWorld) -> SchoolYear:
    """Two more years of surveys, on top of `build`'s bilan of this year:

    | year          | bilan (invited → submitted)                  | principals' survey     |
    |---------------|----------------------------------------------|------------------------|
    | two years ago | A submitted, B submitted, C started only     | none                   |
    | last year     | none                                         | A submitted, D invited |
    | this year     | (`build`) A: one submitted, one started;     | none                   |
    |               | B submitted; D invited                       |                        |

    Bordeaux: one bilan invitation two years ago, not submitted (counted nationally only)."""
    world = ow.world
    older = SchoolYear.objects.get_or_create(start_year=ow.year.start_year - 2)[0]
    old_bilan = survey_campaign(world, older, Audience.RUPN)
    invite(old_bilan, world.rupn, ow.a, "submitted")
    invite(old_bilan, world.coordinator, ow.b, "submitted")
    invite(old_bilan, world.dane_admin, ow.c, "started")
    principals = survey_campaign(world, ow.previous, Audience.PRINCIPALS)
    invite(principals, world.principal, ow.a, "submitted")
    invite(principals, world.deputy, ow.d, "invited")
    invite(
        survey_campaign(bordeaux, older, Audience.RUPN),
        bordeaux.rupn,
        bordeaux.establishment,
        "invited",
    )
    return older
