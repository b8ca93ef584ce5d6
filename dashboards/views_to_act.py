"""Who still has to act: the DANE's lists and their bulk reminder, with its progress page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from dashboards.exports import CONTENT_TYPES, counts_sheet, to_act_sheet
from dashboards.exports import render as render_file
from dashboards.forms import TableExportForm
from dashboards.forms_to_act import ReminderForm, ToActFilterForm
from dashboards.models import ReminderJob, ReminderKind
from dashboards.selectors_to_act import (
    WHO_ACTS,
    reminder_jobs_visible_to,
    running_job_of,
    things_to_act,
    to_act_counts,
    to_act_rows,
)
from dashboards.services_reminders import reminder_job_create
from establishments.forms import year_filter
from rupn.links import url_with_query
from rupn.pagination import page_of
from rupn.progress import job_progress_response
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

DANE = (Role.DANE_ADMIN, Role.DANE_COORDINATOR)


def _progress(job: ReminderJob) -> dict[str, object]:
    return {
        "total": job.total,
        "done": job.done,
        "sent": job.sent,
        "failed": job.failed,
        "skipped": job.skipped,
        "percent": job.percent,
        "finished": job.is_finished,
    }


@role_required(*DANE)
def to_act(request: HttpRequest) -> HttpResponse:
    """The lists of what is still to do, one shown at a time, with their counts."""
    scope = request_scope(request)
    chosen = year_filter(ToActFilterForm, request.GET, scope=scope)
    form, school_year = chosen.form, chosen.school_year
    kind = form.kind()
    filters = form.filters(school_year)
    counts = to_act_counts(scope, filters, kind)
    # The list shown is one of those just counted: its paginator needs no count of its own.
    shown = next(count.count for count in counts if count.current)
    page = page_of(request, things_to_act(scope, kind, filters), count=shown)
    job = running_job_of(scope)
    return render(
        request,
        "dashboards/to_act/to_act.html",
        {
            "page_title": f"Qui doit encore agir – {kind.label}",
            "form": form,
            "school_year": school_year,
            "kind": kind,
            "who_acts": WHO_ACTS[kind],
            "filters": filters,
            "counts": counts,
            "page_obj": page,
            "rows": to_act_rows(scope, kind, list(page.object_list)),
            "reminder_form": ReminderForm(),
            "job": job,
            "progress": _progress(job) if job else None,
            "job_json_url": (
                url_with_query("dashboards:reminder_job", job.pk, format="json") if job else ""
            ),
        },
        status=200 if chosen.valid else 400,
    )


@role_required(*DANE)
@require_POST
def reminders_send(request: HttpRequest) -> HttpResponse:
    """Remind the people of the ticked rows (or of the whole list) and show the progress."""
    scope = request_scope(request)
    chosen = year_filter(ToActFilterForm, request.POST, scope=scope)
    form = chosen.form
    kind = form.kind()
    filters = form.filters(chosen.school_year)
    back = url_with_query("dashboards:to_act", **filters.query(liste=kind.value))
    if not chosen.valid or not form.cleaned_data.get("liste"):
        messages.error(request, "Les filtres envoyés ne sont pas valides : personne n’est relancé.")
        return redirect(back)
    reminder = ReminderForm(request.POST)
    if not reminder.is_valid():
        for errors in reminder.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        job = reminder_job_create(
            actor=scope,
            kind=kind,
            filters=filters,
            object_ids=reminder.object_ids(),
            period_days=reminder.cleaned_data["delai"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    return redirect("dashboards:reminder_job", job.pk)


@role_required(*DANE)
def reminder_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A bulk reminder's progress (`?format=json` for the page's script) and its outcome."""
    scope = request_scope(request)
    job = (
        reminder_jobs_visible_to(scope).select_related("school_year", "created_by").filter(pk=pk)
    ).first()
    if job is None:
        raise Http404("Relance introuvable.")
    progress = _progress(job)
    if request.GET.get("format") == "json":
        return job_progress_response(
            request, progress, status_template="dashboards/to_act/_progress_status.html"
        )
    kind = ReminderKind(job.kind)
    return render(
        request,
        "dashboards/to_act/reminder_job.html",
        {
            "page_title": f"Relance – {kind.label}",
            "job": job,
            "kind": kind,
            "progress": progress,
            "json_url": url_with_query("dashboards:reminder_job", job.pk, format="json"),
            "list_url": url_with_query(
                "dashboards:to_act", annee=job.school_year.start_year, liste=kind.value
            ),
        },
    )


TO_ACT_TABLES = ("compteurs", "liste")


@role_required(*DANE)
def to_act_export(request: HttpRequest) -> HttpResponse:
    """The counts of the lists (`tableau=compteurs`) or every row of the list shown
    (`tableau=liste`), with the page's filters and scope."""
    scope = request_scope(request)
    chosen = year_filter(ToActFilterForm, request.GET, scope=scope)
    form, school_year = chosen.form, chosen.school_year
    export = TableExportForm(request.GET)
    if export.is_valid() and export.cleaned_data["tableau"] not in TO_ACT_TABLES:
        export.add_error("tableau", "Ce tableau n’existe pas sur cette page.")
    if not chosen.valid or not export.is_valid():
        return render(
            request,
            "dashboards/export_error.html",
            {
                "page_title": "Export impossible",
                "forms": [form, export],
                "back": "dashboards:to_act",
            },
            status=400,
        )
    kind = form.kind()
    filters = form.filters(school_year)
    key, file_format = export.cleaned_data["tableau"], export.cleaned_data["format"]
    if key == "compteurs":
        sheet = counts_sheet(to_act_counts(scope, filters, kind), year=school_year.label)
    else:
        things = list(things_to_act(scope, kind, filters))
        sheet = to_act_sheet(kind, to_act_rows(scope, kind, things), year=school_year.label)
    academie = request.academie  # type: ignore[attr-defined]
    parts = ["a-faire", academie.slug, school_year.label, kind.value if key == "liste" else key]
    if filters.departement_id:
        parts.append(f"departement-{filters.departement_id}")
    if filters.establishment_type:
        parts.append(filters.establishment_type)
    response = HttpResponse(
        render_file(sheet, file_format), content_type=CONTENT_TYPES[file_format]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify("-".join(parts))}.{file_format}"'
    )
    return response
