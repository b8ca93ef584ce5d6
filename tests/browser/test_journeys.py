"""The issue's user journeys, in Chromium, with axe-core on every page visited."""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from accounts.scopes import scope_for
from accounts.services import membership_grant
from establishments.models import Establishment, SchoolYear
from tests.browser.conftest import DATA, check_accessibility
from tests.factories import PASSWORD, AcademieWorld

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANNUAIRE = DATA / "annuaire_poitiers.csv"
EMAIL_LABEL = re.compile(r"^(Courriel|Adresse (électronique|e-mail))", re.IGNORECASE)


def annuaire_rows() -> list[dict[str, str]]:
    with ANNUAIRE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def sign_in(page: Any, email: str) -> None:
    """Email and password on the sign-in page, as a person would."""
    page.goto(reverse("account_login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    check_accessibility(page, "page de connexion")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))


def main_nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Menu principal")


def table_rows(page: Any) -> Any:
    return page.locator("main table tbody tr")


def test_dane_admin_imports_the_annuaire_through_the_preview(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    rows = annuaire_rows()
    names = [row["Nom_etablissement"] for row in rows]
    bordeaux_before = list(
        Establishment.objects.filter(academie=bordeaux.academie).values_list("uai", "name")
    )

    sign_in(page, poitiers.dane_admin.user.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Administration DANE")
    check_accessibility(page, "accueil de l’administrateur DANE")

    main_nav(page).get_by_role("link", name="Importer l’annuaire").click()
    page.wait_for_url(re.compile(re.escape(reverse("establishments:import_upload")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importer l’Annuaire")
    check_accessibility(page, "dépôt du fichier de l’annuaire")

    page.get_by_label(re.compile(r"Fichier de l’Annuaire de l’éducation")).set_input_files(
        str(ANNUAIRE)
    )
    expect(page.get_by_label(re.compile(r"Année scolaire des effectifs"))).to_have_value(
        str(SchoolYear.objects.current().start_year)
    )
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()

    # The preview: counts first, nothing written yet.
    page.wait_for_url(re.compile(r"/etablissements/import/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu de l’import")
    created_row = page.get_by_role("row", name=re.compile(r"^Établissements (à créer|créés)"))
    expect(created_row.get_by_role("cell")).to_have_text(str(len(rows)))
    rejected_row = page.get_by_role("row", name=re.compile(r"^Lignes rejetées"))
    expect(rejected_row.get_by_role("cell")).to_have_text("0")
    for name in names:
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    assert not Establishment.objects.filter(
        uai__in=[r["Identifiant_de_l_etablissement"] for r in rows]
    ).exists()
    check_accessibility(page, "aperçu de l’import")

    page.get_by_role("button", name="Confirmer l’import").click()
    page.wait_for_url(re.compile(re.escape(reverse("establishments:list")) + "$"))
    expect(
        page.get_by_role("status").or_(page.locator(".fr-alert--success")).first
    ).to_contain_text(f"{len(rows)} créés")
    check_accessibility(page, "liste des établissements après l’import")
    listed = page.locator("main table tbody tr td:first-child")
    for name in names:
        expect(listed.filter(has_text=name)).to_have_count(1)
    # Each row of the file became an establishment of Poitiers, with its pupil count.
    for row in rows:
        establishment = Establishment.objects.get(uai=row["Identifiant_de_l_etablissement"])
        assert establishment.academie_id == poitiers.academie.pk
        assert establishment.name == row["Nom_etablissement"]
        assert establishment.pupil_counts.get(
            school_year=SchoolYear.objects.current()
        ).pupils == int(row["Nombre_d_eleves"])
    assert (
        list(Establishment.objects.filter(academie=bordeaux.academie).values_list("uai", "name"))
        == bordeaux_before
    )


def test_principal_sees_only_their_establishment(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, bordeaux = worlds
    mine = poitiers.establishment
    not_mine = [poitiers.other_establishment, bordeaux.establishment, bordeaux.other_establishment]

    sign_in(page, poitiers.principal.user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace chef d’établissement")
    main = page.locator("main")
    expect(main).to_contain_text(mine.name)
    for other in not_mine:
        expect(main).not_to_contain_text(other.name)
        expect(main).not_to_contain_text(other.uai)
    check_accessibility(page, "accueil du chef d’établissement")

    main_nav(page).get_by_role("link", name="Mes établissements").click()
    page.wait_for_url(re.compile(re.escape(reverse("establishments:list")) + "$"))
    expect(table_rows(page)).to_have_count(1)
    expect(table_rows(page).first).to_contain_text(mine.name)
    expect(table_rows(page).first).to_contain_text(mine.uai)
    for other in not_mine:
        expect(page.locator("main")).not_to_contain_text(other.name)
    check_accessibility(page, "liste des établissements du chef d’établissement")

    page.get_by_role("link", name=mine.name).click()
    page.wait_for_url(re.compile(re.escape(reverse("dashboards:establishment", args=[mine.pk]))))
    expect(page.get_by_role("heading", level=1)).to_contain_text(mine.name)
    check_accessibility(page, "fiche de l’établissement")

    # Typing the address of someone else's establishment: the same "not found" as nothing.
    for other in (poitiers.other_establishment, bordeaux.establishment):
        response = page.goto(reverse("dashboards:establishment", args=[other.pk]))
        assert response is not None and response.status == 404
        expect(page.locator("main")).not_to_contain_text(other.name)
        check_accessibility(page, "page introuvable")


def test_person_with_two_roles_switches_role_from_the_header(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    poitiers, _ = worlds
    principal = poitiers.principal
    rupn = membership_grant(
        academie=poitiers.academie,
        user=principal.user,
        role=Role.RUPN,
        actor=scope_for(poitiers.dane_admin),
        establishments=[poitiers.other_establishment],
        school_year=SchoolYear.objects.current(),
    )

    sign_in(page, principal.user.email)
    # The widest role first: the principal's home.
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace chef d’établissement")

    header_tools = page.locator(".fr-header__tools-links")
    header_tools.get_by_role("link", name=re.compile("Chef d’établissement")).click()
    page.wait_for_url(re.compile(re.escape(reverse("accounts:roles")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes rôles")
    check_accessibility(page, "choix du rôle")

    page.get_by_role(
        "button", name=re.compile(r"^Agir en tant que\s: Référent numérique \(RUPN\) – Poitiers")
    ).click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace référent numérique")
    expect(page.locator("main")).to_contain_text("Vous agissez maintenant en tant que : Référent")
    expect(header_tools).to_contain_text(rupn.get_role_display())
    # The RUPN sees the establishment of that role, not the one they direct.
    expect(page.locator("main")).to_contain_text(poitiers.other_establishment.name)
    expect(page.locator("main")).not_to_contain_text(poitiers.establishment.name)
    check_accessibility(page, "accueil du référent après changement de rôle")

    # And back.
    header_tools.get_by_role("link", name=re.compile("Référent numérique")).click()
    page.get_by_role(
        "button", name=re.compile(r"^Agir en tant que\s: Chef d’établissement – Poitiers")
    ).click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace chef d’établissement")
