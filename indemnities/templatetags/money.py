"""French formatting of money and IMP units for templates: `{{ amount|euros }}` → "1 250,00 €".

Formatting is done by hand rather than through the locale machinery so that it is the same
whatever USE_THOUSAND_SEPARATOR or the active language: payroll figures must never change shape.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

NARROW_NBSP = "\u202f"  # thousands separator (French typography)
NBSP = "\u00a0"  # between the figure and its unit
EMPTY = "—"
CENT = Decimal("0.01")
FRACTIONS = {Decimal("0.25"): "¼", Decimal("0.5"): "½", Decimal("0.75"): "¾"}


def _to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: a float is never trusted with its binary digits.
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _group(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NARROW_NBSP.join(groups)


def format_number(value: Decimal, *, places: int | None) -> str:
    """`value` with a French decimal comma and grouped thousands.

    `places=None` drops trailing zeros (1.50 → "1,5", 2.00 → "2")."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    else:
        value = value.normalize() if value != 0 else Decimal(0)
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    sign = "-" if value < 0 else ""
    text = f"{abs(value):f}"
    integer, _, fraction = text.partition(".")
    return sign + _group(integer) + ("," + fraction if fraction else "")


def format_euros(value: object, signed: bool = False) -> str:
    amount = _to_decimal(value)
    if amount is None or not amount.is_finite():
        return EMPTY
    text = format_number(amount, places=2)
    if signed and amount > 0:
        text = "+" + text
    return f"{text}{NBSP}€"


@register.filter
def euros(value: object, arg: str = "") -> str:
    """Decimal → "1 250,00 €"; None → "—". `|euros:"signed"` puts "+" before gains."""
    return format_euros(value, signed=arg == "signed")


@register.filter
def imp_units(value: object) -> str:
    """Decimal("1.5") → "1,5 IMP"; None → "—"."""
    units = _to_decimal(value)
    if units is None or not units.is_finite():
        return EMPTY
    return f"{format_number(units, places=None)}{NBSP}IMP"


@register.filter
def multiple(value: object) -> str:
    """A factor of the base rate as people say it: 0.25 → "¼", 2 → "2"."""
    factor = _to_decimal(value)
    if factor is None or not factor.is_finite():
        return EMPTY
    return FRACTIONS.get(factor.normalize(), format_number(factor, places=None))


@register.filter
def multiply_rate(value: object, rate: object) -> Decimal | None:
    """A factor or a number of IMP times the base rate, in euros to the cent (for `|euros`)."""
    factor, base = _to_decimal(value), _to_decimal(rate)
    if factor is None or base is None:
        return None
    return (factor * base).quantize(CENT, rounding=ROUND_HALF_UP)
