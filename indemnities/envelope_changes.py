"""How new pupil counts would change the IMP envelopes, before they are saved.

The pupil counts import (`establishments.pupil_counts`) knows nothing of IMP; its preview page,
in `indemnities`, asks here which envelopes the new counts would change. The computation is the
envelopes' own (`envelopes_for`, `compute_envelope`) and the change rows are the rules preview's
(`EnvelopeChange`): a fixed number of queries whatever the number of establishments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from establishments.models import Academie, Establishment, SchoolYear
from indemnities.envelopes import compute_envelope, envelopes_for, rule_set_for
from indemnities.models import ImpRuleSet
from indemnities.previews import EnvelopeChange


@dataclasses.dataclass(frozen=True)
class PupilEnvelopeChange(EnvelopeChange):
    """An envelope change with the pupil counts that cause it."""

    old_pupils: int | None = None
    new_pupils: int | None = None


@dataclasses.dataclass(frozen=True)
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
    establishments = [
        e
        for e in Establishment.objects.filter(academie=academie)
        .select_related("departement")
        .order_by("name", "uai")
        if e.pk in new_pupils
    ]
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
        new = dataclasses.replace(
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
