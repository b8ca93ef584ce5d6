"""Writes on the IMP rules of an académie for a school year, and the preview of their effect.

Rules are data per académie and year: creating, copying and editing a year's rules never touches
another year's rows, so earlier years' envelopes stay as they were. Every write records an
`ImpRuleChange` (who, when, before/after).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from establishments.models import (
    Academie,
    Establishment,
    EstablishmentCategory,
    SchoolYear,
)
from indemnities.defaults import BandRow
from indemnities.envelopes import envelopes_for
from indemnities.models import (
    DEFAULT_BASE_RATE,
    DEFAULT_MULTIPLES,
    QUARTER,
    EnvelopeBand,
    ImpMultiple,
    ImpRuleChange,
    ImpRuleSet,
    ReferentLimitPolicy,
)

if TYPE_CHECKING:
    from accounts.models import User

CENT = Decimal("0.01")
MAX_MONEY = Decimal("99999999.99")
MAX_UNITS = Decimal("999.99")
CATEGORY_LABELS = dict(EstablishmentCategory.choices)


def _fmt(value: Decimal | int | None) -> str:
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
        upper = f"{_fmt(low)} élèves et plus"
    else:
        upper = f"{_fmt(low)} à {_fmt(high)} élèves"
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
                f"Le multiple {_fmt(factor)} n’est pas autorisé : un multiple vaut au moins "
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
                f"Ligne {line} : le maximum ({_fmt(high)} élèves) est inférieur au minimum "
                f"({_fmt(low)} élèves)."
            )
            row_ok = False
        if units is None or not units.is_finite() or units < 0 or units > MAX_UNITS:
            errors.append(f"Ligne {line} : l’enveloppe doit être un nombre d’IMP positif ou nul.")
            row_ok = False
        elif not _is_quarter_multiple(units):
            errors.append(
                f"Ligne {line} : l’enveloppe ({_fmt(units)} IMP) doit se compter par quarts "
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


def _validate(**kwargs: Any) -> None:
    errors = rules_errors(**kwargs)
    if errors:
        raise ValidationError(errors)


def _summary(rule_set: ImpRuleSet) -> dict[str, Any]:
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
    return f"{label} {pupils} = {_fmt(Decimal(units))} IMP"


def _describe(before: dict[str, Any], after: dict[str, Any]) -> str:
    parts = []
    if before.get("base_rate") != after["base_rate"]:
        parts.append(
            f"taux de base {_fmt(Decimal(before['base_rate']))} € → "
            f"{_fmt(Decimal(after['base_rate']))} €"
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
    return "Modification : " + " ; ".join(parts) + "." if parts else "Aucune modification."


def _write_contents(
    rule_set: ImpRuleSet, *, multiples: Iterable[Decimal], bands: Sequence[BandRow]
) -> None:
    rule_set.multiples.all().delete()
    rule_set.bands.all().delete()
    ImpMultiple.objects.bulk_create(
        ImpMultiple(rule_set=rule_set, factor=factor) for factor in sorted(set(multiples))
    )
    EnvelopeBand.objects.bulk_create(
        EnvelopeBand(
            rule_set=rule_set, category=c, min_pupils=low, max_pupils=high, imp_units=units
        )
        for c, low, high, units in sorted(bands, key=lambda r: (r[0], r[1]))
    )


def _refuse_if_exists(academie: Academie, school_year: SchoolYear) -> None:
    if ImpRuleSet.objects.filter(academie=academie, school_year=school_year).exists():
        raise ValidationError(
            f"Les règles IMP de {school_year.label} existent déjà : modifiez-les plutôt."
        )


@transaction.atomic
def rule_set_create_from_table(
    *,
    academie: Academie,
    school_year: SchoolYear,
    bands: Sequence[BandRow],
    base_rate: Decimal = DEFAULT_BASE_RATE,
    multiples: Iterable[Decimal] = DEFAULT_MULTIPLES,
    created_by: User | None,
    max_referents: int = 3,
    max_referents_policy: str = ReferentLimitPolicy.WARNING,
    description: str = "",
) -> ImpRuleSet:
    """A new year's rules from a table (the national default or an académie's seed)."""
    factors = list(multiples)
    _validate(
        base_rate=base_rate,
        multiples=factors,
        bands=bands,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
    )
    _refuse_if_exists(academie, school_year)
    rule_set = ImpRuleSet.objects.create(
        academie=academie,
        school_year=school_year,
        base_rate=base_rate,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
        updated_by=created_by,
    )
    _write_contents(rule_set, multiples=factors, bands=bands)
    ImpRuleChange.objects.create(
        rule_set=rule_set,
        changed_by=created_by,
        description=description or f"Création des règles IMP de {school_year.label}.",
        before={},
        after=_summary(rule_set),
    )
    return rule_set


def rule_set_rows(rule_set: ImpRuleSet) -> list[BandRow]:
    return [
        (b.category, b.min_pupils, b.max_pupils, b.imp_units)
        for b in rule_set.bands.order_by("category", "min_pupils")
    ]


def previous_rule_set(*, academie: Academie, school_year: SchoolYear) -> ImpRuleSet | None:
    """The académie's most recent rules before `school_year` (years may have been skipped)."""
    return (
        ImpRuleSet.objects.filter(
            academie=academie, school_year__start_year__lt=school_year.start_year
        )
        .select_related("school_year")
        .order_by("-school_year__start_year")
        .first()
    )


