"""The DANE's overview of a school year, beside the previous one: establishments, coverage by
referents, referents, letters by state, IMP envelopes against allocated and certified amounts,
response rates of the bilan and of the principals' survey — per département (per académie in
the platform's national view) and per type of establishment.

Every figure is an SQL aggregate: one query per source table (`figure_queries`), grouped by
(département, académie, type, school year) with conditional `Count`/`Sum`, both years at once;
Python only adds up the few grouped rows into the tables and their totals. The pages read the
same aggregates precomputed (`OverviewFigures`, refreshed every few minutes per académie by
`dashboards.overview_figures`, summed here per area in one query) and say when they were
computed; an académie never refreshed is counted live. On the national-scale dataset the live
national count takes about 250 ms of SQL, the precomputed one about 2 ms
(`bench/dashboards.py`). The number of queries does not depend on the number of rows
(`OVERVIEW_QUERIES` live, `PRECOMPUTED_OVERVIEW_QUERIES`), asserted in the tests at two sizes.

Shares are `Decimal` percentages rounded half up to one decimal place (`share`); a difference
of shares is the difference of the rounded shares, in points, so that what the page shows adds
up. Amounts are euros with two places; the envelope of an establishment is rounded to the cent
in SQL (`ROUND(units × base rate, 2)`), as the IMP pages compute it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Membership, Role
from dashboards.models_overview import OverviewFigures, OverviewRefresh
from establishments.access import departements_visible_to, establishments_visible_to
from establishments.models import (
    CATEGORY_OF_TYPE,
    Academie,
    Establishment,
    EstablishmentType,
    SchoolYear,
)
from indemnities.access import allocations_visible_to
from indemnities.models import (
    Allocation,
    ServiceCertification,
)
from missions.models import SIGNED_STATUSES, Letter, LetterStatus
from missions.selectors_letters import letters_visible_to
from rupn.formatting import format_date, format_euros, format_integer, format_number
from rupn.links import url_with_query
from surveys.models import Audience, Campaign, SurveyInvitation, SurveyResponse
from tenancy.scope import Scope, ScopeKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Queries of `overview_for` / `national_overview` (the school years and the form aside): when
# the figures were computed, then, live, the six aggregates, the areas and the campaigns;
# precomputed, the summed rows, the areas and the campaigns.
OVERVIEW_QUERIES = 9
PRECOMPUTED_OVERVIEW_QUERIES = 4


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """`part` / `whole` in percent, rounded half up to one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


# --- What is counted, for one group and one year ----------------------------------------------


@dataclass
class Counts:
    """The raw figures of one group (or a total) for one school year."""

    establishments: int = 0
    covered: int = 0
    rupn: int = 0
    letters: dict[str, int] = field(default_factory=dict)
    envelope: Decimal = ZERO
    with_envelope: int = 0
    allocated: Decimal = ZERO
    certified: Decimal = ZERO
    invited: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.establishments += other.establishments
        self.covered += other.covered
        self.rupn += other.rupn
        self.envelope += other.envelope
        self.with_envelope += other.with_envelope
        self.allocated += other.allocated
        self.certified += other.certified
        for mine, theirs in (
            (self.letters, other.letters),
            (self.invited, other.invited),
            (self.submitted, other.submitted),
        ):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value

    @property
    def letter_total(self) -> int:
        return sum(self.letters.values())

    @property
    def signed(self) -> int:
        return sum(self.letters.get(s.value, 0) for s in SIGNED_STATUSES)


