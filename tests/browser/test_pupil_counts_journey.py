"""The pupil counts journey: a DANE admin imports the year's effectifs file, sees the preview
with the IMP envelopes it changes, confirms, and finds the envelopes computed. axe-core runs on
every page visited.

With `RUPN_SCREENSHOTS_DIR` set, each page is also saved there at 1280 px and 375 px wide.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from establishments.models import PupilCount, SchoolYear
from tests.browser.conftest import check_accessibility
from tests.browser.test_journeys import sign_in
from tests.establishments.effectifs_csv import college_csv
from tests.factories import AcademieWorld, make_establishment
from tests.indemnities.allocations.conftest import make_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Any, name: str) -> None:
    target = os.environ.get("RUPN_SCREENSHOTS_DIR")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, suffix in ((1280, "desktop"), (375, "mobile")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(target) / f"{name}-{suffix}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def test_dane_admin_imports_pupil_counts_and_sees_the_envelopes(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld], tmp_path: Path
) -> None:
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie)
    year = SchoolYear.objects.current()
    collège = poitiers.establishment  # 300 pupils: 2 IMP, 2 500 €
    new = make_establishment(academie=poitiers.academie, name="Collège Rabelais", pupils=None)
    file = tmp_path / "fr-en-college-effectifs-niveau-sexe-lv.csv"
    y = str(year.start_year)
    file.write_bytes(
        college_csv(
            [
                (y, "POITIERS", collège.uai, "Jean Moulin", 180),  # 2 500 € → 1 250 €
                (y, "POITIERS", new.uai, "Rabelais", 420),  # no envelope → 2 500 €
                (y, "BORDEAUX", bordeaux.establishment.uai, "Montaigne", 90),
                (str(year.start_year - 1), "POITIERS", collège.uai, "Jean Moulin", 310),
            ]
        )
    )
    bordeaux_before = list(PupilCount.objects.filter(academie=bordeaux.academie).values())

    sign_in(page, poitiers.dane_admin.user.email)
    page.locator("main").get_by_role("link", name="Importer les effectifs").click()
    page.wait_for_url(re.compile(re.escape(reverse("indemnities:pupil_counts_upload")) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Importer les effectifs des établissements"
    )
    check_accessibility(page, "dépôt du fichier des effectifs")
    shoot(page, "effectifs-depot")

    # A wrong file first: refused in French, nothing stored.
    wrong = tmp_path / "autre.csv"
    wrong.write_bytes(b"Nom;Valeur\r\nx;1\r\n")
    page.get_by_label(re.compile(r"Fichier des effectifs")).set_input_files(str(wrong))
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()
    expect(page.get_by_role("alert")).to_contain_text("en-tête inconnu")
    expect(page.get_by_role("alert")).to_contain_text("Rien n’a été modifié.")
    check_accessibility(page, "fichier d’effectifs refusé")
    shoot(page, "effectifs-refus")

    page.get_by_label(re.compile(r"Fichier des effectifs")).set_input_files(str(file))
    expect(page.get_by_label(re.compile(r"Année scolaire des effectifs"))).to_have_value(y)
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()

    page.wait_for_url(re.compile(r"/indemnites/effectifs/import/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aperçu de l’import des effectifs")
    expect(page.get_by_role("row", name=re.compile(r"^Effectifs à ajouter"))).to_contain_text("1")
    expect(page.get_by_role("row", name=re.compile(r"^Effectifs à modifier"))).to_contain_text("1")
    changes = page.get_by_role("table", name=re.compile(r"dont l’enveloppe .* change"))
    expect(changes.get_by_role("row", name=re.compile(re.escape(collège.name)))).to_contain_text(
        "300 → 180"
    )
    expect(changes.get_by_role("row", name=re.compile("Collège Rabelais"))).to_contain_text(
        "Nouvelle enveloppe"
    )
    assert PupilCount.objects.get(establishment=collège, school_year=year).pupils == 300
    check_accessibility(page, "aperçu de l’import des effectifs")
    shoot(page, "effectifs-apercu")

    page.get_by_role("button", name="Confirmer l’import des effectifs").click()
    page.wait_for_url(re.compile(re.escape(reverse("indemnities:envelopes")) + r"\?annee=\d+$"))
    expect(page.locator(".fr-alert--success").first).to_contain_text("1 ajouté, 1 modifié")
    row = page.get_by_role("row", name=re.compile(re.escape(collège.name)))
    expect(row).to_contain_text("180")
    expect(row).to_contain_text("1\u202f250,00")
    expect(page.get_by_role("row", name=re.compile("Collège Rabelais"))).to_contain_text(
        "2\u202f500,00"
    )
    check_accessibility(page, "enveloppes après l’import des effectifs")
    shoot(page, "effectifs-enveloppes")

    assert PupilCount.objects.get(establishment=collège, school_year=year).pupils == 180
    assert list(PupilCount.objects.filter(academie=bordeaux.academie).values()) == bordeaux_before


def test_real_annuaire_export_imports_with_default_settings(
    page: Any, worlds: tuple[AcademieWorld, AcademieWorld]
) -> None:
    """An académie's export with training bodies without type and annexes sharing an UAI:
    nothing rejected, the merges listed, the import confirmed without choosing anything."""
    from establishments.models import Establishment

    poitiers, _ = worlds
    export = Path(__file__).resolve().parent.parent / "data" / "annuaire" / "poitiers_export.csv"
    sign_in(page, poitiers.dane_admin.user.email)
    page.goto(reverse("establishments:import_upload"))
    page.get_by_label(re.compile(r"Fichier de l’Annuaire de l’éducation")).set_input_files(
        str(export)
    )
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()
    page.wait_for_url(re.compile(r"/etablissements/import/\d+/$"))
    expect(page.get_by_role("row", name=re.compile(r"^Lignes rejetées"))).to_contain_text("0")
    expect(page.get_by_role("row", name=re.compile(r"^Lignes fusionnées"))).to_contain_text("3")
    merges = page.get_by_role("table", name=re.compile(r"UAI présents sur plusieurs lignes"))
    expect(merges).to_contain_text("ligne 38 : Lycée professionnel Blaise Pascal")
    expect(merges).to_contain_text("ligne 37 : Lycée professionnel Blaise Pascal - Annexe")
    expect(page.get_by_text("Importer seulement les lignes valides")).to_have_count(0)
    check_accessibility(page, "aperçu d’un export réel de l’annuaire")
    shoot(page, "annuaire-apercu-fusions")

    page.get_by_role("button", name="Confirmer l’import").click()
    page.wait_for_url(re.compile(re.escape(reverse("establishments:list")) + "$"))
    expect(page.locator(".fr-alert--success").first).to_contain_text("22 créés")
    assert Establishment.objects.filter(name="Lycée professionnel Blaise Pascal").count() == 1
