"""Figures of the survey results in French: « 66,7 % », « 2,5 »."""

from __future__ import annotations

from decimal import Decimal

from django import template

from rupn.formatting import EMPTY, NBSP, format_number, to_decimal

register = template.Library()


@register.filter
def pct(value: Decimal | None) -> str:
    """Decimal("66.7") → "66,7 %" (one decimal, as computed); None → "—"."""
    number = to_decimal(value)
    if number is None:
        return EMPTY
    return f"{format_number(number, places=1)}{NBSP}%"


@register.filter
def decimal(value: Decimal | None) -> str:
    """A number as people write it: Decimal("2.50") → "2,5"; None → "—"."""
    number = to_decimal(value)
    if number is None:
        return EMPTY
    return format_number(number, places=None)
