"""The refresh of an académie's precomputed overview figures (`OverviewFigures`).

One `INSERT … SELECT … GROUP BY` computes every school year's rows of the académie from the
very aggregates the live overview runs (`dashboards.overview.figure_queries`, with the
académie's whole scope and no filter), stacked by `UNION ALL` and summed per group: the rows are
the live figures by construction, and no row of a source table goes through Python. The old
rows are deleted and the new ones inserted in one transaction, under a lock of the académie's
row (`FOR NO KEY UPDATE`, which lets the académie's other rows reference it meanwhile), so that
two refreshes at once follow each other and a page reads either set, never half of one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dashboards.models_overview import OverviewFigures, OverviewRefresh
from dashboards.overview import FIGURE_COLUMNS, GROUP_COLUMNS, Filters, figure_queries, sources_for
from establishments.models import Academie, SchoolYear
from tenancy.scope import Scope


def refresh_sql(*, academie_id: int) -> tuple[str, list[Any]]:
    """The statement that inserts the académie's rows, every school year at once."""
    year_ids = list(SchoolYear.objects.order_by("pk").values_list("pk", flat=True))
    queries = figure_queries(
        sources_for(Scope.platform(academie_id)), year_ids=year_ids, filters=Filters()
    )
    union = " UNION ALL ".join(query.select(FIGURE_COLUMNS) for query in queries)
    group = ", ".join(GROUP_COLUMNS)
    sums = ", ".join(f"COALESCE(SUM({column}), 0)" for column in FIGURE_COLUMNS)
    table = OverviewFigures._meta.db_table
    # Only fixed identifiers go into the text; every value is a parameter of the queries.
    sql = (
        f"INSERT INTO {table} (departement_id, academie_id, type, school_year_id, "  # noqa: S608
        f"{', '.join(FIGURE_COLUMNS)}) "
        f"SELECT {group}, {sums} FROM ({union}) figures GROUP BY {group}"
    )
    params = [param for query in queries for param in query.params]
    return sql, params


def refresh_overview_figures(*, academie_id: int) -> datetime.datetime:
    """Recompute the académie's overview figures; returns the time they are stated at."""
    with transaction.atomic():
        # Two refreshes of one académie follow each other (a no-op outside PostgreSQL, whose
        # writes SQLite serialises anyway).
        list(
            Academie.objects.select_for_update(no_key=True)
            .filter(pk=academie_id)
            .values_list("pk", flat=True)
        )
        sql, params = refresh_sql(academie_id=academie_id)
        computed_at = timezone.now()
        OverviewFigures.objects.filter(academie_id=academie_id).delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        OverviewRefresh.objects.update_or_create(
            academie_id=academie_id, defaults={"computed_at": computed_at}
        )
    return computed_at
