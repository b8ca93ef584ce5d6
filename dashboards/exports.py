"""Exports of the dashboards' tables: each table of the overview (its breakdowns, the charts'
data tables, the national table) and the "who still has to act" lists, in CSV and XLSX.

Like the project's other exports (`indemnities.exports`, `surveys.exports`): CSV for Excel in
French, `;` separated, UTF-8 with a BOM, CRLF line ends, numbers with a decimal comma and no
grouping; XLSX with numbers as numbers (amounts in euros with a euro format, shares in percent
with one decimal). Headers in French; texts typed by people that a spreadsheet would read as a
formula are written as text (a leading apostrophe).

An overview table is written as the page shows it: each figure of the year, the previous year's
and the difference, one column each.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dashboards.models import ReminderKind
from dashboards.overview import Table
from dashboards.selectors_to_act import (
    LETTER_STATUSES,
    SURVEY_AUDIENCES,
    ListCount,
    ToActRow,
)
from indemnities.exports import BOM, EURO_FORMAT
from missions.exports_training import FORMULA_STARTS
from rupn.formatting import format_number

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PERCENT_FORMAT = "0.0"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


@dataclass(frozen=True)
class Sheet:
    """A table as a file holds it: headers, rows of plain values and each column's kind
    ("text", "count", "percent", "euros" or "datetime")."""

    title: str
    headers: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _unit(kind: str) -> str:
    return {"percent": " (%)", "euros": " (€)"}.get(kind, "")


def overview_sheet(table: Table, *, year: str, previous: str) -> Sheet:
    """An overview table, its total last; with the previous year and the difference when the
    page shows them."""
    kinds = [f.kind for f in table.total.figures] or ["count"] * len(table.columns)
    headers: list[str] = [table.first]
    column_kinds: list[str] = ["text"]
    for column, kind in zip(table.columns, kinds, strict=True):
        if table.compare:
            difference_unit = " (points)" if kind == "percent" else _unit(kind)
            headers += [
                f"{column.label}{_unit(kind)} {year}",
                f"{column.label}{_unit(kind)} {previous}",
                f"{column.label} : écart{difference_unit}",
            ]
            column_kinds += [kind, kind, kind]
        else:
            headers.append(f"{column.label}{_unit(kind)}")
            column_kinds.append(kind)
    lines = [*table.lines, table.total] if table.compare else list(table.lines)
    rows = []
    for line in lines:
        row: list[Any] = [line.label]
        for figure in line.figures:
            if table.compare:
                row += [figure.value, figure.previous, figure.difference]
            else:
                row.append(figure.value)
        rows.append(tuple(row))
    return Sheet(table.caption, tuple(headers), tuple(column_kinds), tuple(rows))


def counts_sheet(counts: Sequence[ListCount], *, year: str) -> Sheet:
    return Sheet(
        f"Ce qu’il reste à faire – {year}",
        ("Liste", "Lignes"),
        ("text", "count"),
        tuple((c.label, c.count) for c in counts),
    )


def _reminded(row: ToActRow) -> datetime.datetime | None:
    if row.last_reminded_at is None:
        return None
    # Local time, to the minute as the page shows it (a spreadsheet knows no time zone).
    return timezone.localtime(row.last_reminded_at).replace(tzinfo=None, second=0, microsecond=0)


def to_act_sheet(kind: ReminderKind, rows: Sequence[ToActRow], *, year: str) -> Sheet:
    """A list of who still has to act, every row (not one page), as the page's table shows it."""
    where = ("Établissement", "UAI", "Département")
    tail = ("Qui doit agir", "Dernière relance")
    if kind is ReminderKind.NO_REFERENT:
        headers: tuple[str, ...] = ("Établissement", "UAI", "Type", "Département", *tail)
        kinds: tuple[str, ...] = ("text", "text", "text", "text", "text", "datetime")
    elif kind in LETTER_STATUSES:
        headers = ("Référent", "Lettre", "État", *where, *tail)
        kinds = ("text",) * 7 + ("datetime",)
    elif kind in SURVEY_AUDIENCES:
        headers = ("Personne invitée", "Enquête", *where, *tail)
        kinds = ("text",) * 6 + ("datetime",)
    else:
        headers = ("Référent", "Montant de l’IMP (€)", *where, *tail)
        kinds = ("text", "euros", "text", "text", "text", "text", "datetime")
    values = []
    for row in rows:
        e, thing = row.establishment, row.thing
        place = (e.name, e.uai, e.departement.name)
        people = row.people_names or "Personne en fonction pour agir"
        if kind is ReminderKind.NO_REFERENT:
            cells: tuple[Any, ...] = (
                e.name,
                e.uai,
                e.get_type_display(),
                e.departement.name,
            )
        elif kind in LETTER_STATUSES:
            cells = (row.title, thing.reference, thing.get_status_display(), *place)
        elif kind in SURVEY_AUDIENCES:
            cells = (row.title, thing.campaign.survey.title, *place)
        else:
            cells = (row.title, thing.amount, *place)
        values.append((*cells, people, _reminded(row)))
    return Sheet(f"{kind.label} – {year}", headers, kinds, tuple(values))


# --- Files ------------------------------------------------------------------------------------


def _as_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        places = {"euros": 2, "percent": 1}.get(kind)
        return format_number(Decimal(value), places=places, separator="")
    return _as_text(str(value))


def render_csv(sheet: Sheet) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow([_csv_value(v, k) for v, k in zip(row, sheet.kinds, strict=True)])
    return buffer.getvalue().encode("utf-8")


NUMBER_FORMATS = {"euros": EURO_FORMAT, "percent": PERCENT_FORMAT, "datetime": DATETIME_FORMAT}
FORBIDDEN_IN_SHEET_TITLES = str.maketrans({c: " " for c in "[]:*?/\\"})


def render_xlsx(sheet: Sheet) -> bytes:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet.title.translate(FORBIDDEN_IN_SHEET_TITLES)[:31])
    ws.freeze_panes = "A2"
    header_cells = []
    for header in sheet.headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    for row in sheet.rows:
        cells = []
        for value, kind in zip(row, sheet.kinds, strict=True):
            cell = WriteOnlyCell(ws, value=_as_text(value) if isinstance(value, str) else value)
            if kind in NUMBER_FORMATS and value is not None:
                cell.number_format = NUMBER_FORMATS[kind]
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(sheet: Sheet, file_format: str) -> bytes:
    return render_xlsx(sheet) if file_format == "xlsx" else render_csv(sheet)
