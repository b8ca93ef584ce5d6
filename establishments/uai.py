"""The UAI (unité administrative immatriculée, ex-RNE) identifying every French school.

Seven characters then a check letter: the first seven are digits, except in Corsica where the
département part is `620`/`720` in the national registry (2A/2B). The letter is
`CHECK_LETTERS[int(first seven) % 23]`.
"""

import re

from django.core.exceptions import ValidationError

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
UAI_PATTERN = re.compile(r"^\d{7}[A-Z]$")


def uai_check_letter(digits: str) -> str:
    return CHECK_LETTERS[int(digits) % 23]


def normalize_uai(value: str) -> str:
    return (value or "").strip().upper()


def uai_problem(value: str) -> str | None:
    """Why `value` is not a valid UAI, in French, or None when it is valid."""
    uai = normalize_uai(value)
    if not uai:
        return "L’UAI est vide."
    if len(uai) != 8:
        return f"L’UAI « {uai} » doit comporter 8 caractères (7 chiffres et une lettre)."
    if not UAI_PATTERN.match(uai):
        return f"L’UAI « {uai} » doit comporter 7 chiffres suivis d’une lettre."
    expected = uai_check_letter(uai[:7])
    if uai[7] != expected:
        return f"La lettre de contrôle de l’UAI « {uai} » est fausse : {expected} attendu."
    return None


def validate_uai(value: str) -> None:
    problem = uai_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_uai")


def departement_of_uai(uai: str) -> str:
    """The département code an UAI belongs to (`033` → `33`, `620` → `2A`, `720` → `2B`)."""
    prefix = normalize_uai(uai)[:3]
    if prefix == "620":
        return "2A"
    if prefix == "720":
        return "2B"
    if prefix.startswith("0"):
        return prefix[1:]
    return prefix


def make_uai(departement_prefix: str, serial: int) -> str:
    """A valid UAI from a three-digit prefix and a four-digit serial (demo data, tests)."""
    if not 0 <= serial <= 9999:
        raise ValueError(f"Un UAI a un numéro de quatre chiffres, pas {serial}.")
    digits = f"{departement_prefix}{serial:04d}"
    return digits + uai_check_letter(digits)
