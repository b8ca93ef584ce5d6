"""The whole journey of the year's mission letters, in Chromium, axe-core on each page:

the DANE admin publishes the template → the principal designates two referents, splits tasks
and amounts, sends both letters → referent 1 signs (keyboard only), referent 2 asks for a
change → the principal revises and sends again → referent 2 signs → the principal signs both →
the DANE admin visas both at once → both referents see their issued letter.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.demo import POITIERS
from missions.models import Letter, LetterSignature, LetterStatus
from missions.services_templates import template_create
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import main_nav, sign_in
from tests.factories import PASSWORD, AcademieWorld
from tests.indemnities.allocations.conftest import add_referent, make_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Any) -> None:
    page.context.clear_cookies()


def tab_to(page: Any, selector: str, *, text: str = "", limit: int = 300) -> None:
    """Press Tab until the element matching `selector` (and showing `text`) has the focus, as a
    keyboard user."""
    check = (
        "(e => !!e && e.matches(arguments_selector) && e.textContent.includes(arguments_text))"
        "(document.activeElement)"
    )
    script = check.replace("arguments_selector", repr(selector)).replace(
        "arguments_text", repr(text)
    )
    for _ in range(limit):
        if page.evaluate(script):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} jamais atteint au clavier")


def edit_and_send(page: Any, name: str, *, drop_section: int, text: str) -> None:
    page.get_by_role("link", name=f"Modifier la lettre de {name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    for box in page.locator(f"input[name=taches][id^='tache-{drop_section}-']").all():
        box.uncheck(force=True)
    page.get_by_label("Montant de l’IMP en euros").fill("1 250,00")
    page.locator("#texte-3").fill(text)
    page.get_by_role("button", name="Enregistrer et envoyer au référent").click()
    expect(page.locator("main")).to_contain_text("est envoyée au référent")


def confirm_password(page: Any) -> None:
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    check_accessibility(page, "confirmation du mot de passe")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()


def test_the_letters_of_the_year_from_template_to_issue(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie)
    make_rules(bordeaux.academie)
    current = SchoolYear.objects.current()
    last_year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    for first, last in (("Léa", "Martin"), ("Hugo", "Bernard")):
        add_referent(
            poitiers.establishment,
            f"{first.lower().replace('é', 'e')}.{last.lower()}@ac-poitiers.fr",
            first_name=first,
            last_name=last,
            civility="mme" if first == "Léa" else "m",
            school_year=last_year,
        )
    template_create(
        academie=poitiers.academie,
        school_year=current,
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )

    # The DANE admin publishes the year's template (Poitiers requires the DAN's visa).
    sign_in(page, poitiers.dane_admin.user.email)
    main_nav(page).get_by_role("link", name="Trames de lettre").click()
    page.get_by_role("button", name=re.compile("Publier")).click()
    expect(page.get_by_text("Version 1 publiée")).to_be_visible()
    sign_out(page)

    # The principal designates two referents known from last year and sends their letters.
    sign_in(page, poitiers.principal.user.email)
    page.get_by_role("link", name=re.compile(r"Lettres de mission .*Jean Moulin")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lettres de mission {current}")
    for label in (
        "Mme Léa Martin (lea.martin@ac-poitiers.fr)",
        "M. Hugo Bernard (hugo.bernard@ac-poitiers.fr)",
    ):
        page.get_by_label("Personne connue dans l’établissement").select_option(label=label)
        page.get_by_role("button", name="Désigner", exact=True).click()
        expect(page.locator("main")).to_contain_text("est désigné(e)")
    check_accessibility(page, "deux référents désignés")
    edit_and_send(page, "Mme Léa Martin", drop_section=2, text="Léa anime la cellule numérique.")
    edit_and_send(page, "M. Hugo Bernard", drop_section=1, text="Hugo administre l’ENT.")
    sign_out(page)

    # Referent 1 reads and signs with the keyboard only.
    sign_in(page, "lea.martin@ac-poitiers.fr")
    awaiting = page.get_by_role("link", name=re.compile("1 lettre à lire et signer"))
    expect(awaiting).to_be_visible()
    awaiting.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lettre de mission de Mme Léa Martin")
    expect(page.locator("main")).to_contain_text("M. Hugo Bernard")  # who does what
    check_accessibility(page, "la lettre à signer")
    tab_to(page, "input[name=confirm]")
    page.keyboard.press("Space")
    expect(page.get_by_label("J’ai lu la lettre et je la signe")).to_be_checked()
    tab_to(page, "button[type=submit]", text="Signer la lettre")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("account_reauthenticate"))))
    tab_to(page, "input[type=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Vous avez signé la lettre")
    check_accessibility(page, "la lettre signée par le référent")
    sign_out(page)

    # Referent 2 asks for a change.
    sign_in(page, "hugo.bernard@ac-poitiers.fr")
    page.get_by_role("link", name=re.compile("1 lettre à lire et signer")).click()
    page.get_by_label("Ce qui doit changer dans la lettre").fill(
        "Ajoutez l’accompagnement de la certification Pix."
    )
    page.get_by_role("button", name="Demander des modifications").click()
    expect(page.locator("main")).to_contain_text("transmise à la direction")
    sign_out(page)

    # The principal revises Hugo's letter and sends it again; Hugo signs.
    sign_in(page, poitiers.principal.user.email)
    expect(page.locator("main")).to_contain_text("modification")
    page.get_by_role("link", name=re.compile(r"Lettres de mission .*Jean Moulin")).click()
    page.get_by_role("link", name="Modifier la lettre de M. Hugo Bernard").click()
    expect(page.locator("main")).to_contain_text(
        "Ajoutez l’accompagnement de la certification Pix."
    )
    page.locator("#texte-3").fill("Hugo administre l’ENT et accompagne la certification Pix.")
    page.get_by_role("button", name="Enregistrer et envoyer au référent").click()
    expect(page.locator("main")).to_contain_text("est envoyée au référent")
    sign_out(page)
    sign_in(page, "hugo.bernard@ac-poitiers.fr")
    page.get_by_role("link", name=re.compile("1 lettre à lire et signer")).click()
    expect(page.locator("main")).to_contain_text("accompagne la certification Pix")
    page.locator("label[for=confirm-sign_referent]").click()
    page.get_by_role("button", name="Signer la lettre").click()
    confirm_password(page)
    expect(page.locator("main")).to_contain_text("Vous avez signé la lettre")
    sign_out(page)

    # The principal signs both (the password once: the confirmation lasts a few minutes).
    sign_in(page, poitiers.principal.user.email)
    for index, name in enumerate(("Mme Léa Martin", "M. Hugo Bernard")):
        letter = Letter.objects.get(referent__user__last_name=name.split()[-1])
        page.goto(reverse("missions:letter", args=[letter.pk]))
        page.locator("label[for=confirm-sign_principal]").click()
        page.get_by_role("button", name="Signer la lettre").click()
        if index == 0:
            confirm_password(page)
        expect(page.locator("main")).to_contain_text("Vous avez signé la lettre")
    check_accessibility(page, "la lettre signée par le chef d’établissement")
    sign_out(page)

    # The DANE admin visas both at once.
    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("link", name=re.compile("2 lettres en attente de votre visa")).click()
    check_accessibility(page, "lettres en attente du visa")
    page.get_by_role("button", name=re.compile("Viser toutes les lettres filtrées")).click()
    confirm_password(page)
    expect(page.locator("#visa-count")).to_have_text("2 / 2 lettres visées")
    check_accessibility(page, "visa groupé terminé")
    sign_out(page)

    # Both referents see their issued letter.
    for email in ("lea.martin@ac-poitiers.fr", "hugo.bernard@ac-poitiers.fr"):
        sign_in(page, email)
        main_nav(page).get_by_role("link", name=re.compile("lettres de mission", re.I)).click()
        expect(page.locator("main")).to_contain_text("Émise")
        check_accessibility(page, "mes lettres de mission")
        sign_out(page)

    letters = Letter.objects.filter(establishment=poitiers.establishment)
    assert set(letters.values_list("status", flat=True)) == {LetterStatus.ISSUED}
    assert LetterSignature.objects.filter(letter__in=letters, voided_at__isnull=True).count() == 6
    lea = letters.get(referent__user__last_name="Martin")
    assert {s.reauthenticated_with for s in lea.signatures.all()} == {"mot de passe"}