# --- What is shown ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure beside the previous year's, with the difference, formatted once here."""

    value: int | Decimal | None
    previous: int | Decimal | None
    kind: str = "count"  # "count", "percent" or "euros"
    url: str = ""

    @property
    def difference(self) -> int | Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    def _format(self, value: int | Decimal | None, *, signed: bool = False) -> str:
        if value is None:
            return "—"
        sign = "+" if signed and value > 0 else ""
        if self.kind == "percent":
            unit = "\u00a0pt" if signed else "\u00a0%"
            return sign + format_number(Decimal(value), places=1) + unit
        if self.kind == "euros":
            return sign + format_euros(value)
        return sign + format_integer(value)

    @property
    def text(self) -> str:
        return self._format(self.value)

    @property
    def previous_text(self) -> str:
        return self._format(self.previous)

    @property
    def difference_text(self) -> str:
        return self._format(self.difference, signed=True)


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    figures: tuple[Figure, ...]
    is_total: bool = False
    previous_label: str = "année précédente"

    @cached_property
    def cells(self) -> SafeString:
        """The line's cells, as the page shows them: each figure (a link when it has a list
        behind it), the previous year's and the difference. Written here rather than by the
        template: the national table has about 900 figures, and resolving their five lookups
        each in a template loop took about half the page's time (cProfile on the
        national-scale dataset)."""
        previous = escape(self.previous_label)
        return mark_safe(  # noqa: S308  (every value is escaped above or here)
            "".join(
                _CELL.format(
                    figure=(
                        f'<a href="{escape(f.url)}">{escape(f.text)}</a>'
                        if f.url
                        else escape(f.text)
                    ),
                    previous_label=previous,
                    previous=escape(f.previous_text),
                    difference=escape(f.difference_text),
                )
                for f in self.figures
            )
        )


_CELL = (
    '<td class="rupn-number">{figure}<br><span class="fr-text--xs rupn-previous">'
    "{previous_label}&nbsp;: {previous}<br>écart&nbsp;: {difference}</span></td>"
)


@dataclass(frozen=True)
class Table:
    """A data table, as a chart would draw it: one line per group, a total, one column per
    figure."""

    caption: str
    first: str
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]
    total: Line
    # What names the table in its export's URL (`?tableau=…`), unique on its page.
    key: str = ""
    # Whether each figure is shown beside the previous year's, with the difference.
    compare: bool = True


@dataclass(frozen=True)
class Section:
    title: str
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overview:
    school_year: SchoolYear
    previous_year: SchoolYear | None
    area_label: str  # "Département" or "Académie"
    sections: tuple[Section, ...]
    # When the figures were computed, if they were read from the precomputed rows (None: live).
    computed_at: datetime.datetime | None = None

    @property
    def staleness(self) -> str:
        """« Chiffres arrêtés à 10 h 42 » (today), « … le 1er décembre 2026 à 10 h 42 »
        (before), or "" when counted live."""
        if self.computed_at is None:
            return ""
        moment = timezone.localtime(self.computed_at)
        if moment.date() == timezone.localdate():
            return f"Chiffres arrêtés à {moment.hour}\u00a0h\u00a0{moment.minute:02d}"
        return f"Chiffres arrêtés le {format_date(moment, time=True)}"

    @property
    def previous_label(self) -> str:
        return self.previous_year.label if self.previous_year else "année précédente"


# --- The sources, through the selectors of each app ---------------------------------------------


@dataclass(frozen=True)
class Sources:
    """The querysets the figures are counted on, already narrowed to what the actor sees."""

    establishments: QuerySet[Establishment]
    letters: QuerySet[Letter]
    allocations: QuerySet[Allocation]
    invitations: QuerySet[SurveyInvitation]
    responses: QuerySet[SurveyResponse]
    campaigns: QuerySet[Campaign]
    # The académie on the joined establishment too (a tenant row's académie is its
    # establishment's): the planner then joins only the académie's establishments, through
    # their index, instead of hashing every establishment of the country.
    academie_id: int | None
    area: str  # the establishment's field the tables are broken down by
    areas: Callable[[], list[tuple[Any, str]]]  # (key, label) of each area, in order
    # The link behind a figure, or "" (the national view links nowhere: the lists are per
    # académie).
    link: Callable[..., str]
    # The precomputed rows the actor sees, and when the oldest of them was computed (None when
    # an académie of theirs never was: the figures are then counted live).
    figures: QuerySet[OverviewFigures]
    computed_at: Callable[[], datetime.datetime | None]


def sources_for(scope: Scope) -> Sources:
    """What a DANE admin (whole académie) or a coordinator (their départements) sees."""

    def areas() -> list[tuple[Any, str]]:
        return [(d.pk, str(d)) for d in departements_visible_to(scope).order_by("code")]

    def computed_at() -> datetime.datetime | None:
        # The rows carry the académie and the département: they answer for a whole académie
        # or some of its départements, the two scopes of the overview's roles.
        if scope.kind not in (ScopeKind.ACADEMIE, ScopeKind.DEPARTEMENTS):
            return None
        return (
            OverviewRefresh.objects.filter(academie_id=scope.academie_id)
            .values_list("computed_at", flat=True)
            .first()
        )

    return Sources(
        establishments=establishments_visible_to(scope),
        letters=letters_visible_to(scope),
        allocations=allocations_visible_to(scope),
        invitations=SurveyInvitation.objects.filter(scope.establishments_q("establishment")),
        responses=SurveyResponse.objects.filter(scope.establishments_q("establishment")),
        campaigns=Campaign.objects.filter(academie_id=scope.academie_id),
        academie_id=scope.academie_id,
        area="departement_id",
        areas=areas,
        link=url_with_query,
        figures=OverviewFigures.objects.filter(scope.establishments_q()),
        computed_at=computed_at,
    )


