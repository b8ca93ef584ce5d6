"""Payroll export of the year's IMP allocations, as CSV (for Excel in French) and XLSX.

CSV: `;` separated, UTF-8 with a BOM so that Excel reads the accents, CRLF line ends, amounts
written with a decimal comma and no grouping ("1250,00"), which a French spreadsheet reads as a
number. XLSX: amounts are numeric cells with a euro format so that
they can be summed.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from indemnities.models import ServiceStatus
from indemnities.selectors_exports import ExportRow
from rupn.formatting import format_number, format_spreadsheet_amount

HEADERS = (
    "UAI",
    "Établissement",
    "Civilité",
    "Nom",
    "Prénom",
    "Courriel",
    "Montant",
    "Multiple du taux de base",
    "Service fait",
    "Date du service fait",
    "Montant dû",
)
BOM = "\ufeff"
NOT_CERTIFIED = "Non certifié"
STATUS_LABELS = {
    ServiceStatus.FULL: "Fait en totalité",
    ServiceStatus.PARTIAL: "Fait en partie",
    ServiceStatus.NONE: "Non fait",
}
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD/MM/YYYY"


def csv_amount(amount: Decimal | None) -> str:
    """1250 → "1250,00": no thousands separator, so that a French spreadsheet reads a number
    rather than text (the screen keeps "1 250,00 €")."""
    return format_spreadsheet_amount(amount)


def csv_multiple(multiple: Decimal | None) -> str:
    """0.50 → "0,5", 1.00 → "1"."""
    return "" if multiple is None else format_number(multiple, places=None)


def status_label(row: ExportRow) -> str:
    if row.status is None:
        return NOT_CERTIFIED
    label = STATUS_LABELS[ServiceStatus(row.status)]
    if row.status == ServiceStatus.PARTIAL:
        label += f" ({row.months_done}/9)"
    return label


def _certified_date(row: ExportRow) -> datetime.date | None:
    return timezone.localdate(row.certified_at) if row.certified_at else None


def render_csv(rows: Sequence[ExportRow]) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        certified = _certified_date(row)
        writer.writerow(
            (
                row.uai,
                row.establishment,
                row.civility,
                row.last_name,
                row.first_name,
                row.email,
                csv_amount(row.amount),
                csv_multiple(row.multiple),
                status_label(row),
                certified.strftime("%d/%m/%Y") if certified else "",
                csv_amount(row.amount_due),
            )
        )
    return buffer.getvalue().encode("utf-8")


def render_xlsx(rows: Sequence[ExportRow], *, title: str = "IMP") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # The row number is counted, not read from `sheet.max_row`, which scans every row each time.
    for line, row in enumerate(rows, start=2):
        sheet.append(
            [
                row.uai,
                row.establishment,
                row.civility,
                row.last_name,
                row.first_name,
                row.email,
                row.amount,
                row.multiple,
                status_label(row),
                _certified_date(row),
                row.amount_due,
            ]
        )
        sheet.cell(line, 7).number_format = EURO_FORMAT
        sheet.cell(line, 10).number_format = DATE_FORMAT
        sheet.cell(line, 11).number_format = EURO_FORMAT
    sheet.freeze_panes = "A2"
    widths = (11, 40, 9, 20, 20, 32, 13, 12, 22, 14, 13)
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
