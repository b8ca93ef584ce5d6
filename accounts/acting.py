"""The role a signed-in person is acting in, resolved once per request.

A person may hold several memberships (a principal who is also a RUPN elsewhere); the one they
act in is kept in the session and chosen again from their active memberships on every request,
so a revoked role stops working at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest

from accounts.models import Membership, Role
from accounts.scopes import with_scope_ids
from tenancy.guard import scopes_disabled

if TYPE_CHECKING:
    from accounts.models import User

SESSION_KEY = "acting_membership_id"

# The role a person lands in when they have not chosen: the widest scope first.
ROLE_PRIORITY = [Role.DANE_ADMIN, Role.DANE_COORDINATOR, Role.PRINCIPAL, Role.DEPUTY, Role.RUPN]


def memberships_of(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    # A person's memberships span académies: this is the read that chooses the tenant, so it
    # runs before any académie scope is open. The person is active (just read, above): only
    # the memberships' own revocation is left to check, without joining the person again.
    with scopes_disabled():
        memberships = list(
            with_scope_ids(Membership.objects.filter(user=user, revoked_at__isnull=True))
            .select_related("academie", "school_year")
            .order_by("academie__name", "pk")
        )
    memberships.sort(key=lambda m: ROLE_PRIORITY.index(Role(m.role)))
    return memberships


def resolve_acting_membership(request: HttpRequest) -> Membership | None:
    memberships = memberships_of(cast("User", request.user))
    if not memberships:
        return None
    chosen_id = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == chosen_id:
            return membership
    return memberships[0]


def acting_membership_switch(request: HttpRequest, membership: Membership) -> None:
    request.session[SESSION_KEY] = membership.pk
