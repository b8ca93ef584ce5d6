"""A visitor without an account checks a letter: its reference, then its PDF file, on a
computer and on a phone; every page passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from missions.models import LetterStatus
from missions.seal import seal_pdf
from tests.browser.conftest import check_accessibility
from tests.factories import AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.seals import letter_pdf, seals  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 375])
def test_a_visitor_checks_a_reference_then_a_file(
    page: Any,
    worlds: tuple[AcademieWorld, AcademieWorld],
    seals: Path,  # noqa: F811
    tmp_path: Path,
    width: int,
) -> None:
    cache.clear()
    poitiers, _ = worlds
    publish_template(poitiers)
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    sealed = tmp_path / "lettre.pdf"
    sealed.write_bytes(
        seal_pdf(letter_pdf(letter.reference), academie=letter.academie, reference=letter.reference)
    )
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/verifier/")
    check_accessibility(page, "page de vérification")
    page.get_by_label("Référence de la lettre").fill(letter.reference.lower())
    page.get_by_role("button", name="Vérifier la référence").click()
    page.get_by_role("heading", name="Lettre émise et en vigueur").wait_for()
    assert letter.establishment.name in page.content()
    check_accessibility(page, "page d’une référence")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("link", name="déposez-le sur la page de vérification").click()
    page.get_by_label("Fichier PDF de la lettre").set_input_files(str(sealed))
    page.get_by_role("button", name="Vérifier le fichier").click()
    page.get_by_role("heading", name="Le fichier est authentique et intact").wait_for()
    check_accessibility(page, "résultat de la vérification d’un fichier")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
