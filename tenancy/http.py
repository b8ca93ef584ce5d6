"""The acting scope of a request, and the guard of views by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from tenancy.roles import Role
from tenancy.scope import Scope

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse | StreamingHttpResponse])


def request_scope(request: HttpRequest) -> Scope:
    """The scope of a view guarded by `role_required` (set by the acting-role middleware)."""
    scope: Scope | None = getattr(request, "scope", None)
    if scope is None:
        raise PermissionDenied
    return scope


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Only people acting in one of `roles` may use the view: others get 403, visitors the login."""

    allowed = frozenset(roles)

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponse | StreamingHttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope: Scope | None = getattr(request, "scope", None)
            if scope is None or scope.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed  # type: ignore[attr-defined]
        return cast(ViewFunc, wrapper)

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the WSGI server gives it in REMOTE_ADDR, never a header the
    client could write. Behind a load balancer that is the balancer's address unless the WSGI
    server is set to take the forwarded one (gunicorn's `--forwarded-allow-ips`)."""
    return request.META.get("REMOTE_ADDR") or None
