"""Fixtures of the allocation tests: both académies with IMP rules and referents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import Membership, Role
from accounts.services import membership_grant
from establishments.models import Academie, Establishment, SchoolYear
from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS, BandRow
from indemnities.models import ImpRuleSet, ReferentLimitPolicy
from indemnities.services.rules import rule_set_create_from_table
from tenancy.scope import Scope
from tests.factories import AcademieWorld, make_user


def make_rules(
    academie: Academie,
    *,
    school_year: SchoolYear | None = None,
    bands: list[BandRow] = POITIERS_BANDS,
    max_referents: int = 3,
    policy: str = ReferentLimitPolicy.WARNING,
    base_rate: Decimal = Decimal("1250.00"),
) -> ImpRuleSet:
    return rule_set_create_from_table(
        academie=academie,
        school_year=school_year or SchoolYear.objects.current(),
        bands=bands,
        base_rate=base_rate,
        actor=Scope.platform(academie.pk),
        max_referents=max_referents,
        max_referents_policy=policy,
    )


def add_referent(
    establishment: Establishment,
    email: str,
    *,
    first_name: str = "Camille",
    last_name: str = "Martin",
    civility: str = "",
    school_year: SchoolYear | None = None,
) -> Membership:
    user = make_user(email, first_name=first_name, last_name=last_name)
    if civility:
        user.civility = civility
        user.save(update_fields=["civility"])
    return membership_grant(
        academie=establishment.academie,
        user=user,
        role=Role.RUPN,
        actor=Scope.platform(establishment.academie_id),
        establishments=[establishment],
        school_year=school_year or SchoolYear.objects.current(),
    )


@dataclass
class ImpWorld:
    """An académie with rules; its collège (300 pupils → 2 IMP, 2 500 € in Poitiers) has
    three referents for the year: `world.rupn`, `second` and `third`."""

    world: AcademieWorld
    rules: ImpRuleSet
    second: Membership
    third: Membership

    @property
    def establishment(self) -> Establishment:
        return self.world.establishment

    @property
    def referents(self) -> list[Membership]:
        return [self.world.rupn, self.second, self.third]


def _imp_world(world: AcademieWorld, bands: list[BandRow]) -> ImpWorld:
    slug = world.academie.slug
    return ImpWorld(
        world=world,
        rules=make_rules(world.academie, bands=bands),
        second=add_referent(
            world.establishment, f"second.{slug}@test.fr", first_name="Nadia", last_name="Benali"
        ),
        third=add_referent(
            world.establishment, f"third.{slug}@test.fr", first_name="Zoé", last_name="Zeller"
        ),
    )


@pytest.fixture
def imp(worlds: tuple[AcademieWorld, AcademieWorld]) -> tuple[ImpWorld, ImpWorld]:
    poitiers, bordeaux = worlds
    return _imp_world(poitiers, POITIERS_BANDS), _imp_world(bordeaux, BORDEAUX_BANDS)
