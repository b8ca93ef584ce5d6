"""The campaign journey: the DANE admin opens the bilan's campaign, sees the response rate
change as referents submit, filters the results and exports them. axe-core runs on every page
visited."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import openpyxl
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.scopes import scope_for
from surveys.models import Campaign, SurveyInvitation
from surveys.services import survey_publish
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld
from tests.surveys.definitions import make_survey
from tests.surveys.responses import invite, respond

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_opens_a_campaign_follows_the_rate_filters_and_exports(
    page: Any, chromium: Any, live_server: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    survey = survey_publish(survey=make_survey(poitiers), actor=scope_for(poitiers.dane_admin))
    mail.outbox.clear()

    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("link", name="Campagnes d’enquête").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes d’enquête")
    check_accessibility(page, "liste des campagnes")

    page.get_by_role("link", name=re.compile("Ouvrir la campagne « Bilan du RUPN »")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ouvrir la campagne")
    check_accessibility(page, "ouverture d’une campagne")
    today = timezone.localdate()
    # A last day before the opening is refused, in French, and opens nothing.
    page.get_by_label("Ouverture le").fill(today.isoformat())
    page.get_by_label("Dernier jour").fill((today - datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Ouvrir la campagne").click()
    expect(page.locator("main")).to_contain_text("Le dernier jour ne peut précéder l’ouverture")
    check_accessibility(page, "ouverture refusée")
    assert not Campaign.objects.exists()
    page.get_by_label("Dernier jour").fill((today + datetime.timedelta(days=21)).isoformat())
    page.get_by_label("Relancer tous les (jours)").fill("5")
    page.get_by_role("button", name="Ouvrir la campagne").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Campagne « Bilan du RUPN »")
    expect(page.locator("#taux")).to_contain_text("sur 1 invitation")
    check_accessibility(page, "page de la campagne")
    campaign = Campaign.objects.get(survey=survey)
    assert [m.to for m in mail.outbox] == [[poitiers.rupn.user.email]]

    # Referents answer: the rate changes.
    respond(
        SurveyInvitation.objects.get(campaign=campaign, user=poitiers.rupn.user),
        {"pilotage": "oui", "enquete": "oui", "tablette": "souvent", "projet": "Club robotique"},
    )
    lycee = invite(campaign, establishment=poitiers.other_establishment)
    respond(lycee, {"pilotage": "non", "tablette": "jamais", "projet": "Classe mobile"})
    invite(campaign)  # invited, silent
    page.reload()
    expect(page.locator("#taux")).to_contain_text("66,7")
    expect(page.locator("#taux")).to_contain_text("2 réponses envoyées sur 3 invitations")

    page.get_by_role("link", name="Voir les résultats").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats")
    expect(page.locator("main")).to_contain_text("Club robotique")
    expect(page.locator("main")).to_contain_text("Classe mobile")
    check_accessibility(page, "résultats")
    page.get_by_label("Type d’établissement").select_option("college")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"type=college"))
    expect(page.locator("main")).to_contain_text("Club robotique")
    expect(page.locator("main")).not_to_contain_text("Classe mobile")
    check_accessibility(page, "résultats filtrés")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Tout en XLSX")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "college" in download.suggested_filename
    with open(download.path(), "rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True)
    assert workbook.sheetnames == ["Réponses", "Dictionnaire", "Agrégats", "Enquête"]
    rows = list(workbook["Réponses"].iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the collège's response (filtered)
    header = list(rows[0])
    assert rows[1][header.index("projet")] == "Club robotique"
