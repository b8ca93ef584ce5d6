"""The platform administrator's home page: every académie at a glance, with links to act."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards.selectors import academies_overview
from establishments.models import SchoolYear
from tenancy.guard import scopes_disabled


def platform_home(request: HttpRequest) -> HttpResponse:
    """For a staff user acting in no académie (the caller checks it)."""
    school_year = SchoolYear.objects.current()
    # The platform administrator's national view: every académie's counts, by aggregates.
    with scopes_disabled():
        overviews = academies_overview(school_year=school_year)
    return render(
        request,
        "dashboards/home_platform.html",
        {
            "page_title": "Administration de la plateforme",
            "school_year": school_year,
            "overviews": overviews,
            "establishment_total": sum(o.establishment_count for o in overviews),
        },
    )
