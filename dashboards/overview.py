"""The DANE's overview of a school year, beside the previous one: establishments, coverage by
referents, referents, letters by state, IMP envelopes against allocated and certified amounts,
response rates of the bilan and of the principals' survey — per département (per académie in
the platform's national view) and per type of establishment.

Every figure is an SQL aggregate: one query per source table, grouped by (area, type, school
year) with conditional `Count`/`Sum`, both years at once; Python only adds up the few grouped
rows into the tables and their totals. Eight queries whatever the number of rows
(`OVERVIEW_QUERIES`), asserted in the tests at two sizes of académie.

Shares are `Decimal` percentages rounded half up to one decimal place (`share`); a difference
of shares is the difference of the rounded shares, in points, so that what the page shows adds
up. Amounts are euros with two places; the envelope of an establishment is rounded to the cent
in SQL (`ROUND(units × base rate, 2)`), as the IMP pages compute it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from accounts.models import Membership, Role
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
from rupn.formatting import format_euros, format_integer, format_number
from rupn.links import url_with_query
from surveys.models import Audience, Campaign, SurveyInvitation, SurveyResponse
from tenancy.scope import Scope

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MONEY = DecimalField(max_digits=14, decimal_places=2)

# Queries of `overview_for` / `national_overview` (the school years and the form aside).
OVERVIEW_QUERIES = 8


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
    area: str  # the establishment's field the tables are broken down by
    areas: Callable[[], list[tuple[Any, str]]]  # (key, label) of each area, in order
    # The link behind a figure, or "" (the national view links nowhere: the lists are per
    # académie).
    link: Callable[..., str]


def sources_for(scope: Scope) -> Sources:
    """What a DANE admin (whole académie) or a coordinator (their départements) sees."""

    def areas() -> list[tuple[Any, str]]:
        return [(d.pk, str(d)) for d in departements_visible_to(scope).order_by("code")]

    return Sources(
        establishments=establishments_visible_to(scope),
        letters=letters_visible_to(scope),
        allocations=allocations_visible_to(scope),
        invitations=SurveyInvitation.objects.filter(scope.establishments_q("establishment")),
        responses=SurveyResponse.objects.filter(scope.establishments_q("establishment")),
        campaigns=Campaign.objects.filter(academie_id=scope.academie_id),
        area="departement_id",
        areas=areas,
        link=url_with_query,
    )


def national_sources() -> Sources:
    """Every académie, for the platform administrator (the caller disables the scopes)."""

    def areas() -> list[tuple[Any, str]]:
        return [(a.pk, a.name) for a in Academie.objects.order_by("name")]

    return Sources(
        establishments=Establishment.objects.all(),
        letters=Letter.objects.all(),
        allocations=Allocation.objects.current(),
        invitations=SurveyInvitation.objects.all(),
        responses=SurveyResponse.objects.all(),
        campaigns=Campaign.objects.all(),
        area="academie_id",
        areas=areas,
        link=lambda *args, **kwargs: "",
    )


@dataclass(frozen=True)
class Filters:
    departement_id: int | None = None
    type: str = ""

    def q(self, via: str = "") -> Q:
        condition = Q()
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
        SELECT e.departement_id, e.academie_id, e.type, y.id, COUNT(*), SUM({amount}),
               COUNT({amount})
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


def count_figures(
    sources: Sources, *, years: list[SchoolYear], filters: Filters
) -> dict[tuple[Key, int], Counts]:
    """The raw figures of each (area, type) group and year id, in seven queries."""
    counts: dict[tuple[Key, int], Counts] = {}

    def at(area: Any, type_: str, year_id: int) -> Counts:
        return counts.setdefault(((area, type_), year_id), Counts())

    year_ids = [y.pk for y in years]
    area = sources.area
    establishments = sources.establishments.filter(filters.q())

    # 1. Establishments and their envelopes, for each year (one statement of joins).
    sql, params = envelopes_sql(establishments, year_ids)
    by_area = 0 if area == "departement_id" else 1
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *key, type_, year_id, n, envelope, with_envelope in cursor.fetchall():
            c = at(key[by_area], type_, year_id)
            # Summed: in the national view, the départements of an académie fold together.
            c.establishments += n
            c.envelope += _money(envelope)
            c.with_envelope += with_envelope

    # 2. Referents (active RUPN memberships of the year) and the establishments they cover.
    for row in (
        Membership.objects.active()
        .filter(role=Role.RUPN, school_year_id__in=year_ids, establishments__in=establishments)
        .order_by()
        .values(f"establishments__{area}", "establishments__type", "school_year_id")
        .annotate(n=Count("pk", distinct=True), covered=Count("establishments", distinct=True))
    ):
        c = at(row[f"establishments__{area}"], row["establishments__type"], row["school_year_id"])
        c.rupn = row["n"]
        c.covered = row["covered"]

    # 3. Letters by state.
    for row in (
        sources.letters.filter(filters.q("establishment__"), school_year_id__in=year_ids)
        .order_by()
        .values(f"establishment__{area}", "establishment__type", "school_year_id", "status")
        .annotate(n=Count("pk"))
    ):
        c = at(row[f"establishment__{area}"], row["establishment__type"], row["school_year_id"])
        c.letters[row["status"]] = row["n"]

    # 4. Allocated and certified amounts (the latest certification of each allocation).
    for row in (
        sources.allocations.filter(filters.q("establishment__"), school_year_id__in=year_ids)
        .order_by()
        .values(f"establishment__{area}", "establishment__type", "school_year_id")
        .annotate(allocated=Sum("amount"), certified=Sum(_latest_certified_amount()))
    ):
        c = at(row[f"establishment__{area}"], row["establishment__type"], row["school_year_id"])
        c.allocated = row["allocated"] or ZERO
        c.certified = row["certified"] or ZERO

    # 5. Survey invitations, then 6. submitted responses, per audience: two scans of an
    # académie's rows each rather than a join of every invitation to every response.
    group = (
        f"establishment__{area}",
        "establishment__type",
        "campaign__survey__school_year_id",
        "campaign__survey__audience",
    )
    for queryset, target in (
        (sources.invitations, "invited"),
        (sources.responses.filter(submitted_at__isnull=False), "submitted"),
    ):
        for row in (
            queryset.filter(
                filters.q("establishment__"), campaign__survey__school_year_id__in=year_ids
            )
            .order_by()
            .values(*group)
            .annotate(n=Count("pk"))
        ):
            c = at(row[group[0]], row[group[1]], row[group[2]])
            getattr(c, target)[row[group[3]]] = row["n"]
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
    counts = count_figures(sources, years=years, filters=filters)
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
            lines=tuple(Line(g.label, make(g, sources.link, school_year)) for g in groups),
            total=Line("Total", make(total, sources.link, school_year), is_total=True),
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
