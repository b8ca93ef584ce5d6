"""The DANE's IMP budget: envelopes against allocated and certified amounts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from establishments.models import SchoolYear
from indemnities.forms_allocations import YearForm
from indemnities.selectors import budget_for
from tenancy.http import request_scope, role_required


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def budget(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    current = SchoolYear.objects.current()
    form = YearForm(request.GET or None, initial={"annee": current})
    school_year = current
    invalid = form.is_bound and not form.is_valid()
    if form.is_bound and not invalid and form.cleaned_data["annee"]:
        school_year = form.cleaned_data["annee"]
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
