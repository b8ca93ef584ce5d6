"""Envelope of each establishment for a school year, from that year's rules and pupil count.

Reads a constant number of queries whatever the number of establishments, so that budget pages
and dashboards stay fast at the scale of an académie (up to ~1 000 establishments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Subquery

from establishments.models import (
    CATEGORY_OF_TYPE,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
)
from indemnities.models import EnvelopeBand, EnvelopeOverride, ImpMultiple, ImpRuleSet
from rupn.process_cache import ProcessCache, set_prefetched

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Envelope:
    establishment_id: int
    pupils: int | None
    imp_units: Decimal | None
    computed_amount: Decimal | None
    override_amount: Decimal | None = None
    override_justification: str = ""

    @property
    def amount(self) -> Decimal | None:
        """The envelope in force: the override when there is one, else the computed one."""
        return self.override_amount if self.override_amount is not None else self.computed_amount

    @property
    def missing_pupil_count(self) -> bool:
        return self.pupils is None

    @property
    def is_overridden(self) -> bool:
        return self.override_amount is not None

    @property
    def problem(self) -> str:
        """Why there is no envelope, in French, or an empty string."""
        if self.amount is not None:
            return ""
        if self.pupils is None:
            return "Effectif manquant pour l’année : enveloppe non calculable."
        if self.imp_units is None:
            return "Aucune tranche des règles ne couvre cet effectif."
        return "Aucune règle IMP pour cette année."


def band_for(bands: Iterable[EnvelopeBand], category: str, pupils: int) -> EnvelopeBand | None:
    for band in bands:
        if band.category == category and band.contains(pupils):
            return band
    return None


def compute_envelope(
    *,
    establishment_id: int,
    establishment_type: str,
    pupils: int | None,
    rule_set: ImpRuleSet | None,
    bands: list[EnvelopeBand],
    override: EnvelopeOverride | None = None,
) -> Envelope:
    imp_units = computed = None
    if pupils is not None and rule_set is not None:
        band = band_for(bands, CATEGORY_OF_TYPE[EstablishmentType(establishment_type)], pupils)
        if band is not None:
            imp_units = band.imp_units
            computed = (band.imp_units * rule_set.base_rate).quantize(CENT)
    return Envelope(
        establishment_id=establishment_id,
        pupils=pupils,
        imp_units=imp_units,
        computed_amount=computed,
        override_amount=override.amount if override else None,
        override_justification=override.justification if override else "",
    )


def rule_set_for(academie_id: int, school_year: SchoolYear) -> ImpRuleSet | None:
    return ImpRuleSet.objects.filter(academie_id=academie_id, school_year=school_year).first()


def envelopes_for(
    *,
    academie_id: int,
    school_year: SchoolYear,
    establishments: Iterable[Establishment],
    rule_set: ImpRuleSet | None = None,
    bands: list[EnvelopeBand] | None = None,
) -> dict[int, Envelope]:
    """Envelopes keyed by establishment id. `rule_set`/`bands` may be given to preview rules
    that are not saved yet."""
    establishment_list = [e for e in establishments if e.academie_id == academie_id]
    if rule_set is None:
        rule_set = rule_set_for(academie_id, school_year)
    if bands is None:
        bands = list(rule_set.bands.all()) if rule_set else []
    ids = [e.pk for e in establishment_list]
    pupils = dict(
        PupilCount.objects.filter(establishment_id__in=ids, school_year=school_year).values_list(
            "establishment_id", "pupils"
        )
    )
    overrides = {
        o.establishment_id: o
        for o in EnvelopeOverride.objects.filter(establishment_id__in=ids, school_year=school_year)
    }
    return {
        e.pk: compute_envelope(
            establishment_id=e.pk,
            establishment_type=e.type,
            pupils=pupils.get(e.pk),
            rule_set=rule_set,
            bands=bands,
            override=overrides.get(e.pk),
        )
        for e in establishment_list
    }


# Bands and multiples change only with their rule set's row, saved first (`_write_contents`
# in `services/rules.py`): at one `updated_at` they are read once per process.
_contents: ProcessCache[tuple[list[EnvelopeBand], list[ImpMultiple]]] = ProcessCache(maxsize=256)


def with_contents(rule_set: ImpRuleSet) -> ImpRuleSet:
    """The rule set given its bands and multiples (`rule_set.bands.all()`,
    `rule_set.multiples.all()`), read once per process at each version of the rules."""

    def load() -> tuple[list[EnvelopeBand], list[ImpMultiple]]:
        # Read apart from `rule_set`: rows kept for later requests must not point back at this
        # request's rule set, which carries one establishment's pupil count and override.
        return (
            list(EnvelopeBand.objects.filter(rule_set_id=rule_set.pk)),
            list(ImpMultiple.objects.filter(rule_set_id=rule_set.pk)),
        )

    bands, multiples = _contents.get_or_load((rule_set.pk, rule_set.updated_at), load)
    set_prefetched(rule_set, "bands", bands)
    set_prefetched(rule_set, "multiples", multiples)
    return rule_set


def envelope_with_rules(
    establishment: Establishment, school_year: SchoolYear
) -> tuple[ImpRuleSet | None, Envelope]:
    """One establishment's envelope and the year's rule set with its bands and multiples
    (`with_contents`), as `rule_set_for` and `envelopes_for` give them, in one query: the pupil
    count and the override ride on the rule set's row (the letter editor shows them all)."""
    pupils = PupilCount.objects.filter(
        establishment_id=establishment.pk, school_year=school_year
    ).order_by()
    overrides = EnvelopeOverride.objects.filter(
        establishment_id=establishment.pk, school_year=school_year
    ).order_by()
    rule_set = (
        ImpRuleSet.objects.filter(academie_id=establishment.academie_id, school_year=school_year)
        .annotate(
            # One row at most of each (one pupil count and one override per year).
            envelope_pupils=Subquery(pupils.values("pupils")[:1]),
            envelope_override=Subquery(overrides.values("amount")[:1]),
            envelope_justification=Subquery(overrides.values("justification")[:1]),
        )
        .first()
    )
    if rule_set is None:
        # No rules for the year: the envelope is the override's, if any.
        envelope = envelopes_for(
            academie_id=establishment.academie_id,
            school_year=school_year,
            establishments=[establishment],
            bands=[],
        )[establishment.pk]
        return None, envelope
    with_contents(rule_set)
    amount = rule_set.envelope_override  # type: ignore[attr-defined]
    override = (
        None
        if amount is None
        else EnvelopeOverride(
            amount=amount,
            justification=rule_set.envelope_justification or "",  # type: ignore[attr-defined]
        )
    )
    envelope = compute_envelope(
        establishment_id=establishment.pk,
        establishment_type=establishment.type,
        pupils=rule_set.envelope_pupils,  # type: ignore[attr-defined]
        rule_set=rule_set,
        bands=list(rule_set.bands.all()),
        override=override,
    )
    return rule_set, envelope


