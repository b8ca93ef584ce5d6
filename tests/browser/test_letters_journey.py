"""The principal's letters journey: two referents designated (one known, one invited), tasks
and amounts split between them in the editor, one letter sent. axe-core on every page."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from establishments.models import SchoolYear
from indemnities.models import Allocation
from missions.content import LetterContent
from missions.models import Letter, LetterStatus
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld
from tests.indemnities.allocations.conftest import add_referent, make_rules
from tests.missions.letters import publish_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_principal_designates_two_referents_splits_tasks_and_sends_a_letter(
    page: Any, live_server: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie)
    make_rules(bordeaux.academie)
    publish_template(poitiers)
    establishment = poitiers.establishment  # 2 500 € of envelope
    current = SchoolYear.objects.current()
    last_year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    add_referent(
        establishment,
        "lea.martin@ac-poitiers.fr",
        first_name="Léa",
        last_name="Martin",
        civility="mme",
        school_year=last_year,
    )

    sign_in(page, poitiers.principal.user.email)
    page.get_by_role("link", name=re.compile(r"Lettres de mission .*Jean Moulin")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lettres de mission {current}")
    check_accessibility(page, "lettres de l’établissement")

    page.get_by_label("Personne connue dans l’établissement").select_option(
        label="Mme Léa Martin (lea.martin@ac-poitiers.fr)"
    )
    page.get_by_role("button", name="Désigner", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Mme Léa Martin est désigné(e)")

    page.locator("#id_civilite").select_option("m")
    page.locator("#id_nom").fill("Bernard")
    page.locator("#id_prenom").fill("Hugo")
    page.locator("#id_discipline").fill("Mathématiques")
    page.locator("#id_adresse").fill("hugo.bernard@ac-poitiers.fr")
    page.get_by_role("button", name="Inviter et désigner").click()
    expect(page.locator("main")).to_contain_text("M. Hugo Bernard est désigné(e)")
    expect(page.get_by_role("table", name=re.compile("Répartition des tâches"))).to_be_visible()
    check_accessibility(page, "deux référents désignés")

    # Léa: section 1 only, 1 250 €, the free text started from the examples, then sent.
    page.get_by_role("link", name="Modifier la lettre de Mme Léa Martin").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mme Léa Martin")
    check_accessibility(page, "éditeur de lettre")
    for box in page.locator("input[name=taches][id^='tache-2-']").all():
        box.uncheck(force=True)
    page.get_by_label("Montant de l’IMP en euros").fill("1 250,00")
    page.get_by_role("button", name="Partir des exemples").click()
    expect(page.locator("#texte-3")).to_have_value(re.compile("^Quelques exemples"))
    expect(page.get_by_role("status").last).to_contain_text("Brouillon enregistré à", timeout=10000)
    page.get_by_role("button", name="Enregistrer et envoyer au référent").click()
    expect(page.locator("main")).to_contain_text("est envoyée au référent")

    # Hugo: section 2 only, 1 250 €, saved as a draft.
    page.get_by_role("link", name="Modifier la lettre de M. Hugo Bernard").click()
    for box in page.locator("input[name=taches][id^='tache-1-']").all():
        box.uncheck(force=True)
    page.get_by_label("Montant de l’IMP en euros").fill("1250")
    page.locator("#texte-3").fill("Hugo administre le site web du collège.")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("main")).to_contain_text("Le brouillon de la lettre est enregistré")
    expect(page.get_by_role("heading", name="Les tâches des autres référents")).to_be_visible()

    page.get_by_role("link", name=f"Lettres de mission {current}").click()
    expect(page.locator("#reste")).to_contain_text("0,00")
    check_accessibility(page, "tâches et montants répartis")

    lea = Letter.objects.get(referent__user__email="lea.martin@ac-poitiers.fr")
    hugo = Letter.objects.get(referent__user__email="hugo.bernard@ac-poitiers.fr")
    assert lea.status == LetterStatus.SENT and hugo.status == LetterStatus.DRAFT
    assert {t.section for t in LetterContent.of(lea.content).tasks} == {1}
    assert {t.section for t in LetterContent.of(hugo.content).tasks} == {2}
    amounts = sorted(
        a.amount for a in Allocation.objects.current().filter(establishment=establishment)
    )
    assert amounts == [Decimal("1250.00"), Decimal("1250.00")]
