"""The DAN's visa of many letters: the DANE admin filters the letters by département, ticks the
two awaiting the visa, confirms their password and watches the progress reach 100 %. axe-core
runs on every page visited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from missions.models import Letter, LetterStatus
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import main_nav, sign_in, table_rows
from tests.factories import PASSWORD, AcademieWorld
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.list_builders import letter_for, other_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_filters_and_visas_two_letters(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    publish_template(poitiers)  # Poitiers' letters await the DAN's visa
    first = advance(draft_letter(poitiers), poitiers, until=LetterStatus.AWAITING_VISA)
    second = letter_for(
        poitiers, "ines.durand@test.fr", until=LetterStatus.AWAITING_VISA, last_name="Durand"
    )
    lycee = letter_for(
        other_school(poitiers), "rupn.lycee@test.fr", until=LetterStatus.AWAITING_VISA
    )
    departement = poitiers.establishment.departement

    sign_in(page, poitiers.dane_admin.user.email)
    expect(page.get_by_role("link", name="3 lettres en attente de votre visa")).to_be_visible()
    main_nav(page).get_by_role("link", name="Lettres de mission").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lettres de mission")
    expect(table_rows(page)).to_have_count(3)
    check_accessibility(page, "lettres de mission de l’académie")

    page.get_by_label("Département").select_option(str(departement.pk))
    page.get_by_role("button", name="Filtrer").click()
    expect(table_rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name="En attente du visa du DAN : 2")).to_be_visible()
    check_accessibility(page, "lettres filtrées par département")

    for letter in (first, second):
        # The DSFR draws the box on the label, which takes the click.
        box = page.get_by_label(f"Viser la lettre de {letter.referent.user.formal_name}")
        page.locator(f"label[for='{box.get_attribute('id')}']").click()
        expect(box).to_be_checked()
    page.get_by_role("button", name="Viser les lettres cochées").click()

    # allauth asks for the password, then resumes the visa.
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    check_accessibility(page, "confirmation du mot de passe")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Visa groupé des lettres de mission")
    expect(page.locator("#visa-count")).to_have_text("2 / 2 lettres visées")
    expect(page.locator("#visa-percent")).to_contain_text("100")
    expect(page.locator("#visa-progress")).to_have_attribute("value", "100")
    expect(page.get_by_text("Toutes les lettres ont été visées")).to_be_visible()
    check_accessibility(page, "progression du visa groupé")

    statuses = dict(Letter.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == LetterStatus.ISSUED
    assert statuses[lycee.pk] == LetterStatus.AWAITING_VISA

    page.get_by_role("link", name="Retour aux lettres en attente de visa").click()
    expect(table_rows(page)).to_have_count(1)
    expect(page.get_by_text("Émise : 2")).to_be_visible()
