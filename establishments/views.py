from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from establishments.forms import EstablishmentFilterForm
from establishments.models import SchoolYear
from establishments.selectors import EstablishmentFilters, establishments_search
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

ALL_ROLES = tuple(Role)
PAGE_SIZE = 50


@role_required(*ALL_ROLES)
def establishment_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    current_year = SchoolYear.objects.current()
    # The year select shows the current year unless another was asked for, whatever years exist.
    data = request.GET.copy()
    data.setdefault("annee", str(current_year.start_year))
    form = EstablishmentFilterForm(data, scope=scope)
    filters = EstablishmentFilters()
    school_year = current_year
    if form.is_valid():
        data = form.cleaned_data
        filters = EstablishmentFilters(
            query=data["q"].strip(),
            departement_id=data["departement"].pk if data.get("departement") else None,
            type=data.get("type", ""),
            sector=data.get("sector", ""),
        )
        school_year = data["annee"] or current_year
    establishments = establishments_search(scope=scope, filters=filters, school_year=school_year)
    page = Paginator(establishments, PAGE_SIZE).get_page(request.GET.get("page"))
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
