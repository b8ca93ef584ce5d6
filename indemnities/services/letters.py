"""The seam the mission letters plug into: an allocation covered by an issued letter.

`missions` depends on `indemnities`, never the reverse: from a referent's letter's first
signature to its withdrawal, the letters app holds the amount with `allocation_freeze_for_letter`
and `allocation_unfreeze_for_letter`; when the letter is issued it calls
`allocation_cover_by_letter`; when an amendment supersedes it, `allocation_release_letter`.
Indemnities owns the state (`Allocation.letter_issued_at`), so the service-fait page reads
it for all its allocations in the same query as the allocations.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from audit.services import audit_record
from establishments.models import Establishment, SchoolYear
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


@transaction.atomic
def allocation_freeze_for_letter(
    *,
    establishment: Establishment,
    school_year: SchoolYear,
    referent: Membership,
    actor: Scope,
) -> Allocation:
    """Hold the referent's amount as the letter signed for it states it.

    A referent without IMP gets a withdrawn row of 0 €, so that an amount cannot be given to
    them behind the signed letter's back either."""
    # The same lock as allocation_set's: a concurrent save of the split waits for us.
    Establishment.objects.select_for_update().filter(pk=establishment.pk).first()
    allocation = Allocation.objects.filter(
        establishment=establishment, school_year=school_year, referent=referent
    ).first()
    if allocation is None:
        allocation = Allocation.objects.create(
            academie_id=establishment.academie_id,
            establishment=establishment,
            school_year=school_year,
            referent=referent,
            amount=0,
            withdrawn_at=timezone.now(),
            updated_by_id=actor.user_id,
        )
    if allocation.letter_signed_at is None:
        allocation.letter_signed_at = timezone.now()
        allocation.save(update_fields=["letter_signed_at", "updated_at"])
    return allocation


@transaction.atomic
def allocation_unfreeze_for_letter(
    *, establishment: Establishment, school_year: SchoolYear, referent: Membership
) -> None:
    """The letter that held the amount is withdrawn, or amended: the amount may change again."""
    Allocation.objects.filter(
        establishment=establishment, school_year=school_year, referent=referent
    ).update(letter_signed_at=None, updated_at=timezone.now())
