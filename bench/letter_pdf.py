"""Benchmark of the signed PDF letters: render (WeasyPrint) and seal (pyHanko) in one warm process.

    .venv/bin/python bench/letter_pdf.py [--lettres 200]

Runs in a throw-away test database and a temporary folder of sealing certificates. Issues one
letter through the services, then renders and seals it N times as the worker does, and prints
the median and 95th percentile milliseconds per letter (render, seal, both), the letters per
second, and the resident memory at the start and the end. When LibreOffice is installed
(`soffice`), the same letter's HTML is also converted by `soffice --headless --convert-to pdf`,
20 letters per process, and its per-letter time is printed beside ours.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rupn.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from tenancy.guard import scopes_disabled  # noqa: E402


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def libreoffice_per_letter(html: str, count: int = 20) -> float | None:
    """Seconds per letter for LibreOffice converting `count` copies of the HTML in one process."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for n in range(count):
            path = Path(folder) / f"lettre-{n}.html"
            path.write_text(html, encoding="utf-8")
            files.append(str(path))
        start = time.perf_counter()
        subprocess.run(  # noqa: S603 (fixed command, files of this run)
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", folder, *files],
            check=True,
            capture_output=True,
        )
        return (time.perf_counter() - start) / count


def run(count: int) -> None:
    from missions.models import LetterStatus
    from missions.pdf import render_letter_pdf
    from missions.seal import seal_pdf
    from tests.factories import POITIERS_DEPARTEMENTS, make_world
    from tests.missions.letters import advance, draft_letter, publish_template

    world = make_world(name="Poitiers", code="13", departements=POITIERS_DEPARTEMENTS)
    publish_template(world)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    # Warm up: fonts, compiled stylesheet, loaded key, as in a worker that already served.
    first = render_letter_pdf(letter)
    seal_pdf(first, academie=letter.academie, reference=letter.reference)
    start_rss = rss_mb()
    renders: list[float] = []
    seals: list[float] = []
    began = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        pdf = render_letter_pdf(letter)
        t1 = time.perf_counter()
        seal_pdf(pdf, academie=letter.academie, reference=letter.reference)
        t2 = time.perf_counter()
        renders.append(t1 - t0)
        seals.append(t2 - t1)
    elapsed = time.perf_counter() - began
    both = [r + s for r, s in zip(renders, seals, strict=True)]
    import io

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(first)).pages)
    print(f"Lettre signée en PDF – {count} rendus, {len(first) / 1024:.0f} Ko, {pages} pages")
    print(f"{'étape':<26}{'médiane ms':>12}{'p95 ms':>9}")
    for label, values in (("rendu (WeasyPrint)", renders), ("sceau (pyHanko)", seals)):
        print(
            f"{label:<26}{statistics.median(values) * 1000:>12.1f}"
            f"{percentile(values, 0.95) * 1000:>9.1f}"
        )
    print(
        f"{'rendu + sceau':<26}{statistics.median(both) * 1000:>12.1f}"
        f"{percentile(both, 0.95) * 1000:>9.1f}"
    )
    print(f"lettres par seconde : {count / elapsed:.1f}")
    print(f"mémoire résidente : {start_rss:.0f} Mo au début, {rss_mb():.0f} Mo à la fin")
    from django.template.loader import render_to_string

    from missions.selectors_letters import document_of

    html = render_to_string("missions/_letter.html", {"doc": document_of(letter)})
    office = libreoffice_per_letter(f"<!doctype html><meta charset=utf-8>{html}")
    if office is None:
        print("LibreOffice (soffice) absent : pas de comparaison.")
    else:
        print(f"LibreOffice, 20 lettres par processus : {office * 1000:.0f} ms par lettre")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lettres", type=int, default=200, help="rendus mesurés (200)")
    options = parser.parse_args()
    logging.getLogger("celery").setLevel(logging.WARNING)
    setup_test_environment()
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with (
            tempfile.TemporaryDirectory() as seals,
            tempfile.TemporaryDirectory() as media,
            override_settings(RUPN_SEAL_DIR=seals, MEDIA_ROOT=media),
            scopes_disabled(),  # the benchmark builds its académie directly
        ):
            run(options.lettres)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
