"""Payroll export: CSV byte for byte, XLSX read back, filters and scope."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.scopes import scope_for
from establishments.models import Establishment, SchoolYear
from indemnities.exports import csv_amount
from indemnities.models import ServiceCertification
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from tests.conftest import client_acting_as

from .conftest import ImpWorld, add_referent

D = Decimal
UTC = datetime.UTC
EXPORT = reverse("indemnities:export")


def _certify_at(when: datetime.datetime, **kwargs: object) -> None:
    certification = service_certify(**kwargs)  # type: ignore[arg-type]
    ServiceCertification.objects.filter(pk=certification.pk).update(certified_at=when)


@pytest.fixture
def payroll(imp: tuple[ImpWorld, ImpWorld]) -> tuple[ImpWorld, ImpWorld]:
    poitiers, bordeaux = imp
    world = poitiers.world
    year = SchoolYear.objects.current()
    Establishment.objects.filter(pk=world.establishment.pk).update(uai="0160001P")
    Establishment.objects.filter(pk=world.other_establishment.pk).update(
        uai="0860002K", name='Lycée "Victor Hugo"; site B'
    )
    world.establishment.refresh_from_db()
    world.other_establishment.refresh_from_db()
    bernard = world.rupn
    bernard.user.first_name, bernard.user.last_name, bernard.user.civility = (
        "Julien",
        "Bernard",
        "m",
    )
    bernard.user.save()
    benali = poitiers.second
    benali.user.civility = "mme"
    benali.user.save()
    durand = add_referent(
        world.other_establishment,
        "durand@test.fr",
        first_name="Éloïse",
        last_name="Durand",
        civility="mme",
    )
    by = scope_for(world.principal)
    allocations = {
        a.referent_id: a
        for a in allocation_set(
            establishment=world.establishment,
            school_year=year,
            amounts={bernard: D("625.00"), benali: D("1250.00")},
            actor=by,
        )
    }
    allocation_set(
        establishment=world.other_establishment,
        school_year=year,
        amounts={durand: D("1875.00")},
        actor=by,
    )
    admin = world.dane_admin
    _certify_at(
        datetime.datetime(2027, 6, 20, 8, 0, tzinfo=UTC),
        allocation=allocations[benali.pk],
        status="none",
        months_done=None,
        comment="Saisie erronée",
        actor=scope_for(admin),
    )
    _certify_at(
        datetime.datetime(2027, 6, 30, 8, 0, tzinfo=UTC),
        allocation=allocations[benali.pk],
        status="full",
        months_done=None,
        comment="",
        actor=scope_for(admin),
    )
    # 22:30 UTC is already the 1st of July in Paris: the date is the local one.
    _certify_at(
        datetime.datetime(2027, 6, 30, 22, 30, tzinfo=UTC),
        allocation=allocations[bernard.pk],
        status="partial",
        months_done=4,
        comment="Mutation en janvier",
        actor=scope_for(admin),
    )
    # Another académie's allocation never appears in Poitiers' export.
    allocation_set(
        establishment=bordeaux.establishment,
        school_year=year,
        amounts={bordeaux.world.rupn: D("1250.00")},
        actor=scope_for(bordeaux.world.principal),
    )
    return poitiers, bordeaux


HEADER = (
    "\ufeffUAI;Établissement;Civilité;Nom;Prénom;Courriel;Montant;Multiple du taux de base;"
    "Service fait;Date du service fait;Montant dû\r\n"
)
BENALI = (
    "0160001P;Collège Jean Moulin (Poitiers);Mme;Benali;Nadia;second.poitiers@test.fr;"
    "1250,00;1;Fait en totalité;30/06/2027;1250,00\r\n"
)
BERNARD = (
    "0160001P;Collège Jean Moulin (Poitiers);M.;Bernard;Julien;rupn.poitiers@test.fr;"
    "625,00;0,5;Fait en partie (4/9);01/07/2027;277,78\r\n"
)
DURAND = (
    '0860002K;"Lycée ""Victor Hugo""; site B";Mme;Durand;Éloïse;durand@test.fr;'
    "1875,00;1,5;Non certifié;;\r\n"
)


def _get(member, **params: Any):  # type: ignore[no-untyped-def]
    return client_acting_as(member).get(EXPORT, params)


def test_csv_byte_for_byte(payroll: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current()
    response = _get(poitiers.world.dane_admin, annee=year.start_year, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="imp-poitiers-{year.label}.csv"'
    )
    expected = (HEADER + BENALI + BERNARD + DURAND).encode("utf-8")
    assert response.content == expected
    assert response.content.startswith(b"\xef\xbb\xbfUAI;")


@pytest.mark.parametrize(
    ("filters", "rows"),
    [
        ({"departement": "16"}, BENALI + BERNARD),
        ({"departement": "86"}, DURAND),
        ({"type": "lgt"}, DURAND),
        ({"type": "college", "departement": "86"}, ""),
    ],
)
def test_csv_filters(payroll: tuple[ImpWorld, ImpWorld], filters: dict, rows: str) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current()
    response = _get(poitiers.world.dane_admin, annee=year.start_year, format="csv", **filters)
    assert response.status_code == 200
    assert response.content == (HEADER + rows).encode("utf-8")


def test_coordinator_exports_only_their_departements(payroll: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current()
    response = _get(poitiers.world.coordinator, annee=year.start_year, format="csv")
    assert response.content == (HEADER + BENALI + BERNARD).encode("utf-8")
    # A département outside their scope is refused, not silently emptied.
    response = _get(
        poitiers.world.coordinator, annee=year.start_year, format="csv", departement="86"
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_other_academie_sees_only_its_own_rows(payroll: tuple[ImpWorld, ImpWorld]) -> None:
    _, bordeaux = payroll
    year = SchoolYear.objects.current()
    content = _get(bordeaux.world.dane_admin, annee=year.start_year, format="csv").content
    assert b"Poitiers" not in content and b"0160001P" not in content
    assert content.count(b"\r\n") == 2
    # Poitiers' département code is not a choice for Bordeaux.
    response = _get(
        bordeaux.world.dane_admin, annee=year.start_year, format="csv", departement="16"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"annee": "1999", "format": "csv"},
        {"annee": "abc", "format": "csv"},
        {"format": "csv"},
        {"annee": "{year}", "format": "pdf"},
        {"annee": "{year}", "format": "csv", "type": "ecole"},
    ],
)
def test_bad_parameters_get_a_french_form_error(
    payroll: tuple[ImpWorld, ImpWorld], params: dict
) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current().start_year
    params = {k: v.format(year=year) for k, v in params.items()}
    response = _get(poitiers.world.dane_admin, **params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "Les critères de l’export ne sont pas valides" in response.content.decode()


def test_form_page_without_format(payroll: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = payroll
    response = _get(poitiers.world.dane_admin)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Export des IMP pour la paie" in html
    assert "Gironde" not in html  # Bordeaux's départements are not offered


@pytest.mark.parametrize("role", ["principal", "deputy", "rupn"])
def test_export_is_for_the_dane_only(payroll: tuple[ImpWorld, ImpWorld], role: str) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current()
    member = poitiers.world.members["rupn" if role == "rupn" else role]
    assert _get(member, annee=year.start_year, format="csv").status_code == 403


def test_xlsx_read_back(payroll: tuple[ImpWorld, ImpWorld]) -> None:
    poitiers, _ = payroll
    year = SchoolYear.objects.current()
    response = _get(poitiers.world.dane_admin, annee=year.start_year, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "UAI", "Établissement", "Civilité", "Nom", "Prénom", "Courriel", "Montant",
        "Multiple du taux de base", "Service fait", "Date du service fait", "Montant dû",
    ]  # fmt: skip
    assert rows[1:] == [
        [
            "0160001P", "Collège Jean Moulin (Poitiers)", "Mme", "Benali", "Nadia",
            "second.poitiers@test.fr", 1250, 1, "Fait en totalité",
            datetime.datetime(2027, 6, 30), 1250,
        ],
        [
            "0160001P", "Collège Jean Moulin (Poitiers)", "M.", "Bernard", "Julien",
            "rupn.poitiers@test.fr", 625, 0.5, "Fait en partie (4/9)",
            datetime.datetime(2027, 7, 1), 277.78,
        ],
        [
            "0860002K", 'Lycée "Victor Hugo"; site B', "Mme", "Durand", "Éloïse",
            "durand@test.fr", 1875, 1.5, "Non certifié", None, None,
        ],
    ]  # fmt: skip
    amount = sheet.cell(2, 7)
    assert amount.data_type == "n" and "€" in amount.number_format
    assert sheet.cell(2, 10).number_format == "DD/MM/YYYY"


def test_csv_amounts_are_numbers_for_a_french_spreadsheet() -> None:
    assert csv_amount(D("1875")) == "1875,00"
    assert csv_amount(D("1234567.5")) == "1234567,50"
    assert csv_amount(None) == ""
