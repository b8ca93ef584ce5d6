from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.acting import resolve_acting_membership


class ActingRoleMiddleware:
    """Resolves once per request the role the person acts in, and through it the académie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = resolve_acting_membership(request)
        request.acting = membership  # type: ignore[attr-defined]
        request.academie = membership.academie if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)


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
