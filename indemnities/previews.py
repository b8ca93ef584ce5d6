"""What a change would do before it is saved: the envelopes that new rules, or new pupil
counts (the pupil counts import of `establishments`, previewed in `indemnities`), would change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from establishments.models import Academie, Establishment, SchoolYear
from indemnities.defaults import BandRow
from indemnities.envelopes import compute_envelope, envelopes_for, rule_set_for
from indemnities.models import EnvelopeBand, ImpRuleSet


@dataclass(frozen=True)
class EnvelopeChange:
    establishment: Establishment
    old_amount: Decimal | None
    new_amount: Decimal | None
    overridden: bool = False

    @property
    def delta(self) -> Decimal | None:
        if self.old_amount is None or self.new_amount is None:
            return None
        return self.new_amount - self.old_amount

    # Tuple-like access, as the preview is also read as (establishment, old, new, delta).
    def __iter__(self) -> Iterator[Any]:
        return iter((self.establishment, self.old_amount, self.new_amount, self.delta))


def envelope_changes_preview(
    *, rule_set: ImpRuleSet, new_base_rate: Decimal, new_bands: Sequence[BandRow]
) -> list[EnvelopeChange]:
    """The establishments whose envelope in force would change with these rules, nothing saved.

    An establishment with a hand-set envelope keeps it, so it never appears here.
    """
    establishments = list(
        Establishment.objects.filter(academie_id=rule_set.academie_id)
        .select_related("departement")
        .order_by("name", "uai")
    )
    school_year = rule_set.school_year
    current = envelopes_for(
        academie_id=rule_set.academie_id,
        school_year=school_year,
        establishments=establishments,
        rule_set=rule_set,
    )
    draft = ImpRuleSet(
        academie_id=rule_set.academie_id, school_year=school_year, base_rate=new_base_rate
    )
    draft_bands = [
        EnvelopeBand(category=c, min_pupils=low, max_pupils=high, imp_units=units)
        for c, low, high, units in new_bands
    ]
    proposed = envelopes_for(
        academie_id=rule_set.academie_id,
        school_year=school_year,
        establishments=establishments,
        rule_set=draft,
        bands=draft_bands,
    )
    changes = []
    for establishment in establishments:
        old, new = current[establishment.pk], proposed[establishment.pk]
        if old.amount != new.amount:
            changes.append(
                EnvelopeChange(
                    establishment=establishment,
                    old_amount=old.amount,
                    new_amount=new.amount,
                    overridden=old.is_overridden,
                )
            )
    return changes


@dataclass(frozen=True)
class PupilEnvelopeChange(EnvelopeChange):
    """An envelope change with the pupil counts that cause it."""

    old_pupils: int | None = None
    new_pupils: int | None = None


@dataclass(frozen=True)
class PupilCountEnvelopePreview:
    rule_set: ImpRuleSet | None
    changes: list[PupilEnvelopeChange]

    @property
    def total_delta(self) -> Decimal:
        return sum(
            ((c.new_amount or Decimal(0)) - (c.old_amount or Decimal(0)) for c in self.changes),
            Decimal(0),
        )


def envelope_changes_for_pupils(
    *, academie: Academie, school_year: SchoolYear, new_pupils: Mapping[int, int]
) -> PupilCountEnvelopePreview:
    """The establishments (keys of `new_pupils`) whose envelope in force would change.

    An establishment with a hand-set envelope keeps it, so it never appears here.
    """
    rule_set = rule_set_for(academie.pk, school_year) if school_year.pk else None
    if rule_set is None or not new_pupils:
        return PupilCountEnvelopePreview(rule_set=rule_set, changes=[])
    bands = list(rule_set.bands.all())
    establishments = list(
        Establishment.objects.filter(academie=academie, pk__in=list(new_pupils))
        .select_related("departement")
        .order_by("name", "uai")
    )
    current = envelopes_for(
        academie_id=academie.pk,
        school_year=school_year,
        establishments=establishments,
        rule_set=rule_set,
        bands=bands,
    )
    changes = []
    for establishment in establishments:
        old = current[establishment.pk]
        computed = compute_envelope(
            establishment_id=establishment.pk,
            establishment_type=establishment.type,
            pupils=new_pupils[establishment.pk],
            rule_set=rule_set,
            bands=bands,
        )
        new = replace(
            computed,
            override_amount=old.override_amount,
            override_justification=old.override_justification,
        )
        if old.amount != new.amount:
            changes.append(
                PupilEnvelopeChange(
                    establishment=establishment,
                    old_amount=old.amount,
                    new_amount=new.amount,
                    overridden=old.is_overridden,
                    old_pupils=old.pupils,
                    new_pupils=new.pupils,
                )
            )
    return PupilCountEnvelopePreview(rule_set=rule_set, changes=changes)
