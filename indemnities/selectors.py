"""Reads for the allocation, service-fait, export and budget pages.

Every function reading many establishments does so in a constant number of queries, whatever
the size of the académie (up to ~1 000 establishments): the budget view's query count is
asserted in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from accounts.models import Membership, Role
from establishments.access import establishments_visible_to
from establishments.models import Establishment, EstablishmentType, SchoolYear
from indemnities.access import allocations_visible_to
from indemnities.envelopes import CENT, Envelope, envelopes_for, rule_set_for
from indemnities.models import (
    DEFAULT_MULTIPLES,
    QUARTER,
    Allocation,
    ImpRuleSet,
    ServiceCertification,
)
from tenancy.scope import Scope

if TYPE_CHECKING:
    pass

ZERO = Decimal("0.00")


# --- Rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountRules:
    """What a single referent's amount may be under a year's rules."""

    base_rate: Decimal
    step: Decimal  # a quarter of the base rate
    minimum: Decimal  # the smallest allowed multiple × base rate
    maximum: Decimal  # the largest allowed multiple × base rate
    max_referents: int
    max_referents_forbidden: bool

    def amounts_up_to(
        self, ceiling: Decimal | None, *, keep: Iterable[Decimal] = ()
    ) -> list[Decimal]:
        """0 and every quarter step from the minimum to min(maximum, ceiling); `keep` adds
        amounts already saved so that a page never silently shows another value."""
        top = self.maximum if ceiling is None else min(self.maximum, ceiling)
        amounts = {ZERO}
        value = self.minimum
        while value <= top:
            amounts.add(value)
            value = (value + self.step).quantize(CENT)
        amounts.update(Decimal(k).quantize(CENT) for k in keep)
        return sorted(amounts)


def multiples_of(rule_set: ImpRuleSet) -> list[Decimal]:
    factors = sorted(m.factor for m in rule_set.multiples.all())
    return factors or list(DEFAULT_MULTIPLES)


def amount_rules(rule_set: ImpRuleSet) -> AmountRules:
    from indemnities.models import ReferentLimitPolicy

    factors = multiples_of(rule_set)
    base = rule_set.base_rate
    return AmountRules(
        base_rate=base,
        step=(base * QUARTER).quantize(CENT),
        minimum=(base * factors[0]).quantize(CENT),
        maximum=(base * factors[-1]).quantize(CENT),
        max_referents=rule_set.max_referents,
        max_referents_forbidden=rule_set.max_referents_policy == ReferentLimitPolicy.FORBIDDEN,
    )


# --- One establishment ---------------------------------------------------------------------


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


def allocation_page(establishment: Establishment, school_year: SchoolYear) -> AllocationPage:
    rule_set = rule_set_for(establishment.academie_id, school_year)
    envelope = envelopes_for(
        academie_id=establishment.academie_id,
        school_year=school_year,
        establishments=[establishment],
        rule_set=rule_set,
    )[establishment.pk]
    allocations = list(allocations_of(establishment, school_year))
    by_referent = {a.referent_id: a for a in allocations}
    referents = list(referents_of(establishment, school_year))
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


# --- Many establishments -------------------------------------------------------------------


@dataclass
class EstablishmentBudget:
    establishment: Establishment
    envelope: Envelope
    allocated: Decimal = ZERO
    certified: Decimal = ZERO
    referents_allocated: int = 0

    @property
    def remaining(self) -> Decimal | None:
        if self.envelope.amount is None:
            return None
        return self.envelope.amount - self.allocated

    @property
    def has_envelope(self) -> bool:
        return self.envelope.amount is not None

    @property
    def fully_allocated(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


def _latest_certification_amount() -> Subquery:
    latest = ServiceCertification.objects.filter(allocation=OuterRef("pk")).order_by(
        "-certified_at", "-pk"
    )
    return Subquery(latest.values("amount")[:1])


def establishment_budgets(
    *, academie_id: int, school_year: SchoolYear, establishments: QuerySet[Establishment]
) -> list[EstablishmentBudget]:
    """Envelope, allocated and certified amounts of each establishment, in 7 queries."""
    establishment_list = list(
        establishments.filter(academie_id=academie_id)
        .select_related("departement")
        # Only what the pages show: building 1 000 full rows is most of the page's time.
        .only("academie_id", "uai", "name", "type", "departement__code", "departement__name")
        .order_by("name", "uai")
    )
    envelopes = envelopes_for(
        academie_id=academie_id, school_year=school_year, establishments=establishment_list
    )
    budgets = {
        e.pk: EstablishmentBudget(establishment=e, envelope=envelopes[e.pk])
        for e in establishment_list
    }
    # The ids already read, rather than the scope's subquery again: the planner handles a
    # list better than a semi-join through the coordinator's départements.
    rows = (
        Allocation.objects.current()
        .filter(
            academie_id=academie_id, school_year=school_year, establishment_id__in=list(budgets)
        )
        .annotate(certified=_latest_certification_amount())
        .values_list("establishment_id", "amount", "certified")
    )
    for establishment_id, amount, certified in rows:
        budget = budgets.get(establishment_id)
        if budget is None:
            continue
        budget.allocated += amount
        budget.referents_allocated += 1
        if certified is not None:
            budget.certified += certified
    return list(budgets.values())


@dataclass
class BudgetLine:
    label: str
    establishments: int = 0
    envelope: Decimal = ZERO
    allocated: Decimal = ZERO
    certified: Decimal = ZERO
    without_envelope: int = 0

    def add(self, budget: EstablishmentBudget) -> None:
        self.establishments += 1
        if budget.envelope.amount is None:
            self.without_envelope += 1
        else:
            self.envelope += budget.envelope.amount
        self.allocated += budget.allocated
        self.certified += budget.certified

    @property
    def remaining(self) -> Decimal:
        return self.envelope - self.allocated

    @property
    def allocated_percent(self) -> int | None:
        if not self.envelope:
            return None
        return int((self.allocated * 100 / self.envelope).to_integral_value())


@dataclass
class Budget:
    school_year: SchoolYear
    total: BudgetLine
    by_departement: list[BudgetLine]
    by_type: list[BudgetLine]
    not_fully_allocated: list[EstablishmentBudget]
    without_envelope: list[EstablishmentBudget]


def budget_for(*, scope: Scope, school_year: SchoolYear) -> Budget:
    """The DANE's budget of a year over the establishments the actor sees."""
    budgets = establishment_budgets(
        academie_id=scope.academie_id,
        school_year=school_year,
        establishments=establishments_visible_to(scope),
    )
    total = BudgetLine("Total")
    by_departement: dict[str, BudgetLine] = {}
    by_type: dict[str, BudgetLine] = {}
    for budget in budgets:
        establishment = budget.establishment
        total.add(budget)
        dep = establishment.departement
        by_departement.setdefault(dep.code, BudgetLine(str(dep))).add(budget)
        by_type.setdefault(
            establishment.type, BudgetLine(EstablishmentType(establishment.type).label)
        ).add(budget)
    type_order = {value: index for index, value in enumerate(EstablishmentType.values)}
    return Budget(
        school_year=school_year,
        total=total,
        by_departement=[by_departement[code] for code in sorted(by_departement)],
        by_type=[by_type[t] for t in sorted(by_type, key=type_order.__getitem__)],
        not_fully_allocated=[b for b in budgets if b.has_envelope and not b.fully_allocated],
        without_envelope=[b for b in budgets if not b.has_envelope],
    )