def national_sources() -> Sources:
    """Every académie, for the platform administrator (the caller disables the scopes)."""

    def areas() -> list[tuple[Any, str]]:
        return [(a.pk, a.name) for a in Academie.objects.order_by("name")]

    def computed_at() -> datetime.datetime | None:
        # The oldest académie's, and only when every académie's rows exist.
        state = Academie.objects.aggregate(
            academies=Count("pk"),
            refreshed=Count("overview_refresh"),
            oldest=Min("overview_refresh__computed_at"),
        )
        if not state["academies"] or state["refreshed"] < state["academies"]:
            return None
        oldest: datetime.datetime = state["oldest"]
        return oldest

    return Sources(
        establishments=Establishment.objects.all(),
        letters=Letter.objects.all(),
        allocations=Allocation.objects.current(),
        invitations=SurveyInvitation.objects.all(),
        responses=SurveyResponse.objects.all(),
        campaigns=Campaign.objects.all(),
        academie_id=None,
        area="academie_id",
        areas=areas,
        link=lambda *args, **kwargs: "",
        figures=OverviewFigures.objects.all(),
        computed_at=computed_at,
    )


@dataclass(frozen=True)
class Filters:
    departement_id: int | None = None
    type: str = ""

    def q(self, via: str = "", *, academie_id: int | None = None) -> Q:
        condition = Q(**{f"{via}academie_id": academie_id}) if academie_id else Q()
        if self.departement_id:
            condition &= Q(**{f"{via}departement_id": self.departement_id})
        if self.type:
            condition &= Q(**{f"{via}type": self.type})
        return condition


# --- The SQL aggregates ---------------------------------------------------------------------


def envelopes_sql(
    establishments: QuerySet[Establishment], year_ids: list[int]
) -> tuple[str, list[Any]]:
    """Establishments and their envelopes per (département, académie, type, year), in one
    statement of joins: each establishment × year meets its override, else its pupil count's
    band × the year's base rate, rounded to the cent (NULL when neither: no envelope).

    The establishments are the scoped queryset, as a subquery: the SQL only adds the joins the
    ORM cannot write (a band is found by a range of pupils, not by a foreign key)."""
    inner, params = (
        establishments.order_by()
        .values("id", "academie_id", "departement_id", "type")
        .query.sql_with_params()
    )
    category = " ".join(
        f"WHEN '{type_.value}' THEN '{cat.value}'" for type_, cat in CATEGORY_OF_TYPE.items()
    )
    placeholders = ", ".join(["%s"] * len(year_ids))
    amount = "COALESCE(o.amount, ROUND(b.imp_units * r.base_rate, 2))"
    # Only fixed identifiers and placeholders go into the text; every value is a parameter.
    sql = f"""
        SELECT e.departement_id AS k_departement, e.academie_id AS k_academie,
               e.type AS k_type, y.id AS k_year, COUNT(*) AS establishments,
               SUM({amount}) AS envelope, COUNT({amount}) AS with_envelope
        FROM ({inner}) e
        CROSS JOIN establishments_schoolyear y
        LEFT JOIN establishments_pupilcount p
            ON p.establishment_id = e.id AND p.school_year_id = y.id
            AND p.school_year_id IN ({placeholders})
        LEFT JOIN indemnities_envelopeoverride o
            ON o.establishment_id = e.id AND o.school_year_id = y.id
        LEFT JOIN indemnities_impruleset r
            ON r.academie_id = e.academie_id AND r.school_year_id = y.id
        LEFT JOIN indemnities_envelopeband b
            ON b.rule_set_id = r.id AND b.category = CASE e.type {category} END
            AND p.pupils >= b.min_pupils AND (b.max_pupils IS NULL OR p.pupils <= b.max_pupils)
        WHERE y.id IN ({placeholders})
        GROUP BY e.departement_id, e.academie_id, e.type, y.id
    """  # noqa: S608
    return sql, [*params, *year_ids, *year_ids]


