"""The figures of the annual synthesis report, for a school year beside the previous one, over
what the requester sees (the whole académie, or a coordinator's départements): coverage,
letters, the tasks most often given by type of establishment, how often the tasks of the
letters were done, response rates, the per-question results of the bilan and of the
principals' survey, excerpts of their free texts.

Everything is read through the selectors of the other apps and the overview (`overview_for`,
`campaign_results`, `letters_visible_to`), with the requester's scope; every figure is an SQL
aggregate. The query count depends on neither the number of rows nor of questions
(`REPORT_QUERIES`, asserted in the tests at two sizes).

Shares are `Decimal` percentages rounded half up to one decimal (`dashboards.overview.share`);
a difference of shares is between the rounded shares, in points. The PDF
(`dashboards.report_pdf`) and the editable document (`dashboards.report_docx`) lay out the same
`Report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from dashboards.overview import Figure, Filters, Overview, Table, overview_for, share
from establishments.access import departements_visible_to
from establishments.models import Academie, EstablishmentType, SchoolYear
from missions.models import SIGNED_STATUSES, Letter
from missions.selectors_letters import letters_visible_to
from rupn.formatting import format_number, of
from surveys.models import Audience, Campaign, QuestionKind
from surveys.selectors_results import (
    QuestionResult,
    Results,
    campaign_results,
    campaigns_visible_to,
)
from tenancy.scope import Scope

# Bounds: what a printed synthesis can hold.
TASKS_PER_TYPE = 8
EXCERPTS_PER_QUESTION = 6
EXCERPT_LENGTH = 400
OWN_TASKS = "Tâches propres à l’établissement"
TYPE_LABELS = dict(EstablishmentType.choices)
AUDIENCE_TITLES = {
    Audience.RUPN: "Le bilan des référents",
    Audience.PRINCIPALS: "L’enquête des chefs d’établissement",
}
RATE_LABELS = {
    f"{audience.value}_{part}": label
    for audience in (Audience.RUPN, Audience.PRINCIPALS)
    for part, label in (
        ("invited", "Invités"),
        ("submitted", "Réponses envoyées"),
        ("rate", "Taux de réponse"),
    )
}
RATE_GROUPS = (("Bilan des référents", 3), ("Enquête des chefs d’établissement", 3))
TEXT_KINDS = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Measure(Figure):
    """A figure that is a decimal number (a mean): two places at most, French comma."""

    def _format(self, value: int | Decimal | None, *, signed: bool = False) -> str:
        if value is None:
            return "—"
        sign = "+" if signed and value > 0 else ""
        return sign + format_number(Decimal(value), places=None)


def _no_progress(percent: int, step: str) -> None:
    return None


# --- What the report shows -------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFigure:
    label: str
    figure: Figure


@dataclass(frozen=True)
class ReportTable:
    """A table of figures: a first column of labels, figures beside last year's."""

    caption: str
    first: str
    columns: tuple[str, ...]
    lines: tuple[tuple[str, tuple[Figure, ...]], ...]
    total: tuple[str, tuple[Figure, ...]] | None = None
    # Headers over consecutive columns (label, number of columns), when the columns go by
    # groups; `columns` then holds the short labels under them.
    groups: tuple[tuple[str, int], ...] = ()

    @property
    def full_columns(self) -> tuple[str, ...]:
        """Each column's label with its group's, for a layout of one header row."""
        if not self.groups:
            return self.columns
        prefixes = [label for label, span in self.groups for _ in range(span)]
        return tuple(f"{g} : {c}" for g, c in zip(prefixes, self.columns, strict=False))


@dataclass(frozen=True)
class TaskLine:
    label: str
    letters: Figure  # letters of the type giving the task
    share: Figure  # of the type's signed letters


@dataclass(frozen=True)
class TypeTasks:
    type_label: str
    letters: Figure  # signed letters of the type
    tasks: tuple[TaskLine, ...]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: an option and its share, with last year's."""

    label: str
    count: int
    share: Figure


@dataclass(frozen=True)
class GridLine:
    label: str
    answered: int
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class Excerpt:
    text: str
    establishment_type: str


