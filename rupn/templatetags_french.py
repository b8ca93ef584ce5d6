"""`{% load french %}`: French typography in templates, from `rupn.formatting`.

- `{{ value|long_date }}` → "1er décembre 2026" (`iso_date` for "2026-12-01");
  `{{ value|long_datetime }}` adds "à 14 h 05";
- `{{ person|of }}` → "d’Amandine", "de Julien"; `{{ academie|of_academie }}` → "de l’académie
  de Poitiers"; `{{ academie|the_academie }}` → "l’académie d’Amiens";
- `{{ number|integer }}` → "1 300" with a narrow no-break space;
- `{{ message|punctuation }}` → no-break spaces before : ; ! ? of text written in Python.
"""

from __future__ import annotations

import datetime

from django import template

from rupn import formatting

register = template.Library()


@register.filter
def long_date(value: datetime.date | datetime.datetime | None) -> str:
    return formatting.format_date(value)


@register.filter
def iso_date(value: str | None) -> str:
    """A date written in ISO 8601 (as in a letter's document) → "28 février 2027"."""
    if not value:
        return ""
    return formatting.format_date(datetime.date.fromisoformat(value))


@register.filter
def long_datetime(value: datetime.datetime | None) -> str:
    return formatting.format_date(value, time=True)


@register.filter(name="of")
def of_filter(value: object) -> str:
    return formatting.of(value)


@register.filter
def the_academie(academie: object) -> str:
    """An académie, or its name: "l’académie de Poitiers"."""
    name = getattr(academie, "name", academie)
    return formatting.the(f"académie {formatting.of(name)}")


@register.filter
def of_academie(academie: object) -> str:
    """An académie, or its name: "de l’académie de Poitiers"."""
    return f"de {the_academie(academie)}"


@register.filter(is_safe=True)
def punctuation(value: object) -> str:
    """Messages and errors written in Python: a no-break space before : ; ! ?."""
    return formatting.french_punctuation(str(value))


@register.filter
def integer(value: object) -> str:
    return formatting.format_integer(value)
