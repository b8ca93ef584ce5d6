"""Who may certify the service done of an allocation, and whether it would be a correction.

The one place of that rule: the service-fait page asks it for all its allocations at once, the
certification service for the one it writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indemnities.models import Allocation, ServiceCertification
from tenancy.scope import Scope

NOT_ALLOWED = "Vous ne pouvez pas certifier le service fait de ce référent."
NEEDS_LETTER = "La certification sera possible après l’émission de la lettre de mission."
ALREADY_CERTIFIED = (
    "Le service fait est déjà certifié pour ce référent : seule la DANE peut le corriger."
)


@dataclass(frozen=True)
class CertificationRight:
    allowed: bool
    is_correction: bool = False
    refusal: str = NOT_ALLOWED


def certification_rights(
    scope: Scope, allocations: Iterable[Allocation]
) -> dict[int, CertificationRight]:
    """For each allocation (by id), whether `scope` may certify it now.

    A DANE administrator certifies any allocation of the académie, and corrects one already
    certified. A principal or deputy certifies once an allocation of their establishments that
    an issued letter covers. Nobody else certifies. Two queries at most, whatever the number.
    """
    allocation_list = [a for a in allocations if a.academie_id == scope.academie_id]
    certified = set(
        ServiceCertification.objects.filter(
            allocation_id__in=[a.pk for a in allocation_list]
        ).values_list("allocation_id", flat=True)
    )
    own = (
        set(
            Allocation.objects.filter(
                scope.establishments_q("establishment"), pk__in=[a.pk for a in allocation_list]
            ).values_list("pk", flat=True)
        )
        if scope.is_direction
        else set()
    )
    rights: dict[int, CertificationRight] = {}
    for allocation in allocations:
        if allocation.academie_id != scope.academie_id:
            rights[allocation.pk] = CertificationRight(allowed=False)
        elif scope.is_dane_admin:
            rights[allocation.pk] = CertificationRight(
                allowed=True, is_correction=allocation.pk in certified
            )
        elif scope.is_direction and allocation.pk in own:
            if allocation.pk in certified:
                rights[allocation.pk] = CertificationRight(allowed=False, refusal=ALREADY_CERTIFIED)
            elif allocation.letter_issued_at is None:
                rights[allocation.pk] = CertificationRight(allowed=False, refusal=NEEDS_LETTER)
            else:
                rights[allocation.pk] = CertificationRight(allowed=True)
        else:
            rights[allocation.pk] = CertificationRight(allowed=False)
    return rights


def certification_right(scope: Scope, allocation: Allocation) -> CertificationRight:
    return certification_rights(scope, [allocation])[allocation.pk]
