"""The files of "who still has to act": the counts of the lists and every row of the list shown,
with the page's filters and scope (a coordinator's file never holds another département's
rows), numbers as numbers in XLSX, constant query counts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.models import Reminder, ReminderKind
from indemnities.models import Allocation
from missions.models import LetterStatus
from tests.conftest import client_acting_as
from tests.dashboards.test_to_act import ToActWorld, _open_more_invitations, _remind
from tests.dashboards.test_to_act import build as build_to_act
from tests.factories import AcademieWorld, make_establishment
from tests.missions.list_builders import letter_for

pytestmark = pytest.mark.django_db

EXPORT = "/tableau-de-bord/a-faire/export/"


@pytest.fixture
def acting(worlds: tuple[AcademieWorld, AcademieWorld]) -> tuple[ToActWorld, ToActWorld]:
    poitiers, bordeaux = worlds
    return build_to_act(poitiers), build_to_act(bordeaux)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:500]
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:500]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_the_counts_of_the_lists(acting) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    rows = csv_rows(client.get(EXPORT, {"tableau": "compteurs", "format": "csv"}))
    assert rows[0] == ["Liste", "Lignes"]
    counts = dict(rows[1:])
    assert len(counts) == len(ReminderKind)
    assert counts["Établissements sans référent"] == "1"
    assert counts["Lettres non envoyées"] == "1"
    assert counts["Bilans des référents non envoyés"] == "5"
    numbers = xlsx_rows(client.get(EXPORT, {"tableau": "compteurs", "format": "xlsx"}))
    assert numbers[1] == ("Établissements sans référent", 1)


def test_every_row_of_a_list_as_the_page_shows_it(acting) -> None:
    t, _ = acting
    w = t.world
    client = client_acting_as(w.dane_admin)
    rows = csv_rows(
        client.get(EXPORT, {"tableau": "liste", "liste": "sans-referent", "format": "csv"})
    )
    lycee = w.other_establishment
    assert rows == [
        ["Établissement", "UAI", "Type", "Département", "Qui doit agir", "Dernière relance"],
        [
            lycee.name,
            lycee.uai,
            lycee.get_type_display(),
            lycee.departement.name,
            t.lycee.principal.user.formal_name,
            "",
        ],
    ]
    draft = t.letters[LetterStatus.DRAFT]
    job = _remind(t, ReminderKind.DRAFT)
    reminded = Reminder.objects.filter(job=job).latest("sent_at").sent_at
    drafts = xlsx_rows(
        client.get(EXPORT, {"tableau": "liste", "liste": "brouillons", "format": "xlsx"})
    )
    assert drafts[0] == (
        "Référent",
        "Lettre",
        "État",
        "Établissement",
        "UAI",
        "Département",
        "Qui doit agir",
        "Dernière relance",
    )
    assert drafts[1][:6] == (
        draft.referent.user.formal_name,
        draft.reference,
        "Brouillon",
        w.establishment.name,
        w.establishment.uai,
        w.establishment.departement.name,
    )
    assert (
        w.principal.user.formal_name in drafts[1][6] and w.deputy.user.formal_name in drafts[1][6]
    )
    assert drafts[1][7] == timezone.localtime(reminded).replace(
        tzinfo=None, second=0, microsecond=0
    )
    bilans = csv_rows(client.get(EXPORT, {"tableau": "liste", "liste": "bilans", "format": "csv"}))
    assert len(bilans) == 1 + 5  # every row, not one page
    assert bilans[0][:2] == ["Personne invitée", "Enquête"]


def test_amounts_are_numbers(acting) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    rows = xlsx_rows(
        client.get(EXPORT, {"tableau": "liste", "liste": "service-fait", "format": "xlsx"})
    )
    allocation = Allocation.objects.get(
        referent=t.issued.referent, school_year=t.issued.school_year
    )
    assert rows[0][1] == "Montant de l’IMP (€)"
    assert rows[1][1] == pytest.approx(float(allocation.amount))
    text = csv_rows(
        client.get(EXPORT, {"tableau": "liste", "liste": "service-fait", "format": "csv"})
    )
    assert text[1][1] == f"{allocation.amount:.2f}".replace(".", ",")
    assert Decimal(text[1][1].replace(",", ".")) == allocation.amount


def test_a_coordinators_files_hold_their_departements_only(acting) -> None:
    t, other = acting
    w = t.world
    client = client_acting_as(w.coordinator)  # the collège's département, not the lycée's
    lycee = w.other_establishment
    for kind in ReminderKind:
        for file_format in ("csv",):
            body = client.get(
                EXPORT, {"tableau": "liste", "liste": kind.value, "format": file_format}
            )
            text = body.content.decode("utf-8-sig")
            assert body.status_code == 200
            assert lycee.name not in text and lycee.uai not in text, kind
            assert other.world.establishment.name not in text, kind
    counts = dict(csv_rows(client.get(EXPORT, {"tableau": "compteurs", "format": "csv"}))[1:])
    assert counts["Établissements sans référent"] == "0"
    response = client.get(
        EXPORT,
        {
            "tableau": "liste",
            "liste": "sans-referent",
            "format": "csv",
            "departement": lycee.departement_id,
        },
    )
    assert response.status_code == 400


def test_filters_and_bad_requests(acting) -> None:
    t, _ = acting
    w = t.world
    client = client_acting_as(w.dane_admin)
    rows = csv_rows(
        client.get(
            EXPORT,
            {
                "tableau": "liste",
                "liste": "sans-referent",
                "format": "csv",
                "departement": w.establishment.departement_id,
            },
        )
    )
    assert rows[1:] == []
    for query in (
        {"tableau": "autre", "format": "csv"},
        {"tableau": "liste", "format": "ods"},
        {"tableau": "liste", "format": "csv", "liste": "inconnue"},
    ):
        response = client.get(EXPORT, query)
        assert response.status_code == 400, query
        assert "Export impossible" in response.content.decode()


def test_the_page_links_to_its_files(acting) -> None:
    t, _ = acting
    client = client_acting_as(t.world.dane_admin)
    body = client.get(reverse("dashboards:to_act"), {"liste": "brouillons"}).content.decode()
    start = t.filters().school_year.start_year
    for table in ("compteurs", "liste"):
        for file_format in ("csv", "xlsx"):
            href = (
                f"{EXPORT}?tableau={table}&amp;format={file_format}"
                f"&amp;liste=brouillons&amp;annee={start}"
            )
            assert f'href="{href}"' in body, href


def _queries(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(EXPORT, query).status_code == 200
    return len(queries)


@pytest.mark.parametrize("liste", ["sans-referent", "brouillons", "bilans", "visa"])
def test_query_count_does_not_grow_with_the_rows(acting, liste) -> None:
    t, _ = acting
    w = t.world
    client = client_acting_as(w.dane_admin)
    query = {"tableau": "liste", "liste": liste, "format": "xlsx"}
    _queries(client, query)
    small = _queries(client, query)
    counts = _queries(client, {**query, "tableau": "compteurs"})
    for n in range(4):
        letter_for(w, f"plus.{n}@test.fr", until=LetterStatus.DRAFT)
        letter_for(w, f"visa.{n}@test.fr", until=LetterStatus.AWAITING_VISA)
        make_establishment(academie=w.academie, departement=w.establishment.departement)
    _open_more_invitations(t)
    assert _queries(client, query) == small
    assert _queries(client, {**query, "tableau": "compteurs"}) == counts
