"""The list of the people registered for the training « entrer dans la fonction de RUPN », as
CSV (for Excel in French: `;` separated, UTF-8 with a BOM, CRLF line ends, like the payroll
export) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from indemnities.exports import BOM
from missions.selectors_lists import TrainingRow

HEADERS = (
    "Nom",
    "Prénom",
    "Courriel",
    "Discipline",
    "Établissement",
    "UAI",
    "Département",
    "État de la lettre",
)
WIDTHS = (20, 20, 32, 24, 40, 11, 20, 28)


# A cell starting with one of these is read as a formula by a spreadsheet (and by openpyxl):
# names and disciplines are typed by people, so such a cell is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: TrainingRow) -> list[str]:
    return [
        _text(value)
        for value in (
            row.last_name,
            row.first_name,
            row.email,
            row.discipline,
            row.establishment,
            row.uai,
            row.departement,
            row.status,
        )
    ]


def render_csv(rows: Sequence[TrainingRow]) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(_cells(row))
    return buffer.getvalue().encode("utf-8")


def render_xlsx(rows: Sequence[TrainingRow], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
