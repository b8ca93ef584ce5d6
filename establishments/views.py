from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from establishments.forms import EstablishmentFilterForm, year_filter
from establishments.selectors import EstablishmentFilters, establishments_search
from rupn.pagination import page_of
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

ALL_ROLES = tuple(Role)


@role_required(*ALL_ROLES)
def establishment_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(EstablishmentFilterForm, request.GET, scope=scope)
    form, school_year = chosen.form, chosen.school_year
    filters = EstablishmentFilters()
    if chosen.valid and form.is_bound:
        data = form.cleaned_data
        filters = EstablishmentFilters(
            query=data["q"].strip(),
            departement_id=data["departement"].pk if data.get("departement") else None,
            type=data.get("type", ""),
            sector=data.get("sector", ""),
        )
    establishments = establishments_search(scope=scope, filters=filters, school_year=school_year)
    page = page_of(request, establishments)
    return render(
        request,
        "establishments/list.html",
        {
            "page_title": "Établissements",
            "form": form,
            "page_obj": page,
            "school_year": school_year,
        },
    )
