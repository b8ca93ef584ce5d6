"""The `import_effectifs` management command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from establishments.models import PupilCount, PupilCountImport, SchoolYear
from tests.establishments.effectifs_csv import college_csv


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_effectifs", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, content: bytes) -> str:
    path = tmp_path / "effectifs.csv"
    path.write_bytes(content)
    return str(path)


def test_import_and_dry_run(worlds, tmp_path):
    poitiers, _ = worlds
    year = SchoolYear.objects.current()
    path = write(
        tmp_path,
        college_csv([(str(year.start_year), "POITIERS", poitiers.establishment.uai, "A", 321)]),
    )
    dry = run(path, "--academie", "poitiers", "--annee", str(year.start_year), "--apercu")
    assert "modifiés : 1" in dry and "300 → 321" in dry
    assert "Aperçu seulement" in dry
    assert not PupilCountImport.objects.exists()

    output = run(path, "--academie", "poitiers", "--annee", str(year.start_year))
    assert "appliqué" in output
    count = PupilCount.objects.get(establishment=poitiers.establishment, school_year=year)
    assert count.pupils == 321
    assert count.source.startswith("Effectifs des collèges")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--annee", "2025"], "Précisez l’académie avec --academie"),
        (["--academie", "atlantide", "--annee", "2025"], "Académie « atlantide » inconnue"),
        (["--academie", "poitiers"], "Précisez l’année de rentrée avec --annee"),
        (["--academie", "poitiers", "--annee", "2025-2026"], "Année « 2025-2026 » invalide"),
    ],
)
def test_bad_arguments_in_french(worlds, tmp_path, args, expected):
    path = write(tmp_path, b"x")
    with pytest.raises(CommandError) as caught:
        run(path, *args)
    assert expected in str(caught.value)


def test_bad_files_in_french(worlds, tmp_path):
    year = str(SchoolYear.objects.current().start_year)
    with pytest.raises(CommandError) as caught:
        run(str(tmp_path / "absent.csv"), "--academie", "poitiers", "--annee", year)
    assert "ce fichier n’existe pas" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        run(write(tmp_path, b"Nom;Valeur\r\nx;1\r\n"), "--academie", "poitiers", "--annee", year)
    assert "Fichier refusé, rien n’a été modifié. Ligne 1 (en-tête) : en-tête inconnu" in str(
        caught.value
    )
    assert not PupilCountImport.objects.exists()
