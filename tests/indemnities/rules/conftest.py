from __future__ import annotations

from decimal import Decimal

import pytest

from establishments.models import Academie, Establishment, SchoolYear
from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
from indemnities.models import DEFAULT_MULTIPLES, ImpRuleSet, ReferentLimitPolicy
from indemnities.services.rules import rule_set_create_from_table
from tenancy.scope import Scope
from tests.factories import make_establishment


def make_rules(
    academie: Academie,
    school_year: SchoolYear,
    *,
    bands=POITIERS_BANDS,
    base_rate: Decimal = Decimal("1250.00"),
    policy: str = ReferentLimitPolicy.WARNING,
) -> ImpRuleSet:
    return rule_set_create_from_table(
        academie=academie,
        school_year=school_year,
        bands=bands,
        base_rate=base_rate,
        multiples=DEFAULT_MULTIPLES,
        actor=Scope.platform(academie.pk),
        max_referents_policy=policy,
    )


def establishment_with(
    academie: Academie, type: str, pupils: int | None, school_year: SchoolYear
) -> Establishment:
    return make_establishment(academie=academie, type=type, pupils=pupils, school_year=school_year)


@pytest.fixture
def year(db: None) -> SchoolYear:
    return SchoolYear.objects.current()


@pytest.fixture
def previous_year(year: SchoolYear) -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=year.start_year - 1)[0]


@pytest.fixture
def ruled(worlds, year):
    """Both académies with their own rules for the current year."""
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie, year, bands=POITIERS_BANDS)
    make_rules(bordeaux.academie, year, bands=BORDEAUX_BANDS, policy=ReferentLimitPolicy.FORBIDDEN)
    return worlds
