"""The overview's charts, drawn by the DSFR Chart components (`static/vendor/dsfr-chart/`):
coverage and signed letters by département (by académie in the national view), the IMP budget
(envelopes, allocated, certified) and the response rates of the surveys over the years.

Each chart comes with its data table (shown whether or not the chart is drawn, and exported
like the others) and a sentence that says what it shows: no number exists only in a chart.
The figures are those of the overview and of `history.response_history`: no query here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboards.history import YearResponses
from dashboards.overview import (
    SURVEY_COLUMNS,
    SURVEY_TABLE_COLUMNS,
    Figure,
    Line,
    Overview,
    Table,
)
from rupn.formatting import format_euros, format_number

Value = int | Decimal | None
Format = Callable[[Any], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Chart:
    key: str
    kind: str  # "bar" or "line": the element `<bar-chart>` or `<line-chart>`
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str  # shown in the chart's tooltip
    summary: str  # the text alternative, shown above the chart
    table: Table

    @property
    def x_json(self) -> str:
        return json.dumps([list(self.labels)] * (len(self.series) if self.kind == "line" else 1))

    @property
    def y_json(self) -> str:
        # Decimals written as they are ("52.6"), never through a float; None: no point.
        return (
            "["
            + ", ".join(
                "[" + ", ".join("null" if v is None else str(v) for v in s.values) + "]"
                for s in self.series
            )
            + "]"
        )

    @property
    def names_json(self) -> str:
        return json.dumps([s.name for s in self.series], ensure_ascii=False)


def _column(table: Table, key: str) -> int:
    return [c.key for c in table.columns].index(key)


def _table_of(table: Table, key: str, caption: str, columns: Sequence[tuple[Table, str]]) -> Table:
    """A table made of some columns of the overview's tables (same lines, same order)."""
    picked = [(source, _column(source, column_key)) for source, column_key in columns]

    def line_of(index: int | None) -> Line:
        figures = tuple(
            (source.total if index is None else source.lines[index]).figures[at]
            for source, at in picked
        )
        label = "Total" if index is None else table.lines[index].label
        return Line(label, figures, is_total=index is None)

    return Table(
        caption=caption,
        first=table.first,
        columns=tuple(source.columns[at] for source, at in picked),
        lines=tuple(line_of(i) for i in range(len(table.lines))),
        total=line_of(None),
        key=key,
    )


def _percent(value: Value) -> str:
    return "sans objet" if value is None else format_number(Decimal(value), places=1) + "\u00a0%"


def _extremes(labels: Sequence[str], values: Sequence[Value], fmt: Format) -> str:
    known = [(v, label) for label, v in zip(labels, values, strict=True) if v is not None]
    if len({v for v, _label in known}) < 2:  # one value, or all alike: no highest nor lowest
        return ""
    highest = max(known, key=lambda x: x[0])
    lowest = min(known, key=lambda x: x[0])
    return (
        f" (le plus élevé : {highest[1]}, {fmt(highest[0])} ;"
        f" le plus bas : {lowest[1]}, {fmt(lowest[0])})"
    )


def _bar_summary(what: str, area: str, table: Table, fmt: Format) -> str:
    labels = [line.label for line in table.lines]
    parts = []
    for at, column in enumerate(table.columns):
        values = [line.figures[at].value for line in table.lines]
        total = table.total.figures[at].value
        parts.append(
            f"{column.label} : {fmt(total)} pour l’ensemble" + _extremes(labels, values, fmt)
        )
    return (
        f"Diagramme en barres, {what}, une barre par {area.lower()} et par série. "
        + " ; ".join(parts)
        + ". Le détail est dans le tableau qui suit."
    )


