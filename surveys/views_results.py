"""A campaign's results for the DANE admin (the whole académie) and the coordinators (their
départements): every question's counts and percentages, filtered by département and type of
establishment, and their exports (CSV or XLSX)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from rupn.links import url_with_query
from surveys.exports import export_content
from surveys.forms_campaigns import ExportForm, ResultFilterForm
from surveys.models import Campaign
from surveys.selectors_results import (
    ResultFilters,
    campaign_figures,
    campaign_results,
    get_campaign_for,
)
from surveys.views_campaigns import RESULT_ROLES, state_of
from tenancy.http import request_scope, role_required

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _filters_of(form: ResultFilterForm) -> ResultFilters:
    data = form.cleaned_data
    departement = data.get("departement")
    return ResultFilters(
        departement_id=departement.pk if departement else None,
        establishment_type=data.get("type") or "",
    )


def _query(form: ResultFilterForm) -> dict[str, Any]:
    """The filters as the query string writes them."""
    if not form.is_bound or not form.is_valid():
        return {}
    departement = form.cleaned_data.get("departement")
    return {
        "departement": departement.code if departement else "",
        "type": form.cleaned_data.get("type") or "",
    }


@role_required(*RESULT_ROLES)
def results(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    campaign = get_campaign_for(scope, pk)
    form = ResultFilterForm(request.GET or None, scope=scope)
    valid = form.is_valid() if form.is_bound else True
    filters = _filters_of(form) if form.is_bound and valid else ResultFilters()
    query = _query(form)
    state, badge = state_of(campaign)
    return render(
        request,
        "surveys/results/results.html",
        {
            "page_title": f"Résultats : {campaign.survey.title}",
            "campaign": campaign,
            "survey": campaign.survey,
            "form": form,
            "filtered": bool(filters.departement_id or filters.establishment_type),
            "figures": campaign_figures(scope, campaign, filters),
            "results": campaign_results(scope, campaign, filters),
            "state": state,
            "badge": badge,
            "xlsx_url": url_with_query(
                "surveys:results_export", campaign.pk, format="xlsx", **query
            ),
            "csv_urls": [
                (
                    label,
                    url_with_query(
                        "surveys:results_export", campaign.pk, format="csv", tableau=table, **query
                    ),
                )
                for table, label in ExportForm.TABLES
            ],
        },
        status=200 if valid else 400,
    )


def _filename(request: HttpRequest, campaign: Campaign, form: ExportForm) -> str:
    data = form.cleaned_data
    parts = [
        "enquete",
        request.academie.slug,  # type: ignore[attr-defined]
        campaign.survey.school_year.label,
        slugify(campaign.survey.get_audience_display())[:20],
    ]
    if data.get("departement"):
        parts.append(data["departement"].code)
    if data.get("type"):
        parts.append(data["type"])
    if data["format"] == "csv":
        parts.append(data.get("tableau") or "reponses")
    return "-".join(parts) + "." + data["format"]


@role_required(*RESULT_ROLES)
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    campaign = get_campaign_for(scope, pk)
    form = ExportForm(request.GET, scope=scope)
    if not form.is_valid():
        return render(
            request,
            "surveys/results/export_error.html",
            {"page_title": "Export impossible", "campaign": campaign, "form": form},
            status=400,
        )
    content = export_content(
        scope,
        campaign,
        _filters_of(form),
        format=form.cleaned_data["format"],
        tableau=form.cleaned_data.get("tableau") or "reponses",
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[form.cleaned_data["format"]])
    response["Content-Disposition"] = f'attachment; filename="{_filename(request, campaign, form)}"'
    return response