def _money(value: Any) -> Decimal:
    """A sum read from the database (a float on SQLite) as euros with two places."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _latest_certified_amount() -> Subquery:
    latest = ServiceCertification.objects.filter(allocation=OuterRef("pk")).order_by(
        "-certified_at", "-pk"
    )
    return Subquery(latest.values("amount")[:1], output_field=MONEY)


Key = tuple[Any, str]  # (area, type)

# Every figure is counted per group: (département, académie, type, school year), the columns
# each query selects first, under these names. The national view folds the départements of an
# académie together in Python, as the académie's view folds its types, so that the live count
# and the precomputed rows (`OverviewFigures`, whose fields are these columns) add up alike.
GROUP_COLUMNS = ("k_departement", "k_academie", "k_type", "k_year")
FIGURE_COLUMNS = (
    "establishments",
    "envelope",
    "with_envelope",
    "rupn",
    "covered",
    *(f"letters_{status.value}" for status in LetterStatus),
    "allocated",
    "certified",
    *(f"invited_{audience.value}" for audience in Audience),
    *(f"submitted_{audience.value}" for audience in Audience),
)


@dataclass(frozen=True)
class FigureQuery:
    """One aggregate over one source table: its SQL and parameters, and the figure columns it
    selects after the group's."""

    sql: str
    params: list[Any]
    columns: tuple[str, ...]

    def select(self, columns: Iterable[str]) -> str:
        """The query as a subquery selecting the group and `columns`, 0 for the figures it
        does not count (to be stacked with the others by `UNION ALL`)."""
        figures = ", ".join(c if c in self.columns else f"0 AS {c}" for c in columns)
        return f"SELECT {', '.join(GROUP_COLUMNS)}, {figures} FROM ({self.sql}) q"  # noqa: S608


def _grouped(queryset: QuerySet[Any], via: str, year: str, **figures: Any) -> FigureQuery:
    """`queryset`'s `figures` (aggregates) per group, the establishment reached through `via`."""
    sql, params = (
        queryset.order_by()
        .values(
            k_departement=F(f"{via}departement_id"),
            k_academie=F(f"{via}academie_id"),
            k_type=F(f"{via}type"),
            k_year=F(year),
        )
        .annotate(**figures)
        .query.sql_with_params()
    )
    return FigureQuery(sql, list(params), tuple(figures))


def figure_queries(sources: Sources, *, year_ids: list[int], filters: Filters) -> list[FigureQuery]:
    """The six aggregates of the figures, one per source table, grouped alike."""
    establishments = sources.establishments.filter(filters.q())
    on_establishment = filters.q("establishment__", academie_id=sources.academie_id)
    queries = []

    # 1. Establishments and their envelopes, for each year (one statement of joins).
    sql, params = envelopes_sql(establishments, year_ids)
    queries.append(FigureQuery(sql, params, ("establishments", "envelope", "with_envelope")))

    # 2. Referents (active RUPN memberships of the year) and the establishments they cover.
    # The establishments' conditions go on the one join the grouping uses (a single `filter`
    # on a many-valued relation reuses its join), not through a second join of a subquery.
    memberships = Membership.objects.active().filter(role=Role.RUPN, school_year_id__in=year_ids)
    if sources.academie_id:
        memberships = memberships.filter(academie_id=sources.academie_id)
    memberships = memberships.filter(
        Q(establishments__in=establishments)
        & filters.q("establishments__", academie_id=sources.academie_id)
    )
    queries.append(
        _grouped(
            memberships,
            "establishments__",
            "school_year_id",
            rupn=Count("pk", distinct=True),
            covered=Count("establishments", distinct=True),
        )
    )

    # 3. Letters by state.
    queries.append(
        _grouped(
            sources.letters.filter(on_establishment, school_year_id__in=year_ids),
            "establishment__",
            "school_year_id",
            **{
                f"letters_{status.value}": Count("pk", filter=Q(status=status.value))
                for status in LetterStatus
            },
        )
    )

    # 4. Allocated and certified amounts (the latest certification of each allocation).
    queries.append(
        _grouped(
            sources.allocations.filter(on_establishment, school_year_id__in=year_ids),
            "establishment__",
            "school_year_id",
            allocated=Sum("amount"),
            certified=Sum(_latest_certified_amount()),
        )
    )

    # 5. Survey invitations, then 6. submitted responses, per audience: two scans of an
    # académie's rows each rather than a join of every invitation to every response.
    for queryset, target in (
        (sources.invitations, "invited"),
        (sources.responses.filter(submitted_at__isnull=False), "submitted"),
    ):
        queries.append(
            _grouped(
                queryset.filter(on_establishment, campaign__survey__school_year_id__in=year_ids),
                "establishment__",
                "campaign__survey__school_year_id",
                **{
                    f"{target}_{audience.value}": Count(
                        "pk", filter=Q(campaign__survey__audience=audience.value)
                    )
                    for audience in Audience
                },
            )
        )
    return queries


