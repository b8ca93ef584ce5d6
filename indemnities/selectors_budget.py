"""The budget of many establishments: envelope, allocated, certified.

In a constant number of queries whatever the size of the académie (up to ~1 000
establishments): the budget view's query count is asserted in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery

from establishments.access import establishments_visible_to
from establishments.models import Establishment, EstablishmentType, SchoolYear
from indemnities.envelopes import Envelope, envelopes_for
from indemnities.models import (
    Allocation,
    ServiceCertification,
)
from indemnities.selectors_amounts import ZERO
from tenancy.scope import Scope


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


def allocation_summaries(*, scope: Scope, school_year: SchoolYear) -> list[EstablishmentBudget]:
    """The actor's establishments with envelope, allocated and remaining for the year."""
    return establishment_budgets(
        academie_id=scope.academie_id,
        school_year=school_year,
        establishments=establishments_visible_to(scope),
    )
