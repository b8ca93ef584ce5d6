"""Benchmark of the overview pages on the national-scale dataset (`bench/national_dataset.py`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench .venv/bin/python \\
        bench/dashboards.py [--fois 40] [--explain]

For the DANE admin's overview of Bordeaux (1 000 establishments), a coordinator's (one
département) and the platform administrator's national overview, in-process with Django's test
client, warm: the median and 95th percentile server time and the SQL query count; beside them,
the time of the same SQL run directly with a cursor (the queries captured from one request, the
figures' aggregates and the page's few reads), median over the same number of runs. With
`--explain`, the plans (`EXPLAIN ANALYZE`) of the aggregate queries of the académie's page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.acting import SESSION_KEY  # noqa: E402
from accounts.models import Membership, Role, User  # noqa: E402
from tenancy.guard import scopes_disabled  # noqa: E402


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def client_for(user: User, membership: Membership | None) -> Client:
    client = Client()
    client.force_login(user)
    if membership is not None:
        session = client.session
        session[SESSION_KEY] = membership.pk
        session.save()
    return client


def measure(label: str, client: Client, url: str, runs: int, explain: bool) -> None:
    for _ in range(3):  # warm: connection, templates, caches
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = [q["sql"] for q in captured.captured_queries]
    # Re-run the reads only (a server-side cursor's DECLARE runs as the SELECT it declares).
    reads = [sql.split(" CURSOR WITH HOLD FOR ", 1)[-1] for sql in queries]
    reads = [sql for sql in reads if sql.lstrip().upper().startswith("SELECT")]
    aggregates = [sql for sql in queries if "GROUP BY" in sql]
    raw_times, aggregate_times = [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            start = time.perf_counter()
            for sql in reads:
                cursor.execute(sql)
                cursor.fetchall()
            raw_times.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            for sql in aggregates:
                cursor.execute(sql)
                cursor.fetchall()
            aggregate_times.append((time.perf_counter() - start) * 1000)
    median, raw = statistics.median(times), statistics.median(raw_times)
    print(
        f"{label:<40} médiane {median:7.1f} ms  p95 {p95(times):7.1f} ms  "
        f"{len(queries):3d} requêtes  |  SQL brut : toutes {raw:6.1f} ms, "
        f"agrégats ({len(aggregates)}) {statistics.median(aggregate_times):6.1f} ms  "
        f"→ page / SQL = {median / raw:4.2f}"
    )
    if explain:
        with connection.cursor() as cursor:
            for sql in aggregates:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                print("\n" + sql[:300] + " …\n" + plan + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fois", type=int, default=40)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Mesure sur PostgreSQL seulement : définissez DATABASE_URL.")
    setup_test_environment()
    # Measures: the bench finds its people across académies, and makes a platform
    # administrator for the national view; the pages themselves open their own scope.
    with scopes_disabled():
        admin = Membership.objects.get(
            role=Role.DANE_ADMIN, academie__slug="bordeaux", revoked_at__isnull=True
        )
        coordinator = Membership.objects.filter(
            role=Role.DANE_COORDINATOR, academie__slug="bordeaux"
        ).first()
        if coordinator is None:
            coordinator = Membership.objects.create(
                user=User.objects.create_user("coord.bordeaux@mesure.example"),
                academie=admin.academie,
                role=Role.DANE_COORDINATOR,
            )
            coordinator.departements.add(admin.academie.departements.order_by("code")[0])
        staff = User.objects.filter(email="admin@mesure.example").first() or (
            User.objects.create_user("admin@mesure.example", is_staff=True)
        )
        establishments = admin.academie.establishments.count()
        admin_user, coordinator_user = admin.user, coordinator.user
    print(f"Base : {connection.settings_dict['NAME']} ; Bordeaux : {establishments} établissements")
    measure(
        "Administrateur DANE (académie)",
        client_for(admin_user, admin),
        "/tableau-de-bord/",
        args.fois,
        args.explain,
    )
    measure(
        "Coordonnateur (un département)",
        client_for(coordinator_user, coordinator),
        "/tableau-de-bord/",
        args.fois,
        False,
    )
    measure(
        "Administrateur de la plateforme (national)",
        client_for(staff, None),
        "/tableau-de-bord/national/",
        max(5, args.fois // 4),
        args.explain,
    )


if __name__ == "__main__":
    main()
