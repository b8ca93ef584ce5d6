"""The overview's charts and the exports of its tables, on `overview_fixture` (figures computed
by hand in `test_overview.py`): CSV for Excel in French and XLSX with numbers as numbers, the
page's filters and scope (a coordinator's file holds their départements only), constant query
counts."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import User
from missions.models import LetterTemplate
from rupn.formatting import format_euros
from tests.conftest import client_acting_as
from tests.dashboards.overview_fixture import OverviewWorld, add_history, build, grow

pytestmark = pytest.mark.django_db

D = Decimal
EXPORT = "/tableau-de-bord/export/"


@pytest.fixture
def ow(poitiers, bordeaux) -> OverviewWorld:
    ow = build(poitiers, bordeaux)
    add_history(ow, bordeaux)
    return ow


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:500]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def test_csv_of_the_coverage_table_as_the_page_shows_it(ow: OverviewWorld) -> None:
    year, previous = ow.year.label, ow.previous.label
    client = client_acting_as(ow.world.dane_admin)
    response = client.get(EXPORT, {"tableau": "couverture-departement", "format": "csv"})
    assert "attachment;" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Département",
        f"Établissements {year}",
        f"Établissements {previous}",
        "Établissements : écart",
        f"Avec au moins un RUPN {year}",
        f"Avec au moins un RUPN {previous}",
        "Avec au moins un RUPN : écart",
        f"Couverture (%) {year}",
        f"Couverture (%) {previous}",
        "Couverture : écart (points)",
        f"RUPN {year}",
        f"RUPN {previous}",
        "RUPN : écart",
    ]
    by_label = {row[0]: row[1:] for row in rows[1:]}
    # 16: A, D, E; last year only A had a referent (p1): 1 of 3 → 33.3; 66.7 − 33.3 = 33.4.
    assert by_label["16 – Charente"] == ["3", "3", "0", "2", "1", "1", "66,7", "33,3", "33,4"] + [
        "3",
        "1",
        "2",
    ]
    assert by_label["79 – Deux-Sèvres"][6:9] == ["", "", ""]  # no establishment: no share
    assert rows[-1] == [
        "Total",
        "5",
        "5",
        "0",
        "3",
        "1",
        "2",
        "60,0",
        "20,0",
        "40,0",
        "4",
        "1",
        "3",
    ]


def test_xlsx_numbers_are_numbers(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.dane_admin)
    response = client.get(EXPORT, {"tableau": "imp-departement", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(response)
    assert rows[0][:4] == (
        "Département",
        f"Enveloppes (€) {ow.year.label}",
        f"Enveloppes (€) {ow.previous.label}",
        "Enveloppes : écart (€)",
    )
    total = rows[-1]
    assert total[0] == "Total"
    # Envelopes 11 875,00 (1 250,00 last year), allocated 6 250,00, 52.6 % of the envelopes.
    assert total[1:4] == (11875, 1250, 10625)
    assert total[4] == 6250 and total[7] == pytest.approx(52.6)
    assert all(isinstance(v, int | float) for v in total[1:] if v is not None)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "€" in sheet.cell(row=len(rows), column=2).number_format
    assert sheet.cell(row=len(rows), column=8).number_format == "0.0"


def test_the_charts_tables_and_the_history_are_exported_too(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.dane_admin)
    chart = csv_rows(
        client.get(EXPORT, {"tableau": "graphique-couverture-departement", "format": "csv"})
    )
    assert chart[0][:4] == [
        "Département",
        f"Couverture (%) {ow.year.label}",
        f"Couverture (%) {ow.previous.label}",
        "Couverture : écart (points)",
    ]
    assert chart[0][4] == f"Part signée (%) {ow.year.label}"
    assert chart[-1][:2] == ["Total", "60,0"] and chart[-1][4] == "50,0"
    history = csv_rows(client.get(EXPORT, {"tableau": "historique-reponses", "format": "csv"}))
    assert history[0] == [
        "Année scolaire",
        "Bilan des RUPN : invités",
        "Bilan des RUPN : réponses envoyées",
        "Bilan des RUPN : taux de réponse (%)",
        "Enquête des chefs d’établissement : invités",
        "Enquête des chefs d’établissement : réponses envoyées",
        "Enquête des chefs d’établissement : taux de réponse (%)",
    ]
    older = ow.year.start_year - 2
    assert history[1:] == [
        [f"{older}-{older + 1}", "3", "2", "66,7", "0", "0", ""],
        [ow.previous.label, "0", "0", "", "2", "1", "50,0"],
        [ow.year.label, "4", "2", "50,0", "0", "0", ""],
    ]


def test_a_coordinators_files_hold_their_departements_only(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.coordinator)
    for key in (
        "couverture-departement",
        "lettres-departement",
        "imp-type",
        "graphique-imp-departement",
    ):
        rows = csv_rows(client.get(EXPORT, {"tableau": key, "format": "csv"}))
        text = "\n".join(";".join(r) for r in rows)
        for other in ("Vienne", "Charente-Maritime", "Deux-Sèvres", "3750", "11875"):
            assert other not in text, (key, other)
    coverage = csv_rows(client.get(EXPORT, {"tableau": "couverture-departement", "format": "csv"}))
    assert [r[0] for r in coverage[1:]] == ["16 – Charente", "Total"]
    assert coverage[-1][1] == "3"
    history = csv_rows(client.get(EXPORT, {"tableau": "historique-reponses", "format": "csv"}))
    assert history[-1][1:4] == ["3", "1", "33,3"]
    vienne = ow.world.academie.departements.get(code="86")
    response = client.get(
        EXPORT,
        {"tableau": "couverture-departement", "format": "csv", "departement": str(vienne.pk)},
    )
    assert response.status_code == 400
    assert "Export impossible" in response.content.decode()


def test_the_pages_filters_narrow_the_file(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.dane_admin)
    charente = ow.world.academie.departements.get(code="16")
    rows = csv_rows(
        client.get(
            EXPORT,
            {
                "tableau": "couverture-type",
                "format": "csv",
                "departement": str(charente.pk),
                "type": "college",
                "annee": str(ow.year.start_year),
            },
        )
    )
    assert [r[0] for r in rows[1:]] == ["Collège", "Total"]
    assert rows[-1][1] == "1"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"tableau": "inconnu", "format": "csv"}, "Ce tableau n’existe pas sur cette page."),
        ({"tableau": "imp-type", "format": "pdf"}, "Le format du fichier est CSV ou XLSX."),
        ({"format": "csv"}, "Indiquez le tableau à télécharger."),
        ({"tableau": "imp-type", "format": "csv", "type": "ecole"}, "Type"),
    ],
)
def test_a_bad_request_says_why(ow: OverviewWorld, query, message) -> None:
    response = client_acting_as(ow.world.dane_admin).get(EXPORT, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_each_table_of_the_page_links_to_its_files_with_the_filters(ow: OverviewWorld) -> None:
    client = client_acting_as(ow.world.dane_admin)
    charente = ow.world.academie.departements.get(code="16")
    start = ow.year.start_year
    response = client.get("/tableau-de-bord/", {"annee": start, "departement": charente.pk})
    body = response.content.decode()
    keys = [
        "graphique-couverture-departement",
        "graphique-imp-departement",
        "historique-reponses",
        *(
            f"{family}-{by}"
            for family in ("couverture", "lettres", "imp", "reponses")
            for by in ("departement", "type")
        ),
    ]
    for key in keys:
        assert f'id="tableau-{key}"' in body, key
        for file_format in ("csv", "xlsx"):
            href = (
                f"{EXPORT}?tableau={key}&amp;format={file_format}&amp;annee={start}"
                f"&amp;departement={charente.pk}"
            )
            assert f'href="{href}"' in body, href
    assert body.count("Télécharger (CSV)") == len(keys)
    # Every link gives its file.
    for key in keys:
        assert client.get(EXPORT, {"tableau": key, "format": "xlsx"}).status_code == 200


def test_the_charts_draw_the_tables_figures(ow: OverviewWorld) -> None:
    response = client_acting_as(ow.world.dane_admin).get("/tableau-de-bord/")
    charts = response.context["charts"]
    coverage, budget, history = charts
    assert coverage.labels == (
        "16 – Charente",
        "17 – Charente-Maritime",
        "79 – Deux-Sèvres",
        "86 – Vienne",
    )
    assert json.loads(coverage.y_json) == [[66.7, 0.0, None, 100.0], [33.3, None, None, 100.0]]
    assert "Couverture : 60,0\u00a0% pour l’ensemble" in coverage.summary
    assert json.loads(budget.y_json)[0] == [6875.0, 1250.0, 0.0, 3750.0]
    assert history.kind == "line" and len(history.labels) == 3
    assert json.loads(history.y_json) == [[66.7, None, 50.0], [None, 50.0, None]]
    # The sentence before each chart says what it shows.
    assert f"Enveloppes : {format_euros(D('11875'))} pour l’ensemble" in budget.summary
    assert f"le plus élevé : 16 – Charente, {format_euros(D('6875'))}" in budget.summary
    older = f"{ow.year.start_year - 2}-{ow.year.start_year - 1}"
    assert (
        f"Bilan des RUPN, 66,7\u00a0% en {older}, sans objet en {ow.previous.label}, "
        f"50,0\u00a0% en {ow.year.label}"
    ) in history.summary
    assert "(sans objet : aucune personne invitée)" in history.summary
    body = response.content.decode()
    assert body.count("<bar-chart ") == 2 and body.count("<line-chart ") == 1
    assert 'src="/static/js/overview_charts.js"' in body
    # The figure is hidden until the script runs: without JavaScript, the tables alone.
    assert body.count('<figure class="rupn-chart fr-mb-2w" hidden>') == 3


def test_a_coordinators_charts_show_their_departements_only(ow: OverviewWorld) -> None:
    response = client_acting_as(ow.world.coordinator).get("/tableau-de-bord/")
    coverage, budget, _ = response.context["charts"]
    assert coverage.labels == budget.labels == ("16 – Charente",)
    assert json.loads(budget.y_json) == [[6875.0], [2500.0], [625.0]]


def test_national_exports_for_the_platform_administrator(ow: OverviewWorld, client) -> None:
    staff = User.objects.create_user("admin@test.fr", is_staff=True)
    client.force_login(staff)
    url = "/tableau-de-bord/national/export/"
    rows = csv_rows(client.get(url, {"tableau": "couverture-academie", "format": "csv"}))
    assert rows[0][0] == "Académie"
    assert [r[0] for r in rows[1:]] == ["Bordeaux", "Poitiers", "Total"]
    assert rows[-1][1] == "7"
    history = csv_rows(client.get(url, {"tableau": "historique-reponses", "format": "csv"}))
    assert history[1][1:4] == ["4", "2", "50,0"]
    assert (
        client.get(url, {"tableau": "couverture-departement", "format": "csv"}).status_code == 400
    )
    body = client.get("/tableau-de-bord/national/").content.decode()
    assert (
        'href="/tableau-de-bord/national/export/?tableau=couverture-academie&amp;format=csv' in body
    )
    for member in (ow.world.dane_admin, ow.world.coordinator):
        refused = client_acting_as(member).get(
            url, {"tableau": "couverture-academie", "format": "csv"}
        )
        assert refused.status_code == 403


def _queries(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(EXPORT, query).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["dane_admin", "coordinator"])
def test_export_query_count_does_not_grow_with_the_data(ow: OverviewWorld, role: str) -> None:
    client = client_acting_as(getattr(ow.world, role))
    template = LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year)
    query = {"tableau": "lettres-departement", "format": "xlsx", "annee": ow.year.start_year}
    _queries(client, query)
    small = _queries(client, query)
    grow(ow.world, template, count=15)
    assert _queries(client, query) == small


def test_national_page_and_export_query_counts_do_not_grow(ow: OverviewWorld, client) -> None:
    staff = User.objects.create_user("admin@test.fr", is_staff=True)
    client.force_login(staff)
    template = LetterTemplate.objects.get(academie=ow.world.academie, school_year=ow.year)
    urls = [
        ("/tableau-de-bord/national/", {}),
        ("/tableau-de-bord/national/export/", {"tableau": "historique-reponses", "format": "csv"}),
    ]

    def counts() -> list[int]:
        found = []
        for url, query in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, query).status_code == 200
            found.append(len(queries))
        return found

    counts()
    small = counts()
    grow(ow.world, template, count=15)
    assert counts() == small
