"""Pages of the principal's allocation of the IMP envelope and of the service fait."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from audit.selectors import history_for, history_lines
from establishments.forms import year_filter
from indemnities.access import get_allocation_for, get_establishment_and_year_for
from indemnities.forms_allocations import AllocationForm, CertificationForm, YearForm
from indemnities.panels import certification_panels
from indemnities.selectors_allocations import (
    allocation_page,
    certification_allocations,
    referent_counts,
)
from indemnities.selectors_amounts import ZERO
from indemnities.selectors_budget import allocation_summaries
from indemnities.selectors_certifications import certification_right, certification_rights
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from tenancy.http import request_scope, role_required

DIRECTION = (Role.PRINCIPAL, Role.DEPUTY)


@role_required(*DIRECTION)
def allocation_list(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    chosen = year_filter(YearForm, request.GET)
    form, school_year = chosen.form, chosen.school_year
    summaries = allocation_summaries(scope=scope, school_year=school_year)
    counts = referent_counts([s.establishment for s in summaries], school_year)
    return render(
        request,
        "indemnities/allocation_list.html",
        {
            "page_title": "Indemnités des référents (IMP)",
            "form": form,
            "school_year": school_year,
            "rows": [(s, counts.get(s.establishment.pk, 0)) for s in summaries],
            "totals": {
                "referents": sum(counts.get(s.establishment.pk, 0) for s in summaries),
                "envelope": sum((s.envelope.amount or ZERO for s in summaries), ZERO),
                "allocated": sum((s.allocated for s in summaries), ZERO),
                "remaining": sum((s.remaining or ZERO for s in summaries if s.has_envelope), ZERO),
            },
        },
        status=200 if chosen.valid else 400,
    )


@role_required(*DIRECTION)
@require_http_methods(["GET", "POST"])
def allocation_edit(request: HttpRequest, establishment_pk: int, start_year: int) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = get_establishment_and_year_for(scope, establishment_pk, start_year)
    page = allocation_page(establishment, school_year, scope=scope)
    editable = page.rules is not None and page.envelope.amount is not None
    status = 200
    form = AllocationForm(request.POST if request.method == "POST" else None, page=page)
    if request.method == "POST":
        status = 400
        if not editable:
            form.add_error(
                None, page.envelope.problem or "L’enveloppe de l’établissement n’est pas connue."
            )
        elif form.is_valid():
            try:
                result = allocation_set(
                    establishment=establishment,
                    school_year=school_year,
                    amounts=form.amounts(),
                    actor=scope,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(request, "La répartition de l’enveloppe est enregistrée.")
                return redirect(
                    "indemnities:allocation_edit",
                    establishment_pk=establishment.pk,
                    start_year=school_year.start_year,
                )
    return render(
        request,
        "indemnities/allocation_edit.html",
        {
            "page_title": f"Répartition de l’enveloppe IMP – {establishment.name}",
            "page": page,
            "form": form,
            "editable": editable,
            "history": history_lines(
                history_for(
                    scope,
                    establishment_id=establishment.pk,
                    school_year_id=school_year.pk,
                    verb_prefix="allocation.",
                )
            ),
        },
        status=status,
    )


@role_required(Role.PRINCIPAL, Role.DEPUTY, Role.DANE_ADMIN, Role.DANE_COORDINATOR)
@require_http_methods(["GET", "POST"])
def certification_list(
    request: HttpRequest, establishment_pk: int, start_year: int
) -> HttpResponse:
    scope = request_scope(request)
    establishment, school_year = get_establishment_and_year_for(scope, establishment_pk, start_year)
    failed_pk: int | None = None
    failed_form: CertificationForm | None = None
    if request.method == "POST":
        allocation = get_allocation_for(scope, request.POST.get("allocation"))
        if (
            allocation.establishment_id != establishment.pk
            or allocation.school_year_id != school_year.pk
        ):
            raise Http404("Attribution introuvable.")
        right = certification_right(scope, allocation)
        if not right.allowed:
            raise PermissionDenied
        form = CertificationForm(request.POST, prefix=f"a{allocation.pk}")
        if form.is_valid():
            try:
                service_certify(
                    allocation=allocation,
                    status=form.cleaned_data["status"],
                    months_done=form.cleaned_data["months_done"],
                    comment=form.cleaned_data["comment"],
                    actor=scope,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    "La correction est enregistrée."
                    if right.is_correction
                    else "Le service fait est certifié.",
                )
                return redirect(
                    "indemnities:certifications",
                    establishment_pk=establishment.pk,
                    start_year=school_year.start_year,
                )
        failed_pk, failed_form = allocation.pk, form

    allocations = certification_allocations(establishment, school_year)
    is_dane_admin = scope.role == Role.DANE_ADMIN
    rights = certification_rights(scope, allocations)
    panels = certification_panels(scope, establishment, school_year, allocations)
    for allocation in allocations:
        allocation.panels = panels.get(allocation.pk, [])  # type: ignore[attr-defined]
        allowed = rights[allocation.pk].allowed
        allocation.can_certify = allowed  # type: ignore[attr-defined]
        allocation.is_correction = rights[allocation.pk].is_correction  # type: ignore[attr-defined]
        if allocation.pk == failed_pk:
            allocation.form = failed_form  # type: ignore[attr-defined]
        elif allowed:
            allocation.form = CertificationForm(prefix=f"a{allocation.pk}")  # type: ignore[attr-defined]
        else:
            allocation.form = None  # type: ignore[attr-defined]
    return render(
        request,
        "indemnities/certification_list.html",
        {
            "page_title": f"Service fait – {establishment.name}",
            "establishment": establishment,
            "school_year": school_year,
            "allocations": allocations,
            "is_dane_admin": is_dane_admin,
            "is_direction": scope.role in DIRECTION,
            "history": history_lines(
                history_for(
                    scope,
                    establishment_id=establishment.pk,
                    school_year_id=school_year.pk,
                    verb_prefix="certification.",
                )
            ),
        },
        status=400 if failed_form is not None else 200,
    )