@dataclass(frozen=True)
class QuestionBlock:
    number: int
    label: str
    kind: str
    answered: Figure
    condition: str = ""
    bars: tuple[Bar, ...] = ()
    multiple: bool = False
    columns: tuple[str, ...] = ()
    grid: tuple[GridLine, ...] = ()
    number_figures: tuple[KeyFigure, ...] = ()


@dataclass(frozen=True)
class TextBlock:
    label: str
    total: int
    excerpts: tuple[Excerpt, ...]


@dataclass(frozen=True)
class TasksDone:
    """The bilan's « tâches de ma lettre » question: each status's share of the answers, for
    all the tasks and for each of the most answered tasks; « faite » by type."""

    statuses: tuple[str, ...]
    total: tuple[Figure, ...]
    answered: Figure
    tasks: tuple[tuple[str, int, tuple[Figure, ...]], ...]
    done_by_type: tuple[tuple[str, Figure], ...]

    @property
    def rows(self) -> list[tuple[str, Figure]]:
        return list(zip(self.statuses, self.total, strict=False))


@dataclass(frozen=True)
class SurveyPart:
    audience: str
    title: str
    survey_title: str
    invited: Figure
    submitted: Figure
    rate: Figure
    questions: tuple[QuestionBlock, ...]
    texts: tuple[TextBlock, ...]
    has_campaign: bool


@dataclass(frozen=True)
class Report:
    academie: Academie
    school_year: SchoolYear
    previous_year: SchoolYear | None
    perimeter: str  # "Académie de Poitiers" or "Départements : 16 – Charente"
    whole_academie: bool
    generated_at: Any
    key_figures: tuple[KeyFigure, ...]
    coverage: tuple[ReportTable, ...]
    letters: tuple[ReportTable, ...]
    tasks_by_type: tuple[TypeTasks, ...]
    tasks_done: TasksDone | None
    rates: tuple[ReportTable, ...]
    surveys: tuple[SurveyPart, ...]
    with_letter: Figure
    with_letter_share: Figure
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_texts(self) -> bool:
        return any(part.texts for part in self.surveys)

    @property
    def previous_label(self) -> str:
        return self.previous_year.label if self.previous_year else "année précédente"

    @property
    def title(self) -> str:
        return (
            "Synthèse annuelle des référents pour les usages pédagogiques du numérique "
            + self.school_year.label
        )


# --- From the overview ------------------------------------------------------------------------


def _table_with(overview: Overview, key: str, which: int) -> Table | None:
    """The overview's table (by area: 0, by type: 1) whose columns include `key`."""
    for section in overview.sections:
        if section.tables and any(c.key == key for c in section.tables[0].columns):
            return section.tables[which] if len(section.tables) > which else None
    return None


def _by_key(table: Table | None, figures: tuple[Figure, ...]) -> dict[str, Figure]:
    if table is None:
        return {}
    return {c.key: f for c, f in zip(table.columns, figures, strict=False)}


