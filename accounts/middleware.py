from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.acting import resolve_acting_membership
from accounts.scopes import scope_for
from tenancy.context import client_ip
from tenancy.guard import academie_scope, scopes_disabled
from tenancy.http import client_ip as request_client_ip


class ActingRoleMiddleware:
    """Resolves once per request the role the person acts in, its scope and its académie, and
    opens that académie's tenancy scope around the view.

    Without an acting role no académie scope is open, so a tenant query raises. The one
    exception is the Django admin, where platform administrators work across académies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = resolve_acting_membership(request)
        request.acting = membership  # type: ignore[attr-defined]
        request.academie = membership.academie if membership else None  # type: ignore[attr-defined]
        request.scope = scope_for(membership) if membership else None  # type: ignore[attr-defined]
        client_ip.set(request_client_ip(request))
        if request.path.startswith(ADMIN_PREFIX) and request.user.is_staff:
            # Platform administrators manage every académie in the Django admin.
            with scopes_disabled():
                return self.get_response(request)
        if membership is None:
            return self.get_response(request)
        with academie_scope(membership.academie_id):
            return self.get_response(request)


ADMIN_PREFIX = "/admin/"


# Pages a DANE member without two-factor authentication may still reach: setting it up,
# signing out, and public pages.
MFA_EXEMPT_PREFIXES = ("/comptes/", "/static/", "/accessibilite/", "/mentions-legales/")


class DaneMfaRequiredMiddleware:
    """Sends DANE staff of an académie that requires it to set up TOTP before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "acting", None)
        if (
            membership is not None
            and membership.is_dane
            and membership.academie.mfa_required_for_dane
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            return redirect(reverse("mfa_activate_totp") + "?obligatoire=1")
        return self.get_response(request)