def counts_of(values: dict[str, Any]) -> Counts:
    """The `Counts` of a row of figures (the columns of `FIGURE_COLUMNS` it has)."""

    def number(column: str) -> int:
        return int(values.get(column) or 0)

    return Counts(
        establishments=number("establishments"),
        covered=number("covered"),
        rupn=number("rupn"),
        letters={s.value: number(f"letters_{s.value}") for s in LetterStatus},
        envelope=_money(values.get("envelope")),
        with_envelope=number("with_envelope"),
        allocated=_money(values.get("allocated")),
        certified=_money(values.get("certified")),
        invited={a.value: number(f"invited_{a.value}") for a in Audience},
        submitted={a.value: number(f"submitted_{a.value}") for a in Audience},
    )


def _area_key(area: str, departement: Any, academie: Any) -> Any:
    return departement if area == "departement_id" else academie


def count_figures(
    sources: Sources, *, years: list[SchoolYear], filters: Filters
) -> dict[tuple[Key, int], Counts]:
    """The raw figures of each (area, type) group and year id, live, in six queries."""
    counts: dict[tuple[Key, int], Counts] = {}
    queries = figure_queries(sources, year_ids=[y.pk for y in years], filters=filters)
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute(query.select(query.columns), query.params)
            for departement, academie, type_, year_id, *values in cursor.fetchall():
                key = (_area_key(sources.area, departement, academie), type_)
                counts.setdefault((key, year_id), Counts()).add(
                    counts_of(dict(zip(query.columns, values, strict=True)))
                )
    return counts


def precomputed_figures(
    sources: Sources, *, years: list[SchoolYear], filters: Filters
) -> dict[tuple[Key, int], Counts]:
    """The same figures read from the precomputed rows, in one query: summed per (area, type,
    year) in SQL, a few hundred rows at most."""
    assert sources.figures is not None
    counts: dict[tuple[Key, int], Counts] = {}
    for row in (
        sources.figures.filter(filters.q(), school_year_id__in=[y.pk for y in years])
        .order_by()
        .values(sources.area, "type", "school_year_id")
        .annotate(**{f"sum_{c}": Sum(c) for c in FIGURE_COLUMNS})
    ):
        # One row per group and year: summed in SQL already.
        counts[(row[sources.area], row["type"]), row["school_year_id"]] = counts_of(
            {c: row[f"sum_{c}"] for c in FIGURE_COLUMNS}
        )
    return counts


# --- From counts to tables ------------------------------------------------------------------


TYPES = tuple(EstablishmentType)
SURVEY_COLUMNS = (
    (Audience.RUPN, "Bilan des RUPN"),
    (Audience.PRINCIPALS, "Enquête des chefs d’établissement"),
)


@dataclass(frozen=True)
class _Group:
    label: str
    current: Counts
    previous: Counts
    query: dict[str, object]  # the list filters of the group (départment, type)
    is_total: bool = False


def _coverage_figures(g: _Group, link: Callable[..., str], year: SchoolYear) -> tuple[Figure, ...]:
    c, p = g.current, g.previous
    return (
        Figure(
            c.establishments,
            p.establishments,
            url=link("establishments:list", annee=year.start_year, **g.query),
        ),
        Figure(c.covered, p.covered),
        Figure(share(c.covered, c.establishments), share(p.covered, p.establishments), "percent"),
        Figure(c.rupn, p.rupn),
    )


