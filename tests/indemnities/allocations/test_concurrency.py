"""Two simultaneous saves (principal and deputy) can never exceed the envelope together.

Runs on PostgreSQL only: SQLite has no row locks (SELECT … FOR UPDATE is a no-op there) and
serialises whole-database writes instead, so it cannot show the race this test is about.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from indemnities.models import Allocation
from indemnities.services import allocations as allocations_service
from indemnities.services.allocations import allocation_set
from tenancy.guard import academie_scope

from .conftest import ImpWorld

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrence : verrous de ligne (SELECT … FOR UPDATE) testés sur PostgreSQL "
        "seulement.",
    ),
]


def test_two_simultaneous_saves_cannot_exceed_the_envelope(
    imp: tuple[ImpWorld, ImpWorld], monkeypatch: pytest.MonkeyPatch
) -> None:
    poitiers, _ = imp
    year = SchoolYear.objects.current()
    first, second, _ = poitiers.referents
    # Each save fits alone (1 875 € and 1 250 € in a 2 500 € envelope), not both together.
    plans = [
        (scope_for(poitiers.world.principal), {first: Decimal("1875.00")}),
        (scope_for(poitiers.world.deputy), {second: Decimal("1250.00")}),
    ]
    # Widen the window between taking the lock and reading the current allocations: without
    # the lock both transactions would read an empty establishment and both would save.
    real_amount_rules = allocations_service.amount_rules

    def slow_amount_rules(rule_set):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return real_amount_rules(rule_set)

    monkeypatch.setattr(allocations_service, "amount_rules", slow_amount_rules)
    barrier = threading.Barrier(len(plans))
    outcomes: list[str] = []

    def save(actor, amounts) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            # A thread of its own, as a request or a task would be: it opens its académie.
            with academie_scope(actor.academie_id):
                allocation_set(
                    establishment=poitiers.establishment,
                    school_year=year,
                    amounts=amounts,
                    actor=actor,
                )
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append("refused: " + " ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "saved"], outcomes
    assert "dépasse l’enveloppe" in next(o for o in outcomes if o.startswith("refused"))
    total = sum(Allocation.objects.values_list("amount", flat=True))
    assert total <= Decimal("2500.00")
    assert Allocation.objects.count() == 1
