"""Exports of a campaign's results, for the DANE: one row per submitted response and one column
per question (per option of a multiple choice, per row of a grid, per task of the letters), its
codebook (what each column holds), and the aggregated table of the results page.

The table of responses is pivoted in SQL: one query groups each response's answers into its
columns (`MAX(CASE WHEN question = … THEN … END)`), whatever the number of responses; the
aggregated table is the results page's (`selectors_results.campaign_results`).

CSV: for Excel in French, `;` separated, UTF-8 with a BOM, CRLF line ends, numbers with a decimal
comma and no grouping (like the payroll export), one table a file. XLSX: the three tables, one
sheet each, numbers as numbers. Texts typed by people that a spreadsheet would read as a formula
are written as text (a leading apostrophe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    Expression,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    TextField,
    Value,
    When,
)
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from establishments.models import EstablishmentType
from indemnities.exports import BOM
from missions.exports_training import FORMULA_STARTS
from rupn.formatting import format_number
from surveys.models import Answer, Campaign, QuestionKind, SurveyResponse
from surveys.selectors_results import (
    ResultFilters,
    Results,
    campaign_results,
    survey_structure,
)
from tenancy.scope import Scope

TYPE_LABELS = dict(EstablishmentType.choices)
KIND_LABELS = dict(QuestionKind.choices)
FIXED_HEADERS = ("reponse", "uai", "etablissement", "type", "departement", "envoyee_le")
FIXED_CODEBOOK = (
    ("reponse", "Numéro de la réponse"),
    ("uai", "UAI de l’établissement pour lequel la personne a répondu"),
    ("etablissement", "Nom de l’établissement"),
    ("type", "Type d’établissement"),
    ("departement", "Code du département"),
    ("envoyee_le", "Date d’envoi de la réponse (jj/mm/aaaa)"),
)
CHECKED = "1 = cochée, 0 = non cochée (vide : question sans réponse)"
AGGREGATE_HEADERS = (
    "question",
    "libellé",
    "nature",
    "ligne ou tâche",
    "réponse",
    "effectif",
    "% des répondants à la question",
    "% de ceux à qui elle était posée",
    "répondants à la question",
    "posée à",
)


def as_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass
class Column:
    """One column of the table of responses and its line in the codebook."""

    name: str
    question_key: str
    question_label: str
    kind: str
    detail: str
    values: str
    condition: str
    expression: Expression
    # The columns of one multiple choice: 0 where the question was answered, not this option.
    group: str = ""
    numeric: bool = False


@dataclass
class ResponseTable:
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


def _label_of(question_id: int, **match: Any) -> Expression:
    return Max(
        Case(
            When(Q(answers__question_id=question_id, **match), then=F("answers__option__label")),
            output_field=CharField(),
        )
    )


def _text_of(question_id: int, **match: Any) -> Expression:
    return Max(
        Case(
            When(Q(answers__question_id=question_id, **match), then=F("answers__text")),
            output_field=TextField(),
        )
    )


def _responses(scope: Scope, campaign: Campaign, filters: ResultFilters) -> Any:
    return SurveyResponse.objects.filter(
        scope.establishments_q(via="establishment"),
        filters.q("establishment"),
        campaign=campaign,
        submitted_at__isnull=False,
    )


def response_table(
    scope: Scope, campaign: Campaign, filters: ResultFilters | None = None, *, rows: bool = True
) -> ResponseTable:
    """The submitted responses the scope and filters keep, one row each (four queries); with
    `rows=False`, the columns only (for the codebook)."""
    filters = filters or ResultFilters()
    responses = _responses(scope, campaign, filters)
    questions, choices, grid_rows = survey_structure(campaign.survey)
    task_keys: dict[int, list[tuple[str, str]]] = {}
    task_questions = [q.pk for q in questions if q.kind == QuestionKind.LETTER_TASKS]
    if task_questions:
        for row in (
            Answer.objects.filter(
                response__in=responses, question_id__in=task_questions, option__isnull=False
            )
            .values("question_id", "task_key")
            .annotate(label=Max("task_label"), first=Min("pk"))
            .order_by("first")
        ):
            task_keys.setdefault(row["question_id"], []).append((row["task_key"], row["label"]))
    columns: list[Column] = []
    for q in questions:
        options = choices.get(q.pk, [])
        parent = q.shown_if_question
        condition = (
            f"posée si « {parent.key} » ∈ {{{', '.join(q.shown_if_options)}}}" if parent else ""
        )

        def column(
            name: str, detail: str, values: str, expression: Expression, **extra: Any
        ) -> None:
            columns.append(
                Column(
                    name=name,
                    question_key=q.key,  # noqa: B023 (used at once, in this iteration)
                    question_label=q.label,  # noqa: B023
                    kind=KIND_LABELS.get(q.kind, q.kind),  # noqa: B023
                    detail=detail,
                    values=values,
                    condition=condition,  # noqa: B023
                    expression=expression,
                    **extra,
                )
            )

        labels = " ; ".join(o.label for o in options)
        if q.kind in (QuestionKind.YES_NO, QuestionKind.SINGLE, QuestionKind.SCALE):
            column(q.key, "", labels, _label_of(q.pk))
        elif q.kind == QuestionKind.MULTIPLE:
            for o in options:
                column(
                    f"{q.key}.{o.key}",
                    o.label,
                    CHECKED,
                    Max(
                        Case(
                            When(
                                Q(answers__question_id=q.pk, answers__option_id=o.pk),
                                then=Value(1),
                            ),
                            output_field=IntegerField(),
                        )
                    ),
                    group=q.key,
                    numeric=True,
                )
        elif q.kind == QuestionKind.GRID:
            for r in grid_rows.get(q.pk, []):
                column(f"{q.key}.{r.key}", r.label, labels, _label_of(q.pk, answers__row_id=r.pk))
        elif q.kind == QuestionKind.NUMBER:
            bounds = []
            if q.min_value is not None:
                bounds.append(f"minimum {format_number(q.min_value, places=None)}")
            if q.max_value is not None:
                bounds.append(f"maximum {format_number(q.max_value, places=None)}")
            column(
                q.key,
                "",
                "nombre" + (f" ({', '.join(bounds)})" if bounds else ""),
                Max(
                    Case(
                        When(answers__question_id=q.pk, then=F("answers__number")),
                        output_field=DecimalField(max_digits=12, decimal_places=2),
                    )
                ),
                numeric=True,
            )
        elif q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            column(q.key, "", "texte libre", _text_of(q.pk))
        elif q.kind == QuestionKind.LETTER_TASKS:
            for n, (task_key, task_label) in enumerate(task_keys.get(q.pk, []), start=1):
                column(
                    f"{q.key}.{n}.etat",
                    f"{task_label} (tâche {task_key})",
                    labels,
                    _label_of(q.pk, answers__task_key=task_key),
                )
                column(
                    f"{q.key}.{n}.commentaire",
                    f"{task_label} (tâche {task_key}) : commentaire",
                    "texte libre",
                    _text_of(q.pk, answers__task_key=task_key),
                )
        for o in options:
            if o.is_other and q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                column(
                    f"{q.key}.{o.key}.precision",
                    f"{o.label} : précision",
                    "texte libre",
                    _text_of(q.pk, answers__option_id=o.pk),
                )
    table = ResponseTable(columns=columns)
    if not rows:
        return table
    aliases = {f"c{n}": c.expression for n, c in enumerate(columns)}
    groups: dict[str, list[int]] = {}
    for n, c in enumerate(columns):
        if c.group:
            groups.setdefault(c.group, []).append(n)
    fixed = (
        "pk",
        "establishment__uai",
        "establishment__name",
        "establishment__type",
        "establishment__departement__code",
        "submitted_at",
    )
    query = (
        responses.values(*fixed)
        .annotate(**aliases)
        .values_list(*fixed, *aliases)
        .order_by("submitted_at", "pk")
    )
    width = len(fixed)
    for row in query.iterator(chunk_size=500):
        values = list(row[width:])
        for indexes in groups.values():
            if any(values[i] is not None for i in indexes):
                for i in indexes:
                    if values[i] is None:
                        values[i] = 0
        pk, uai, name, type_, departement, submitted_at = row[:width]
        table.rows.append(
            [
                pk,
                uai,
                name,
                TYPE_LABELS.get(type_, ""),
                departement,
                timezone.localdate(submitted_at),
                *values,
            ]
        )
    return table


def codebook_rows(table: ResponseTable) -> list[list[str]]:
    rows = [[name, "", description, "", "", "", ""] for name, description in FIXED_CODEBOOK]
    for c in table.columns:
        rows.append(
            [c.name, c.question_key, c.question_label, c.kind, c.detail, c.values, c.condition]
        )
    return rows


CODEBOOK_HEADERS = ("colonne", "question", "libellé", "nature", "précision", "valeurs", "condition")


def aggregate_rows(results: Results) -> list[list[Any]]:
    """The results page as a table: one line per option (per row × option for a grid, per task
    × status for the letters' tasks), numbers' mean and bounds, the count of texts."""
    rows: list[list[Any]] = []
    for r in results.questions:
        q = r.question
        shown = r.shown if q.shown_if_question_id else None
        base = [q.key, q.label, KIND_LABELS.get(q.kind, q.kind)]
        if r.rows:
            for grid_row in r.rows:
                for column, cell in zip(r.columns, grid_row.cells, strict=True):
                    rows.append(
                        [
                            *base,
                            grid_row.row.label,
                            column.label,
                            cell.count,
                            cell.percent,
                            cell.percent_shown,
                            grid_row.answered,
                            shown,
                        ]
                    )
        elif r.tasks is not None:
            table = r.tasks
            for task in [*table.tasks, *([table.total] if table.total else [])]:
                for status, share in zip(table.statuses, task.statuses, strict=True):
                    rows.append(
                        [
                            *base,
                            task.label,
                            status.label,
                            share.count,
                            share.percent,
                            None,
                            task.answered,
                            shown,
                        ]
                    )
                for (_, type_label), share in zip(table.types, task.done_by_type, strict=True):
                    rows.append(
                        [
                            *base,
                            task.label,
                            f"Faite — {type_label}",
                            share.count,
                            share.percent,
                            None,
                            None,
                            shown,
                        ]
                    )
        elif r.number is not None:
            number = r.number
            for label, value in (
                ("moyenne", number.mean),
                ("minimum", number.low),
                ("maximum", number.high),
            ):
                rows.append([*base, "", label, value, None, None, r.answered, shown])
        elif r.options:
            for o in r.options:
                rows.append(
                    [
                        *base,
                        "",
                        o.option.label,
                        o.share.count,
                        o.share.percent,
                        o.share.percent_shown,
                        r.answered,
                        shown,
                    ]
                )
        else:
            rows.append(
                [*base, "", "réponses écrites", r.texts_total, None, None, r.answered, shown]
            )
    return rows


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_number(value, places=None, separator="")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return as_text(str(value))


def render_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def response_headers(table: ResponseTable) -> list[str]:
    return [*FIXED_HEADERS, *(c.name for c in table.columns)]


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return as_text(value)
    return value


def render_xlsx(table: ResponseTable, results: Results, *, title: str) -> bytes:
    """The three tables, one sheet each (write-only: rows are streamed to the file)."""
    workbook = Workbook(write_only=True)

    def sheet(name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        ws = workbook.create_sheet(name[:31])
        ws.freeze_panes = "A2"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])

    sheet("Réponses", response_headers(table), table.rows)
    sheet("Dictionnaire", CODEBOOK_HEADERS, codebook_rows(table))
    sheet("Agrégats", AGGREGATE_HEADERS, aggregate_rows(results))
    info = workbook.create_sheet("Enquête")
    info.append(["Enquête", title])
    info.append(["Réponses envoyées", len(table.rows)])
    info.append(["Exporté le", timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_content(
    scope: Scope,
    campaign: Campaign,
    filters: ResultFilters,
    *,
    format: str,
    tableau: str = "reponses",
) -> bytes:
    """The file asked for: XLSX (every table) or the CSV of one table."""
    if format == "xlsx":
        return render_xlsx(
            response_table(scope, campaign, filters),
            campaign_results(scope, campaign, filters),
            title=str(campaign.survey),
        )
    if tableau == "agregats":
        return render_csv(
            AGGREGATE_HEADERS, aggregate_rows(campaign_results(scope, campaign, filters))
        )
    if tableau == "dictionnaire":
        columns = response_table(scope, campaign, filters, rows=False)
        return render_csv(CODEBOOK_HEADERS, codebook_rows(columns))
    table = response_table(scope, campaign, filters)
    return render_csv(response_headers(table), table.rows)