@transaction.atomic
def rule_set_copy_from_previous_year(
    *, academie: Academie, school_year: SchoolYear, created_by: User | None
) -> ImpRuleSet:
    """This year's rules as a copy of the latest earlier year's (a new set of rows: editing the
    copy never changes the original)."""
    _refuse_if_exists(academie, school_year)
    source = previous_rule_set(academie=academie, school_year=school_year)
    if source is None:
        raise ValidationError(
            f"Aucune année antérieure à {school_year.label} n’a de règles IMP à copier : "
            "partez des règles nationales par défaut."
        )
    return rule_set_create_from_table(
        academie=academie,
        school_year=school_year,
        bands=rule_set_rows(source),
        base_rate=source.base_rate,
        multiples=[m.factor for m in source.multiples.all()],
        created_by=created_by,
        max_referents=source.max_referents,
        max_referents_policy=source.max_referents_policy,
        description=f"Création par copie des règles IMP de {source.school_year.label}.",
    )


def _refuse_if_locked(rule_set: ImpRuleSet) -> None:
    if rule_set.is_locked:
        raise ValidationError(
            f"Les règles IMP de {rule_set.school_year.label} sont figées depuis l’émission des "
            "lettres de mission : elles ne peuvent plus être modifiées."
        )


@transaction.atomic
def rule_set_update(
    *,
    rule_set: ImpRuleSet,
    base_rate: Decimal,
    max_referents: int,
    max_referents_policy: str,
    multiples: Iterable[Decimal],
    bands: Sequence[BandRow],
    changed_by: User | None,
) -> ImpRuleChange:
    """Replace a year's rules, after checking them; refused once the year is locked."""
    # The row lock serialises two admins saving at once and sees a lock taken meanwhile.
    locked = (
        ImpRuleSet.objects.select_for_update().select_related("school_year").get(pk=rule_set.pk)
    )
    _refuse_if_locked(locked)
    factors = list(multiples)
    _validate(
        base_rate=base_rate,
        multiples=factors,
        bands=bands,
        max_referents=max_referents,
        max_referents_policy=max_referents_policy,
    )
    before = _summary(locked)
    locked.base_rate = base_rate
    locked.max_referents = max_referents
    locked.max_referents_policy = max_referents_policy
    locked.updated_by = changed_by
    locked.save()
    _write_contents(locked, multiples=factors, bands=bands)
    after = _summary(locked)
    if after == before:
        raise ValidationError("Aucune modification à enregistrer.")
    change = ImpRuleChange.objects.create(
        rule_set=locked,
        changed_by=changed_by,
        description=_describe(before, after),
        before=before,
        after=after,
    )
    rule_set.refresh_from_db()
    return change


@transaction.atomic
def rule_set_lock(*, rule_set: ImpRuleSet, locked_by: User | None) -> ImpRuleSet:
    """Freeze a year's rules once its mission letters are issued. Idempotent; there is no
    unlock in the application (a platform administrator can, in the Django admin)."""
    locked = (
        ImpRuleSet.objects.select_for_update().select_related("school_year").get(pk=rule_set.pk)
    )
    if locked.locked_at is None:
        locked.locked_at = timezone.now()
        locked.updated_by = locked_by
        locked.save(update_fields=["locked_at", "updated_by", "updated_at"])
        summary = _summary(locked)
        ImpRuleChange.objects.create(
            rule_set=locked,
            changed_by=locked_by,
            description="Règles figées : les lettres de mission de l’année sont émises.",
            before=summary,
            after=summary,
        )
    rule_set.refresh_from_db()
    return locked


@dataclass(frozen=True)
class EnvelopeChange:
    establishment: Establishment
    old_amount: Decimal | None
    new_amount: Decimal | None
    overridden: bool = False

    @property
    def delta(self) -> Decimal | None:
        if self.old_amount is None or self.new_amount is None:
            return None
        return self.new_amount - self.old_amount

    # Tuple-like access, as the preview is also read as (establishment, old, new, delta).
    def __iter__(self) -> Iterator[Any]:
        return iter((self.establishment, self.old_amount, self.new_amount, self.delta))


def envelope_changes_preview(
    *, rule_set: ImpRuleSet, new_base_rate: Decimal, new_bands: Sequence[BandRow]
) -> list[EnvelopeChange]:
    """The establishments whose envelope in force would change with these rules, nothing saved.

    An establishment with a hand-set envelope keeps it, so it never appears here.
    """
    establishments = list(
        Establishment.objects.filter(academie_id=rule_set.academie_id)
        .select_related("departement")
        .order_by("name", "uai")
    )
    school_year = rule_set.school_year
    current = envelopes_for(
        academie=rule_set.academie,
        school_year=school_year,
        establishments=establishments,
        rule_set=rule_set,
    )
    draft = ImpRuleSet(academie=rule_set.academie, school_year=school_year, base_rate=new_base_rate)
    draft_bands = [
        EnvelopeBand(category=c, min_pupils=low, max_pupils=high, imp_units=units)
        for c, low, high, units in new_bands
    ]
    proposed = envelopes_for(
        academie=rule_set.academie,
        school_year=school_year,
        establishments=establishments,
        rule_set=draft,
        bands=draft_bands,
    )
    changes = []
    for establishment in establishments:
        old, new = current[establishment.pk], proposed[establishment.pk]
        if old.amount != new.amount:
            changes.append(
                EnvelopeChange(
                    establishment=establishment,
                    old_amount=old.amount,
                    new_amount=new.amount,
                    overridden=old.is_overridden,
                )
            )
    return changes
