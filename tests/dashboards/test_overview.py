"""The overview of a school year: figures computed by hand on `overview_fixture`, the
coordinator's départements only (totals included), links to the lists, constant query counts.

Shares are percentages rounded half up to one decimal: 3 of 5 → 60.0; 2 of 3 → 66.7;
6 250 of 11 875 → 52.631… → 52.6; a difference of shares is in points between rounded shares.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import scope_for
from dashboards.history import HISTORY_QUERIES, PRECOMPUTED_HISTORY_QUERIES
from dashboards.models import OverviewRefresh
from dashboards.overview import (
    OVERVIEW_QUERIES,
    PRECOMPUTED_OVERVIEW_QUERIES,
    Filters,
    Overview,
    Table,
    overview_for,
    share,
)
from dashboards.overview_figures import refresh_overview_figures
from establishments.models import EstablishmentType
from missions.models import LetterTemplate
from tests.conftest import client_acting_as
from tests.dashboards.overview_fixture import OverviewWorld, build, grow

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(params=["live", "precomputed"])
def ow(request, poitiers, bordeaux) -> OverviewWorld:
    """The fixture's figures, counted live or read from the precomputed rows (both académies
    refreshed: the national view reads them only when every académie's exist)."""
    world = build(poitiers, bordeaux)
    if request.param == "precomputed":
        for academie in (poitiers.academie, bordeaux.academie):
            refresh_overview_figures(academie_id=academie.pk)
    return world


def table(overview: Overview, section: int, which: int = 0) -> Table:
    return overview.sections[section].tables[which]


def values(line) -> list:
    return [f.value for f in line.figures]


def previous(line) -> list:
    return [f.previous for f in line.figures]


def line(t: Table, label_start: str):
    return next(x for x in t.lines if x.label.startswith(label_start))


def test_share_rounds_half_up_to_a_tenth() -> None:
    assert share(2, 3) == D("66.7")
    assert share(1, 8) == D("12.5")
    assert share(1, 16) == D("6.3")  # 6.25 → 6.3, half up
    assert share(0, 0) is None


def test_dane_admin_figures_computed_by_hand(ow: OverviewWorld) -> None:
    overview = overview_for(scope_for(ow.world.dane_admin), school_year=ow.year, filters=Filters())
    coverage = table(overview, 0)
    # Establishments, with a referent, coverage, referents.
    assert values(coverage.total) == [5, 3, D("60.0"), 4]
    assert previous(coverage.total) == [5, 1, D("20.0"), 1]
    assert coverage.total.figures[2].difference == D("40.0")
    assert values(line(coverage, "16")) == [3, 2, D("66.7"), 3]
    assert values(line(coverage, "17")) == [1, 0, D("0.0"), 0]
    assert values(line(coverage, "79")) == [0, 0, None, 0]
    assert values(line(coverage, "86")) == [1, 1, D("100.0"), 1]
    by_type = table(overview, 0, 1)
    assert values(line(by_type, "Collège")) == [2, 1, D("50.0"), 2]
    assert values(line(by_type, "EREA")) == [1, 1, D("100.0"), 1]
    assert values(line(by_type, "Lycée professionnel")) == [1, 0, D("0.0"), 0]

    letters = table(overview, 1)
    # draft, sent, changes, referent signed, awaiting visa, issued, total, signed, issued share.
    assert values(letters.total) == [1, 1, 0, 0, 1, 1, 4, D("50.0"), D("25.0")]
    assert previous(letters.total) == [0, 0, 0, 0, 0, 1, 1, D("100.0"), D("100.0")]
    assert values(line(letters, "16")) == [1, 1, 0, 0, 0, 1, 3, D("33.3"), D("33.3")]
    assert values(line(letters, "86")) == [0, 0, 0, 0, 1, 0, 1, D("100.0"), D("0.0")]

    imp = table(overview, 2)
    # Envelopes, allocated, share allocated, certified, share certified of the allocated.
    assert values(imp.total) == [D("11875.00"), D("6250.00"), D("52.6"), D("625.00"), D("10.0")]
    assert previous(imp.total) == [
        D("1250.00"),
        D("1250.00"),
        D("100.0"),
        D("1250.00"),
        D("100.0"),
    ]
    assert imp.total.figures[0].difference == D("10625.00")
    assert values(line(imp, "16")) == [
        D("6875.00"),
        D("2500.00"),
        D("36.4"),
        D("625.00"),
        D("25.0"),
    ]
    assert values(line(imp, "79")) == [D("0.00"), D("0.00"), None, D("0.00"), None]

    surveys = table(overview, 3)
    # Bilan: invited, submitted, rate; principals: invited, submitted, rate.
    assert values(surveys.total) == [4, 2, D("50.0"), 0, 0, None]
    assert previous(surveys.total) == [0, 0, None, 0, 0, None]
    notes = overview.sections[3].notes
    assert notes[0].startswith("Bilan des RUPN : campagne en ")
    assert "aucune campagne" in notes[1]


