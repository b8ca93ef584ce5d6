"""Signing is an explicit act after re-authentication (allauth's): with the password, or with
the TOTP code where the person has one.

A signing view calls `signing_context(request)`: None means the person has not re-authenticated
in the last few minutes, and the view answers `reauthenticate(request)`, which stashes the POST
and sends them to allauth's page; allauth replays the POST once they have confirmed.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import (
    did_recently_reauthenticate,
    get_reauthentication_flows,
    suspend_request,
)
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from missions.services_letters import SigningContext
from tenancy.http import client_ip

METHODS = {"password": "mot de passe", "mfa": "TOTP"}


def has_totp(request: HttpRequest) -> bool:
    return any(
        flow["id"] == "mfa_reauthenticate" for flow in get_reauthentication_flows(request.user)
    )


def signing_context(request: HttpRequest) -> SigningContext | None:
    """Where the signature comes from, if the person re-authenticated recently (and with their
    TOTP code, when they have one); else None."""
    if not did_recently_reauthenticate(request):
        return None
    records = [
        r for r in get_authentication_records(request, request.user) if r.get("reauthenticated")
    ]
    method = records[-1].get("method", "") if records else ""
    if has_totp(request) and method != "mfa":
        return None
    return SigningContext(
        ip_address=client_ip(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        reauthenticated_with=METHODS.get(method, method),
    )


def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Send the person to confirm their identity; the POST resumes afterwards."""
    target = "mfa_reauthenticate" if has_totp(request) else "account_reauthenticate"
    return suspend_request(request, reverse(target))
