from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.acting import acting_membership_switch, memberships_of
from accounts.models import User
from accounts.selectors import role_entries


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/roles.html",
        {
            "page_title": "Mes rôles",
            "entries": role_entries(
                memberships_of(cast(User, request.user)), getattr(request, "acting", None)
            ),
        },
    )


@login_required
@require_POST
def role_switch(request: HttpRequest, membership_pk: int) -> HttpResponse:
    membership = next(
        (m for m in memberships_of(cast(User, request.user)) if m.pk == membership_pk), None
    )
    if membership is None:
        raise Http404("Rôle introuvable.")
    acting_membership_switch(request, membership)
    messages.success(
        request, f"Vous agissez maintenant en tant que : {membership.get_role_display()}."
    )
    return redirect("home")
