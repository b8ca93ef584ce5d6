"""Writes on envelopes: a DANE admin's hand-set envelope for one establishment and year.

The override replaces the computed envelope wherever it is shown or used, and always carries
its written justification.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from audit.services import audit_record
from establishments.models import Establishment, SchoolYear
from indemnities.envelopes import envelopes_for, rule_set_for
from indemnities.models import QUARTER, Allocation, EnvelopeOverride
from rupn.formatting import format_euros
from tenancy.scope import Scope

CENT = Decimal("0.01")
MAX_MONEY = Decimal("99999999.99")
MIN_JUSTIFICATION = 10


def _allocated(establishment: Establishment, school_year: SchoolYear) -> Decimal:
    total = (
        Allocation.objects.current()
        .filter(establishment=establishment, school_year=school_year)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0")


def _lock_establishment(establishment: Establishment) -> None:
    # Allocations of the same establishment and year lock the same row, so an envelope cannot
    # shrink under an allocation being saved at the same moment.
    Establishment.objects.select_for_update().filter(pk=establishment.pk).first()


def _envelope_in_force(establishment: Establishment, school_year: SchoolYear) -> Decimal | None:
    return envelopes_for(
        academie_id=establishment.academie_id,
        school_year=school_year,
        establishments=[establishment],
    )[establishment.pk].amount


def _euros(amount: Decimal | None) -> str:
    return format_euros(amount) if amount is not None else "non calculée"


def envelope_override_warnings(
    *, establishment: Establishment, school_year: SchoolYear, amount: Decimal
) -> list[str]:
    """What is allowed but unusual about a hand-set amount (French, for a flash message)."""
    rule_set = rule_set_for(establishment.academie_id, school_year)
    if rule_set is None:
        return []
    quarter = (rule_set.base_rate * QUARTER).quantize(CENT)
    if quarter and amount % quarter != 0:
        return [
            "Le montant n’est pas un multiple du quart de taux "
            f"({format_euros(quarter)}) : il ne pourra pas être réparti entièrement entre "
            "les référents."
        ]
    return []


@transaction.atomic
def envelope_override_set(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    amount: Decimal,
    justification: str,
    actor: Scope,
) -> EnvelopeOverride:
    """Set (or replace) the envelope of one establishment for one year by hand."""
    justification = (justification or "").strip()
    errors = []
    if len(justification) < MIN_JUSTIFICATION:
        errors.append(
            f"Justifiez l’ajustement en quelques mots (au moins {MIN_JUSTIFICATION} caractères)."
        )
    if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        errors.append("Le montant de l’enveloppe doit être positif ou nul.")
    elif amount != amount.quantize(CENT):
        errors.append("Le montant s’exprime en euros avec au plus deux décimales.")
    if errors:
        raise ValidationError(errors)
    _lock_establishment(establishment)
    allocated = _allocated(establishment, school_year)
    if amount < allocated:
        raise ValidationError(
            f"L’enveloppe ne peut pas être inférieure au montant déjà attribué aux référents "
            f"({format_euros(allocated)}) : réduisez d’abord les attributions."
        )
    before = _envelope_in_force(establishment, school_year)
    override, _created = EnvelopeOverride.objects.update_or_create(
        establishment=establishment,
        school_year=school_year,
        defaults={
            "academie_id": establishment.academie_id,
            "amount": amount,
            "justification": justification,
            "created_by_id": actor.user_id,
        },
    )
    audit_record(
        actor=actor,
        verb="envelope.override",
        target=override,
        establishment_id=establishment.pk,
        school_year_id=school_year.pk,
        summary=f"a porté l’enveloppe IMP {school_year.label} de {establishment.name} de "
        f"{_euros(before)} à {format_euros(amount)}",
        before={"amount": str(before) if before is not None else None},
        after={"amount": str(amount)},
        reason=justification,
    )
    return override


@transaction.atomic
def envelope_override_clear(
    *, establishment: Establishment, school_year: SchoolYear, actor: Scope
) -> None:
    """Go back to the envelope computed from the rules. Refused if that would leave the
    establishment with less than it has already allocated."""
    _lock_establishment(establishment)
    override = EnvelopeOverride.objects.filter(
        establishment=establishment, school_year=school_year
    ).first()
    if override is None:
        raise ValidationError("Cette enveloppe n’est pas ajustée.")
    computed = envelopes_for(
        academie_id=establishment.academie_id,
        school_year=school_year,
        establishments=[establishment],
    )[establishment.pk].computed_amount
    allocated = _allocated(establishment, school_year)
    if allocated and (computed is None or computed < allocated):
        raise ValidationError(
            "L’enveloppe calculée par les règles serait inférieure au montant déjà attribué "
            f"({format_euros(allocated)}) : l’ajustement ne peut pas être supprimé."
        )
    audit_record(
        actor=actor,
        verb="envelope.override_clear",
        target=override,
        establishment_id=establishment.pk,
        school_year_id=school_year.pk,
        summary=f"a rendu à {establishment.name} son enveloppe IMP {school_year.label} "
        f"calculée par les règles : {_euros(override.amount)} → {_euros(computed)}",
        before={"amount": str(override.amount), "justification": override.justification},
        after={"amount": str(computed) if computed is not None else None},
    )
    override.delete()
