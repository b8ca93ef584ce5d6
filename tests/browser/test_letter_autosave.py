"""The letter editor saves as the principal types; a second editor's save is refused with an
explanation; an expired session loses nothing (the local copy is offered back)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.scopes import scope_for
from missions.content import LetterContent
from missions.models import Letter
from missions.services_letters import letter_update
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld
from tests.indemnities.allocations.conftest import make_rules
from tests.missions.letters import draft_letter, publish_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_autosave_conflict_and_recovery(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    publish_template(poitiers)
    letter = draft_letter(poitiers)
    editor = reverse("missions:letter_edit", args=[letter.pk])
    status = page.locator("#autosave-status")

    sign_in(page, poitiers.principal.user.email)
    page.goto(editor)
    page.locator("#texte-3").fill("Premier jet, enregistré sans bouton.")
    expect(status).to_contain_text("Brouillon enregistré à", timeout=10000)
    letter.refresh_from_db()
    assert LetterContent.of(letter.content).texts[3] == "Premier jet, enregistré sans bouton."

    # The deputy saves the same letter meanwhile: the principal's next save is refused.
    letter_update(
        letter=letter,
        content=LetterContent.of({**letter.content, "texts": {"3": "Version de l’adjointe."}}),
        revision=letter.revision,
        actor=scope_for(poitiers.deputy),
    )
    page.locator("#texte-3").fill("Ma version, écrite sans savoir.")
    expect(status).to_contain_text("après que vous l’avez ouverte", timeout=10000)
    assert LetterContent.of(Letter.objects.get(pk=letter.pk).content).texts[3] == (
        "Version de l’adjointe."
    )

    # An expired session: what is typed stays on this device and is offered back.
    page.goto(editor)
    expect(page.locator("#texte-3")).to_have_value("Version de l’adjointe.")
    page.context.clear_cookies()
    page.locator("#texte-3").fill("Écrit après la fin de la session.")
    expect(status).to_contain_text("Votre session a expiré", timeout=10000)
    sign_in(page, poitiers.principal.user.email)
    page.goto(editor)
    expect(
        page.get_by_text("Des modifications non enregistrées ont été retrouvées")
    ).to_be_visible()
    page.get_by_role("button", name="Reprendre mes modifications").click()
    expect(page.locator("#texte-3")).to_have_value("Écrit après la fin de la session.")
    expect(status).to_contain_text("Brouillon enregistré à", timeout=10000)
    assert LetterContent.of(Letter.objects.get(pk=letter.pk).content).texts[3] == (
        "Écrit après la fin de la session."
    )
