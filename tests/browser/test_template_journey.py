"""A DANE admin previews the year's mission-letter template and publishes it, then starts a new
version; edits a draft in the editor; axe-core runs on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.demo import POITIERS
from missions.models import LetterTemplate
from missions.services_templates import template_create
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.factories import AcademieWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dane_admin_previews_and_publishes_the_template(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    template_create(
        academie=poitiers.academie,
        school_year=SchoolYear.objects.current(),
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )
    sign_in(page, poitiers.dane_admin.user.email)
    page.get_by_role("navigation", name=re.compile("principal", re.I)).get_by_role(
        "link", name="Trames de lettre"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trames de lettre de mission")
    check_accessibility(page, "trames de lettre de mission")
    page.get_by_role("link", name=re.compile("Aperçu")).click()
    expect(page.get_by_text("Mme Camille Martin se voit confier")).to_be_visible()
    check_accessibility(page, "aperçu de la trame")
    page.get_by_role("link", name=re.compile("Trames")).first.click()
    page.get_by_role("button", name=re.compile("Publier")).click()
    expect(page.get_by_text("Version 1 publiée")).to_be_visible()
    page.get_by_role("button", name=re.compile("Nouvelle version")).click()
    expect(page.get_by_text("Version 2 créée en brouillon")).to_be_visible()
    check_accessibility(page, "trames après publication")
    assert LetterTemplate.objects.filter(academie=poitiers.academie).count() == 2


def test_dane_admin_adds_a_task_in_the_editor(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    draft = template_create(
        academie=poitiers.academie,
        school_year=SchoolYear.objects.current(),
        data=POITIERS,
        actor=scope_for(poitiers.dane_admin),
    )
    sign_in(page, poitiers.dane_admin.user.email)
    page.goto(f"/missions/trames/?annee={draft.school_year.start_year}")
    page.get_by_role("link", name="Modifier la version 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifier la trame")
    check_accessibility(page, "éditeur de trame")
    first = page.get_by_role("group", name=re.compile("^Section 1 — "))
    tasks_before = len(POITIERS.sections[0].tasks)
    first.get_by_role("button", name=re.compile("Ajouter une tâche à cette section")).click()
    expect(page.get_by_role("status")).to_contain_text(f"Tâche {tasks_before + 1} ajoutée")
    new_task = page.get_by_role("group", name=f"Tâche {tasks_before + 1} de la section 1")
    new_task.get_by_label("Libellé de la tâche").fill("anime la formation Pix des élèves")
    check_accessibility(page, "éditeur de trame, tâche ajoutée")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré.")).to_be_visible()
    page.get_by_role("link", name="Voir l’aperçu du brouillon").click()
    expect(page.get_by_text("anime la formation Pix des élèves")).to_be_visible()
    assert draft.sections.get(position=1).tasks.filter(key="anime-la-formation-pix-des-eleves")
