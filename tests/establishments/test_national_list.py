"""The national list of académies shipped with the application."""

from __future__ import annotations

import json

from establishments.imports.parse import normalize_academie, normalize_departement
from establishments.national_list import (
    DATA_FILE,
    departement_code_for_annuaire,
    national_academie,
    national_academies,
)


def departements_of(code: str) -> list[str]:
    entry = national_academie(code)
    assert entry is not None
    return [d.annuaire_code for d in entry.departements]


def test_thirty_academies_metropole_and_outre_mer():
    # 25 in métropole (Caen and Rouen form Normandie since 2020) and 5 outre-mer; the
    # vice-rectorats (Nouvelle-Calédonie, Polynésie…) are not académies.
    academies = national_academies()
    assert len(academies) == 30
    names = {a.name for a in academies}
    assert {"Corse", "Guadeloupe", "Guyane", "Martinique", "La Réunion", "Mayotte"} <= names
    assert {"Normandie", "Poitiers", "Bordeaux", "Rennes"} <= names
    assert not {"Caen", "Rouen"} & names
    assert len({a.code for a in academies}) == 30
    assert len({a.slug for a in academies}) == 30


def test_codes_as_in_the_annuaire():
    codes = {a.name: a.code for a in national_academies()}
    assert codes["Paris"] == "01"
    assert codes["Bordeaux"] == "04"
    assert codes["Poitiers"] == "13"
    assert codes["Rennes"] == "14"
    assert codes["Corse"] == "27"
    assert codes["Mayotte"] == "43"
    assert codes["Normandie"] == "70"


def test_departements_in_the_three_digit_form_of_the_national_files():
    assert departements_of("14") == ["022", "029", "035", "056"]
    assert departements_of("27") == ["620", "720"]
    assert departements_of("04") == ["024", "033", "040", "047", "064"]
    assert departements_of("43") == ["976"]
    corse = national_academie("27")
    assert corse is not None
    assert [(d.code, d.name) for d in corse.departements] == [
        ("2A", "Corse-du-Sud"),
        ("2B", "Haute-Corse"),
    ]


def test_every_departement_once_and_consistent_with_the_importer():
    departements = [d for a in national_academies() for d in a.departements]
    assert len(departements) == 101  # 96 in métropole, 5 outre-mer
    assert len({d.code for d in departements}) == 101
    for d in departements:
        assert len(d.annuaire_code) == 3
        if not d.annuaire_code.endswith("20"):  # Corsica: 620 → 2A, 720 → 2B
            assert normalize_departement(d.annuaire_code) == d.code


def test_academie_codes_match_the_importer_and_the_demo():
    # The demo's académies use the same codes (Poitiers 13, Bordeaux 04).
    poitiers = national_academie("13")
    assert poitiers is not None
    assert [d.code for d in poitiers.departements] == ["16", "17", "79", "86"]
    assert poitiers.region_academique == "Nouvelle-Aquitaine"
    assert national_academie("4") == national_academie("04")
    for a in national_academies():
        assert normalize_academie(a.code) == normalize_academie(a.code.lstrip("0"))


def test_the_file_cites_its_sources():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    sources = " ".join(s["title"] + s.get("url", "") for s in data["sources"])
    assert "fr-en-annuaire-education" in sources
    assert "régions académiques" in sources


def test_departement_code_for_annuaire():
    assert departement_code_for_annuaire("016") == "16"
    assert departement_code_for_annuaire("16") == "16"
    assert departement_code_for_annuaire("620") == "2A"
    assert departement_code_for_annuaire("720") == "2B"
    assert departement_code_for_annuaire("976") == "976"
    assert departement_code_for_annuaire("975") is None  # Saint-Pierre-et-Miquelon


def test_the_importer_reads_corsica_and_outre_mer_codes():
    """The annuaire's three-digit codes reach the départements the national list creates."""
    assert normalize_departement("620") == "2A"
    assert normalize_departement("720") == "2B"
    assert normalize_departement("016") == "16"
    assert normalize_departement("974") == "974"
    assert normalize_departement("02A") == "2A"  # an older spelling, still understood
