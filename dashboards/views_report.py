"""The annual synthesis report's page: the year's reports of the perimeter, a button to request
one, the progress of the one being prepared (a JSON variant polled by the page), a button to
start again one that failed, the downloads of the PDF and of the editable document."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboards.models import ReportStatus, SynthesisReport
from dashboards.report import perimeter_label
from dashboards.selectors_report import (
    can_request_report,
    get_report_for,
    report_file_name,
    reports_page,
)
from dashboards.services_report import report_is_restartable, report_request, report_restart
from establishments.forms import SchoolYearForm, year_filter
from establishments.models import Academie
from rupn.links import url_with_query
from rupn.progress import job_progress_response
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

DANE = (Role.DANE_ADMIN, Role.DANE_COORDINATOR)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def progress_of(report: SynthesisReport) -> dict[str, object]:
    return {
        "status": report.status,
        "status_label": report.get_status_display(),
        "percent": report.percent,
        "step": report.step,
        "error": report.error,
        "finished": report.is_finished,
    }


@role_required(*DANE)
def reports(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not can_request_report(scope):
        raise Http404
    chosen = year_filter(SchoolYearForm, request.GET)
    school_year = chosen.school_year
    page = reports_page(scope, school_year)
    rows = [
        {
            "report": r,
            "restartable": report_is_restartable(r),
            "pdf_name": report_file_name(r, "pdf") if r.status == ReportStatus.DONE else "",
            "docx_name": report_file_name(r, "docx") if r.status == ReportStatus.DONE else "",
        }
        for r in page.reports
    ]
    active = page.active
    return render(
        request,
        "dashboards/report/reports.html",
        {
            "page_title": f"Synthèse annuelle {school_year}",
            "school_year": school_year,
            "form": chosen.form,
            "perimeter": perimeter_label(scope, Academie.objects.get(pk=scope.academie_id)),
            "rows": rows,
            "active": active,
            "active_restartable": report_is_restartable(active) if active else False,
            "progress": progress_of(active) if active else None,
            "json_url": (url_with_query("dashboards:report_progress", active.pk) if active else ""),
            "page_url": url_with_query("dashboards:reports", annee=school_year.start_year),
            "overview_url": url_with_query("dashboards:overview", annee=school_year.start_year),
        },
        status=200 if chosen.valid else 400,
    )


@role_required(*DANE)
@require_POST
def report_request_view(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(SchoolYearForm, request.POST)
    back = url_with_query("dashboards:reports", annee=chosen.school_year.start_year)
    if not chosen.valid:
        messages.error(
            request, "L’année choisie n’est pas valide : aucune synthèse n’est demandée."
        )
        return redirect(url_with_query("dashboards:reports"))
    try:
        report_request(actor=scope, school_year=chosen.school_year)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(
        request, "La synthèse est en préparation : sa progression s’affiche ci-dessous."
    )
    return redirect(back + "#synthese-en-cours")


@role_required(*DANE)
def report_progress(request: HttpRequest, pk: int) -> JsonResponse:
    report = get_report_for(request_scope(request), pk)
    return job_progress_response(
        request, progress_of(report), status_template="dashboards/report/_status.html"
    )


@role_required(*DANE)
@require_POST
def report_restart_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    report = get_report_for(scope, pk)
    try:
        report_restart(actor=scope, report=report)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, "La préparation de la synthèse est relancée.")
    back = url_with_query("dashboards:reports", annee=report.school_year.start_year)
    return redirect(back + "#synthese-en-cours")


@role_required(*DANE)
def report_download(request: HttpRequest, pk: int, extension: str) -> FileResponse:
    report = get_report_for(request_scope(request), pk)
    if extension not in CONTENT_TYPES:
        raise Http404
    stored = report.pdf_file if extension == "pdf" else report.docx_file
    if report.status != ReportStatus.DONE or not stored:
        raise Http404("Cette synthèse n’est pas prête.")
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=report_file_name(report, extension),
        content_type=CONTENT_TYPES[extension],
    )