def coverage_chart(overview: Overview) -> Chart:
    coverage, letters = overview.sections[0].tables[0], overview.sections[1].tables[0]
    year, area = overview.school_year.label, overview.area_label
    table = _table_of(
        coverage,
        f"graphique-couverture-{coverage.key.rsplit('-', 1)[-1]}",
        f"Couverture et part des lettres signées {year} par {area.lower()}",
        [(coverage, "coverage"), (letters, "signed_share")],
    )
    title = f"Couverture et lettres signées par {area.lower()}"
    return Chart(
        key=table.key,
        kind="bar",
        title=title,
        labels=tuple(line.label for line in table.lines),
        series=(
            Series("Couverture (%)", tuple(line.figures[0].value for line in table.lines)),
            Series(
                "Part des lettres signées (%)", tuple(line.figures[1].value for line in table.lines)
            ),
        ),
        unit="%",
        summary=_bar_summary(
            f"couverture et lettres signées par {area.lower()}", area, table, _percent
        ),
        table=table,
    )


def budget_chart(overview: Overview) -> Chart:
    imp = overview.sections[2].tables[0]
    year, area = overview.school_year.label, overview.area_label
    table = _table_of(
        imp,
        f"graphique-imp-{imp.key.rsplit('-', 1)[-1]}",
        f"Budget IMP {year} par {area.lower()} : enveloppes, attribué, certifié",
        [(imp, "envelope"), (imp, "allocated"), (imp, "certified")],
    )
    title = f"Budget IMP par {area.lower()}"
    return Chart(
        key=table.key,
        kind="bar",
        title=title,
        labels=tuple(line.label for line in table.lines),
        series=tuple(
            Series(f"{column.label} (€)", tuple(line.figures[at].value for line in table.lines))
            for at, column in enumerate(table.columns)
        ),
        unit="€",
        summary=_bar_summary(
            f"budget IMP par {area.lower()} (enveloppes, attribué, service fait certifié)",
            area,
            table,
            format_euros,
        ),
        table=table,
    )


def history_table(history: Sequence[YearResponses], *, up_to: str) -> Table:
    def figures(year: YearResponses) -> tuple[Figure, ...]:
        out: list[Figure] = []
        for audience, _label in SURVEY_COLUMNS:
            counts = year.of(audience)
            out += [
                Figure(counts.invited, None),
                Figure(counts.submitted, None),
                Figure(counts.rate, None, "percent"),
            ]
        return tuple(out)

    lines = tuple(Line(year.school_year.label, figures(year)) for year in history)
    return Table(
        caption=f"Taux de réponse par année scolaire, jusqu’à {up_to}",
        first="Année scolaire",
        columns=SURVEY_TABLE_COLUMNS,
        lines=lines,
        # The last year's line again: the table's rows are years, not parts of a whole.
        total=lines[-1] if lines else Line("—", ()),
        key="historique-reponses",
        compare=False,
    )


def history_chart(history: Sequence[YearResponses], *, up_to: str) -> Chart:
    table = history_table(history, up_to=up_to)
    labels = tuple(year.school_year.label for year in history)
    series = tuple(
        Series(f"{label} : taux de réponse (%)", tuple(y.of(audience).rate for y in history))
        for audience, label in SURVEY_COLUMNS
    )
    described = []
    for s, (_audience, audience_label) in zip(series, SURVEY_COLUMNS, strict=True):
        points = [f"{_percent(v)} en {label}" for label, v in zip(labels, s.values, strict=True)]
        described.append(f"{audience_label}, " + ", ".join(points))
    any_missing = any(v is None for s in series for v in s.values)
    summary = (
        "Courbes des taux de réponse par année scolaire, "
        + (f"de {labels[0]} à {labels[-1]}" if labels else "sans année")
        + ". "
        + " ; ".join(described)
        + (" (sans objet : aucune personne invitée)" if any_missing else "")
        + ". Le détail est dans le tableau qui suit."
    )
    return Chart(
        key=table.key,
        kind="line",
        title="Taux de réponse au fil des années",
        labels=labels,
        series=series,
        unit="%",
        summary=summary,
        table=table,
    )


def overview_charts(overview: Overview, history: Sequence[YearResponses]) -> tuple[Chart, ...]:
    return (
        coverage_chart(overview),
        budget_chart(overview),
        history_chart(history, up_to=overview.school_year.label),
    )
