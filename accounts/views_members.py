"""Members management by a DANE administrator, inside their own académie only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import (
    get_invitation_for,
    get_membership_for,
    invitations_visible_to,
    memberships_visible_to,
)
from accounts.forms import MemberFilterForm, MemberInviteForm, MembershipRevokeForm
from accounts.models import Role
from accounts.services import invitation_cancel, invitation_create, membership_revoke
from audit.selectors import history_for, history_lines
from establishments.models import Establishment
from rupn.pagination import page_of
from tenancy.http import request_scope, role_required

PAGE_SIZE = 100
# Expired invitations pile up over the years: the list shows the most recent ones.
INVITATIONS_SHOWN = 200


@role_required(Role.DANE_ADMIN)
def members(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    form = MemberFilterForm(request.GET or None)
    role = ""
    query = ""
    if form.is_bound and form.is_valid():
        role = form.cleaned_data["role"]
        query = form.cleaned_data["q"].strip()
    establishments = Prefetch(
        "establishments", queryset=Establishment.objects.only("pk", "name", "uai").order_by("name")
    )
    memberships = (
        memberships_visible_to(scope)
        .select_related("user", "school_year")
        .prefetch_related(establishments, "departements")
        .order_by("role", "user__last_name", "user__first_name", "user__email", "pk")
    )
    invitations = (
        invitations_visible_to(scope)
        .select_related("invited_by", "school_year")
        .prefetch_related(establishments, "departements")
        .order_by("-created_at", "-pk")
    )
    if role:
        memberships = memberships.filter(role=role)
        invitations = invitations.filter(role=role)
    if query:
        memberships = memberships.filter(
            Q(user__email__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__first_name__icontains=query)
        )
        invitations = invitations.filter(Q(email__icontains=query) | Q(last_name__icontains=query))
    page = page_of(request, memberships, per_page=PAGE_SIZE)
    return render(
        request,
        "accounts/members.html",
        {
            "page_title": "Membres",
            "form": form,
            "page_obj": page,
            "invitations": list(invitations[:INVITATIONS_SHOWN]),
            "invitations_shown": INVITATIONS_SHOWN,
            "history": history_lines(
                history_for(scope, whole_academie=True, verb_prefix=("membership.", "invitation."))
            ),
        },
    )


@role_required(Role.DANE_ADMIN)
def member_invite(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    form = MemberInviteForm(request.POST if request.method == "POST" else None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(
                academie=request.academie,  # type: ignore[attr-defined]
                actor=scope,
                base_url=request.build_absolute_uri("/"),
                **form.invitation_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Invitation créée pour {invitation.email} "
                f"({invitation.get_role_display()}). "
                "L’état de l’envoi du courriel figure dans la liste des invitations.",
            )
            return redirect("accounts:members")
    return render(
        request,
        "accounts/member_invite.html",
        {"page_title": "Inviter un membre", "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.DANE_ADMIN)
def member_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    membership = get_membership_for(scope, pk)
    form = MembershipRevokeForm(
        request.POST if request.method == "POST" else None, membership=membership
    )
    if request.method == "POST":
        if form.is_valid():
            membership_revoke(membership=membership, actor=scope)
            messages.success(
                request,
                f"Le rôle « {membership.get_role_display()} » de {membership.user} est révoqué.",
            )
            if membership.user_id == request.user.pk and membership.pk == scope.membership_id:
                # The revoked role was the one in use: the next request picks another one.
                return redirect("home")
            return redirect("accounts:members")
    return render(
        request,
        "accounts/member_revoke.html",
        {
            "page_title": "Révoquer un rôle",
            "membership": membership,
            "form": form,
            "history": history_lines(history_for(scope, targets=[membership])),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@role_required(Role.DANE_ADMIN)
def invitation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for(request_scope(request), pk)
    invitation_cancel(invitation=invitation, actor=request_scope(request))
    messages.success(request, f"L’invitation de {invitation.email} est annulée.")
    return redirect("accounts:members")
