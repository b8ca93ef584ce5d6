"""The synthesis report as a PDF, rendered with WeasyPrint from `dashboards.report.Report`.

The page follows the letters' PDF (`missions.pdf`): A4, the Marianne font loaded from the
DSFR's files, the same header; it is tagged and PDF/A-3b with the same options. Charts are
inline SVG bars drawn inside the tables that carry their figures: no JavaScript, and no number
exists only in a chart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint import CSS, HTML

from dashboards.report import TASKS_PER_TYPE, Report
from missions.pdf import PDF_OPTIONS, _font_config, _font_faces, _serialise_once
from rupn.formatting import format_date

STYLESHEET = Path(__file__).resolve().parent / "templates" / "dashboards" / "report" / "report.css"


@lru_cache(maxsize=1)
def _stylesheet() -> CSS:
    text = _font_faces() + "\n" + STYLESHEET.read_text(encoding="utf-8")
    return CSS(string=text, font_config=_font_config())


def report_context(report: Report) -> dict[str, object]:
    return {
        "report": report,
        "year": report.school_year.label,
        "previous_label": report.previous_label,
        "has_previous": report.previous_year is not None,
        "generated": format_date(report.generated_at, time=True),
        "tasks_per_type": TASKS_PER_TYPE,
    }


def render_report_html(report: Report) -> str:
    return render_to_string("dashboards/report/report.html", report_context(report))


def render_report_pdf(report: Report) -> bytes:
    document = HTML(string=render_report_html(report), base_url=str(STYLESHEET.parent)).render(
        stylesheets=[_stylesheet()], font_config=_font_config(), **PDF_OPTIONS
    )
    pdf: bytes = document.write_pdf(finisher=_serialise_once, **PDF_OPTIONS)
    return pdf


def report_file_stem(*, school_year_label: str, academie_slug: str, codes: list[str]) -> str:
    """`synthese-rupn-2025-2026-poitiers`, with the départements' codes for a coordinator's
    (`…-poitiers-16-17`)."""
    year = school_year_label.replace("–", "-").replace(" ", "")
    suffix = "".join(f"-{slugify(code)}" for code in codes)
    return f"synthese-rupn-{year}-{academie_slug}{suffix}"
