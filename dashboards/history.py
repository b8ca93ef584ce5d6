"""Response rates of the bilan and of the principals' survey over every school year available,
up to the year shown: the same scope and filters as the overview (a coordinator's figures are
those of their départements only), counted the way the overview counts them.

Three queries whatever the number of rows or years (`HISTORY_QUERIES`): the school years, the
invitations and the submitted responses, each grouped by (school year, audience). Rates are
`Decimal` percentages rounded half up to one decimal (`overview.share`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from dashboards.overview import SURVEY_COLUMNS, Filters, Sources, share
from establishments.models import SchoolYear

HISTORY_QUERIES = 3


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
    sources: Sources, *, up_to: SchoolYear, filters: Filters
) -> list[YearResponses]:
    """Every school year up to `up_to` (oldest first), with its counts per audience."""
    years = list(SchoolYear.objects.filter(start_year__lte=up_to.start_year).order_by("start_year"))
    counted: dict[str, dict[tuple[int, str], int]] = {}
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
