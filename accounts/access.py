"""Reads of memberships and invitations scoped to the role a person acts in.

Only a DANE administrator manages people, and only in their own académie. Anything else (another
académie, a missing row, a role that may not manage people) gets the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Invitation, InvitationQuerySet, Membership, Role


def _manages_people(actor: Membership | None) -> bool:
    return actor is not None and actor.is_active and actor.role == Role.DANE_ADMIN


def memberships_visible_to(actor: Membership | None) -> QuerySet[Membership]:
    """Active memberships of the actor's académie, for a DANE administrator; nothing otherwise."""
    if actor is None or not _manages_people(actor):
        return Membership.objects.none()
    return Membership.objects.active().filter(academie_id=actor.academie_id)


def invitations_visible_to(actor: Membership | None) -> InvitationQuerySet:
    """Invitations of the actor's académie not yet accepted nor cancelled (pending or expired)."""
    if actor is None or not _manages_people(actor):
        return Invitation.objects.none()
    return Invitation.objects.filter(
        academie_id=actor.academie_id, accepted_at__isnull=True, cancelled_at__isnull=True
    )


def get_membership_for(actor: Membership | None, pk: int | str) -> Membership:
    try:
        return (
            memberships_visible_to(actor)
            .select_related("user", "academie", "school_year")
            .get(pk=pk)
        )
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Rôle introuvable.") from exc


def get_invitation_for(actor: Membership | None, pk: int | str) -> Invitation:
    try:
        return invitations_visible_to(actor).select_related("academie", "invited_by").get(pk=pk)
    except (Invitation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Invitation introuvable.") from exc


def other_active_dane_admins_exist(membership: Membership) -> bool:
    """Whether the académie keeps an active DANE administrator if `membership` goes."""
    return (
        Membership.objects.active()
        .filter(academie_id=membership.academie_id, role=Role.DANE_ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )
