"""The `import_annuaire` management command."""

from __future__ import annotations

import os
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
    assert "5 lignes rejetées : rien n’a été importé" in str(caught.value)
    assert Establishment.objects.count() == before

    output = run(path, "--academie", "poitiers", "--lignes-valides-seulement")
    assert "ligne 3, colonne Identifiant_de_l_etablissement" in output
    assert "ligne 7, colonne Code_departement" in output
    assert Establishment.objects.filter(uai=uai_for("016", 1001)).exists()
    assert Establishment.objects.count() == before + 2  # the valid line and the merged UAI


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


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (DATA / "absent.csv", "ce fichier n’existe pas (vérifiez le chemin)"),
        (DATA, "c’est un dossier, pas un fichier"),
    ],
)
def test_file_errors_are_in_french(worlds, path, expected):
    with pytest.raises(CommandError) as caught:
        run(str(path), "--academie", "poitiers")
    message = str(caught.value)
    assert expected in message
    assert "Rien n’a été modifié." in message
    assert "No such file" not in message and "directory" not in message
    assert not EstablishmentImport.objects.exists()


def test_unreadable_file_permission_is_in_french(worlds, tmp_path):
    path = tmp_path / "annuaire.csv"
    path.write_bytes(b"x")
    path.chmod(0)
    if os.access(path, os.R_OK):  # running as root: permissions do not apply
        pytest.skip("les droits de fichier ne s’appliquent pas à root")
    with pytest.raises(CommandError) as caught:
        run(str(path), "--academie", "poitiers")
    assert "accès refusé (droits de lecture insuffisants)" in str(caught.value)


def test_missing_academie_is_said_in_french(worlds):
    with pytest.raises(CommandError) as caught:
        run(str(DATA / "poitiers_libelles.csv"))
    assert "Précisez l’académie avec --academie" in str(caught.value)


def test_real_export_is_imported_and_merges_listed(worlds):
    output = run(str(DATA / "poitiers_export.csv"), "--academie", "poitiers")
    assert "rejetés : 0" in output
    assert "fusionnés (annexes d’un même UAI) : 3" in output
    assert (
        f"{uai_for('017', 3102)} : ligne 38 « Lycée professionnel Blaise Pascal » retenue ; "
        "écartée : ligne 37 « Lycée professionnel Blaise Pascal - Annexe de Marennes »"
    ) in output
    assert "Type non renseigné (organisme de formation…) : 3" in output
    assert "appliqué" in output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "argument obligatoire manquant : fichier"),
        (["x.csv", "--academie", "poitiers", "--inconnue"], "argument inconnu : --inconnue"),
        (["x.csv", "--academie"], "l’option --academie attend une valeur"),
    ],
)
def test_argument_errors_are_in_french(worlds, args, expected):
    with pytest.raises(CommandError) as caught:
        call_command("import_annuaire", *args)
    assert expected in str(caught.value)
    assert "Error" not in str(caught.value)
