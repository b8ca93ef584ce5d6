"""Certification of service fait: was the referent's mission done in full, partly or not at all.

Certifications are append-only: a DANE correction adds a new row marked as a correction, the
earlier ones stay as history, and the latest one is the one in force.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import DIRECTION_ROLES, Membership, Role
from establishments.access import establishments_visible_to
from indemnities.envelopes import CENT
from indemnities.letters_gate import allocation_has_issued_letter
from indemnities.models import Allocation, ServiceCertification, ServiceStatus

MONTHS_IN_YEAR = 9  # IMP are paid in ninths, from November to July

NOT_ALLOWED = "Vous ne pouvez pas certifier le service fait de ce référent."
NEEDS_LETTER = "La certification sera possible après l’émission de la lettre de mission."


def certification_amount(*, allocation_amount: Decimal, status: str, months_done: int) -> Decimal:
    """The amount due: all of it, ninths pro rata (rounded to the cent), or nothing."""
    if status == ServiceStatus.FULL:
        return allocation_amount
    if status == ServiceStatus.PARTIAL:
        return (allocation_amount * months_done / MONTHS_IN_YEAR).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return Decimal("0.00")


def can_certify(actor: Membership, allocation: Allocation) -> bool:
    """Whether the actor may certify the allocation now (principals need an issued letter)."""
    if not actor.is_active or actor.academie_id != allocation.academie_id:
        return False
    if actor.role == Role.DANE_ADMIN:
        return True
    if actor.role in DIRECTION_ROLES:
        return establishments_visible_to(actor).filter(
            pk=allocation.establishment_id
        ).exists() and allocation_has_issued_letter(allocation)
    return False


@transaction.atomic
def service_certify(
    *,
    allocation: Allocation,
    status: str,
    months_done: int | None,
    comment: str,
    certified_by: Membership,
    as_dane_correction: bool = False,
) -> ServiceCertification:
    """Certify the service done for `allocation`, acting in the role `certified_by`.

    A principal or deputy certifies once, when the referent's letter is issued; a DANE admin
    certifies any allocation of the académie and corrects an existing certification."""
    # Serialise two certifications of the same allocation (e.g. principal and deputy).
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if not can_certify(certified_by, allocation):
        if (
            certified_by.role in DIRECTION_ROLES
            and certified_by.academie_id == allocation.academie_id
            and establishments_visible_to(certified_by)
            .filter(pk=allocation.establishment_id)
            .exists()
        ):
            raise ValidationError(NEEDS_LETTER)
        raise ValidationError(NOT_ALLOWED)
    already = ServiceCertification.objects.filter(allocation=allocation).exists()
    if as_dane_correction:
        if certified_by.role != Role.DANE_ADMIN:
            raise ValidationError("Seule la DANE peut corriger une certification.")
        if not already:
            raise ValidationError("Il n’y a pas encore de certification à corriger.")
    elif already:
        raise ValidationError(
            "Le service fait est déjà certifié pour ce référent : seule la DANE peut le corriger."
        )

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

    return ServiceCertification.objects.create(
        academie_id=allocation.academie_id,
        allocation=allocation,
        status=status,
        months_done=months,
        amount=certification_amount(
            allocation_amount=allocation.amount, status=status, months_done=months
        ),
        comment=comment,
        certified_by=certified_by.user,
        is_correction=as_dane_correction,
    )
