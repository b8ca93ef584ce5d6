"""Demo allocations: within every envelope, both years, some service fait, idempotent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from accounts.demo import demo_build
from establishments.models import Academie, SchoolYear
from indemnities.demo_allocations import load_demo_allocations, split_envelope
from indemnities.demo_rules import load_demo_rules
from indemnities.envelopes import envelopes_for
from indemnities.models import Allocation, ServiceCertification
from indemnities.selectors_amounts import AmountRules

D = Decimal
RULES = AmountRules(
    base_rate=D("1250.00"),
    step=D("312.50"),
    minimum=D("312.50"),
    maximum=D("3750.00"),
    max_referents=3,
    max_referents_forbidden=False,
)


@pytest.mark.parametrize(
    ("envelope", "count", "keep", "expected"),
    [
        (D("2500.00"), 2, 0, ["1250.00", "1250.00"]),
        (D("2500.00"), 3, 0, ["937.50", "937.50", "625.00"]),
        (D("1250.00"), 5, 0, ["625.00", "312.50", "312.50"]),
        (D("3750.00"), 1, 0, ["3750.00"]),
        (D("2500.00"), 1, 1, ["2187.50"]),
        (D("312.50"), 2, 1, []),
        (D("0.00"), 2, 0, []),
        (D("1250.00"), 0, 0, []),
    ],
)
def test_split_envelope(envelope: Decimal, count: int, keep: int, expected: list[str]) -> None:
    assert split_envelope(envelope, count, RULES, keep=keep) == [D(e) for e in expected]


@pytest.mark.django_db
def test_demo_allocations() -> None:
    demo_build()
    current = SchoolYear.objects.current()
    previous = SchoolYear.objects.get(start_year=current.start_year - 1)
    for academie in Academie.objects.all():
        load_demo_rules(academie=academie, school_years=[previous, current])
        load_demo_allocations(academie=academie, school_years=[previous, current])
    snapshot = sorted(Allocation.objects.values_list("pk", "amount"))
    certifications = ServiceCertification.objects.count()

    for academie in Academie.objects.all():
        load_demo_allocations(academie=academie, school_years=[previous, current])
    assert sorted(Allocation.objects.values_list("pk", "amount")) == snapshot
    assert ServiceCertification.objects.count() == certifications

    for academie in Academie.objects.all():
        for year in (previous, current):
            allocations = Allocation.objects.filter(academie=academie, school_year=year)
            assert allocations.exists(), (academie, year)
            totals: dict[int, Decimal] = defaultdict(Decimal)
            for allocation in allocations:
                totals[allocation.establishment_id] += allocation.amount
                assert allocation.referent.academie_id == academie.pk
                assert allocation.referent.school_year_id == year.pk
            envelopes = envelopes_for(
                academie_id=academie.pk,
                school_year=year,
                establishments=academie.establishments.filter(pk__in=totals),
            )
            for establishment_id, total in totals.items():
                amount = envelopes[establishment_id].amount
                assert amount is not None and total <= amount
        certified = ServiceCertification.objects.filter(academie=academie)
        assert certified.filter(allocation__school_year=previous).exists()
        assert not certified.filter(allocation__school_year=current).exists()
        assert certified.filter(status="partial").exists()
        assert Allocation.objects.filter(
            academie=academie, school_year=previous, certifications__isnull=True
        ).exists()
