"""French formatting of numbers, money, dates and names, for templates, services and exports.

Done by hand rather than through the locale machinery so that it is the same whatever
USE_THOUSAND_SEPARATOR or the active language: payroll figures must never change shape.
Templates reach these through `{% load french %}` (dates, names) and `{% load money %}`.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

NARROW_NBSP = "\u202f"  # thousands separator; before ; ! ? (French typography)
NBSP = "\u00a0"  # between a figure and its unit; before :
EMPTY = "—"
CENT = Decimal("0.01")
FRACTIONS = {Decimal("0.25"): "¼", Decimal("0.5"): "½", Decimal("0.75"): "¾"}
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# Words starting with these take an elided article or preposition: d’Amandine, l’académie.
ELIDING_INITIALS = frozenset("aàâäeéèêëiîïoôöuùûüyœæh")
APOSTROPHE = "’"


# --- Numbers and money ---------------------------------------------------------------------


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: a float is never trusted with its binary digits.
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _group(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


def format_number(value: Decimal, *, places: int | None, separator: str = NARROW_NBSP) -> str:
    """`value` with a French decimal comma and thousands grouped by `separator`.

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
    return sign + _group(integer, separator) + ("," + fraction if fraction else "")


def format_integer(value: object) -> str:
    """1300 → "1 300" (narrow no-break space); None → "—"."""
    number = to_decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    return format_number(number, places=0)


def format_euros(value: object, signed: bool = False) -> str:
    """Decimal("1250") → "1 250,00 €", with no-break spaces; None → "—"."""
    amount = to_decimal(value)
    if amount is None or not amount.is_finite():
        return EMPTY
    text = format_number(amount, places=2)
    if signed and amount > 0:
        text = "+" + text
    return f"{text}{NBSP}€"


def format_spreadsheet_amount(value: Decimal | None) -> str:
    """1250 → "1250,00": what a French spreadsheet reads as a number (no grouping)."""
    if value is None:
        return ""
    return format_number(value, places=2, separator="")


def format_imp_units(value: object) -> str:
    """Decimal("1.5") → "1,5 IMP"; None → "—"."""
    units = to_decimal(value)
    if units is None or not units.is_finite():
        return EMPTY
    return f"{format_number(units, places=None)}{NBSP}IMP"


def format_multiple(value: object) -> str:
    """A factor of the base rate as people say it: 0.25 → "¼", 2 → "2"."""
    factor = to_decimal(value)
    if factor is None or not factor.is_finite():
        return EMPTY
    return FRACTIONS.get(factor.normalize(), format_number(factor, places=None))


# --- Dates ---------------------------------------------------------------------------------


def format_date(value: datetime.date | datetime.datetime | None, *, time: bool = False) -> str:
    """ "1er décembre 2026", "2 décembre 2026"; with `time`, "1er décembre 2026 à 14 h 05"."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        moment = value
        value = value.date()
    else:
        moment = None
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day}{NBSP}{MONTHS[value.month - 1]} {value.year}"
    if time and moment is not None:
        text += f" à {moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"
    return text


# --- Names ---------------------------------------------------------------------------------


def elides(word: str) -> bool:
    return bool(word) and word[0].lower() in ELIDING_INITIALS


def of(name: object) -> str:
    """ "de Julien", "d’Amandine", "d’Aix-Marseille": the preposition de, elided where due."""
    text = str(name)
    return f"d{APOSTROPHE}{text}" if elides(text) else f"de {text}"


def the(noun: object, *, feminine: bool = True) -> str:
    """ "l’académie", "la délégation", "le rectorat": the definite article, elided where due."""
    text = str(noun)
    if elides(text):
        return f"l{APOSTROPHE}{text}"
    return f"{'la' if feminine else 'le'} {text}"


def quoted(text: object) -> str:
    """« text » with the no-break spaces French guillemets take inside."""
    return f"«{NBSP}{text}{NBSP}»"


def french_punctuation(text: str) -> str:
    """A no-break space before ; ! ? (narrow) and : (full), replacing an ordinary one."""
    for mark, space in ((";", NARROW_NBSP), ("!", NARROW_NBSP), ("?", NARROW_NBSP), (":", NBSP)):
        text = text.replace(f" {mark}", f"{space}{mark}")
    return text
