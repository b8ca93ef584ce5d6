"""The fields a template's texts may name between braces, and their filling.

`{referent}` in a template becomes « Mme Camille Martin » in the letter. Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLACEHOLDERS = {
    "referent": "le référent (civilité, prénom et nom)",
    "etablissement": "l’établissement",
    "annee": "l’année scolaire",
    "chef_etablissement": "le chef d’établissement",
    "montant": "le montant de l’indemnité",
    "academie": "l’académie",
}

_FIELD = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The names between braces in `text` that are not fields, in order of appearance."""
    seen: list[str] = []
    for name in _FIELD.findall(text):
        if name.strip() not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def placeholder_errors(texts: Iterable[tuple[str, str]]) -> list[str]:
    """A French message for each unknown field of each (where, text) pair."""
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    return [
        f"{where} : le champ {{{name}}} n’existe pas. Champs possibles : {known}."
        for where, text in texts
        for name in unknown_placeholders(text)
    ]


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """`text` with each field replaced by its value (a field without value stays visible)."""
    return _FIELD.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text)