# --- Export --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    uai: str
    establishment: str
    civility: str
    last_name: str
    first_name: str
    email: str
    amount: Decimal
    multiple: Decimal | None
    status: str | None  # ServiceStatus value of the certification in force, None if none
    months_done: int | None
    certified_at: datetime | None
    amount_due: Decimal | None


def export_rows(
    *,
    scope: Scope,
    school_year: SchoolYear,
    departement_id: int | None = None,
    establishment_type: str = "",
) -> list[ExportRow]:
    """Who gets how much for the year, sorted by UAI then name, in 4 queries."""
    establishments = establishments_visible_to(scope)
    if departement_id:
        establishments = establishments.filter(departement_id=departement_id)
    if establishment_type:
        establishments = establishments.filter(type=establishment_type)
    latest = ServiceCertification.objects.filter(allocation=OuterRef("pk")).order_by(
        "-certified_at", "-pk"
    )
    establishment_ids = list(establishments.values_list("pk", flat=True))
    allocations = (
        Allocation.objects.current()
        .filter(
            academie_id=scope.academie_id,
            school_year=school_year,
            establishment_id__in=establishment_ids,
        )
        .select_related("establishment", "referent__user")
        .annotate(
            cert_status=Subquery(latest.values("status")[:1]),
            cert_months=Subquery(latest.values("months_done")[:1]),
            cert_at=Subquery(latest.values("certified_at")[:1]),
            cert_amount=Subquery(latest.values("amount")[:1]),
        )
        .order_by(
            "establishment__uai",
            "referent__user__last_name",
            "referent__user__first_name",
            "referent__user__email",
        )
    )
    rule_set = rule_set_for(scope.academie_id, school_year)
    base = rule_set.base_rate if rule_set else None
    rows = []
    for allocation in allocations:
        user = allocation.referent.user
        rows.append(
            ExportRow(
                uai=allocation.establishment.uai,
                establishment=allocation.establishment.name,
                civility=user.get_civility_display() if user.civility else "",
                last_name=user.last_name,
                first_name=user.first_name,
                email=user.email,
                amount=allocation.amount,
                multiple=(allocation.amount / base).quantize(Decimal("0.01")) if base else None,
                status=allocation.cert_status,  # type: ignore[attr-defined]
                months_done=allocation.cert_months,  # type: ignore[attr-defined]
                certified_at=allocation.cert_at,  # type: ignore[attr-defined]
                amount_due=allocation.cert_amount,  # type: ignore[attr-defined]
            )
        )
    return rows


def allocation_summaries(*, scope: Scope, school_year: SchoolYear) -> list[EstablishmentBudget]:
    """The actor's establishments with envelope, allocated and remaining for the year."""
    return establishment_budgets(
        academie_id=scope.academie_id,
        school_year=school_year,
        establishments=establishments_visible_to(scope),
    )


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
