"""Whether a year's IMP rules can be saved: every reason why not, in French.

Pure: it reads nothing and writes nothing, so forms, previews and services share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from establishments.models import EstablishmentCategory
from indemnities.defaults import BandRow
from indemnities.models import QUARTER, ReferentLimitPolicy

CENT = Decimal("0.01")
MAX_MONEY = Decimal("99999999.99")
MAX_UNITS = Decimal("999.99")
CATEGORY_LABELS = dict(EstablishmentCategory.choices)


def fmt_figure(value: Decimal | int | None) -> str:
    """A short French rendering of a figure for error messages and the change log."""
    if value is None:
        return "…"
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}" if value != 0 else "0"
        return text.replace(".", ",")
    return str(value)


def _band_label(line: int, row: BandRow) -> str:
    category, low, high, _units = row
    label = CATEGORY_LABELS.get(category, "sans catégorie")
    if high is None:
        upper = f"{fmt_figure(low)} élèves et plus"
    else:
        upper = f"{fmt_figure(low)} à {fmt_figure(high)} élèves"
    return f"ligne {line} ({label}, {upper})"


def _is_quarter_multiple(value: Decimal) -> bool:
    return (value / QUARTER) == (value / QUARTER).to_integral_value()


def rules_errors(
    *,
    base_rate: Decimal | None,
    multiples: Iterable[Decimal],
    bands: Sequence[BandRow],
    max_referents: int | None = 3,
    max_referents_policy: str = ReferentLimitPolicy.WARNING,
) -> list[str]:
    """Every reason, in French, why these rules cannot be saved (empty list: they can).

    Lines are numbered as the person entered them, so that a message points at the row to fix.
    """
    errors: list[str] = []
    if base_rate is None or not base_rate.is_finite() or base_rate <= 0:
        errors.append("Le taux de base doit être un montant strictement positif.")
    elif base_rate != base_rate.quantize(CENT) or base_rate > MAX_MONEY:
        errors.append("Le taux de base s’exprime en euros avec au plus deux décimales.")

    factors = list(multiples)
    if not factors:
        errors.append("Cochez au moins un multiple autorisé du taux de base.")
    for factor in factors:
        if not factor.is_finite() or factor < QUARTER or not _is_quarter_multiple(factor):
            errors.append(
                f"Le multiple {fmt_figure(factor)} n’est pas autorisé : un multiple vaut au moins "
                "un quart du taux et se compte par quarts (0,25 ; 0,5 ; 1 ; 2 ; 3…)."
            )

    if max_referents is None or max_referents < 1:
        errors.append("Le nombre maximal de référents par établissement doit être au moins 1.")
    if max_referents_policy not in ReferentLimitPolicy.values:
        errors.append("Choisissez si le dépassement du nombre de référents est permis ou non.")

    if not bands:
        errors.append("Ajoutez au moins une tranche d’enveloppe.")
    by_category: dict[str, list[tuple[int, BandRow]]] = {}
    for line, row in enumerate(bands, start=1):
        category, low, high, units = row
        row_ok = True
        if not category or category not in CATEGORY_LABELS:
            errors.append(f"Ligne {line} : choisissez la catégorie d’établissement de la tranche.")
            row_ok = False
        if low is None or low < 0:
            errors.append(f"Ligne {line} : le nombre d’élèves minimal doit être 0 ou plus.")
            row_ok = False
        elif high is not None and high < low:
            errors.append(
                f"Ligne {line} : le maximum ({fmt_figure(high)} élèves) est inférieur au minimum "
                f"({fmt_figure(low)} élèves)."
            )
            row_ok = False
        if units is None or not units.is_finite() or units < 0 or units > MAX_UNITS:
            errors.append(f"Ligne {line} : l’enveloppe doit être un nombre d’IMP positif ou nul.")
            row_ok = False
        elif not _is_quarter_multiple(units):
            errors.append(
                f"Ligne {line} : l’enveloppe ({fmt_figure(units)} IMP) doit se compter par quarts "
                "d’IMP (0,25 ; 0,5 ; 1,5…)."
            )
            row_ok = False
        if row_ok:
            by_category.setdefault(category, []).append((line, row))

    for category, rows in by_category.items():
        label = CATEGORY_LABELS[category]
        rows.sort(key=lambda item: item[1][1])
        first_line, first = rows[0]
        if first[1] != 0:
            errors.append(
                f"{label} : la première tranche ({_band_label(first_line, first)}) doit commencer "
                "à 0 élève, sinon les plus petits établissements n’ont pas d’enveloppe."
            )
        for (line_a, a), (line_b, b) in zip(rows, rows[1:], strict=False):
            high_a = a[2]
            if high_a is None:
                errors.append(
                    f"{label} : la {_band_label(line_a, a)} n’a pas de maximum alors que la "
                    f"{_band_label(line_b, b)} la suit ; seule la dernière tranche peut être "
                    "« et plus »."
                )
            elif b[1] <= high_a:
                errors.append(
                    f"{label} : la {_band_label(line_a, a)} et la {_band_label(line_b, b)} "
                    "se chevauchent."
                )
            elif b[1] > high_a + 1:
                errors.append(
                    f"{label} : trou entre la {_band_label(line_a, a)} et la "
                    f"{_band_label(line_b, b)} : aucune tranche pour {high_a + 1} à "
                    f"{b[1] - 1} élèves."
                )
    return errors


def rules_warnings(bands: Sequence[BandRow]) -> list[str]:
    """What is allowed but probably unintended: a category with no band, or no open last band."""
    warnings: list[str] = []
    for category, label in CATEGORY_LABELS.items():
        rows = sorted((r for r in bands if r[0] == category), key=lambda r: r[1])
        if not rows:
            warnings.append(
                f"Aucune tranche pour la catégorie « {label} » : ces établissements "
                "n’auront pas d’enveloppe."
            )
        elif rows[-1][2] is not None:
            warnings.append(
                f"{label} : au-delà de {rows[-1][2]} élèves, aucune tranche ne s’applique."
            )
    return warnings


def rules_validate(**kwargs: Any) -> None:
    errors = rules_errors(**kwargs)
    if errors:
        raise ValidationError(errors)