def envelope_has_amount(establishment: Establishment, school_year: SchoolYear) -> bool:
    """Whether the year has IMP rules and the establishment an amount under them, as
    `envelope_with_rules` would say (a rule set, and an `Envelope.amount`): an override, or a
    pupil count inside one of the rule set's bands for the establishment's category. One
    statement of existence tests, written out because the letter's autosave asks only this on
    every save, and the query builder took twice the time of the reads themselves."""
    tables = {
        "rule_set": ImpRuleSet._meta.db_table,
        "band": EnvelopeBand._meta.db_table,
        "override": EnvelopeOverride._meta.db_table,
        "pupils": PupilCount._meta.db_table,
    }
    sql = """
        SELECT EXISTS (
            SELECT 1 FROM {rule_set} AS r
            WHERE r.academie_id = %(academie)s AND r.school_year_id = %(year)s AND (
                EXISTS (
                    SELECT 1 FROM {override} AS o
                    WHERE o.establishment_id = %(establishment)s AND o.school_year_id = %(year)s
                )
                OR EXISTS (
                    SELECT 1 FROM {band} AS b, {pupils} AS p
                    WHERE b.rule_set_id = r.id AND b.category = %(category)s
                      AND p.establishment_id = %(establishment)s AND p.school_year_id = %(year)s
                      AND b.min_pupils <= p.pupils
                      AND (b.max_pupils IS NULL OR p.pupils <= b.max_pupils)
                )
            )
        )
    """.format(**{k: connection.ops.quote_name(v) for k, v in tables.items()})  # noqa: S608 (table names only)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "academie": establishment.academie_id,
                "year": school_year.pk,
                "establishment": establishment.pk,
                "category": str(CATEGORY_OF_TYPE[EstablishmentType(establishment.type)]),
            },
        )
        row = cursor.fetchone()
    return bool(row and row[0])
