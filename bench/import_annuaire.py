"""Benchmark of the "Annuaire de l'éducation" import: preview + apply of a generated file.

    .venv/bin/python bench/import_annuaire.py [--lignes 1000]

Runs in a throw-away test database (in memory with the default SQLite settings; a `test_…`
database with DATABASE_URL), never in the development one. Builds a file in the real export's
format (72 columns, labels, BOM) of the académie de Poitiers, then measures three rounds:
a first import (everything created), the same file again (everything unchanged) and a file where
one row in ten changes (updates). Prints seconds, rows per second and SQL queries for each step.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

T = TypeVar("T")

TYPES = [
    # (Type_etablissement, voies, share of the file): roughly the académie's mix.
    ("Collège", ("", "", ""), 0.62),
    ("Lycée", ("1", "1", "0"), 0.14),
    ("Lycée", ("0", "0", "1"), 0.12),
    ("Lycée", ("1", "1", "1"), 0.10),
    ("EREA", ("", "", ""), 0.02),
]
DEPARTEMENTS = ["016", "017", "079", "086"]


def build_rows(count: int, *, variant: int = 0) -> list[dict[str, str]]:
    from tests.establishments.annuaire_csv import annuaire_row, uai_for

    kinds: list[tuple[str, tuple[str, str, str]]] = []
    for type_, voies, share in TYPES:
        kinds += [(type_, voies)] * round(share * count)
    kinds = (kinds + [TYPES[0][:2]] * count)[:count]
    rows = []
    for i, (type_, voies) in enumerate(kinds):
        departement = DEPARTEMENTS[i % len(DEPARTEMENTS)]
        changed = variant and i % 10 == 0
        pupils = "" if i % 20 == 7 else str(150 + (i * 37) % 1400 + (5 if changed else 0))
        rows.append(
            annuaire_row(
                uai=uai_for(departement, i // len(DEPARTEMENTS)),  # 4 digits: up to 40 000 rows
                name=f"{type_} n° {i}{' (renommé)' if changed else ''}",
                type=type_,
                departement=departement,
                voies=voies,
                pupils=pupils,
            )
        )
    return rows


def timed(step: Callable[[], T]) -> tuple[T, float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = step()
        elapsed = time.perf_counter() - start
    return result, elapsed, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lignes", type=int, default=1000, help="lignes du fichier (1000)")
    parser.add_argument(
        "--autres",
        type=int,
        default=0,
        help="lignes ignorées en plus (écoles, autres académies), pour mesurer un export national",
    )
    options = parser.parse_args()

    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(options.lignes, options.autres)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def ignored_rows(count: int) -> list[dict[str, str]]:
    """Écoles of the académie and collèges of Bordeaux: what a national export mostly holds."""
    from tests.establishments.annuaire_csv import annuaire_row, uai_for

    rows = []
    for i in range(count):
        if i % 2:
            rows.append(
                annuaire_row(
                    uai=uai_for("033", i // 2 % 10000), name=f"Collège {i}", departement="033"
                )
            )
        else:
            rows.append(
                annuaire_row(
                    uai=uai_for("016", 5000 + i // 2 % 5000), name=f"École {i}", type="Ecole"
                )
            )
    return rows


def run(count: int, others: int) -> None:
    from establishments.imports.apply import (
        establishment_import_apply,
        establishment_import_preview,
    )
    from establishments.models import Establishment, PupilCount, SchoolYear
    from tests.establishments.annuaire_csv import annuaire_csv
    from tests.factories import POITIERS_DEPARTEMENTS, make_academie

    academie = make_academie(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    make_academie(name="Bordeaux", code="04", departements={"33": "Gironde", "24": "Dordogne"})
    year = SchoolYear.objects.current()

    extra = ignored_rows(others)
    rounds = [
        ("1er import (créations)", annuaire_csv(build_rows(count) + extra)),
        ("même fichier (inchangés)", annuaire_csv(build_rows(count) + extra)),
        ("1 ligne sur 10 modifiée", annuaire_csv(build_rows(count, variant=1) + extra)),
    ]
    print(
        f"Import de l’annuaire – {count} lignes de l’académie"
        f"{f' + {others} lignes ignorées' if others else ''}, base {connection.vendor}, "
        f"fichier de {len(rounds[0][1]) / 1_000_000:.2f} Mo (72 colonnes)"
    )
    header = f"{'étape':<28}{'aperçu s':>10}{'requêtes':>10}{'appliquer s':>13}{'requêtes':>10}"
    header += f"{'total s':>9}{'lignes/s':>10}  résultat"
    print(header)
    for label, content in rounds:
        imp, preview_s, preview_q = timed(
            partial(
                establishment_import_preview,
                academie=academie,
                school_year=year,
                filename="bench.csv",
                content_bytes=content,
                created_by=None,
            )
        )
        applied, apply_s, apply_q = timed(
            partial(
                establishment_import_apply,
                establishment_import=imp,
                applied_by=None,
                only_valid_rows=False,
            )
        )
        total = preview_s + apply_s
        c = applied.report["counts"]
        summary = (
            f"{c['created']} créés, {c['updated']} mis à jour, {c['unchanged']} inchangés, "
            f"{c['ignored']} ignorés, {c['rejected']} rejetés, "
            f"{c['missing_pupils']} sans effectif"
        )
        print(
            f"{label:<28}{preview_s:>10.3f}{preview_q:>10}{apply_s:>13.3f}{apply_q:>10}"
            f"{total:>9.3f}{(count + others) / total:>10.0f}  {summary}"
        )
    print(
        f"Base : {Establishment.objects.count()} établissements, "
        f"{PupilCount.objects.count()} effectifs"
    )


if __name__ == "__main__":
    main()
