"""Reads for one establishment's allocation and service-fait pages, and a referent's own IMP."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Membership, Role
from establishments.models import Establishment, SchoolYear
from indemnities.access import allocations_visible_to
from indemnities.envelopes import Envelope, envelope_with_rules
from indemnities.models import (
    Allocation,
    ImpRuleSet,
    ServiceCertification,
)
from indemnities.selectors_amounts import ZERO, AmountRules, amount_rules
from tenancy.scope import Scope


def referents_of(establishment: Establishment, school_year: SchoolYear) -> QuerySet[Membership]:
    """The active RUPN memberships of the establishment for the year."""
    return (
        Membership.objects.active()
        .filter(
            academie_id=establishment.academie_id,
            role=Role.RUPN,
            school_year=school_year,
            establishments=establishment,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )


def allocations_of(establishment: Establishment, school_year: SchoolYear) -> QuerySet[Allocation]:
    return (
        Allocation.objects.current()
        .filter(establishment=establishment, school_year=school_year)
        .select_related("referent__user", "updated_by")
        .order_by("referent__user__last_name", "referent__user__first_name", "pk")
    )


@dataclass
class ReferentLine:
    referent: Membership
    allocation: Allocation | None

    @property
    def amount(self) -> Decimal:
        return self.allocation.amount if self.allocation else ZERO


@dataclass
class AllocationPage:
    """Everything the allocation page of one establishment and year shows."""

    establishment: Establishment
    school_year: SchoolYear
    envelope: Envelope
    rule_set: ImpRuleSet | None
    rules: AmountRules | None
    lines: list[ReferentLine]
    allocated: Decimal
    # Allocations of referents no longer active: they still count against the envelope.
    orphans: list[Allocation] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal | None:
        if self.envelope.amount is None:
            return None
        return self.envelope.amount - self.allocated


def allocation_page(
    establishment: Establishment, school_year: SchoolYear, *, scope: Scope
) -> AllocationPage:
    """The establishment's referents and allocations for the year, as `scope` may see them: a
    referent sees their own line only, never a colleague's amount."""
    rule_set, envelope = envelope_with_rules(establishment, school_year)
    allocations = list(
        allocations_of(establishment, school_year).filter(scope.own_rows_q("referent__user_id"))
    )
    by_referent = {a.referent_id: a for a in allocations}
    referents = list(referents_of(establishment, school_year).filter(scope.own_rows_q("user_id")))
    referent_ids = {r.pk for r in referents}
    return AllocationPage(
        establishment=establishment,
        school_year=school_year,
        envelope=envelope,
        rule_set=rule_set,
        rules=amount_rules(rule_set) if rule_set else None,
        lines=[ReferentLine(r, by_referent.get(r.pk)) for r in referents],
        allocated=sum((a.amount for a in allocations), ZERO),
        orphans=[a for a in allocations if a.referent_id not in referent_ids],
    )


def certification_allocations(
    establishment: Establishment, school_year: SchoolYear
) -> list[Allocation]:
    """The year's allocations of the establishment, each with its certifications, newest first
    (`allocation.history`; `allocation.current` is the one in force or None)."""
    allocations: list[Allocation] = list(
        allocations_of(establishment, school_year).prefetch_related(
            Prefetch(
                "certifications",
                queryset=ServiceCertification.objects.select_related("certified_by").order_by(
                    "-certified_at", "-pk"
                ),
                to_attr="history",
            )
        )
    )
    for allocation in allocations:
        history = allocation.history  # type: ignore[attr-defined]
        allocation.current = history[0] if history else None  # type: ignore[attr-defined]
    return allocations


def referent_counts(
    establishments: Iterable[Establishment], school_year: SchoolYear
) -> dict[int, int]:
    ids = [e.pk for e in establishments]
    return dict(
        Membership.objects.active()
        .filter(role=Role.RUPN, school_year=school_year, establishments__in=ids)
        .values("establishments")
        .annotate(n=Count("pk", distinct=True))
        .values_list("establishments", "n")
    )


def referent_imp_lines(scope: Scope) -> list[dict[str, Any]]:
    """A referent's own allocations of their year, each with its latest certification."""
    allocations = (
        allocations_visible_to(scope)
        .filter(school_year_id=scope.school_year_id)
        .select_related("establishment", "school_year")
        .prefetch_related("certifications")
    )
    return [
        {"allocation": a, "certification": next(iter(a.certifications.all()), None)}
        for a in allocations
    ]
