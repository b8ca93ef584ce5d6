"""What a change would do before it is saved: the envelopes that new rules would change."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from establishments.models import Establishment
from indemnities.defaults import BandRow
from indemnities.envelopes import envelopes_for
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