def _pick(
    table: Table | None,
    keys: tuple[str, ...],
    caption: str,
    *,
    short: dict[str, str] | None = None,
    groups: tuple[tuple[str, int], ...] = (),
) -> ReportTable | None:
    if table is None:
        return None
    labels = {c.key: (short or {}).get(c.key, c.label) for c in table.columns}
    keys = tuple(k for k in keys if k in labels)

    def chosen(figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
        by_key = _by_key(table, figures)
        return tuple(by_key[k] for k in keys)

    return ReportTable(
        caption=caption,
        first=table.first,
        columns=tuple(labels[k] for k in keys),
        lines=tuple((line.label, chosen(line.figures)) for line in table.lines),
        total=(table.total.label, chosen(table.total.figures)),
        groups=groups if len(keys) == sum(span for _, span in groups) else (),
    )


def _tables(*tables: ReportTable | None) -> tuple[ReportTable, ...]:
    return tuple(t for t in tables if t is not None)


# --- The tasks written in the letters -----------------------------------------------------------


def signed_letters(scope: Scope, years: list[SchoolYear]) -> QuerySet[Letter]:
    """The letters of `years` holding their signatures, the latest of each chain: an amendment
    signed replaces the letter it amends."""
    return (
        letters_visible_to(scope)
        .filter(school_year__in=years, status__in=SIGNED_STATUSES)
        .exclude(amended_by__status__in=list(SIGNED_STATUSES))
    )


def _tasks_sql(letters: QuerySet[Letter]) -> tuple[str, list[Any]]:
    """Per (year, type, task key): the letters giving the task, and its label; the tasks
    written by the establishment itself fold into one key "". One statement over the JSON of
    the letters' content (`missions.content`), in the database's own JSON functions."""
    inner, params = (
        letters.order_by()
        .annotate(etype=F("establishment__type"))
        .values("id", "school_year_id", "etype", "content")
        .query.sql_with_params()
    )
    if connection.vendor == "postgresql":
        tasks = (
            "jsonb_array_elements(CASE WHEN jsonb_typeof(l.content->'tasks') = 'array' "
            "THEN l.content->'tasks' ELSE '[]'::jsonb END) t"
        )
        key = (
            "CASE WHEN COALESCE((t.value->>'own')::boolean, false) THEN '' ELSE t.value->>'key' END"
        )
        label = "t.value->>'label'"
        source = f"({inner}) l CROSS JOIN LATERAL {tasks}"
    else:
        key = (
            "CASE WHEN COALESCE(json_extract(t.value, '$.own'), 0) THEN '' "
            "ELSE json_extract(t.value, '$.key') END"
        )
        label = "json_extract(t.value, '$.label')"
        source = f"({inner}) l, json_each(l.content, '$.tasks') t"
    # Only fixed text and the subquery's placeholders go into the statement.
    sql = f"""
        SELECT l.school_year_id, l.etype, {key} AS task_key, MIN({label}), COUNT(DISTINCT l.id)
        FROM {source}
        GROUP BY l.school_year_id, l.etype, {key}
    """  # noqa: S608
    return sql, list(params)


def _tasks_by_type(
    scope: Scope, year: SchoolYear, previous: SchoolYear | None
) -> tuple[tuple[TypeTasks, ...], dict[int, int], dict[int, int]]:
    """The tasks most often given per type, and per year the signed letters and the distinct
    referents holding one (three queries)."""
    years = [year] + ([previous] if previous else [])
    letters = signed_letters(scope, years)
    per_type: dict[tuple[int, str], int] = {
        (row["school_year_id"], row["establishment__type"]): row["n"]
        for row in letters.order_by()
        .values("school_year_id", "establishment__type")
        .annotate(n=Count("pk"))
    }
    referents: dict[int, int] = {
        row["school_year_id"]: row["n"]
        for row in letters.order_by()
        .values("school_year_id")
        .annotate(n=Count("referent_id", distinct=True))
    }
    sql, params = _tasks_sql(letters)
    counts: dict[tuple[int, str, str], int] = {}
    labels: dict[str, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for year_id, type_, key, label, n in cursor.fetchall():
            counts[(year_id, type_, key or "")] = n
            if year_id == year.pk or (key or "") not in labels:
                labels[key or ""] = OWN_TASKS if not key else capitalised(str(label or key))
    previous_id = previous.pk if previous else -1
    blocks = []
    for type_ in EstablishmentType:
        total = per_type.get((year.pk, type_.value), 0)
        before = per_type.get((previous_id, type_.value), 0)
        if not total and not before:
            continue
        keys = {k for (y, t, k) in counts if y == year.pk and t == type_.value}
        ranked = sorted(
            keys, key=lambda k: (k == "", -counts[(year.pk, type_.value, k)], labels[k])
        )
        top = [k for k in ranked if k][:TASKS_PER_TYPE] + [k for k in ranked if not k]
        blocks.append(
            TypeTasks(
                type_label=type_.label,
                letters=Figure(total, before),
                tasks=tuple(
                    TaskLine(
                        label=labels[k],
                        letters=Figure(
                            counts.get((year.pk, type_.value, k), 0),
                            counts.get((previous_id, type_.value, k), 0),
                        ),
                        share=Figure(
                            share(counts.get((year.pk, type_.value, k), 0), total),
                            share(counts.get((previous_id, type_.value, k), 0), before),
                            "percent",
                        ),
                    )
                    for k in top
                ),
            )
        )
    return tuple(blocks), {y: n for (y, _), n in _sum_by_year(per_type).items()}, referents


def _sum_by_year(per_type: dict[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    sums: dict[tuple[int, str], int] = {}
    for (year_id, _), n in per_type.items():
        sums[(year_id, "")] = sums.get((year_id, ""), 0) + n
    return sums


# --- The surveys --------------------------------------------------------------------------------


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def capitalised(text: str) -> str:
    """A task as a line of a table: « accompagne les enseignants » → « Accompagne … »."""
    return text[:1].upper() + text[1:]


def excerpt(text: str) -> str:
    """A free text as the report quotes it: no email address or phone number, one paragraph,
    cut at `EXCERPT_LENGTH` characters."""
    clean = _PHONE.sub("[téléphone]", _EMAIL.sub("[adresse]", text))
    clean = " ".join(clean.split())
    if len(clean) > EXCERPT_LENGTH:
        clean = clean[: EXCERPT_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return clean


def _previous_shares(results: Results | None) -> dict[tuple[str, str, str], Decimal | None]:
    """Last year's shares by (question key, row key, option key), to match this year's."""
    shares: dict[tuple[str, str, str], Decimal | None] = {}
    if results is None:
        return shares
    for q in results.questions:
        for o in q.options:
            shares[(q.question.key, "", o.option.key)] = o.share.percent
        for row in q.rows:
            for column, cell in zip(q.columns, row.cells, strict=False):
                shares[(q.question.key, row.row.key, column.key)] = cell.percent
        if q.number is not None:
            shares[(q.question.key, "", "#mean")] = q.number.mean
        shares[(q.question.key, "", "#answered")] = Decimal(q.answered)
    return shares


def _excerpts(q: QuestionResult) -> tuple[Excerpt, ...]:
    """The first answers of a text question, each quoted once."""
    quoted: dict[str, Excerpt] = {}
    for t in q.texts:
        text = excerpt(t.text)
        if text and text not in quoted:
            quoted[text] = Excerpt(text, t.establishment_type or "établissement")
        if len(quoted) == EXCERPTS_PER_QUESTION:
            break
    return tuple(quoted.values())


def _question_block(
    number: int, q: QuestionResult, before: dict[tuple[str, str, str], Decimal | None]
) -> QuestionBlock:
    key = q.question.key
    previous_answered = before.get((key, "", "#answered"))
    answered = Figure(q.answered, int(previous_answered) if previous_answered is not None else None)
    common: dict[str, Any] = {
        "number": number,
        "label": q.question.label,
        "kind": q.kind,
        "answered": answered,
        "condition": q.condition,
    }
    if q.kind == QuestionKind.GRID:
        return QuestionBlock(
            **common,
            columns=tuple(c.label for c in q.columns),
            grid=tuple(
                GridLine(
                    label=row.row.label,
                    answered=row.answered,
                    cells=tuple(
                        Figure(cell.percent, before.get((key, row.row.key, column.key)), "percent")
                        for column, cell in zip(q.columns, row.cells, strict=False)
                    ),
                )
                for row in q.rows
            ),
        )
    if q.kind == QuestionKind.NUMBER and q.number is not None:
        return QuestionBlock(
            **common,
            number_figures=(
                KeyFigure("Moyenne", Measure(q.number.mean, before.get((key, "", "#mean")))),
                KeyFigure("Plus petite réponse", Measure(q.number.low, None)),
                KeyFigure("Plus grande réponse", Measure(q.number.high, None)),
            ),
        )
    return QuestionBlock(
        **common,
        multiple=q.kind == QuestionKind.MULTIPLE,
        bars=tuple(
            Bar(
                label=o.option.label,
                count=o.share.count,
                share=Figure(o.share.percent, before.get((key, "", o.option.key)), "percent"),
            )
            for o in q.options
        ),
    )


def _tasks_done(results: Results | None, previous: Results | None) -> TasksDone | None:
    def table(res: Results | None) -> Any:
        if res is None:
            return None
        return next(
            (q.tasks for q in res.questions if q.kind == QuestionKind.LETTER_TASKS and q.tasks),
            None,
        )

    now, before = table(results), table(previous)
    if now is None or now.total is None:
        return None
    before_total = before.total if before is not None else None
    before_shares: dict[str, Decimal | None] = {}
    if before_total is not None and before is not None:
        before_shares = {
            s.key: share_.percent
            for s, share_ in zip(before.statuses, before_total.statuses, strict=False)
        }
    total = tuple(
        Figure(cell.percent, before_shares.get(status.key), "percent")
        for status, cell in zip(now.statuses, now.total.statuses, strict=False)
    )
    ranked = sorted(now.tasks, key=lambda t: (-t.answered, t.label))[: TASKS_PER_TYPE * 2]
    before_types: dict[str, Decimal | None] = {}
    if before is not None and before_total is not None:
        before_types = {
            value: cell.percent
            for (value, _), cell in zip(before.types, before_total.done_by_type, strict=False)
        }
    return TasksDone(
        statuses=tuple(s.label for s in now.statuses),
        total=total,
        answered=Figure(now.total.answered, before_total.answered if before_total else None),
        tasks=tuple(
            (
                capitalised(t.label),
                t.answered,
                tuple(Figure(s.percent, None, "percent") for s in t.statuses),
            )
            for t in ranked
        ),
        done_by_type=tuple(
            (label, Figure(cell.percent, before_types.get(value), "percent"))
            for (value, label), cell in zip(now.types, now.total.done_by_type, strict=False)
        ),
    )


def _survey_part(
    audience: Audience,
    results: Results | None,
    previous: Results | None,
    rate: dict[str, Figure],
) -> SurveyPart:
    before = _previous_shares(previous)
    questions: list[QuestionBlock] = []
    texts: list[TextBlock] = []
    number = 0
    for q in results.questions if results else []:
        if q.kind == QuestionKind.LETTER_TASKS:
            continue
        if q.kind in TEXT_KINDS:
            if q.texts_total:
                texts.append(
                    TextBlock(
                        label=q.question.label,
                        total=q.texts_total,
                        excerpts=_excerpts(q),
                    )
                )
            continue
        number += 1
        questions.append(_question_block(number, q, before))
    return SurveyPart(
        audience=audience.value,
        title=AUDIENCE_TITLES[audience],
        survey_title=results.campaign.survey.title if results else "",
        invited=rate["invited"],
        submitted=rate["submitted"],
        rate=rate["rate"],
        questions=tuple(questions),
        texts=tuple(texts),
        has_campaign=results is not None,
    )


# --- The report ---------------------------------------------------------------------------------


def perimeter_label(scope: Scope, academie: Academie) -> str:
    name = f"Académie {of(academie.name)}"
    if scope.whole_academie:
        return name
    names = [str(d) for d in departements_visible_to(scope).order_by("code")]
    word = "département" if len(names) == 1 else "départements"
    return f"{name}, {word} " + ", ".join(names)


def _campaigns(scope: Scope, years: Iterable[SchoolYear]) -> dict[tuple[int, str], Campaign]:
    return {
        (c.survey.school_year_id, c.survey.audience): c
        for c in campaigns_visible_to(scope)
        .filter(survey__school_year__in=list(years))
        .select_related("survey", "survey__school_year", "academie")
    }


def collect_report(
    scope: Scope,
    *,
    school_year: SchoolYear,
    progress: Progress = _no_progress,
) -> Report:
    """Every figure of the report of `school_year` over what `scope` sees."""
    academie = Academie.objects.get(pk=scope.academie_id)
    progress(5, "Couverture, lettres et taux de réponse")
    overview = overview_for(scope, school_year=school_year, filters=Filters())
    previous_year = overview.previous_year
    years = [school_year] + ([previous_year] if previous_year else [])

    coverage_area = _table_with(overview, "coverage", 0)
    coverage_type = _table_with(overview, "coverage", 1)
    letters_area = _table_with(overview, "signed_share", 0)
    letters_type = _table_with(overview, "signed_share", 1)
    rates_area = _table_with(overview, f"{Audience.RUPN}_rate", 0)
    rates_type = _table_with(overview, f"{Audience.RUPN}_rate", 1)
    cov = _by_key(coverage_area, coverage_area.total.figures) if coverage_area else {}
    let = _by_key(letters_area, letters_area.total.figures) if letters_area else {}
    rat = _by_key(rates_area, rates_area.total.figures) if rates_area else {}

    progress(25, "Tâches des lettres de mission")
    tasks_by_type, signed, referents = _tasks_by_type(scope, school_year, previous_year)
    previous_id = previous_year.pk if previous_year else -1
    rupn = cov.get("rupn", Figure(0, 0))
    with_letter = Figure(referents.get(school_year.pk, 0), referents.get(previous_id, 0))

    progress(40, "Résultats des enquêtes")
    campaigns = _campaigns(scope, years)
    results: dict[tuple[int, str], Results] = {}
    for key, campaign in sorted(campaigns.items(), key=lambda kv: kv[1].pk):
        results[key] = campaign_results(scope, campaign)
    progress(60, "Mise en forme des résultats")

    def survey(audience: Audience) -> SurveyPart:
        rate = {
            part: rat.get(f"{audience.value}_{part}", Figure(0, 0))
            for part in ("invited", "submitted", "rate")
        }
        return _survey_part(
            audience,
            results.get((school_year.pk, audience.value)),
            results.get((previous_id, audience.value)),
            rate,
        )

    surveys = (survey(Audience.RUPN), survey(Audience.PRINCIPALS))
    nothing = Figure(None, None)
    with_letter_share = Figure(
        share(with_letter.value or 0, rupn.value or 0),
        share(with_letter.previous or 0, rupn.previous or 0),
        "percent",
    )
    key_figures = (
        KeyFigure("Référents (RUPN)", rupn),
        KeyFigure("Établissements", cov.get("establishments", nothing)),
        KeyFigure("Établissements avec au moins un référent", cov.get("covered", nothing)),
        KeyFigure("Couverture des établissements", cov.get("coverage", nothing)),
        KeyFigure("Lettres de mission", let.get("total", nothing)),
        KeyFigure(
            "Lettres signées (en vigueur)",
            Figure(signed.get(school_year.pk, 0), signed.get(previous_id, 0)),
        ),
        KeyFigure("Référents ayant signé une lettre", with_letter),
        KeyFigure("Part des référents ayant signé une lettre", with_letter_share),
        KeyFigure("Part des lettres émises", let.get("issued_share", nothing)),
        KeyFigure("Taux de réponse au bilan des référents", surveys[0].rate),
        KeyFigure("Taux de réponse à l’enquête des chefs d’établissement", surveys[1].rate),
    )
    year = school_year.label
    letter_keys = ("total", "signed_share", "issued_share")
    rate_keys = tuple(
        f"{a.value}_{p}"
        for a in (Audience.RUPN, Audience.PRINCIPALS)
        for p in ("invited", "submitted", "rate")
    )
    coverage_keys = ("establishments", "covered", "coverage", "rupn")
    return Report(
        academie=academie,
        school_year=school_year,
        previous_year=previous_year,
        perimeter=perimeter_label(scope, academie),
        whole_academie=scope.whole_academie,
        generated_at=timezone.now(),
        key_figures=key_figures,
        coverage=_tables(
            _pick(coverage_area, coverage_keys, f"Couverture {year} par département"),
            _pick(coverage_type, coverage_keys, f"Couverture {year} par type d’établissement"),
        ),
        letters=_tables(
            _pick(letters_area, letter_keys, f"Lettres de mission {year} par département"),
            _pick(letters_type, letter_keys, f"Lettres de mission {year} par type d’établissement"),
        ),
        tasks_by_type=tasks_by_type,
        tasks_done=_tasks_done(
            results.get((school_year.pk, Audience.RUPN.value)),
            results.get((previous_id, Audience.RUPN.value)),
        ),
        rates=_tables(
            _pick(
                rates_area,
                rate_keys,
                f"Taux de réponse {year} par département",
                short=RATE_LABELS,
                groups=RATE_GROUPS,
            ),
            _pick(
                rates_type,
                rate_keys,
                f"Taux de réponse {year} par type d’établissement",
                short=RATE_LABELS,
                groups=RATE_GROUPS,
            ),
        ),
        surveys=surveys,
        with_letter=with_letter,
        with_letter_share=with_letter_share,
        notes=(
            "Les parts sont des pourcentages arrondis au dixième le plus proche (la moitié "
            "vers le haut) ; un écart de parts est exprimé en points, entre parts arrondies.",
            "Les lettres signées sont celles qui portent la signature du référent au moins "
            "(signées, en attente du visa ou émises) ; un avenant signé remplace la lettre "
            "qu’il modifie.",
            "Les résultats des enquêtes ne comptent que les réponses envoyées ; les extraits "
            "de réponses libres ne donnent que le type d’établissement, sans nom.",
        ),
    )
