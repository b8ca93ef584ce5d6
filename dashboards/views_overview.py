"""The overview of a school year: the DANE's (académie or départements) and the platform
administrator's national one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards.forms import NationalFilterForm, OverviewFilterForm
from dashboards.overview import Filters, national_overview, overview_for
from establishments.forms import year_filter
from tenancy.guard import scopes_disabled
from tenancy.http import request_scope, role_required
from tenancy.roles import Role


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def overview(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(OverviewFilterForm, request.GET, scope=scope)
    form, school_year = chosen.form, chosen.school_year
    filters = Filters()
    if chosen.valid and form.is_bound:
        data = form.cleaned_data
        departement = data.get("departement")
        filters = Filters(
            departement_id=departement.pk if departement else None, type=data.get("type", "")
        )
    return render(
        request,
        "dashboards/overview.html",
        {
            "page_title": f"Tableau de bord {school_year}",
            "form": form,
            "filters": filters,
            "overview": overview_for(scope, school_year=school_year, filters=filters),
        },
        status=200 if chosen.valid else 400,
    )


@login_required
def national(request: HttpRequest) -> HttpResponse:
    """For a platform administrator acting in no académie: every académie's figures."""
    if not request.user.is_staff or getattr(request, "scope", None) is not None:
        raise PermissionDenied
    chosen = year_filter(NationalFilterForm, request.GET)
    form, school_year = chosen.form, chosen.school_year
    filters = Filters(
        type=form.cleaned_data.get("type", "") if chosen.valid and form.is_bound else ""
    )
    # The platform administrator's national view: the same aggregates over every académie.
    with scopes_disabled():
        figures = national_overview(school_year=school_year, filters=filters)
    return render(
        request,
        "dashboards/overview.html",
        {
            "page_title": f"Tableau de bord national {school_year}",
            "form": form,
            "filters": filters,
            "overview": figures,
            "national": True,
        },
        status=200 if chosen.valid else 400,
    )
