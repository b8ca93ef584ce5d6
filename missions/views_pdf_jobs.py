"""The DANE's page of bulk operations on the issued letters' PDFs: choose the letters (school
year, départements, types), see how many there are, start a regeneration or a ZIP archive,
follow its progress (a JSON variant polled by the page), restart a job whose task vanished,
download the archive."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from establishments.models import EstablishmentType, SchoolYear
from missions.forms_pdf_jobs import PdfJobForm
from missions.models import LetterPdfJob, PdfJobKind, PdfJobStatus
from missions.selectors_pdf_jobs import (
    PdfJobFilters,
    get_pdf_job_for,
    pdf_job_letters,
    pdf_jobs_page,
    zip_file_name,
)
from missions.services_pdf_jobs import job_is_restartable, pdf_job_restart, pdf_job_start
from rupn.links import url_with_query
from rupn.progress import job_progress_response
from tenancy.http import request_scope, role_required
from tenancy.roles import Role
from tenancy.scope import Scope

TYPE_LABELS = dict(EstablishmentType.choices)


def progress_of(job: LetterPdfJob) -> dict[str, Any]:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "total": job.total,
        "done": job.done_count,
        "failed": job.failed_count,
        "percent": job.percent,
        "finished": job.is_finished,
    }


def _filters_of(form: PdfJobForm) -> PdfJobFilters:
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return PdfJobFilters(
        school_year=data.get("annee") or SchoolYear.objects.current(),
        departement_ids=[d.pk for d in data.get("departements") or []],
        establishment_types=list(data.get("types") or []),
    )


def _job_rows(jobs: list[LetterPdfJob], labels: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for job in jobs:
        departements = [labels.get(int(pk), "?") for pk in job.departement_ids]
        types = [TYPE_LABELS.get(t, t) for t in job.establishment_types]
        rows.append(
            {
                "job": job,
                "departements": ", ".join(departements) or "Tous",
                "types": ", ".join(types) or "Tous",
                "progress": progress_of(job),
                "restartable": job_is_restartable(job),
                "zip_ready": job.kind == PdfJobKind.ZIP
                and job.status == PdfJobStatus.DONE
                and bool(job.zip_file),
                "json_url": url_with_query("missions:pdf_job_progress", job.pk),
            }
        )
    return rows


def _page(
    request: HttpRequest, scope: Scope, form: PdfJobForm, *, status: int = 200
) -> HttpResponse:
    filters = _filters_of(form)
    jobs = pdf_jobs_page(scope)
    active_ids = {job.pk for job in jobs.active}
    return render(
        request,
        "missions/pdf_jobs.html",
        {
            "page_title": "PDF des lettres de mission émises",
            "form": form,
            "school_year": filters.school_year,
            "count": pdf_job_letters(scope, filters).count(),
            "active": _job_rows(jobs.active, jobs.departement_labels),
            "recent": _job_rows(
                [job for job in jobs.recent if job.pk not in active_ids], jobs.departement_labels
            ),
            "letters_url": url_with_query(
                "missions:letters", annee=filters.school_year.start_year, etat="issued"
            ),
            "page_url": url_with_query("missions:pdf_jobs"),
        },
        status=status,
    )


@role_required(Role.DANE_ADMIN)
def pdf_jobs(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.whole_academie:
        raise Http404
    if request.GET:
        query = request.GET.copy()
        query.setdefault("action", PdfJobKind.ZIP.value)  # a link names the letters only
        form = PdfJobForm(query, scope=scope)
    else:
        initial = {"annee": SchoolYear.objects.current(), "action": PdfJobKind.ZIP.value}
        form = PdfJobForm(initial=initial, scope=scope)
    if form.is_bound and not form.is_valid():
        return _page(request, scope, form, status=400)
    return _page(request, scope, form)


@role_required(Role.DANE_ADMIN)
@require_POST
def pdf_job_start_view(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    form = PdfJobForm(request.POST, scope=scope)
    if request.POST.get("compter"):  # count the letters again, start nothing
        return _page(request, scope, form, status=200 if form.is_valid() else 400)
    if not form.require_action():
        return _page(request, scope, form, status=400)
    filters = _filters_of(form)
    try:
        job = pdf_job_start(
            actor=scope,
            kind=form.cleaned_data["action"],
            school_year=filters.school_year,
            departements=list(form.cleaned_data.get("departements") or []),
            types=filters.establishment_types,
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, scope, form, status=400)
    messages.success(
        request,
        f"{job.get_kind_display()} lancée pour {job.total} lettre{'s' if job.total > 1 else ''}"
        " : sa progression s’affiche ci-dessous.",
    )
    return redirect(url_with_query("missions:pdf_jobs") + f"#operation-{job.pk}")


@role_required(Role.DANE_ADMIN)
def pdf_job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_pdf_job_for(request_scope(request), pk)
    return job_progress_response(
        request,
        progress_of(job),
        status_template="missions/_pdf_job_status.html",
        bar=(job.done_count, max(job.total, 1)),
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def pdf_job_restart_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    job = get_pdf_job_for(scope, pk)
    try:
        pdf_job_restart(actor=scope, job=job)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, "L’opération est relancée : elle reprend où elle s’était arrêtée."
        )
    return redirect(url_with_query("missions:pdf_jobs") + f"#operation-{job.pk}")


@role_required(Role.DANE_ADMIN)
def pdf_job_zip(request: HttpRequest, pk: int) -> FileResponse:
    job = get_pdf_job_for(request_scope(request), pk)
    if job.kind != PdfJobKind.ZIP or job.status != PdfJobStatus.DONE or not job.zip_file:
        raise Http404("Cette archive n’est pas prête.")
    return FileResponse(
        job.zip_file.open("rb"),
        as_attachment=True,
        filename=zip_file_name(job),
        content_type="application/zip",
    )