def test_coordinator_sees_their_departement_only_totals_included(ow: OverviewWorld) -> None:
    overview = overview_for(scope_for(ow.world.coordinator), school_year=ow.year, filters=Filters())
    coverage = table(overview, 0)
    assert [x.label for x in coverage.lines] == ["16 – Charente"]
    assert values(coverage.total) == [3, 2, D("66.7"), 3]
    assert values(table(overview, 1).total) == [1, 1, 0, 0, 0, 1, 3, D("33.3"), D("33.3")]
    assert values(table(overview, 2).total) == [
        D("6875.00"),
        D("2500.00"),
        D("36.4"),
        D("625.00"),
        D("25.0"),
    ]
    assert values(table(overview, 3).total) == [3, 1, D("33.3"), 0, 0, None]
    # By type too: the lycée of département 86 (B) counts nowhere.
    assert values(line(table(overview, 0, 1), "Lycée général")) == [0, 0, None, 0]

    body = client_acting_as(ow.world.coordinator).get("/tableau-de-bord/").content.decode()
    assert "Charente" in body
    for other in ("Vienne", "Charente-Maritime", "Deux-Sèvres", "3\u202f750,00", "11\u202f875,00"):
        assert other not in body, other


def test_filters_narrow_every_table(ow: OverviewWorld) -> None:
    admin = scope_for(ow.world.dane_admin)
    departement = ow.world.academie.departements.get(code="16")
    overview = overview_for(
        admin,
        school_year=ow.year,
        filters=Filters(departement_id=departement.pk, type=EstablishmentType.COLLEGE),
    )
    coverage = table(overview, 0)
    assert [x.label for x in coverage.lines] == ["16 – Charente"]
    assert values(coverage.total) == [1, 1, D("100.0"), 2]
    assert [x.label for x in table(overview, 0, 1).lines] == ["Collège"]
    assert values(table(overview, 2).total)[:2] == [D("2500.00"), D("2500.00")]


def test_figures_link_to_the_lists_behind_them(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.dane_admin)
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 200
    body = response.content.decode()
    start = ow.year.start_year
    departement = ow.world.academie.departements.get(code="16")
    # The 1 issued letter of the académie opens the list of issued letters: 1 row.
    issued_url = f"/missions/lettres/?annee={start}&amp;etat=issued"
    assert f'href="{issued_url}">1</a>' in body
    listed = client.get(issued_url.replace("&amp;", "&"))
    assert "1 lettre correspond à ces critères" in listed.content.decode()
    assert (
        f'href="/missions/lettres/?annee={start}&amp;etat=sent&amp;departement={departement.pk}"'
        in body
    )
    assert f'href="/etablissements/?annee={start}&amp;type=college"' in body
    assert f'href="/indemnites/enveloppes/?annee={start}&amp;departement={departement.pk}"' in body


def test_the_home_pages_link_to_the_overview(ow: OverviewWorld) -> None:
    for member in (ow.world.dane_admin, ow.world.coordinator):
        body = client_acting_as(member).get("/").content.decode()
        assert 'href="/tableau-de-bord/"' in body


def test_other_roles_are_refused(ow: OverviewWorld) -> None:
    for member in (ow.world.principal, ow.world.rupn):
        assert client_acting_as(member).get("/tableau-de-bord/").status_code == 403
        assert client_acting_as(member).get("/tableau-de-bord/national/").status_code == 403


def test_a_bad_filter_says_so_and_shows_the_year(ow: OverviewWorld) -> None:
    response = client_acting_as(ow.world.dane_admin).get("/tableau-de-bord/?type=ecole")
    assert response.status_code == 400
    assert "ne sont pas valides" in response.content.decode()


def test_national_overview_for_the_platform_administrator(ow: OverviewWorld, client) -> None:
    from accounts.models import User

    staff = User.objects.create_user("admin@test.fr", is_staff=True)
    client.force_login(staff)
    response = client.get("/tableau-de-bord/national/")
    assert response.status_code == 200
    overview = response.context["overview"]
    coverage = table(overview, 0)
    assert [x.label for x in coverage.lines] == ["Bordeaux", "Poitiers"]
    assert values(line(coverage, "Poitiers")) == [5, 3, D("60.0"), 4]
    assert values(line(coverage, "Bordeaux")) == [2, 1, D("50.0"), 1]
    assert values(coverage.total) == [7, 4, D("57.1"), 5]
    assert values(table(overview, 3).total)[:3] == [5, 3, D("60.0")]


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["dane_admin", "coordinator"])
def test_query_count_does_not_grow_with_the_data(ow: OverviewWorld, role: str) -> None:
    client = client_acting_as(getattr(ow.world, role))
    template = LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year)
    _page_queries(client, "/tableau-de-bord/")  # warm (session, caches)
    small = _page_queries(client, "/tableau-de-bord/")
    grow(ow.world, template, count=15)
    large = _page_queries(client, "/tableau-de-bord/")
    assert small == large
    # Session (read from the cache when Redis holds the sessions), user, acting role; the school
    # year and the previous one; those of the overview; those of the history (the charts add
    # none); the form's years and départements, each read once however often they are drawn.
    session = 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1
    precomputed = OverviewRefresh.objects.filter(academie=ow.world.academie).exists()
    if precomputed:
        assert large == session + 6 + PRECOMPUTED_OVERVIEW_QUERIES + PRECOMPUTED_HISTORY_QUERIES
    else:
        assert large == session + 6 + OVERVIEW_QUERIES + HISTORY_QUERIES
