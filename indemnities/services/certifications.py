"""Certification of service fait: was the referent's mission done in full, partly or not at all.

Certifications are append-only: a DANE correction adds a new row marked as a correction, the
earlier ones stay as history, and the latest one is the one in force.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from indemnities.envelopes import CENT
from indemnities.models import Allocation, ServiceCertification, ServiceStatus
from indemnities.selectors_certifications import certification_right
from rupn.formatting import format_euros, quoted
from tenancy.scope import Scope

MONTHS_IN_YEAR = 9  # IMP are paid in ninths, from November to July


def certification_amount(*, allocation_amount: Decimal, status: str, months_done: int) -> Decimal:
    """The amount due: all of it, ninths pro rata (rounded to the cent), or nothing."""
    if status == ServiceStatus.FULL:
        return allocation_amount
    if status == ServiceStatus.PARTIAL:
        return (allocation_amount * months_done / MONTHS_IN_YEAR).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return Decimal("0.00")


@transaction.atomic
def service_certify(
    *,
    allocation: Allocation,
    status: str,
    months_done: int | None,
    comment: str,
    actor: Scope,
) -> ServiceCertification:
    """Certify the service done for `allocation`, acting in the scope `actor`.

    Who may, and whether it is a DANE correction of an earlier certification, is the rule of
    `certification_right`. Recorded in the audit log."""
    # Serialise two certifications of the same allocation (e.g. principal and deputy).
    allocation = (
        Allocation.objects.select_for_update()
        .select_related("establishment", "school_year", "referent__user")
        .get(pk=allocation.pk)
    )
    right = certification_right(actor, allocation)
    if not right.allowed:
        raise ValidationError(right.refusal)

    errors: list[str] = []
    if status not in ServiceStatus.values:
        raise ValidationError("Choisissez si le service a été fait en totalité, en partie ou non.")
    comment = (comment or "").strip()
    if status == ServiceStatus.FULL:
        months = MONTHS_IN_YEAR
    elif status == ServiceStatus.NONE:
        months = 0
    else:
        months = months_done if isinstance(months_done, int) else 0
        if not 1 <= months <= MONTHS_IN_YEAR - 1:
            errors.append(
                "Pour un service fait en partie, indiquez le nombre de mois effectués, de 1 à 8."
            )
    if status != ServiceStatus.FULL and not comment:
        errors.append("Un commentaire est obligatoire quand le service n’est pas fait en totalité.")
    if errors:
        raise ValidationError(errors)

    certification = ServiceCertification.objects.create(
        academie_id=allocation.academie_id,
        allocation=allocation,
        status=status,
        months_done=months,
        amount=certification_amount(
            allocation_amount=allocation.amount, status=status, months_done=months
        ),
        comment=comment,
        certified_by_id=actor.user_id,
        is_correction=right.is_correction,
    )
    user = allocation.referent.user
    label = ServiceStatus(status).label.lower()
    detail = f" ({months}/9)" if status == ServiceStatus.PARTIAL else ""
    audit_record(
        actor=actor,
        verb="certification.correct" if right.is_correction else "certification.create",
        target=certification,
        establishment_id=allocation.establishment_id,
        school_year_id=allocation.school_year_id,
        summary=(
            f"{'a corrigé la certification' if right.is_correction else 'a certifié'} "
            f"{quoted(label + detail)} pour {user.full_name or user.email} "
            f"({format_euros(certification.amount)} dus, {allocation.establishment.name}, "
            f"{allocation.school_year.label})"
        ),
        after={"status": status, "months_done": months, "amount": str(certification.amount)},
        reason=comment,
    )
    return certification
