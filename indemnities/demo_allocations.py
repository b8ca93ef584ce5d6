"""Demo IMP allocations and service fait, built through the services as people would.

Called once the demo académies, accounts and IMP rules exist. Running it again adds nothing: an
establishment that already has allocations for a year is left as it is. Establishments without
an envelope (missing pupil count, no rules for the year) or without referents are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership, Role
from accounts.scopes import scope_for
from accounts.services import membership_grant
from establishments.models import Academie, Establishment, SchoolYear
from indemnities.envelopes import envelopes_for, rule_set_for
from indemnities.models import Allocation, ServiceCertification, ServiceStatus
from indemnities.selectors_allocations import referents_of
from indemnities.selectors_amounts import AmountRules, amount_rules
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify


def split_envelope(
    envelope: Decimal, count: int, rules: AmountRules, *, keep: int = 0
) -> list[Decimal]:
    """Share `envelope` as evenly as the quarter steps allow among at most `count` referents,
    keeping `keep` quarters unallocated."""
    steps = int(envelope // rules.step) - keep
    min_steps = int(rules.minimum // rules.step)
    max_steps = int(rules.maximum // rules.step)
    count = min(count, rules.max_referents, steps // min_steps if min_steps else 0)
    if count <= 0:
        return []
    base, extra = divmod(steps, count)
    return [min(max_steps, base + (1 if i < extra else 0)) * rules.step for i in range(count)]


def _direction_user(establishment: Establishment, fallback: Membership) -> Membership:
    principal = (
        Membership.objects.active()
        .filter(role=Role.PRINCIPAL, establishments=establishment)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return principal or fallback


def _designate_last_year(
    establishment: Establishment, year: SchoolYear, current: SchoolYear, admin: Membership
) -> list[Membership]:
    """Last year's referents were this year's: give them a membership for that year too."""
    for referent in referents_of(establishment, current):
        membership_grant(
            academie=establishment.academie,
            user=referent.user,
            role=Role.RUPN,
            actor=scope_for(admin),
            establishments=[establishment],
            school_year=year,
        )
    return list(referents_of(establishment, year))


def _certify_last_year(academie: Academie, year: SchoolYear, admin: Membership) -> None:
    if ServiceCertification.objects.filter(
        academie=academie, allocation__school_year=year
    ).exists():
        return
    allocations = Allocation.objects.filter(academie=academie, school_year=year).order_by(
        "establishment__uai", "pk"
    )
    for index, allocation in enumerate(allocations):
        if index % 4 == 3:
            continue  # some stay to certify, as in real life in early July
        partial = index % 4 == 1
        service_certify(
            allocation=allocation,
            status=ServiceStatus.PARTIAL if partial else ServiceStatus.FULL,
            months_done=6 if partial else None,
            comment="Mission interrompue fin mars (mutation)." if partial else "",
            actor=scope_for(admin),
        )


@transaction.atomic
def load_demo_allocations(*, academie: Academie, school_years: Iterable[SchoolYear]) -> None:
    admin = (
        Membership.objects.active()
        .filter(academie=academie, role=Role.DANE_ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if admin is None:
        return
    current = SchoolYear.objects.current()
    establishments = list(academie.establishments.order_by("uai"))
    for year in sorted(school_years, key=lambda y: y.start_year):
        rule_set = rule_set_for(academie.pk, year)
        if rule_set is None:
            continue
        rules = amount_rules(rule_set)
        envelopes = envelopes_for(
            academie_id=academie.pk, school_year=year, establishments=establishments
        )
        is_past = year.start_year < current.start_year
        for index, establishment in enumerate(establishments):
            envelope = envelopes[establishment.pk].amount
            if envelope is None:
                continue
            if Allocation.objects.filter(establishment=establishment, school_year=year).exists():
                continue
            referents = list(referents_of(establishment, year))
            if not referents and is_past:
                referents = _designate_last_year(establishment, year, current, admin)
            # This year, one establishment in three has not allocated all its envelope yet.
            keep = 1 if not is_past and index % 3 == 2 else 0
            amounts = split_envelope(envelope, len(referents), rules, keep=keep)
            if not amounts:
                continue
            try:
                allocation_set(
                    establishment=establishment,
                    school_year=year,
                    amounts=dict(zip(referents, amounts, strict=False)),
                    actor=scope_for(_direction_user(establishment, admin)),
                )
            except ValidationError:
                continue  # a demo must load even if someone edited the rules oddly
        if is_past:
            _certify_last_year(academie, year, admin)
