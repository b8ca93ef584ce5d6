"""The DANE's IMP budget: envelopes against allocated and certified amounts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from establishments.forms import year_filter
from indemnities.forms_allocations import YearForm
from indemnities.selectors_budget import budget_for
from tenancy.http import request_scope, role_required


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def budget(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(YearForm, request.GET)
    form, school_year, invalid = chosen.form, chosen.school_year, not chosen.valid
    return render(
        request,
        "indemnities/budget.html",
        {
            "page_title": "Budget IMP",
            "form": form,
            "school_year": school_year,
            "budget": budget_for(scope=scope, school_year=school_year),
        },
        status=400 if invalid else 200,
    )
