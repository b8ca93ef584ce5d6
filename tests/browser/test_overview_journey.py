"""A DANE admin opens the overview from the home page, filters by département, and opens the
list behind a figure (the issued letters of that département): as many rows as the figure; reads
a chart beside its table and downloads the table; without JavaScript, the tables alone."""

from __future__ import annotations

import re
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.dashboards.overview_fixture import add_history, build
from tests.factories import AcademieWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_filters_the_overview_and_opens_the_issued_letters(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    build(poitiers, bordeaux)
    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("link", name="Tableau de bord").first.click()
    page.wait_for_url("**/tableau-de-bord/")
    check_accessibility(page, "tableau de bord")
    page.get_by_label("Département", exact=True).select_option(label="16 – Charente")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**departement=*")
    coverage = page.get_by_role(
        "table", name=re.compile(r"^Couverture \d{4}-\d{4} par département")
    )
    assert coverage.locator("tbody tr").count() == 1
    letters = page.get_by_role("table", name=re.compile("^Lettres de mission .* par département"))
    cell = letters.locator("tfoot td").nth(5)  # the states in the workflow's order: issued
    assert cell.locator("a").inner_text() == "1"
    cell.locator("a").click()
    page.wait_for_url("**/missions/lettres/**etat=issued**")
    assert page.get_by_text("1 lettre correspond à ces critères").is_visible()
    check_accessibility(page, "lettres émises du département")


def test_dane_admin_reads_a_chart_with_its_table_and_downloads_the_table(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld], chromium: Any, live_server: Any
) -> None:
    poitiers, bordeaux = worlds
    ow = build(poitiers, bordeaux)
    add_history(ow, bordeaux)
    sign_in(page, poitiers.dane_admin.user.email)
    page.goto("/tableau-de-bord/")
    section = page.get_by_role("region", name="Couverture et lettres signées par département")
    # DSFR Chart draws the bars on a canvas, beside the sentence and the table of the figures.
    expect(section.locator("figure.rupn-chart")).to_be_visible()
    expect(section.locator("bar-chart canvas")).to_be_visible()
    box = section.locator("bar-chart canvas").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    expect(section.get_by_text("Couverture : 60,0\u00a0% pour l’ensemble")).to_be_visible()
    table = section.get_by_role("table", name=re.compile("^Couverture et part des lettres signées"))
    expect(table.locator("tfoot td").first).to_contain_text("60,0")
    history = page.get_by_role("region", name="Taux de réponse au fil des années")
    expect(history.locator("line-chart canvas")).to_be_visible()
    expect(history.get_by_role("table").locator("tbody tr")).to_have_count(3)
    check_accessibility(page, "tableau de bord avec ses graphiques")

    with page.expect_download() as download_info:
        section.get_by_role("link", name=re.compile(r"^Télécharger \(XLSX\)")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "graphique-couverture-departement" in download.suggested_filename
    with open(download.path(), "rb") as handle:
        rows = list(openpyxl.load_workbook(handle).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Département", f"Couverture (%) {ow.year.label}")
    assert rows[-1][0] == "Total" and rows[-1][1] == pytest.approx(60.0)

    # Without JavaScript: no chart, the same tables.
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", java_script_enabled=False
    )
    try:
        plain = context.new_page()
        plain.context.add_cookies(page.context.cookies())
        plain.goto("/tableau-de-bord/")
        section = plain.get_by_role("region", name="Couverture et lettres signées par département")
        expect(section.locator("figure.rupn-chart")).to_be_hidden()
        expect(section.get_by_role("table")).to_be_visible()
        expect(
            section.get_by_role("link", name=re.compile(r"^Télécharger \(CSV\)"))
        ).to_be_visible()
    finally:
        context.close()
