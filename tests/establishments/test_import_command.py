"""The `import_annuaire` management command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from establishments.models import Establishment, EstablishmentImport, ImportStatus, PupilCount
from tests.establishments.annuaire_csv import uai_for
from tests.establishments.test_import_service import SAMPLE_UAIS, snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "annuaire"


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_annuaire", *args, stdout=out)
    return out.getvalue()


def test_dry_run_writes_nothing(worlds):
    before = snapshot()
    output = run(str(DATA / "poitiers_libelles.csv"), "--academie", "poitiers", "--apercu")
    assert "créés : 8" in output
    assert "ignorés : 6" in output
    assert "effectifs manquants : 1" in output
    assert "Type non concerné (Ecole) : 1" in output
    assert "Aperçu seulement : rien n’a été enregistré." in output
    assert snapshot() == before


def test_import_then_reimport(worlds):
    output = run(str(DATA / "poitiers_libelles.csv"), "--academie", "poitiers")
    assert "créés : 8" in output
    assert "appliqué" in output
    assert Establishment.objects.filter(uai__in=SAMPLE_UAIS).count() == 8
    imp = EstablishmentImport.objects.get()
    assert imp.status == ImportStatus.APPLIED
    assert imp.created_by is None

    before = snapshot()
    again = run(str(DATA / "poitiers_champs.csv"), "--academie", "poitiers")
    assert "inchangés : 8" in again
    after = snapshot()
    assert after["establishments"] == before["establishments"]
    assert after["pupil_counts"] == before["pupil_counts"]


def test_school_year_option(worlds):
    run(str(DATA / "poitiers_libelles.csv"), "--academie", "poitiers", "--annee", "2031-2032")
    counts = PupilCount.objects.filter(establishment__uai__in=SAMPLE_UAIS)
    assert {c.school_year.label for c in counts} == {"2031-2032"}


def test_errors_are_reported_and_change_nothing(worlds):
    path = str(DATA / "poitiers_erreurs.csv")
    before = Establishment.objects.count()
    with pytest.raises(CommandError) as caught:
        run(path, "--academie", "poitiers")
    assert "7 lignes rejetées : rien n’a été importé" in str(caught.value)
    assert Establishment.objects.count() == before

    output = run(path, "--academie", "poitiers", "--lignes-valides-seulement")
    assert "ligne 3, colonne Identifiant_de_l_etablissement" in output
    assert "ligne 7, colonne Code_departement" in output
    assert Establishment.objects.filter(uai=uai_for("016", 1001)).exists()
    assert Establishment.objects.count() == before + 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--academie", "atlantide"], "Académie « atlantide » inconnue"),
        (["--academie", "poitiers", "--annee", "2025"], "Année scolaire « 2025 » invalide"),
    ],
)
def test_bad_arguments(worlds, args, expected):
    with pytest.raises(CommandError) as caught:
        run(str(DATA / "poitiers_libelles.csv"), *args)
    assert expected in str(caught.value)


def test_unreadable_files(worlds):
    with pytest.raises(CommandError) as caught:
        run(str(DATA / "poitiers_virgules.csv"), "--academie", "poitiers")
    assert "Fichier refusé, rien n’a été modifié." in str(caught.value)
    with pytest.raises(CommandError) as caught:
        run(str(DATA / "absent.csv"), "--academie", "poitiers")
    assert "Impossible de lire le fichier" in str(caught.value)
    assert not EstablishmentImport.objects.exists()
