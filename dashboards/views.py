"""Home pages: what each role sees first, gathered from the apps below through their selectors."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.selectors import establishment_people
from dashboards.awaiting import awaiting_of
from dashboards.views_platform import platform_home
from establishments.access import establishments_visible_to, get_establishment_for
from establishments.forms import SchoolYearForm, year_filter
from establishments.models import SchoolYear
from indemnities.selectors_allocations import allocation_page, referent_imp_lines
from surveys.selectors_responses import invitation_lines
from tenancy.http import request_scope, role_required
from tenancy.scope import Scope

# Establishments listed on a home page; beyond, the page says how many and links to the list.
HOME_LIST_SIZE = 10


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
        "establishments": (
            list(establishments[:HOME_LIST_SIZE]) if scope.role != Role.DANE_ADMIN else []
        ),
        "awaiting": awaiting_of(scope),
    }
    if scope.role == Role.RUPN:
        context["imp_lines"] = referent_imp_lines(scope)
    if scope.role in (Role.PRINCIPAL, Role.DEPUTY):
        context["letters_year"] = SchoolYear.objects.current()
    if scope.role in (Role.RUPN, Role.PRINCIPAL):
        context["survey_lines"] = invitation_lines(scope)
    return render(request, f"dashboards/home_{scope.role.value}.html", context)


@role_required(*Role)
def establishment_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One establishment for a year: its people, its IMP envelope and allocations, its pupils.

    Everyone who may see the establishment sees its people; a RUPN sees their own amount only,
    never the envelope nor colleagues' amounts."""
    scope = request_scope(request)
    establishment = get_establishment_for(scope, pk)
    chosen = year_filter(SchoolYearForm, request.GET)
    form, school_year, valid = chosen.form, chosen.school_year, chosen.valid
    imp = allocation_page(establishment, school_year, scope=scope)
    is_referent = scope.role == Role.RUPN
    pupil_counts = establishment.pupil_counts.select_related("school_year").order_by(
        "-school_year__start_year"
    )
    return render(
        request,
        "dashboards/establishment.html",
        {
            "page_title": establishment.name,
            "establishment": establishment,
            "school_year": school_year,
            "form": form,
            "people": establishment_people(establishment, school_year),
            "imp": imp,
            "imp_lines": imp.lines,
            "shows_envelope": not is_referent,
            "can_allocate": scope.role in (Role.PRINCIPAL, Role.DEPUTY),
            "can_follow_service": scope.role != Role.RUPN,
            "pupil_counts": pupil_counts,
        },
        status=200 if valid else 400,
    )
