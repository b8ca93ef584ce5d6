"""Home pages: what each role sees first, gathered from the apps below through their selectors."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from dashboards.views_platform import platform_home
from establishments.access import establishments_visible_to
from indemnities.selectors import referent_imp_lines
from tenancy.scope import Scope


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page of the role the person acts in."""
    scope: Scope | None = getattr(request, "scope", None)
    if scope is None or scope.role is None:
        if request.user.is_staff:
            return platform_home(request)
        return render(request, "dashboards/home_no_role.html", {"page_title": "Accueil"})
    establishments = establishments_visible_to(scope).select_related("departement")
    context: dict[str, Any] = {
        "page_title": "Accueil",
        "establishment_count": establishments.count(),
        "establishments": establishments[:10] if scope.role != Role.DANE_ADMIN else [],
    }
    if scope.role == Role.RUPN:
        context["imp_lines"] = referent_imp_lines(scope)
    return render(request, f"dashboards/home_{scope.role.value}.html", context)
