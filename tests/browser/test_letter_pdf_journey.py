"""The referent downloads their issued letter's signed PDF from the letter page, then checks
it, and its reference, on the public verification pages. axe-core on each page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from missions.models import LetterStatus
from missions.seal import verify_pdf
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_referent_downloads_the_signed_pdf_and_verifies_it(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld], tmp_path: Path
) -> None:
    poitiers, _ = worlds
    publish_template(poitiers)
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)

    sign_in(page, poitiers.rupn.user.email)
    page.goto(reverse("missions:letter", args=[letter.pk]))
    check_accessibility(page, "lettre émise")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger la lettre signée (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"lettre-mission-{letter.school_year.label}-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert verify_pdf(saved.read_bytes()).authentic

    # Anyone, signed in or not, checks the reference printed on the letter, then the file.
    page.context.clear_cookies()
    page.goto("/verifier/")
    page.get_by_label("Référence de la lettre").fill(letter.reference)
    page.get_by_role("button", name="Vérifier la référence").click()
    expect(page.get_by_role("heading", name="Lettre émise et en vigueur")).to_be_visible()
    expect(page.locator("main")).to_contain_text(poitiers.establishment.name)
    expect(page.locator("main")).not_to_contain_text(poitiers.rupn.user.email)
    check_accessibility(page, "vérification de la référence")
    page.goto("/verifier/")
    page.get_by_label("Fichier PDF de la lettre").set_input_files(str(saved))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", name="Le fichier est authentique et intact")).to_be_visible()
    check_accessibility(page, "vérification du fichier")
