"""A DANE admin opens the overview from the home page, filters by département, and opens the
list behind a figure (the issued letters of that département): as many rows as the figure."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.dashboards.overview_fixture import build
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
    coverage = page.get_by_role("table", name=re.compile("^Couverture .* par département"))
    assert coverage.locator("tbody tr").count() == 1
    letters = page.get_by_role("table", name=re.compile("^Lettres de mission .* par département"))
    cell = letters.locator("tfoot td").nth(5)  # the states in the workflow's order: issued
    assert cell.locator("a").inner_text() == "1"
    cell.locator("a").click()
    page.wait_for_url("**/missions/lettres/**etat=issued**")
    assert page.get_by_text("1 lettre correspond à ces critères").is_visible()
    check_accessibility(page, "lettres émises du département")
