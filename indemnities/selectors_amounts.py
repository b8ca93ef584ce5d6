"""What a referent's IMP amount may be under a year's rules: bounds, step, referents."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from indemnities.envelopes import CENT
from indemnities.models import (
    DEFAULT_MULTIPLES,
    QUARTER,
    ImpRuleSet,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AmountRules:
    """What a single referent's amount may be under a year's rules."""

    base_rate: Decimal
    step: Decimal  # a quarter of the base rate
    minimum: Decimal  # the smallest allowed multiple × base rate
    maximum: Decimal  # the largest allowed multiple × base rate
    max_referents: int
    max_referents_forbidden: bool

    def amounts_up_to(
        self, ceiling: Decimal | None, *, keep: Iterable[Decimal] = ()
    ) -> list[Decimal]:
        """0 and every quarter step from the minimum to min(maximum, ceiling); `keep` adds
        amounts already saved so that a page never silently shows another value."""
        top = self.maximum if ceiling is None else min(self.maximum, ceiling)
        amounts = {ZERO}
        value = self.minimum
        while value <= top:
            amounts.add(value)
            value = (value + self.step).quantize(CENT)
        amounts.update(Decimal(k).quantize(CENT) for k in keep)
        return sorted(amounts)


def multiples_of(rule_set: ImpRuleSet) -> list[Decimal]:
    factors = sorted(m.factor for m in rule_set.multiples.all())
    return factors or list(DEFAULT_MULTIPLES)


def amount_rules(rule_set: ImpRuleSet) -> AmountRules:
    from indemnities.models import ReferentLimitPolicy

    factors = multiples_of(rule_set)
    base = rule_set.base_rate
    return AmountRules(
        base_rate=base,
        step=(base * QUARTER).quantize(CENT),
        minimum=(base * factors[0]).quantize(CENT),
        maximum=(base * factors[-1]).quantize(CENT),
        max_referents=rule_set.max_referents,
        max_referents_forbidden=rule_set.max_referents_policy == ReferentLimitPolicy.FORBIDDEN,
    )
