"""Response rates over the years, computed by hand on `overview_fixture.add_history`: every
school year up to the one shown, the overview's scope and filters (a coordinator's
départements only), and the same figures as the overview for the year shown.

Rates are percentages rounded half up to one decimal: 2 of 3 → 66.7; 1 of 3 → 33.3.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import scope_for
from dashboards.history import HISTORY_QUERIES, PRECOMPUTED_HISTORY_QUERIES, response_history
from dashboards.overview import Filters, national_sources, overview_for, sources_for
from dashboards.overview_figures import refresh_overview_figures
from establishments.models import EstablishmentType
from tenancy.guard import scopes_disabled
from tests.dashboards.overview_fixture import OverviewWorld, add_history, build

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(params=[False, True], ids=["live", "precomputed"])
def precomputed(request) -> bool:
    """Counted live, or read from the precomputed figures (both académies refreshed)."""
    return request.param


@pytest.fixture
def ow(poitiers, bordeaux, precomputed: bool) -> OverviewWorld:
    ow = build(poitiers, bordeaux)
    add_history(ow, bordeaux)
    if precomputed:
        for academie in (poitiers.academie, bordeaux.academie):
            refresh_overview_figures(academie_id=academie.pk)
    return ow


def figures(history) -> list[tuple]:
    """(year, bilan invited, submitted, rate, principals invited, submitted, rate) per year."""
    return [
        (
            y.school_year.start_year,
            *(
                value
                for audience in ("rupn", "principals")
                for value in (y.of(audience).invited, y.of(audience).submitted, y.of(audience).rate)
            ),
        )
        for y in history
    ]


def test_every_year_up_to_the_one_shown_for_the_dane_admin(
    precomputed: bool, ow: OverviewWorld
) -> None:
    start = ow.year.start_year
    history = response_history(
        precomputed=precomputed,
        sources=sources_for(scope_for(ow.world.dane_admin)),
        up_to=ow.year,
        filters=Filters(),
    )
    assert figures(history) == [
        (start - 2, 3, 2, D("66.7"), 0, 0, None),
        (start - 1, 0, 0, None, 2, 1, D("50.0")),
        (start, 4, 2, D("50.0"), 0, 0, None),
    ]
    # Up to last year: this year's bilan is left out.
    before = response_history(
        precomputed=precomputed,
        sources=sources_for(scope_for(ow.world.dane_admin)),
        up_to=ow.previous,
        filters=Filters(),
    )
    assert [y.school_year.start_year for y in before] == [start - 2, start - 1]


def test_the_year_shown_has_the_overviews_figures(precomputed: bool, ow: OverviewWorld) -> None:
    scope = scope_for(ow.world.dane_admin)
    overview = overview_for(scope, school_year=ow.year, filters=Filters())
    history = response_history(
        precomputed=precomputed, sources=sources_for(scope), up_to=ow.year, filters=Filters()
    )
    surveys = overview.sections[3].tables[0].total
    assert [f.value for f in surveys.figures] == list(figures(history)[-1][1:])
    assert [f.previous for f in surveys.figures] == list(figures(history)[-2][1:])


def test_a_coordinator_counts_their_departements_only(precomputed: bool, ow: OverviewWorld) -> None:
    start = ow.year.start_year
    history = response_history(
        precomputed=precomputed,
        sources=sources_for(scope_for(ow.world.coordinator)),
        up_to=ow.year,
        filters=Filters(),
    )
    # Département 16: A and D (B is in 86, C in 17).
    assert figures(history) == [
        (start - 2, 1, 1, D("100.0"), 0, 0, None),
        (start - 1, 0, 0, None, 2, 1, D("50.0")),
        (start, 3, 1, D("33.3"), 0, 0, None),
    ]


def test_filters_narrow_every_year(precomputed: bool, ow: OverviewWorld) -> None:
    start = ow.year.start_year
    history = response_history(
        precomputed=precomputed,
        sources=sources_for(scope_for(ow.world.dane_admin)),
        up_to=ow.year,
        filters=Filters(type=EstablishmentType.COLLEGE),  # A and C
    )
    assert figures(history) == [
        (start - 2, 2, 1, D("50.0"), 0, 0, None),
        (start - 1, 0, 0, None, 1, 1, D("100.0")),
        (start, 2, 1, D("50.0"), 0, 0, None),
    ]


def test_national_history_adds_up_every_academie(precomputed: bool, ow: OverviewWorld) -> None:
    start = ow.year.start_year
    with scopes_disabled():
        history = response_history(
            precomputed=precomputed, sources=national_sources(), up_to=ow.year, filters=Filters()
        )
    assert figures(history) == [
        (start - 2, 4, 2, D("50.0"), 0, 0, None),
        (start - 1, 0, 0, None, 2, 1, D("50.0")),
        (start, 5, 3, D("60.0"), 0, 0, None),
    ]


def test_constant_queries_whatever_the_rows(precomputed: bool, ow: OverviewWorld, bordeaux) -> None:
    from tests.dashboards.overview_fixture import invite, survey_campaign

    sources = sources_for(scope_for(ow.world.dane_admin))
    with CaptureQueriesContext(connection) as small:
        response_history(precomputed=precomputed, sources=sources, up_to=ow.year, filters=Filters())
    campaign = survey_campaign(ow.world, ow.previous, "rupn")
    for member in (ow.world.rupn, ow.world.principal, ow.world.deputy):
        invite(campaign, member, ow.a, "submitted")
    if precomputed:
        refresh_overview_figures(academie_id=ow.world.academie.pk)
    with CaptureQueriesContext(connection) as large:
        history = response_history(
            precomputed=precomputed, sources=sources, up_to=ow.year, filters=Filters()
        )
    expected = PRECOMPUTED_HISTORY_QUERIES if precomputed else HISTORY_QUERIES
    assert len(small) == len(large) == expected
    assert figures(history)[1][1:4] == (3, 3, D("100.0"))
