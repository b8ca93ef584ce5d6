from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.acting import acting_membership_switch, memberships_of
from accounts.models import Role, User
from establishments.access import establishments_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page of the role the person acts in."""
    acting = getattr(request, "acting", None)
    if acting is None:
        return render(request, "accounts/home_no_role.html", {"page_title": "Accueil"})
    establishments = establishments_visible_to(acting).select_related("departement")
    context = {
        "page_title": "Accueil",
        "establishment_count": establishments.count(),
        "establishments": establishments[:10] if acting.role != Role.DANE_ADMIN else [],
    }
    return render(request, f"accounts/home_{acting.role}.html", context)


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/roles.html",
        {"page_title": "Mes rôles", "memberships": memberships_of(cast(User, request.user))},
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
