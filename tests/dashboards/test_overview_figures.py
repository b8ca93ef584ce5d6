"""The overview's precomputed figures: a refresh stores exactly what the live aggregates count
(whole académie, a coordinator's départements, the national view, with filters, after the data
grows), by SQL statements whose number does not depend on the data; the page says when its
figures were computed; the beat refreshes every académie.

The hand-computed figures themselves are asserted on both paths in `test_overview.py`.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.scopes import scope_for
from dashboards.models import OverviewFigures, OverviewRefresh
from dashboards.overview import (
    Filters,
    Sources,
    count_figures,
    national_overview,
    national_sources,
    overview_for,
    precomputed_figures,
    sources_for,
)
from dashboards.overview_figures import refresh_overview_figures
from dashboards.tasks_overview import overview_figures_tick
from establishments.models import Academie, EstablishmentType
from missions.models import LetterStatus, LetterTemplate
from tests.conftest import client_acting_as
from tests.dashboards.overview_fixture import OverviewWorld, build, grow, letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def ow(poitiers, bordeaux) -> OverviewWorld:
    return build(poitiers, bordeaux)


def refresh_all() -> None:
    for academie_id in Academie.objects.values_list("pk", flat=True):
        refresh_overview_figures(academie_id=academie_id)


def assert_same_figures(ow: OverviewWorld, sources: Sources, filters: Filters) -> None:
    years = [ow.year, ow.previous]
    live = count_figures(sources, years=years, filters=filters)
    assert live  # something is counted
    assert precomputed_figures(sources, years=years, filters=filters) == live


def every_view(ow: OverviewWorld) -> list[Sources]:
    return [
        sources_for(scope_for(ow.world.dane_admin)),
        sources_for(scope_for(ow.world.coordinator)),
        national_sources(),
    ]


def test_the_refresh_stores_what_the_live_aggregates_count(ow: OverviewWorld) -> None:
    refresh_all()
    departement = ow.world.academie.departements.get(code="16")
    for sources in every_view(ow):
        for filters in (
            Filters(),
            Filters(type=EstablishmentType.COLLEGE),
            Filters(departement_id=departement.pk),
            Filters(departement_id=departement.pk, type=EstablishmentType.EREA),
        ):
            assert_same_figures(ow, sources, filters)


def test_a_refresh_replaces_the_rows_as_the_data_grows(ow: OverviewWorld) -> None:
    refresh_all()
    rows = OverviewFigures.objects.count()
    template = LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year)
    grow(ow.world, template, count=4)
    refresh_all()
    assert OverviewFigures.objects.count() == rows  # the same groups, recomputed, not added
    for sources in every_view(ow):
        assert_same_figures(ow, sources, Filters())


def test_the_refresh_is_a_constant_number_of_statements(ow: OverviewWorld) -> None:
    academie_id = ow.world.academie.pk

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            refresh_overview_figures(academie_id=academie_id)
        return [q["sql"] for q in queries.captured_queries]

    statements()  # the first creates the académie's refresh row
    small = statements()
    grow(
        ow.world,
        LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year),
        count=10,
    )
    large = statements()
    assert len(small) == len(large)
    # One statement computes and inserts every row: an aggregate, not a loop over rows.
    inserts = [sql for sql in large if "INSERT INTO" in sql and "dashboards_overviewfigures" in sql]
    assert len(inserts) == 1
    assert "GROUP BY" in inserts[0] and "UNION ALL" in inserts[0]


def test_the_page_reads_the_figures_as_they_were_computed(ow: OverviewWorld) -> None:
    refresh_all()
    template = LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year)
    letter(ow.world.rupn, ow.e, template, LetterStatus.ISSUED)
    scope = scope_for(ow.world.dane_admin)

    def issued() -> int | None:
        letters = overview_for(scope, school_year=ow.year, filters=Filters()).sections[1]
        value = letters.tables[0].total.figures[5].value
        assert isinstance(value, int)
        return value

    assert issued() == 1  # as computed, before the new letter
    refresh_overview_figures(academie_id=ow.world.academie.pk)
    assert issued() == 2


def test_an_academie_never_refreshed_is_counted_live(ow: OverviewWorld) -> None:
    refresh_overview_figures(academie_id=ow.world.academie.pk)
    assert overview_for(
        scope_for(ow.world.dane_admin), school_year=ow.year, filters=Filters()
    ).computed_at
    # Bordeaux's rows are missing: the national view counts live, every académie included.
    national = national_overview(school_year=ow.year, filters=Filters())
    assert national.computed_at is None
    assert national.staleness == ""
    assert [line.label for line in national.sections[0].tables[0].lines] == ["Bordeaux", "Poitiers"]


def test_the_page_says_when_its_figures_were_computed(ow: OverviewWorld, client) -> None:
    refresh_all()
    client_dane = client_acting_as(ow.world.dane_admin)
    assert "Chiffres arrêtés" in client_dane.get("/tableau-de-bord/").content.decode()

    today = timezone.localtime().replace(hour=10, minute=42, second=0, microsecond=0)
    OverviewRefresh.objects.filter(academie=ow.world.academie).update(computed_at=today)
    body = client_dane.get("/tableau-de-bord/").content.decode()
    assert "Chiffres arrêtés à 10\u00a0h\u00a042" in body

    before = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 5))
    OverviewRefresh.objects.filter(academie=ow.world.academie).update(computed_at=before)
    body = client_acting_as(ow.world.coordinator).get("/tableau-de-bord/").content.decode()
    assert "Chiffres arrêtés le 1er\u00a0décembre 2026 à 9\u00a0h\u00a005" in body

    # The national view: the oldest académie's time.
    from accounts.models import User

    client.force_login(User.objects.create_user("admin@test.fr", is_staff=True))
    body = client.get("/tableau-de-bord/national/").content.decode()
    assert "Chiffres arrêtés le 1er\u00a0décembre 2026 à 9\u00a0h\u00a005" in body


def test_counted_live_the_page_states_no_time(ow: OverviewWorld) -> None:
    body = client_acting_as(ow.world.dane_admin).get("/tableau-de-bord/").content.decode()
    assert "Chiffres arrêtés" not in body


def test_the_beat_refreshes_every_academie(ow: OverviewWorld) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["overview-figures"]
    assert entry["task"] == "dashboards.tasks_overview.overview_figures_tick"
    assert overview_figures_tick() == Academie.objects.count()  # eager: each refresh runs
    assert OverviewRefresh.objects.count() == Academie.objects.count()
    assert_same_figures(ow, national_sources(), Filters())
