"""The seam the mission letters plug into: an allocation covered by an issued letter.

`missions` depends on `indemnities`, never the reverse: when a referent's letter is issued, the
letters app calls `allocation_cover_by_letter`; when an amendment supersedes it, it calls
`allocation_release_letter`. Indemnities owns the state (`Allocation.letter_issued_at`), so the
service-fait page reads it for all its allocations in the same query as the allocations.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from indemnities.models import Allocation
from tenancy.scope import Scope


def _locked(allocation: Allocation) -> Allocation:
    return (
        Allocation.objects.select_for_update()
        .select_related("establishment", "school_year", "referent__user")
        .get(pk=allocation.pk)
    )


def _who(allocation: Allocation) -> str:
    user = allocation.referent.user
    return (
        f"{user.full_name or user.email} ({allocation.establishment.name}, "
        f"{allocation.school_year.label})"
    )


@transaction.atomic
def allocation_cover_by_letter(
    *, allocation: Allocation, letter_reference: str, actor: Scope
) -> Allocation:
    """Record that the issued letter `letter_reference` covers `allocation`. Running it again
    for the same letter changes nothing."""
    locked = _locked(allocation)
    if locked.withdrawn_at is not None:
        raise ValidationError("Cette attribution est retirée : aucune lettre ne peut la couvrir.")
    if locked.letter_issued_at is not None and locked.letter_reference == letter_reference:
        return locked
    locked.letter_issued_at = timezone.now()
    locked.letter_reference = letter_reference
    locked.save(update_fields=["letter_issued_at", "letter_reference", "updated_at"])
    audit_record(
        actor=actor,
        verb="allocation.letter_cover",
        target=locked,
        establishment_id=locked.establishment_id,
        school_year_id=locked.school_year_id,
        summary=f"a émis la lettre de mission {letter_reference} qui couvre l’IMP de "
        f"{_who(locked)}",
        after={"letter_reference": letter_reference},
    )
    return locked


@transaction.atomic
def allocation_release_letter(*, allocation: Allocation, actor: Scope, reason: str) -> Allocation:
    """The letter that covered `allocation` is superseded (an amendment): it is no longer
    covered until the amended letter is issued."""
    locked = _locked(allocation)
    if locked.letter_issued_at is None:
        return locked
    previous = locked.letter_reference
    locked.letter_issued_at = None
    locked.letter_reference = ""
    locked.save(update_fields=["letter_issued_at", "letter_reference", "updated_at"])
    audit_record(
        actor=actor,
        verb="allocation.letter_release",
        target=locked,
        establishment_id=locked.establishment_id,
        school_year_id=locked.school_year_id,
        summary=f"a remplacé la lettre de mission {previous} de {_who(locked)}",
        before={"letter_reference": previous},
        reason=reason,
    )
    return locked
