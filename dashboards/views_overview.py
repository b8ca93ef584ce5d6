"""The overview of a school year: the DANE's (académie or départements) and the platform
administrator's national one, with their charts and the exports of every table shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from dashboards.charts import Chart, overview_charts
from dashboards.exports import CONTENT_TYPES, overview_sheet
from dashboards.exports import render as render_file
from dashboards.forms import NationalFilterForm, OverviewFilterForm, TableExportForm
from dashboards.history import response_history
from dashboards.overview import (
    Filters,
    Overview,
    Table,
    national_overview,
    national_sources,
    overview_for,
    sources_for,
)
from establishments.forms import YearFilter, year_filter
from tenancy.guard import scopes_disabled
from tenancy.http import request_scope, role_required
from tenancy.roles import Role


@dataclass(frozen=True)
class Page:
    """What the overview page shows: the filters, the figures, the charts."""

    chosen: YearFilter
    filters: Filters
    overview: Overview
    charts: tuple[Chart, ...]

    def tables(self) -> dict[str, Table]:
        """Every table of the page by its key: the charts' data tables, then the sections'."""
        tables = [chart.table for chart in self.charts]
        tables += [table for section in self.overview.sections for table in section.tables]
        return {table.key: table for table in tables}


def _academie_page(request: HttpRequest) -> Page:
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
    overview = overview_for(scope, school_year=school_year, filters=filters)
    history = response_history(
        sources_for(scope),
        up_to=school_year,
        filters=filters,
        precomputed=overview.computed_at is not None,
    )
    return Page(chosen, filters, overview, overview_charts(overview, history))


def _national_page(request: HttpRequest) -> Page:
    if not request.user.is_staff or getattr(request, "scope", None) is not None:
        raise PermissionDenied
    chosen = year_filter(NationalFilterForm, request.GET)
    form, school_year = chosen.form, chosen.school_year
    filters = Filters(
        type=form.cleaned_data.get("type", "") if chosen.valid and form.is_bound else ""
    )
    # The platform administrator's national view: the same aggregates over every académie.
    with scopes_disabled():
        overview = national_overview(school_year=school_year, filters=filters)
        history = response_history(
            national_sources(),
            up_to=school_year,
            filters=filters,
            precomputed=overview.computed_at is not None,
        )
    return Page(chosen, filters, overview, overview_charts(overview, history))


def _render(request: HttpRequest, page: Page, *, national: bool) -> HttpResponse:
    school_year = page.chosen.school_year
    context: dict[str, Any] = {
        "page_title": f"Tableau de bord{' national' if national else ''} {school_year}",
        "form": page.chosen.form,
        "filters": page.filters,
        "overview": page.overview,
        "charts": page.charts,
        "export_view": "dashboards:national_export" if national else "dashboards:overview_export",
    }
    if national:
        context["national"] = True
    return render(
        request, "dashboards/overview.html", context, status=200 if page.chosen.valid else 400
    )


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def overview(request: HttpRequest) -> HttpResponse:
    return _render(request, _academie_page(request), national=False)


@login_required
def national(request: HttpRequest) -> HttpResponse:
    """For a platform administrator acting in no académie: every académie's figures."""
    return _render(request, _national_page(request), national=True)


def _export(request: HttpRequest, page: Page, *, name: str, back: str) -> HttpResponse:
    """The file of one table of the page, with the page's filters (and so its scope)."""
    form = TableExportForm(request.GET)
    tables = page.tables()
    if form.is_valid() and form.cleaned_data["tableau"] not in tables:
        form.add_error("tableau", "Ce tableau n’existe pas sur cette page.")
    if not page.chosen.valid or not form.is_valid():
        return render(
            request,
            "dashboards/export_error.html",
            {
                "page_title": "Export impossible",
                "forms": [page.chosen.form, form],
                "back": back,
            },
            status=400,
        )
    key, file_format = form.cleaned_data["tableau"], form.cleaned_data["format"]
    overview = page.overview
    sheet = overview_sheet(
        tables[key], year=overview.school_year.label, previous=overview.previous_label
    )
    parts = [name, overview.school_year.label, key]
    if page.filters.departement_id:
        parts.append(f"departement-{page.filters.departement_id}")
    if page.filters.type:
        parts.append(page.filters.type)
    response = HttpResponse(
        render_file(sheet, file_format), content_type=CONTENT_TYPES[file_format]
    )
    filename = slugify("-".join(parts)) + "." + file_format
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def overview_export(request: HttpRequest) -> HttpResponse:
    academie = request.academie  # type: ignore[attr-defined]
    return _export(
        request,
        _academie_page(request),
        name=f"tableau-de-bord-{academie.slug}",
        back="dashboards:overview",
    )


@login_required
def national_export(request: HttpRequest) -> HttpResponse:
    return _export(
        request,
        _national_page(request),
        name="tableau-de-bord-national",
        back="dashboards:national",
    )
