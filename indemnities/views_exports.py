"""The DANE's payroll export of the year's IMP allocations (CSV or XLSX)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from establishments.models import SchoolYear
from indemnities.exports import render_csv, render_xlsx
from indemnities.forms_allocations import ExportForm
from indemnities.selectors_exports import export_rows
from tenancy.http import request_scope, role_required

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def export(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if "format" not in request.GET:
        form = ExportForm(initial={"annee": SchoolYear.objects.current()}, scope=scope)
        return render(
            request,
            "indemnities/export.html",
            {"page_title": "Export des IMP pour la paie", "form": form},
        )
    form = ExportForm(request.GET, scope=scope)
    if not form.is_valid():
        return render(
            request,
            "indemnities/export.html",
            {"page_title": "Export des IMP pour la paie", "form": form},
            status=400,
        )
    data = form.cleaned_data
    school_year: SchoolYear = data["annee"]
    departement = data.get("departement")
    rows = export_rows(
        scope=scope,
        school_year=school_year,
        departement_id=departement.pk if departement else None,
        establishment_type=data.get("type", ""),
    )
    parts = ["imp", request.academie.slug, school_year.label]  # type: ignore[attr-defined]
    if departement:
        parts.append(departement.code)
    if data.get("type"):
        parts.append(data["type"])
    filename = "-".join(parts) + "." + data["format"]
    if data["format"] == "xlsx":
        content = render_xlsx(rows, title=f"IMP {school_year.label}")
    else:
        content = render_csv(rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[data["format"]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
