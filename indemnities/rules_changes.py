"""The before/after of a change of IMP rules, as data and as a French sentence for the history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from indemnities.models import ImpRuleSet, ReferentLimitPolicy
from indemnities.rules_validation import CATEGORY_LABELS, fmt_figure


def rules_snapshot(rule_set: ImpRuleSet) -> dict[str, Any]:
    """The rules as plain JSON, for the before/after of the change log."""
    return {
        "base_rate": str(rule_set.base_rate),
        "max_referents": rule_set.max_referents,
        "max_referents_policy": rule_set.max_referents_policy,
        "multiples": [str(m.factor.normalize()) for m in rule_set.multiples.order_by("factor")],
        "bands": [
            [b.category, b.min_pupils, b.max_pupils, str(b.imp_units.normalize())]
            for b in rule_set.bands.order_by("category", "min_pupils")
        ],
    }


def _band_text(band: tuple[Any, ...]) -> str:
    category, low, high, units = band
    label = CATEGORY_LABELS.get(category, category)
    pupils = f"{low} élèves et plus" if high is None else f"{low} à {high} élèves"
    return f"{label} {pupils} = {fmt_figure(Decimal(units))} IMP"


def rules_change_sentence(before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    if before.get("base_rate") != after["base_rate"]:
        parts.append(
            f"taux de base {fmt_figure(Decimal(before['base_rate']))} € → "
            f"{fmt_figure(Decimal(after['base_rate']))} €"
        )
    if before.get("multiples") != after["multiples"]:
        parts.append("multiples autorisés : " + ", ".join(after["multiples"]).replace(".", ","))
    if (
        before.get("max_referents") != after["max_referents"]
        or before.get("max_referents_policy") != after["max_referents_policy"]
    ):
        policy = ReferentLimitPolicy(after["max_referents_policy"]).label.lower()
        parts.append(f"{after['max_referents']} référents au plus ({policy} au-delà)")
    if before.get("bands") != after["bands"]:
        old_bands = [tuple(b) for b in before.get("bands", [])]
        new_bands = [tuple(b) for b in after["bands"]]
        removed = [b for b in old_bands if b not in new_bands]
        added = [b for b in new_bands if b not in old_bands]
        if removed:
            parts.append("tranches retirées : " + ", ".join(_band_text(b) for b in removed))
        if added:
            parts.append("tranches ajoutées : " + ", ".join(_band_text(b) for b in added))
    return "a modifié les règles : " + " ; ".join(parts) if parts else ""
