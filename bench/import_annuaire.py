"""Benchmark of the "Annuaire de l'éducation" import: preview + apply of a generated file.

    .venv/bin/python bench/import_annuaire.py [--lignes 1000]

Runs in a throw-away test database (in memory with the default SQLite settings; a `test_…`
database with DATABASE_URL), never in the development one. Builds a file in the real export's
format (72 columns, labels, BOM) of the académie de Poitiers, then measures three rounds:
a first import (everything created), the same file again (everything unchanged) and a file where
one row in ten changes (updates). Prints seconds, rows per second and SQL queries for each step,
and the peak memory: Python allocations during the step (tracemalloc) and the process's
maximum resident size so far (RSS).

The national file of every académie (about 70 000 lines) is measured with

    .venv/bin/python bench/import_annuaire.py --national

(1 000 lines of Poitiers among 69 000 of écoles, other académies, training bodies without type,
and annexes sharing an UAI).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tenancy.guard import scopes_disabled  # noqa: E402
from tenancy.scope import Scope  # noqa: E402

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


def rss_mb() -> float:
    """The process's maximum resident set size so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_kb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def rss_step_start() -> float | None:
    """Resets the peak resident size (Linux `clear_refs`) and returns the current one, in MB,
    so that a step's peak is not hidden by the building of the files before it."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return None
    current = _status_kb("VmRSS")
    return current / 1024 if current is not None else None


def rss_step_peak(start: float | None) -> float:
    """How much the resident size grew at its peak since `rss_step_start`, in MB."""
    peak = _status_kb("VmHWM")
    if start is None or peak is None:
        return float("nan")
    return max(0.0, peak / 1024 - start)


class QueryCounter:
    """Counts SQL queries without keeping their text (`CaptureQueriesContext` would keep a copy
    of the file's text stored by the preview, and weigh on the memory measured)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def reset(self) -> int:
        count, self.count = self.count, 0
        return count


counter = QueryCounter()

TRACE_MEMORY = False  # --memoire: tracemalloc slows the steps down several times


def timed(step: Callable[[], T]) -> tuple[T, float, int, float]:
    """The step's result, seconds, SQL queries and peak memory in MB: of Python allocations
    with --memoire (tracemalloc), else the growth of the resident size (RSS)."""
    gc.collect()
    if not TRACE_MEMORY:
        base = rss_step_start()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            result = step()
            elapsed = time.perf_counter() - start
        return result, elapsed, counter.reset(), rss_step_peak(base)
    tracemalloc.start()
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = step()
        elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, counter.reset(), peak / 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lignes", type=int, default=1000, help="lignes du fichier (1000)")
    parser.add_argument(
        "--autres",
        type=int,
        default=0,
        help="lignes ignorées en plus (écoles, autres académies), pour mesurer un export national",
    )
    parser.add_argument(
        "--national",
        action="store_true",
        help="fichier national : 1 000 lignes de l’académie parmi 70 000 (autres académies…)",
    )
    parser.add_argument(
        "--memoire",
        action="store_true",
        help="mesurer le pic d’allocations Python (tracemalloc ; ralentit les étapes)",
    )
    options = parser.parse_args()
    global TRACE_MEMORY
    TRACE_MEMORY = options.memoire
    if options.national:
        options.lignes, options.autres = 1000, 69_000

    # DEBUG off, as in production: Django would otherwise keep every query's text (and the
    # stored file's with it) in `connection.queries`.
    setup_test_environment(debug=False)
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # Benchmarks build their académies directly: the guard is off for the measure.
        with scopes_disabled():
            run(options.lignes, options.autres)
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


def ignored_rows(count: int) -> list[dict[str, str]]:
    """What a national export mostly holds: écoles of the académie, collèges of Bordeaux,
    training bodies without a type, and one annexe line in a hundred sharing an UAI."""
    from tests.establishments.annuaire_csv import annuaire_row, uai_for

    rows = []
    for i in range(count):
        if i % 100 == 3:
            # An annexe of a Poitiers establishment (same UAI as a row of `build_rows`).
            departement = DEPARTEMENTS[(i // 100) % len(DEPARTEMENTS)]
            rows.append(
                annuaire_row(
                    uai=uai_for(departement, (i // 100) % 250),
                    name=f"Annexe {i}",
                    departement=departement,
                    pupils="",
                )
            )
        elif i % 100 == 5:
            rows.append(
                annuaire_row(
                    uai=uai_for("017", 6000 + i // 100 % 3000),
                    name=f"Organisme de formation {i}",
                    type="",
                    departement="017",
                )
            )
        elif i % 2:
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
    size = len(rounds[0][1])
    print(
        f"Import de l’annuaire – {count} lignes de l’académie"
        f"{f' + {others} lignes ignorées' if others else ''}, base {connection.vendor}, "
        f"fichier de {size / 1_000_000:.2f} Mo (72 colonnes, "
        f"{size / (count + others):.0f} octets par ligne)"
    )
    peak = "pic Mo" if TRACE_MEMORY else "+RSS Mo"
    print(
        "pic Mo : pic des allocations Python de l’étape (tracemalloc)"
        if TRACE_MEMORY
        else "+RSS Mo : hausse de la mémoire résidente au plus haut de l’étape"
    )
    header = f"{'étape':<28}{'aperçu s':>10}{'requêtes':>10}{peak:>9}"
    header += f"{'appliquer s':>13}{'requêtes':>10}{peak:>9}"
    header += f"{'total s':>9}{'lignes/s':>10}{'RSS Mo':>8}  résultat"
    print(header)
    for label, content in rounds:
        imp, preview_s, preview_q, preview_mb = timed(
            partial(
                establishment_import_preview,
                academie=academie,
                school_year=year,
                filename="bench.csv",
                content_bytes=content,
                actor=Scope.platform(academie.pk),
            )
        )
        applied, apply_s, apply_q, apply_mb = timed(
            partial(
                establishment_import_apply,
                establishment_import=imp,
                actor=Scope.platform(academie.pk),
                only_valid_rows=False,
            )
        )
        total = preview_s + apply_s
        c = applied.report["counts"]
        summary = (
            f"{c['created']} créés, {c['updated']} mis à jour, {c['unchanged']} inchangés, "
            f"{c['ignored']} ignorés, {c['rejected']} rejetés, "
            f"{c.get('merged', 0)} fusionnés, {c['missing_pupils']} sans effectif"
        )
        print(
            f"{label:<28}{preview_s:>10.3f}{preview_q:>10}{preview_mb:>9.0f}"
            f"{apply_s:>13.3f}{apply_q:>10}{apply_mb:>9.0f}"
            f"{total:>9.3f}{(count + others) / total:>10.0f}{rss_mb():>8.0f}  {summary}"
        )
    print(
        f"Base : {Establishment.objects.count()} établissements, "
        f"{PupilCount.objects.count()} effectifs"
    )


if __name__ == "__main__":
    main()
