"""Benchmark of the overview pages on the national-scale dataset (`bench/national_dataset.py`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rupn_bench .venv/bin/python \\
        bench/dashboards.py [--fois 40] [--explain]

For the DANE admin's overview of Bordeaux (1 000 establishments), a coordinator's (one
département) and the platform administrator's national overview, in-process with Django's test
client, warm: the median and 95th percentile server time and the SQL query count, beside the
time of the page's SQL run directly with a cursor (the queries captured from one request) and
of the live aggregates that count the same figures (`dashboards.overview.figure_queries`).

First it refreshes every académie's precomputed figures (`OverviewFigures`, the path the pages
read, as the Celery beat does) and prints how long that took; then each page is measured on that
path (« précalculé »), and again counted live (« en direct », as for an académie never
refreshed: the refresh rows are deleted inside a transaction rolled back afterwards). With
`--explain`, the plans (`EXPLAIN ANALYZE`) of the aggregates each page runs, and once those of
the live aggregates of the académie (what the refresh runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")
# Measured as a page is served: without the templates' debug mode (DEBUG=1 to measure with it).
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.acting import SESSION_KEY  # noqa: E402
from accounts.models import Membership, Role, User  # noqa: E402
from accounts.scopes import scope_for  # noqa: E402
from dashboards.models import OverviewRefresh  # noqa: E402
from dashboards.overview import (  # noqa: E402
    FigureQuery,
    Filters,
    figure_queries,
    national_sources,
    previous_year_of,
    sources_for,
)
from dashboards.overview_figures import refresh_overview_figures  # noqa: E402
from establishments.models import Academie, SchoolYear  # noqa: E402
from tenancy.guard import academie_scope, scopes_disabled  # noqa: E402


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


def run(cursor: Any, statements: list[tuple[str, Any]], runs: int) -> float:
    """Median time of running `statements` one after the other, in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def explain(statements: list[tuple[str, Any]]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print("\n" + " ".join(sql.split())[:200] + " …\n" + plan)


def measure(
    label: str, client: Client, url: str, live: list[FigureQuery], runs: int, explain_: bool
) -> None:
    for _ in range(3):  # warm: connection, templates, caches
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    path = response.context["overview"].staleness or "en direct"
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = [q["sql"] for q in captured.captured_queries]
    # Re-run the reads only (a server-side cursor's DECLARE runs as the SELECT it declares).
    reads = [sql.split(" CURSOR WITH HOLD FOR ", 1)[-1] for sql in queries]
    reads = [sql for sql in reads if sql.lstrip().upper().startswith("SELECT")]
    # The figures and when they were computed (the page's other reads are the session, the
    # acting role, the school years and the form's choices).
    aggregates = [
        (sql, None)
        for sql in reads
        if ("GROUP BY" in sql or "overview" in sql)
        and not sql.startswith('SELECT "accounts_membership"."id"')
    ]
    with connection.cursor() as cursor:
        raw = run(cursor, [(sql, None) for sql in reads], runs)
        aggregate = run(cursor, aggregates, runs)
        counted = run(cursor, [(q.select(q.columns), q.params) for q in live], max(5, runs // 4))
    median = statistics.median(times)
    print(
        f"{label:<44} médiane {median:6.1f} ms  p95 {p95(times):6.1f} ms  "
        f"{len(queries):2d} requêtes  |  SQL de la page {raw:6.1f} ms "
        f"(agrégats {aggregate:5.1f})  |  agrégats en direct {counted:6.1f} ms  "
        f"→ page / agrégats en direct {median / counted:4.2f}  [{path}]"
    )
    if explain_:
        explain(aggregates)
        print()


def refresh_all() -> None:
    with scopes_disabled():
        academie_ids = list(Academie.objects.order_by("pk").values_list("pk", flat=True))
        largest = Academie.objects.get(slug="bordeaux").pk
    times = {}
    for academie_id in academie_ids:
        start = time.perf_counter()
        with academie_scope(academie_id):
            refresh_overview_figures(academie_id=academie_id)
        times[academie_id] = (time.perf_counter() - start) * 1000
    print(
        f"Calcul des chiffres précalculés : {sum(times.values()):.0f} ms pour "
        f"{len(times)} académies, dont Bordeaux {times[largest]:.0f} ms"
    )


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
    print(f"Charge de la machine : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    refresh_all()
    with scopes_disabled():
        year = SchoolYear.objects.current()
        years = [y.pk for y in (year, previous_year_of(year)) if y is not None]
        views = [
            (
                "Administrateur DANE (académie)",
                client_for(admin_user, admin),
                "/tableau-de-bord/",
                figure_queries(sources_for(scope_for(admin)), year_ids=years, filters=Filters()),
            ),
            (
                "Coordonnateur (un département)",
                client_for(coordinator_user, coordinator),
                "/tableau-de-bord/",
                figure_queries(
                    sources_for(scope_for(coordinator)), year_ids=years, filters=Filters()
                ),
            ),
            (
                "Administrateur de la plateforme (national)",
                client_for(staff, None),
                "/tableau-de-bord/national/",
                figure_queries(national_sources(), year_ids=years, filters=Filters()),
            ),
        ]
    for label, client, url, live in views:
        measure(f"{label}, précalculé", client, url, live, args.fois, args.explain)
    with transaction.atomic():
        with scopes_disabled():
            OverviewRefresh.objects.all().delete()
        for label, client, url, live in views:
            measure(f"{label}, en direct", client, url, live, args.fois, False)
        transaction.set_rollback(True)
    if args.explain:
        print("Agrégats en direct de l’académie (ceux que le calcul des chiffres exécute) :")
        explain([(q.select(q.columns), q.params) for q in views[0][3]])


if __name__ == "__main__":
    main()
