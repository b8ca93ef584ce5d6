"""Demo IMP rules: Poitiers with its published table, Bordeaux with a different one."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from accounts.models import Membership, Role
from accounts.scopes import scope_for
from establishments.models import Academie, SchoolYear
from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
from indemnities.models import DEFAULT_MULTIPLES, ImpRuleSet, ReferentLimitPolicy
from indemnities.services.rules import rule_set_create_from_table, rule_set_lock
from tenancy.scope import Scope


def _is_bordeaux(academie: Academie) -> bool:
    return academie.slug.lower() == "bordeaux" or academie.code == "04"


def load_demo_rules(*, academie: Academie, school_years: Iterable[SchoolYear]) -> None:
    """Rules for each year (skipping years that have some); every year but the latest is locked,
    as its letters are issued. Bordeaux forbids a 4th referent, Poitiers only warns."""
    years = sorted(school_years, key=lambda y: y.start_year)
    if _is_bordeaux(academie):
        settings = {
            "bands": BORDEAUX_BANDS,
            "base_rate": Decimal("1250.00"),
            "max_referents": 3,
            "max_referents_policy": ReferentLimitPolicy.FORBIDDEN,
        }
    else:
        settings = {
            "bands": POITIERS_BANDS,
            "base_rate": Decimal("1250.00"),
            "max_referents": 3,
            "max_referents_policy": ReferentLimitPolicy.WARNING,
        }
    admin = (
        Membership.objects.active()
        .filter(academie=academie, role=Role.DANE_ADMIN)
        .order_by("pk")
        .first()
    )
    actor = scope_for(admin) if admin else Scope.platform(academie.pk)
    for index, year in enumerate(years):
        rule_set = ImpRuleSet.objects.filter(academie=academie, school_year=year).first()
        if rule_set is None:
            rule_set = rule_set_create_from_table(
                academie=academie,
                school_year=year,
                multiples=DEFAULT_MULTIPLES,
                actor=actor,
                **settings,  # type: ignore[arg-type]
            )
        if index < len(years) - 1:
            rule_set_lock(rule_set=rule_set, actor=actor)
