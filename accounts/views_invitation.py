"""Accepting an invitation link: the only way an account comes to exist."""

from __future__ import annotations

from typing import cast

from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.acting import acting_membership_switch
from accounts.forms import InvitationAcceptForm
from accounts.models import Invitation, Membership, User
from accounts.services import InvitationUnusable, invitation_accept, invitation_for_token
from rupn.links import with_query
from tenancy.guard import academie_scope


def _invalid(request: HttpRequest) -> HttpResponse:
    # Unknown, used, expired or cancelled: one answer, so a link reveals nothing about others.
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"page_title": "Invitation non valide"},
        status=404,
    )


def _landed(request: HttpRequest, membership: Membership) -> None:
    acting_membership_switch(request, membership)


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return _invalid(request)
    # Whatever role the visitor acts in, the rest reads and writes the invitation's académie.
    with academie_scope(invitation.academie_id):
        return _invitation_page(request, invitation)


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    context: dict[str, object] = {
        "page_title": "Invitation",
        "invitation": invitation,
        "establishments": list(invitation.establishments.order_by("name")),
        "departements": list(invitation.departements.all()),
    }
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation, context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        # The person already has an account: they sign in, then come back to this page.
        context["login_url"] = with_query(reverse("account_login"), {"next": request.path})
        return render(request, "accounts/invitation_sign_in_first.html", context)
    return _accept_new_account(request, invitation, context)


def _accept_signed_in(
    request: HttpRequest, invitation: Invitation, context: dict[str, object]
) -> HttpResponse:
    user = cast(User, request.user)
    if user.email.lower() != invitation.email.lower():
        return render(request, "accounts/invitation_other_account.html", context, status=403)
    if request.method == "POST":
        try:
            membership = invitation_accept(invitation=invitation, user=user)
        except InvitationUnusable:
            return _invalid(request)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "accounts/invitation_accept.html", context, status=400)
        _landed(request, membership)
        return redirect("home")
    return render(request, "accounts/invitation_accept.html", context)


def _accept_new_account(
    request: HttpRequest, invitation: Invitation, context: dict[str, object]
) -> HttpResponse:
    form = InvitationAcceptForm(
        request.POST if request.method == "POST" else None, invitation=invitation
    )
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_accept(
                invitation=invitation, user=None, password=form.cleaned_data["password1"]
            )
        except InvitationUnusable:
            return _invalid(request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The person typed their new password seconds ago: recorded as allauth records a
            # password re-entry, so it is not asked again at once to set up two-factor auth.
            record_authentication(
                request,
                membership.user,
                method="password",
                email=membership.user.email,
                reauthenticated=True,
            )
            response = perform_login(request, membership.user, redirect_url=reverse("home"))
            _landed(request, membership)
            return response
    return render(
        request,
        "accounts/invitation_accept.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )
