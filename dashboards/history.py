"""Response rates of the bilan and of the principals' survey over every school year available,
up to the year shown: the same scope and filters as the overview (a coordinator's figures are
those of their départements only), counted the way the overview counts them.

Counted live, three queries whatever the number of rows or years (`HISTORY_QUERIES`): the
school years, the invitations and the submitted responses, each grouped by (school year,
audience). When the overview itself was read from the precomputed figures (`OverviewFigures`,
which hold every school year's invitations and submissions), two (`PRECOMPUTED_HISTORY_QUERIES`):
the school years and the figures' sums per year — the same numbers, as of the same refresh, and
about 80 ms less of SQL on the national view of the national-scale dataset. Rates are `Decimal`
percentages rounded half up to one decimal (`overview.share`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from dashboards.overview import SURVEY_COLUMNS, Filters, Sources, share
from establishments.models import SchoolYear
from surveys.models import Audience

HISTORY_QUERIES = 3
PRECOMPUTED_HISTORY_QUERIES = 2

# The precomputed figures' columns of each audience: (invited, submitted).
_FIGURE_COLUMNS = {
    Audience.RUPN.value: ("invited_rupn", "submitted_rupn"),
    Audience.PRINCIPALS.value: ("invited_principals", "submitted_principals"),
}


@dataclass(frozen=True)
class AudienceYear:
    invited: int
    submitted: int

    @property
    def rate(self) -> Decimal | None:
        return share(self.submitted, self.invited)


@dataclass(frozen=True)
class YearResponses:
    """One school year's invitations and submitted responses, per audience."""

    school_year: SchoolYear
    by_audience: dict[str, AudienceYear]

    def of(self, audience: str) -> AudienceYear:
        return self.by_audience.get(audience, AudienceYear(0, 0))


def response_history(
    sources: Sources, *, up_to: SchoolYear, filters: Filters, precomputed: bool = False
) -> list[YearResponses]:
    """Every school year up to `up_to` (oldest first), with its counts per audience.

    `precomputed`: the overview beside it was read from the precomputed figures (its
    `computed_at` is set); the history then reads them too, so that both state the same time."""
    years = list(SchoolYear.objects.filter(start_year__lte=up_to.start_year).order_by("start_year"))
    counted = (
        _precomputed(sources, up_to, filters) if precomputed else _live(sources, up_to, filters)
    )
    return [
        YearResponses(
            school_year=year,
            by_audience={
                audience.value: AudienceYear(
                    invited=counted["invited"].get((year.pk, audience.value), 0),
                    submitted=counted["submitted"].get((year.pk, audience.value), 0),
                )
                for audience, _label in SURVEY_COLUMNS
            },
        )
        for year in years
    ]


Counted = dict[str, dict[tuple[int, str], int]]


def _precomputed(sources: Sources, up_to: SchoolYear, filters: Filters) -> Counted:
    columns = [column for pair in _FIGURE_COLUMNS.values() for column in pair]
    counted: Counted = {"invited": {}, "submitted": {}}
    for row in (
        sources.figures.filter(filters.q(), school_year__start_year__lte=up_to.start_year)
        .order_by()
        .values("school_year_id")
        .annotate(**{column: Sum(column) for column in columns})
    ):
        sums: dict[str, Any] = dict(row)
        for audience, (invited, submitted) in _FIGURE_COLUMNS.items():
            counted["invited"][sums["school_year_id"], audience] = sums[invited] or 0
            counted["submitted"][sums["school_year_id"], audience] = sums[submitted] or 0
    return counted


def _live(sources: Sources, up_to: SchoolYear, filters: Filters) -> Counted:
    counted: Counted = {}
    group = ("campaign__survey__school_year_id", "campaign__survey__audience")
    for queryset, target in (
        (sources.invitations, "invited"),
        (sources.responses.filter(submitted_at__isnull=False), "submitted"),
    ):
        counted[target] = {
            (row[group[0]], row[group[1]]): row["n"]
            for row in queryset.filter(
                filters.q("establishment__"),
                campaign__survey__school_year__start_year__lte=up_to.start_year,
            )
            .order_by()
            .values(*group)
            .annotate(n=Count("pk"))
        }
    return counted
