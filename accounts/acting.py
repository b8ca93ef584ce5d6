"""The role a signed-in person is acting in, resolved once per request.

A person may hold several memberships (a principal who is also a RUPN elsewhere); the one they
act in is kept in the session and chosen again from their active memberships on every request,
so a revoked role stops working at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import Membership, Role

if TYPE_CHECKING:
    from accounts.models import User

SESSION_KEY = "acting_membership_id"

# The role a person lands in when they have not chosen: the widest scope first.
ROLE_PRIORITY = [Role.DANE_ADMIN, Role.DANE_COORDINATOR, Role.PRINCIPAL, Role.DEPUTY, Role.RUPN]


def memberships_of(user: User) -> list[Membership]:
    if not user.is_authenticated:
        return []
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
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


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Only people acting in one of `roles` may use the view: others get 403, visitors the login."""

    allowed = frozenset(roles)

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            acting: Membership | None = getattr(request, "acting", None)
            if acting is None or acting.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return cast(ViewFunc, wrapper)

    return decorator


def acting(request: HttpRequest) -> Membership:
    """The acting membership of a view already guarded by `role_required`."""
    membership: Membership | None = getattr(request, "acting", None)
    if membership is None:
        raise PermissionDenied
    return membership
