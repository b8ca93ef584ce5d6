"""The lists of mission letters: a referent's own letters; everyone else's letters by state,
filtered and counted; the DAN's visa of many letters at once and its progress; the people
registered for the training « entrer dans la fonction de RUPN » and its export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from establishments.forms import SchoolYearForm, year_filter
from establishments.models import SchoolYear
from missions.exports_training import render_csv, render_xlsx
from missions.forms_lists import LetterFilterForm
from missions.models import Letter, LetterSignature, LetterStatus, SignatureKind
from missions.reauth import reauthenticate, signing_context
from missions.selectors_lists import (
    LetterFilters,
    awaiting_visa_ids,
    get_visa_batch_for,
    letter_counts,
    letters_listed,
    training_rows,
    visa_failures,
)
from missions.services_visa import visa_batch_create
from missions.workflow import status_label
from rupn.links import url_with_query
from rupn.pagination import page_of
from rupn.progress import job_progress_response
from tenancy.http import request_scope, role_required
from tenancy.roles import Role
from tenancy.scope import Scope

SIGNED_BY = {
    SignatureKind.REFERENT: "Référent",
    SignatureKind.PRINCIPAL: "Chef d’établissement",
    SignatureKind.DAN_VISA: "Visa du DAN",
}
# The DSFR badge of each state (none: the neutral grey one).
BADGES = {
    LetterStatus.DRAFT: "",
    LetterStatus.SENT: "info",
    LetterStatus.CHANGES_REQUESTED: "warning",
    LetterStatus.REFERENT_SIGNED: "new",
    LetterStatus.AWAITING_VISA: "new",
    LetterStatus.ISSUED: "success",
}
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class LetterRow:
    letter: Letter
    status: str
    badge: str
    signatures: list[tuple[str, LetterSignature]]
    awaits_visa: bool


def _rows(letters: Any) -> list[LetterRow]:
    rows = []
    for letter in letters:
        label = status_label(letter)
        replaced = label != LetterStatus(letter.status).label
        rows.append(
            LetterRow(
                letter=letter,
                status=label,
                badge="" if replaced else BADGES[LetterStatus(letter.status)],
                signatures=[
                    (SIGNED_BY[SignatureKind(s.kind)], s)
                    for s in letter.active_signatures  # type: ignore[attr-defined]
                ],
                awaits_visa=letter.status == LetterStatus.AWAITING_VISA,
            )
        )
    return rows


def _filters_of(form: Any, school_year: SchoolYear, *, valid: bool) -> LetterFilters:
    if not (valid and form.is_bound):
        return LetterFilters(school_year=school_year)
    data = form.cleaned_data
    departement = data.get("departement")
    return LetterFilters(
        school_year=school_year,
        departement_id=departement.pk if departement else None,
        establishment_type=data.get("type", ""),
        status=data.get("etat", ""),
    )


def _query(filters: LetterFilters, **extra: object) -> dict[str, object]:
    """The query string of `filters`, as the filter form writes it."""
    assert filters.school_year is not None
    return {
        "annee": filters.school_year.start_year,
        "departement": filters.departement_id,
        "type": filters.establishment_type,
        "etat": filters.status,
        **extra,
    }


@role_required(*Role)
def letters(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if scope.role == Role.RUPN:
        return _own_letters(request, scope)
    chosen = year_filter(LetterFilterForm, request.GET, scope=scope)
    filters = _filters_of(chosen.form, chosen.school_year, valid=chosen.valid)
    page = page_of(request, letters_listed(scope, filters))
    state_counts = letter_counts(scope, filters)
    counts = [
        {
            "state": count,
            "url": url_with_query("missions:letters", **_query(filters, etat=count.status.value)),
            "current": filters.status == count.status.value,
        }
        for count in state_counts
    ]
    awaiting = next(c.count for c in state_counts if c.status == LetterStatus.AWAITING_VISA)
    can_visa = scope.is_dane_admin and scope.whole_academie
    return render(
        request,
        "missions/letter_list.html",
        {
            "page_title": f"Lettres de mission {chosen.school_year.label}",
            "form": chosen.form,
            "school_year": chosen.school_year,
            "filters": filters,
            "counts": counts,
            "total": sum(c.count for c in state_counts),
            "all_states_url": url_with_query("missions:letters", **_query(filters, etat="")),
            "page_obj": page,
            "rows": _rows(page.object_list),
            "can_visa": can_visa and awaiting > 0,
            "awaiting_visa": awaiting,
            "pdf_jobs_url": _pdf_jobs_url(filters) if can_visa else "",
        },
        status=200 if chosen.valid else 400,
    )


def _pdf_jobs_url(filters: LetterFilters) -> str:
    """The bulk PDF page, with the list's year, département and type already chosen."""
    assert filters.school_year is not None
    return url_with_query(
        "missions:pdf_jobs",
        annee=filters.school_year.start_year,
        departements=filters.departement_id,
        types=filters.establishment_type,
    )


