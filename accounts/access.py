"""Reads of memberships and invitations scoped to the role a person acts in.

Only a DANE administrator manages people, and only in their own académie. Anything else (another
académie, a missing row, a role that may not manage people) gets the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Invitation, InvitationQuerySet, Membership, Role
from tenancy.scope import Scope


def _manages_people(scope: Scope | None) -> bool:
    return scope is not None and scope.whole_academie and (scope.is_dane_admin or scope.is_platform)


def memberships_visible_to(scope: Scope | None) -> QuerySet[Membership]:
    """Active memberships of the scope's académie, for a DANE administrator; nothing otherwise."""
    if scope is None or not _manages_people(scope):
        return Membership.objects.none()
    return Membership.objects.active().filter(academie_id=scope.academie_id)


def invitations_visible_to(scope: Scope | None) -> InvitationQuerySet:
    """Invitations of the scope's académie not yet accepted nor cancelled (pending or expired)."""
    if scope is None or not _manages_people(scope):
        return Invitation.objects.none()
    return Invitation.objects.filter(
        academie_id=scope.academie_id, accepted_at__isnull=True, cancelled_at__isnull=True
    )


def get_membership_for(scope: Scope | None, pk: int | str) -> Membership:
    try:
        return (
            memberships_visible_to(scope)
            .select_related("user", "academie", "school_year")
            .get(pk=pk)
        )
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Rôle introuvable.") from exc


def get_invitation_for(scope: Scope | None, pk: int | str) -> Invitation:
    try:
        return invitations_visible_to(scope).select_related("academie", "invited_by").get(pk=pk)
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