def _letter_figures(g: _Group, link: Callable[..., str], year: SchoolYear) -> tuple[Figure, ...]:
    c, p = g.current, g.previous
    by_state = tuple(
        Figure(
            c.letters.get(status.value, 0),
            p.letters.get(status.value, 0),
            url=link("missions:letters", annee=year.start_year, etat=status.value, **g.query),
        )
        for status in LetterStatus
    )
    issued = LetterStatus.ISSUED.value
    return (
        *by_state,
        Figure(
            c.letter_total,
            p.letter_total,
            url=link("missions:letters", annee=year.start_year, **g.query),
        ),
        Figure(share(c.signed, c.letter_total), share(p.signed, p.letter_total), "percent"),
        Figure(
            share(c.letters.get(issued, 0), c.letter_total),
            share(p.letters.get(issued, 0), p.letter_total),
            "percent",
        ),
    )


def _imp_figures(g: _Group, link: Callable[..., str], year: SchoolYear) -> tuple[Figure, ...]:
    c, p = g.current, g.previous
    return (
        Figure(
            c.envelope,
            p.envelope,
            "euros",
            url=link("indemnities:envelopes", annee=year.start_year, **g.query),
        ),
        Figure(c.allocated, p.allocated, "euros"),
        Figure(share(c.allocated, c.envelope), share(p.allocated, p.envelope), "percent"),
        Figure(c.certified, p.certified, "euros"),
        Figure(share(c.certified, c.allocated), share(p.certified, p.allocated), "percent"),
    )


def _survey_figures(g: _Group, link: Callable[..., str], year: SchoolYear) -> tuple[Figure, ...]:
    c, p = g.current, g.previous
    figures: list[Figure] = []
    for audience, _label in SURVEY_COLUMNS:
        invited, submitted = c.invited.get(audience, 0), c.submitted.get(audience, 0)
        before_invited, before_submitted = p.invited.get(audience, 0), p.submitted.get(audience, 0)
        figures += [
            Figure(invited, before_invited),
            Figure(submitted, before_submitted),
            Figure(share(submitted, invited), share(before_submitted, before_invited), "percent"),
        ]
    return tuple(figures)


COVERAGE_COLUMNS = (
    Column("establishments", "Établissements"),
    Column("covered", "Avec au moins un RUPN"),
    Column("coverage", "Couverture"),
    Column("rupn", "RUPN"),
)
LETTER_COLUMNS = (
    *(Column(s.value, s.label) for s in LetterStatus),
    Column("total", "Total"),
    Column("signed_share", "Part signée"),
    Column("issued_share", "Part émise"),
)
IMP_COLUMNS = (
    Column("envelope", "Enveloppes"),
    Column("allocated", "Attribué"),
    Column("allocated_share", "Part attribuée"),
    Column("certified", "Service fait certifié"),
    Column("certified_share", "Part certifiée de l’attribué"),
)
SURVEY_TABLE_COLUMNS = tuple(
    column
    for audience, label in SURVEY_COLUMNS
    for column in (
        Column(f"{audience}_invited", f"{label} : invités"),
        Column(f"{audience}_submitted", f"{label} : réponses envoyées"),
        Column(f"{audience}_rate", f"{label} : taux de réponse"),
    )
)

FAMILIES: tuple[
    tuple[str, str, str, tuple[Column, ...], Callable[..., tuple[Figure, ...]]], ...
] = (
    (
        "couverture",
        "Établissements et référents",
        "Couverture",
        COVERAGE_COLUMNS,
        _coverage_figures,
    ),
    (
        "lettres",
        "Lettres de mission par état",
        "Lettres de mission",
        LETTER_COLUMNS,
        _letter_figures,
    ),
    ("imp", "IMP : enveloppes, attributions, service fait", "IMP", IMP_COLUMNS, _imp_figures),
    (
        "reponses",
        "Bilans et enquêtes : taux de réponse",
        "Taux de réponse",
        SURVEY_TABLE_COLUMNS,
        _survey_figures,
    ),
)


def _fold(
    counts: dict[tuple[Key, int], Counts], year_id: int, key_of: Callable[[Key], Any]
) -> dict[Any, Counts]:
    folded: dict[Any, Counts] = {}
    for (key, counted_year), c in counts.items():
        if counted_year == year_id:
            folded.setdefault(key_of(key), Counts()).add(c)
    return folded


def build_overview(
    sources: Sources,
    *,
    school_year: SchoolYear,
    previous_year: SchoolYear | None,
    filters: Filters,
    area_label: str,
) -> Overview:
    years = [school_year] + ([previous_year] if previous_year else [])
    previous_label = previous_year.label if previous_year else "année précédente"
    computed_at = sources.computed_at()
    if computed_at is None:
        counts = count_figures(sources, years=years, filters=filters)
    else:
        counts = precomputed_figures(sources, years=years, filters=filters)
    previous_id = previous_year.pk if previous_year else -1

    current_by_area = _fold(counts, school_year.pk, lambda k: k[0])
    previous_by_area = _fold(counts, previous_id, lambda k: k[0])
    current_by_type = _fold(counts, school_year.pk, lambda k: k[1])
    previous_by_type = _fold(counts, previous_id, lambda k: k[1])
    total_current, total_previous = Counts(), Counts()
    for c in current_by_area.values():
        total_current.add(c)
    for c in previous_by_area.values():
        total_previous.add(c)

    is_departement = sources.area == "departement_id"
    base_query: dict[str, object] = {
        "departement": filters.departement_id if is_departement else None,
        "type": filters.type or None,
    }
    area_groups = [
        _Group(
            label,
            current_by_area.get(key, Counts()),
            previous_by_area.get(key, Counts()),
            {**base_query, "departement": key if is_departement else None},
        )
        for key, label in sources.areas()
        if not (filters.departement_id and is_departement and key != filters.departement_id)
    ]
    type_groups = [
        _Group(
            t.label,
            current_by_type.get(t.value, Counts()),
            previous_by_type.get(t.value, Counts()),
            {**base_query, "type": t.value},
        )
        for t in TYPES
        if not (filters.type and t.value != filters.type)
    ]
    total = _Group("Total", total_current, total_previous, base_query, is_total=True)

    def table(
        key: str, caption: str, first: str, groups: Iterable[_Group], columns: Any, make: Any
    ) -> Table:
        return Table(
            caption=caption,
            first=first,
            columns=columns,
            lines=tuple(
                Line(g.label, make(g, sources.link, school_year), previous_label=previous_label)
                for g in groups
            ),
            total=Line(
                "Total",
                make(total, sources.link, school_year),
                is_total=True,
                previous_label=previous_label,
            ),
            key=key,
        )

    campaign_years = set(
        sources.campaigns.filter(survey__school_year_id__in=[y.pk for y in years])
        .order_by()
        .values_list("survey__audience", "survey__school_year_id")
        .distinct()
    )
    survey_notes = tuple(
        f"{label} : "
        + " ; ".join(
            f"{'campagne' if (audience.value, y.pk) in campaign_years else 'aucune campagne'}"
            f" en {y.label}"
            for y in years
        )
        for audience, label in SURVEY_COLUMNS
    )
    year = school_year.label
    sections = tuple(
        Section(
            title=title,
            tables=(
                table(
                    f"{slug}-{'departement' if is_departement else 'academie'}",
                    f"{short} {year} par {area_label.lower()}",
                    area_label,
                    area_groups,
                    columns,
                    make,
                ),
                table(
                    f"{slug}-type",
                    f"{short} {year} par type d’établissement",
                    "Type",
                    type_groups,
                    columns,
                    make,
                ),
            ),
            notes=survey_notes if make is _survey_figures else (),
        )
        for slug, title, short, columns, make in FAMILIES
    )
    return Overview(
        school_year=school_year,
        previous_year=previous_year,
        area_label=area_label,
        sections=sections,
        computed_at=computed_at,
    )


def previous_year_of(school_year: SchoolYear) -> SchoolYear | None:
    return SchoolYear.objects.filter(start_year=school_year.start_year - 1).first()


def overview_for(scope: Scope, *, school_year: SchoolYear, filters: Filters) -> Overview:
    """The overview of the establishments the DANE admin or coordinator sees."""
    return build_overview(
        sources_for(scope),
        school_year=school_year,
        previous_year=previous_year_of(school_year),
        filters=filters,
        area_label="Département",
    )


def national_overview(*, school_year: SchoolYear, filters: Filters) -> Overview:
    """Every académie's overview, for the platform administrator (scopes disabled by the
    caller)."""
    return build_overview(
        national_sources(),
        school_year=school_year,
        previous_year=previous_year_of(school_year),
        filters=Filters(type=filters.type),
        area_label="Académie",
    )
