"""The platform administrator creates an académie from the national list and invites its first
DANE admin in the Django admin; the home page then lists it. axe-core runs on the home page."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Invitation, Role
from establishments.models import Academie
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set RUPN_SCREENSHOTS to a folder to keep screenshots of the pages (desktop and phone widths).
SHOTS = os.environ.get("RUPN_SCREENSHOTS", "")


def shoot(page: Any, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def test_platform_admin_creates_an_academie_and_invites_its_dane_admin(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    admin = make_user("plateforme@test.fr", first_name="Paul", last_name="Admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])

    sign_in(page, admin.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration de la plateforme")
    main = page.locator("main")
    expect(main.get_by_role("row", name=re.compile("Poitiers"))).to_be_visible()
    expect(main.get_by_role("row", name=re.compile("Rennes"))).to_have_count(0)
    check_accessibility(page, "accueil de l’administrateur de la plateforme")
    shoot(page, "accueil-plateforme")

    main.get_by_role("link", name="Ajouter une académie").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:establishments_academie_add"))))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter une académie")
    options = page.get_by_label("Académie").locator("option").all_inner_texts()
    assert not any(o.startswith(("Poitiers", "Bordeaux")) for o in options)
    assert any(o.startswith("Rennes (14)") for o in options)
    shoot(page, "ajout-academie")

    page.get_by_label("Académie").select_option("14")
    page.get_by_label("Adresse électronique du premier administrateur DANE").fill(
        "dan@ac-rennes.fr"
    )
    page.locator("#id_first_name").fill("Morgane")
    page.locator("#id_last_name").fill("Le Gall")
    page.get_by_role("button", name="Créer l’académie et envoyer l’invitation").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Académie de Rennes créée avec 4 département(s) ; invitation envoyée à dan@ac-rennes.fr"
    )

    shoot(page, "academie-creee")

    rennes = Academie.objects.get(code="14")
    assert rennes.region_academique == "Bretagne"
    assert sorted(rennes.departements.values_list("code", flat=True)) == ["22", "29", "35", "56"]
    invitation = Invitation.objects.get(academie=rennes)
    assert (invitation.email, invitation.role) == ("dan@ac-rennes.fr", Role.DANE_ADMIN)
    assert [m.to for m in mail.outbox] == [["dan@ac-rennes.fr"]]
    assert "/invitation/" in mail.outbox[0].body

    page.goto("/")
    row = page.locator("main").get_by_role("row", name=re.compile("Rennes"))
    expect(row).to_contain_text("Bretagne")
    expect(row).to_contain_text("1 invitation en attente")
    expect(row).to_contain_text("Aucun import")
    check_accessibility(page, "accueil avec la nouvelle académie")
    shoot(page, "accueil-plateforme-rennes")

    # On a phone, one card per académie instead of the table.
    page.set_viewport_size({"width": 375, "height": 800})
    card = page.locator("main").get_by_role("region", name=re.compile("Académie de Rennes"))
    expect(card).to_contain_text("1 invitation en attente")
    check_accessibility(page, "accueil de la plateforme sur téléphone")
