"""The IMP journey: a principal splits the envelope between two referents, the DANE admin
downloads the payroll export. axe-core runs on every page visited."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from indemnities.models import Allocation
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import main_nav, sign_in
from tests.factories import AcademieWorld
from tests.indemnities.allocations.conftest import add_referent, make_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_principal_splits_the_envelope_and_dane_downloads_the_export(
    page: Any, chromium: Any, live_server: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie)
    make_rules(bordeaux.academie)
    establishment = poitiers.establishment  # a collège of 300 pupils: 2 IMP, 2 500 €
    first = poitiers.rupn
    second = add_referent(
        establishment, "ines.durand@test.fr", first_name="Inès", last_name="Durand"
    )

    sign_in(page, poitiers.principal.user.email)
    main_nav(page).get_by_role("link", name="Indemnités").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indemnités des référents (IMP)")
    check_accessibility(page, "indemnités du chef d’établissement")

    page.get_by_role("link", name=re.compile(f"Répartir.*{re.escape(establishment.name)}")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Répartition de l’enveloppe")
    expect(page.locator("#enveloppe")).to_contain_text("2\u202f500,00")
    check_accessibility(page, "répartition de l’enveloppe")

    page.get_by_label(f"Montant pour {first.user.full_name}").select_option("1250.00")
    page.get_by_label("Montant pour Inès Durand").select_option("1250.00")
    page.get_by_role("button", name="Enregistrer la répartition").click()
    expect(page.locator("#attribue")).to_contain_text("2\u202f500,00")
    expect(page.locator("#reste")).to_contain_text("0,00")
    check_accessibility(page, "répartition enregistrée")

    allocations = Allocation.objects.filter(establishment=establishment)
    assert sorted(a.amount for a in allocations) == [Decimal("1250.00"), Decimal("1250.00")]
    assert {a.referent_id for a in allocations} == {first.pk, second.pk}

    # Asking for more than the envelope is refused and leaves the split as it was.
    page.get_by_label("Montant pour Inès Durand").select_option("2500.00")
    page.get_by_role("button", name="Enregistrer la répartition").click()
    expect(page.get_by_role("alert")).to_contain_text("La répartition n’est pas enregistrée")
    assert sorted(a.amount for a in allocations.all()) == [Decimal("1250.00")] * 2

    # The DANE admin, in a browser of their own, downloads the payroll export.
    dane = chromium.new_context(base_url=live_server.url, locale="fr-FR", accept_downloads=True)
    try:
        dane_page = dane.new_page()
        sign_in(dane_page, poitiers.dane_admin.user.email)
        main_nav(dane_page).get_by_role("link", name="Budget IMP").click()
        expect(dane_page.get_by_role("heading", level=1)).to_contain_text("Budget IMP")
        check_accessibility(dane_page, "budget IMP")

        dane_page.get_by_role("link", name="autres formats et filtres").click()
        expect(dane_page).to_have_url(re.compile(re.escape(reverse("indemnities:export"))))
        check_accessibility(dane_page, "export pour la paie")
        dane_page.get_by_label("Format").select_option("xlsx")
        with dane_page.expect_download() as download_info:
            dane_page.get_by_role("button", name="Télécharger l’export").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        with open(download.path(), "rb") as workbook:
            sheet = openpyxl.load_workbook(workbook).active
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        referents = {row[3]: row for row in rows[1:] if row[0] == establishment.uai}
        assert set(referents) == {"Durand", first.user.last_name}
        assert all(Decimal(str(row[6])) == Decimal("1250") for row in referents.values())
        assert not any(row[0] == bordeaux.establishment.uai for row in rows[1:])
    finally:
        dane.close()