def _own_letters(request: HttpRequest, scope: Scope) -> HttpResponse:
    """A referent's letters, of every year and establishment."""
    page = page_of(request, letters_listed(scope, LetterFilters()))
    return render(
        request,
        "missions/letter_list_referent.html",
        {
            "page_title": "Mes lettres de mission",
            "page_obj": page,
            "rows": _rows(page.object_list),
        },
    )


def _selected_ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


@role_required(Role.DANE_ADMIN)
@require_POST
def visa_batch_create_view(request: HttpRequest) -> HttpResponse:
    """Visa the ticked letters, or every letter of the filters awaiting the visa, after the
    person confirmed their identity; the visa runs in a task and its page shows progress."""
    scope = request_scope(request)
    signing = signing_context(request)
    if signing is None:
        return reauthenticate(request)
    form = LetterFilterForm(request.POST, scope=scope)
    valid = form.is_valid()
    chosen_year = form.cleaned_data.get("annee") if valid else None
    school_year = chosen_year or SchoolYear.objects.current()
    filters = _filters_of(form, school_year, valid=valid)
    back = url_with_query("missions:letters", **_query(filters))
    if not valid:
        messages.error(request, "Les filtres envoyés ne sont pas valides : rien n’a été visé.")
        return redirect(back)
    if request.POST.get("toutes"):
        ids = awaiting_visa_ids(scope, filters)
    else:
        ids = _selected_ids(request.POST.getlist("lettres"))
    if not ids:
        messages.error(request, "Cochez au moins une lettre en attente de visa.")
        return redirect(back)
    try:
        batch = visa_batch_create(actor=scope, letter_ids=ids, signing=signing)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    return redirect("missions:visa_batch", batch.pk)


@role_required(Role.DANE_ADMIN)
def visa_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_visa_batch_for(request_scope(request), pk)
    progress = {
        "total": batch.total,
        "done": len(batch.done_ids),
        "failed": len(batch.failures),
        "processed": batch.processed,
        "percent": batch.percent,
        "finished": batch.finished_at is not None,
    }
    if request.GET.get("format") == "json":
        return job_progress_response(
            request, progress, status_template="missions/_visa_status.html"
        )
    return render(
        request,
        "missions/visa_batch.html",
        {
            "page_title": "Visa groupé des lettres de mission",
            "batch": batch,
            "progress": progress,
            "failures": visa_failures(batch),
            "json_url": url_with_query("missions:visa_batch", batch.pk, format="json"),
            "list_url": url_with_query("missions:letters", etat=LetterStatus.AWAITING_VISA.value),
        },
    )


@role_required(Role.DANE_ADMIN, Role.DANE_COORDINATOR)
def training(request: HttpRequest) -> HttpResponse:
    """The people registered for the training of new referents, for a school year; CSV or XLSX
    with `?format=csv|xlsx`."""
    scope = request_scope(request)
    query = request.GET.copy()
    export = query.pop("format", [""])[-1]
    chosen = year_filter(SchoolYearForm, query)
    school_year = chosen.school_year
    rows = training_rows(scope, school_year)
    if export in EXPORT_TYPES and chosen.valid:
        filename = f"stage-rupn-{school_year.label}.{export}"
        if export == "xlsx":
            content = render_xlsx(rows, title=f"Stage RUPN {school_year.label}")
        else:
            content = render_csv(rows)
        response = HttpResponse(content, content_type=EXPORT_TYPES[export])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(
        request,
        "missions/training.html",
        {
            "page_title": f"Stage des nouveaux RUPN {school_year.label}",
            "form": chosen.form,
            "school_year": school_year,
            "page_obj": page_of(request, rows),
            "count": len(rows),
            "csv_url": url_with_query(
                "missions:training", annee=school_year.start_year, format="csv"
            ),
            "xlsx_url": url_with_query(
                "missions:training", annee=school_year.start_year, format="xlsx"
            ),
        },
        status=200 if chosen.valid else 400,
    )
