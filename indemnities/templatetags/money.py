"""Money and IMP units in templates: `{{ amount|euros }}` → "1 250,00 €".

The formatting itself lives in `rupn.formatting`, shared with services, forms and exports;
these filters only expose it to templates.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from rupn.formatting import (
    CENT,
    NARROW_NBSP,
    format_euros,
    format_imp_units,
    format_multiple,
    format_number,
    to_decimal,
)

# Also importable from here, as some services still do: the same functions, not copies.
__all__ = ["NARROW_NBSP", "format_euros", "format_number"]

register = template.Library()


@register.filter
def euros(value: object, arg: str = "") -> str:
    """Decimal → "1 250,00 €"; None → "—". `|euros:"signed"` puts "+" before gains."""
    return format_euros(value, signed=arg == "signed")


@register.filter
def imp_units(value: object) -> str:
    """Decimal("1.5") → "1,5 IMP"; None → "—"."""
    return format_imp_units(value)


@register.filter
def multiple(value: object) -> str:
    """A factor of the base rate as people say it: 0.25 → "¼", 2 → "2"."""
    return format_multiple(value)


@register.filter
def multiply_rate(value: object, rate: object) -> Decimal | None:
    """A factor or a number of IMP times the base rate, in euros to the cent (for `|euros`)."""
    factor, base = to_decimal(value), to_decimal(rate)
    if factor is None or base is None:
        return None
    return (factor * base).quantize(CENT, rounding=ROUND_HALF_UP)
