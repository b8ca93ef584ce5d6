"""Benchmark of the pupil counts import: preview + apply of a national collèges' file.

    .venv/bin/python bench/import_effectifs.py [--colleges 7000] [--annees 6]

Runs in a throw-away test database, never in the development one. Builds a file of
`fr-en-college-effectifs-niveau-sexe-lv` as published (quoted labels, BOM, 31 columns) with
every collège of France for several rentrées; 1 000 of them are Poitiers' establishments. Prints
seconds, SQL queries and the growth of the resident memory for each step, and the time of the
preview page's envelope computation.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.import_annuaire import counter, rss_step_peak, rss_step_start  # noqa: E402
from tenancy.guard import scopes_disabled  # noqa: E402
from tenancy.scope import Scope  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--colleges", type=int, default=7000, help="collèges du fichier (7000)")
    parser.add_argument("--annees", type=int, default=6, help="rentrées du fichier (6)")
    options = parser.parse_args()
    setup_test_environment(debug=False)
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # Benchmarks build their académies directly: the guard is off for the measure.
        with scopes_disabled():
            run(options.colleges, options.annees)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def run(colleges: int, years: int) -> None:
    from establishments.models import Establishment, EstablishmentType, SchoolYear, Sector
    from establishments.pupil_counts.apply import (
        pupil_count_import_apply,
        pupil_count_import_preview,
    )
    from establishments.uai import make_uai
    from indemnities.previews import envelope_changes_for_pupils
    from tests.establishments.effectifs_csv import college_csv
    from tests.factories import POITIERS_DEPARTEMENTS, make_academie
    from tests.indemnities.allocations.conftest import make_rules

    academie = make_academie(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    year = SchoolYear.objects.current()
    make_rules(academie)
    departements = list(academie.departements.order_by("code"))
    own = [
        Establishment(
            academie=academie,
            uai=make_uai(f"{int(departements[i % 4].code):03d}", 1000 + i // 4),
            name=f"Collège {i}",
            type=EstablishmentType.COLLEGE,
            sector=Sector.PUBLIC,
            departement=departements[i % 4],
            commune="Poitiers",
        )
        for i in range(1000)
    ]
    Establishment.objects.bulk_create(own)
    rows = []
    for offset in range(years):
        rentree = str(year.start_year - offset)
        for i, e in enumerate(own):
            rows.append((rentree, "POITIERS", e.uai, e.name, 150 + (i * 37) % 600 + offset))
        for i in range(colleges - len(own)):
            uai = make_uai("033" if i % 2 else "075", i // 2 % 10000)
            rows.append((rentree, "BORDEAUX" if i % 2 else "PARIS", uai, f"Autre {i}", 400))
    content = college_csv(rows)
    print(
        f"Import des effectifs – {len(rows)} lignes ({colleges} collèges × {years} rentrées), "
        f"base {connection.vendor}, fichier de {len(content) / 1_000_000:.1f} Mo"
    )
    for label in ("1er import (ajouts)", "même fichier (inchangés)"):
        base = rss_step_start()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            imp = pupil_count_import_preview(
                academie=academie,
                school_year=year,
                filename="bench.csv",
                content_bytes=content,
                actor=Scope.platform(academie.pk),
            )
            preview_s = time.perf_counter() - start
            preview_q = counter.reset()
            start = time.perf_counter()
            new_pupils = {
                r["establishment_id"]: r["pupils"]
                for r in [*imp.report["created"], *imp.report["changed"]]
            }
            envelopes = envelope_changes_for_pupils(
                academie=academie, school_year=year, new_pupils=new_pupils
            )
            envelope_s = time.perf_counter() - start
            envelope_q = counter.reset()
            start = time.perf_counter()
            applied = pupil_count_import_apply(
                pupil_count_import=imp, actor=Scope.platform(academie.pk)
            )
            apply_s = time.perf_counter() - start
            apply_q = counter.reset()
        peak = rss_step_peak(base)
        c = applied.report["counts"]
        total = preview_s + apply_s
        print(
            f"{label:<26} aperçu {preview_s:.3f} s ({preview_q} req.), enveloppes "
            f"{envelope_s:.3f} s ({envelope_q} req., {len(envelopes.changes)} changent), "
            f"appliquer {apply_s:.3f} s ({apply_q} req.), {len(rows) / total:.0f} lignes/s, "
            f"+RSS {peak:.0f} Mo – {c['created']} ajoutés, {c['changed']} modifiés, "
            f"{c['unchanged']} inchangés, {c['other_academie']} autres académies, "
            f"{c['other_year']} autres années"
        )


if __name__ == "__main__":
    main()
