"""Benchmark of the DANE's IMP budget page (and the payroll export) on a large académie.

    .venv/bin/python bench/budget_view.py [--etablissements 1000] [--rendus 20]

Runs in a throw-away test database (in memory with the default SQLite settings; a `test_…`
database with DATABASE_URL), never in the development one. Builds an académie of N
establishments with bulk inserts (rules, pupil counts, 1 to 3 referents each, allocations, some
service fait, a few establishments without pupil count or allocation), then renders the budget
page through the test client several times as the DANE admin and prints the SQL query count and
the median and 90th/95th percentile times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tenancy.guard import scopes_disabled  # noqa: E402


def build(count: int) -> dict[str, Any]:
    from accounts.models import Membership, Role, User
    from accounts.services import membership_grant
    from establishments.models import (
        Establishment,
        EstablishmentType,
        PupilCount,
        SchoolYear,
        Sector,
    )
    from establishments.uai import make_uai
    from indemnities.defaults import POITIERS_BANDS
    from indemnities.envelopes import envelopes_for
    from indemnities.models import Allocation, ServiceCertification
    from indemnities.selectors_amounts import amount_rules
    from indemnities.services.rules import rule_set_create_from_table
    from tenancy.scope import Scope
    from tests.factories import POITIERS_DEPARTEMENTS, make_academie

    academie = make_academie(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    make_academie(name="Bordeaux", code="04", departements={"33": "Gironde"})
    year = SchoolYear.objects.current()
    rule_set = rule_set_create_from_table(
        academie=academie,
        school_year=year,
        bands=POITIERS_BANDS,
        actor=Scope.platform(academie.pk),
    )
    deps = list(academie.departements.order_by("code"))
    types = [EstablishmentType.COLLEGE] * 6 + [
        EstablishmentType.LGT,
        EstablishmentType.LP,
        EstablishmentType.LPO,
        EstablishmentType.EREA,
    ]
    establishments = Establishment.objects.bulk_create(
        Establishment(
            academie=academie,
            uai=make_uai(f"{int(deps[i % len(deps)].code):03d}", 1000 + i),
            name=f"Établissement n° {i}",
            type=types[i % len(types)],
            sector=Sector.PUBLIC if i % 5 else Sector.PRIVATE,
            departement=deps[i % len(deps)],
            commune=f"Commune {i % 97}",
        )
        for i in range(count)
    )
    establishments = list(Establishment.objects.filter(academie=academie).order_by("uai"))
    PupilCount.objects.bulk_create(
        PupilCount(
            academie=academie,
            establishment=e,
            school_year=year,
            pupils=120 + (i * 37) % 1400,
        )
        for i, e in enumerate(establishments)
        if i % 25 != 7  # one in 25 has no pupil count: no envelope, flagged
    )
    User.objects.bulk_create(
        User(email=f"rupn{i}-{n}@bench.test", first_name=f"Prénom{n}", last_name=f"Nom{i}")
        for i in range(count)
        for n in range(1 + i % 3)
    )
    users_by_email = {u.email: u for u in User.objects.filter(email__endswith="@bench.test")}
    memberships = Membership.objects.bulk_create(
        Membership(user=u, academie=academie, role=Role.RUPN, school_year=year)
        for u in users_by_email.values()
    )
    by_user = {m.user_id: m for m in Membership.objects.filter(academie=academie, role=Role.RUPN)}
    through = Membership.establishments.through
    links = []
    referents: dict[int, list[Membership]] = {}
    for i, e in enumerate(establishments):
        for n in range(1 + i % 3):
            membership = by_user[users_by_email[f"rupn{i}-{n}@bench.test"].pk]
            links.append(through(membership_id=membership.pk, establishment_id=e.pk))
            referents.setdefault(e.pk, []).append(membership)
    through.objects.bulk_create(links)

    rules = amount_rules(rule_set)
    envelopes = envelopes_for(
        academie_id=academie.pk, school_year=year, establishments=establishments
    )
    allocations = []
    for i, e in enumerate(establishments):
        envelope = envelopes[e.pk].amount
        if envelope is None or i % 10 == 3:  # some have not allocated anything yet
            continue
        people = referents[e.pk]
        steps = int(envelope // rules.step) - (1 if i % 4 == 1 else 0)
        share, extra = divmod(steps, len(people))
        for n, membership in enumerate(people):
            quarters = share + (1 if n < extra else 0)
            if quarters:
                allocations.append(
                    Allocation(
                        academie=academie,
                        establishment=e,
                        school_year=year,
                        referent=membership,
                        amount=quarters * rules.step,
                    )
                )
    allocations = Allocation.objects.bulk_create(allocations)
    saved = list(Allocation.objects.filter(academie=academie).order_by("pk"))
    ServiceCertification.objects.bulk_create(
        ServiceCertification(
            academie=academie,
            allocation=a,
            status="full" if i % 5 else "partial",
            months_done=9 if i % 5 else 6,
            amount=a.amount if i % 5 else (a.amount * 6 / 9).quantize(Decimal("0.01")),
        )
        for i, a in enumerate(saved)
        if i % 3 == 0
    )
    from tests.factories import make_user

    admin = membership_grant(
        academie=academie,
        user=make_user("dane@bench.test"),
        role=Role.DANE_ADMIN,
        actor=Scope.platform(academie.pk),
    )
    coordinator = membership_grant(
        academie=academie,
        user=make_user("coord@bench.test"),
        role=Role.DANE_COORDINATOR,
        actor=Scope.platform(academie.pk),
        departements=deps[:1],
    )
    return {
        "admin": admin,
        "coordinator": coordinator,
        "year": year,
        "establishments": len(establishments),
        "referents": len(memberships),
        "allocations": len(saved),
        "certifications": ServiceCertification.objects.count(),
    }


def measure(client, url: str, rounds: int) -> tuple[int, list[float], int]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm up: session, current school year, template cache
    times = []
    queries = 0
    size = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = len(captured.captured_queries)
        size = len(response.content)
    return queries, times, size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(count: int, rounds: int) -> None:
    from django.urls import reverse

    from tests.conftest import client_acting_as

    start = time.perf_counter()
    data = build(count)
    built = time.perf_counter() - start
    year = data["year"]
    print(
        f"Budget IMP – base {connection.vendor}, {data['establishments']} établissements, "
        f"{data['referents']} référents, {data['allocations']} attributions, "
        f"{data['certifications']} certifications (données créées en {built:.1f} s)"
    )
    print(f"{'page':<40}{'requêtes':>9}{'médiane ms':>12}{'p90 ms':>9}{'p95 ms':>9}{'Ko':>8}")
    budget = reverse("indemnities:budget")
    export = reverse("indemnities:export") + f"?annee={year.start_year}&format="  # type: ignore[attr-defined]
    pages = [
        ("budget (administrateur DANE)", data["admin"], budget),
        ("budget (coordonnateur, 1 département)", data["coordinator"], budget),
        ("export CSV (administrateur DANE)", data["admin"], export + "csv"),
        ("export XLSX (administrateur DANE)", data["admin"], export + "xlsx"),
    ]
    for label, member, url in pages:
        queries, times, size = measure(client_acting_as(member), url, rounds)
        print(
            f"{label:<40}{queries:>9}{statistics.median(times) * 1000:>12.0f}"
            f"{percentile(times, 0.9) * 1000:>9.0f}{percentile(times, 0.95) * 1000:>9.0f}"
            f"{size / 1024:>8.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--etablissements", type=int, default=1000, help="établissements (1000)")
    parser.add_argument("--rendus", type=int, default=20, help="rendus mesurés par page (20)")
    options = parser.parse_args()

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # The benchmark builds its académies directly: the guard is off for that, and the
        # pages it measures open their scope in the middleware as in production.
        with scopes_disabled():
            run(options.etablissements, options.rendus)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
