"""Pages of the "Annuaire de l'éducation" import: upload → preview → confirm (or cancel).

Only the DANE admin of the académie may use them; another académie's import is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import history_for, history_lines
from establishments.access import establishment_imports_visible_to, get_establishment_import_for
from establishments.forms_import import (
    EstablishmentImportConfirmForm,
    EstablishmentImportUploadForm,
)
from establishments.imports.apply import (
    EstablishmentImportError,
    establishment_import_apply,
    establishment_import_cancel,
    establishment_import_preview,
)
from establishments.imports.parse import AnnuaireFileError
from establishments.models import ImportStatus
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

RECENT_IMPORTS = 10


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(
        [
            _plural(counts.get("created", 0), "créé", "créés"),
            _plural(counts.get("updated", 0), "mis à jour", "mis à jour"),
            _plural(counts.get("unchanged", 0), "inchangé", "inchangés"),
            _plural(counts.get("ignored", 0), "ignoré", "ignorés"),
            _plural(counts.get("rejected", 0), "rejeté", "rejetés"),
        ]
    )


@role_required(Role.DANE_ADMIN)
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    status = 200
    if request.method != "POST":
        form = EstablishmentImportUploadForm()
    else:
        form = EstablishmentImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["fichier"]
            try:
                establishment_import = establishment_import_preview(
                    academie=request.academie,  # type: ignore[attr-defined]
                    school_year=form.cleaned_data["annee"],
                    filename=upload.name or "annuaire.csv",
                    content_bytes=form.content_bytes(),
                    actor=request_scope(request),
                )
            except AnnuaireFileError as exc:
                form.add_error("fichier", exc.messages)
            else:
                return redirect("establishments:import_preview", pk=establishment_import.pk)
        status = 400
    recent = (
        establishment_imports_visible_to(scope)
        .select_related("school_year", "created_by")
        .defer("content", "report")  # megabytes each, not shown in the list
    )[:RECENT_IMPORTS]
    return render(
        request,
        "establishments/import_upload.html",
        {"page_title": "Importer l’annuaire", "form": form, "recent_imports": recent},
        status=status,
    )


@role_required(Role.DANE_ADMIN)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    establishment_import = get_establishment_import_for(scope, pk)
    report = establishment_import.report
    return render(
        request,
        "establishments/import_preview.html",
        {
            "page_title": f"Aperçu de l’import – {establishment_import.filename}",
            "establishment_import": establishment_import,
            "report": report,
            "counts": report.get("counts", {}),
            "is_previewed": establishment_import.status == ImportStatus.PREVIEWED,
            "form": EstablishmentImportConfirmForm(),
            "history": history_lines(history_for(scope, targets=[establishment_import])),
        },
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    establishment_import = get_establishment_import_for(request_scope(request), pk)
    form = EstablishmentImportConfirmForm(request.POST)
    only_valid_rows = form.is_valid() and form.cleaned_data["only_valid_rows"]
    try:
        applied = establishment_import_apply(
            establishment_import=establishment_import,
            actor=request_scope(request),
            only_valid_rows=only_valid_rows,
        )
    except EstablishmentImportError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("establishments:import_preview", pk=establishment_import.pk)
    messages.success(
        request,
        f"Import de « {applied.filename} » effectué pour {applied.school_year.label} : "
        f"{_summary(applied.report.get('counts', {}))}.",
    )
    return redirect("establishments:list")


@role_required(Role.DANE_ADMIN)
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    establishment_import = get_establishment_import_for(request_scope(request), pk)
    try:
        establishment_import_cancel(
            establishment_import=establishment_import, actor=request_scope(request)
        )
    except EstablishmentImportError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("establishments:import_preview", pk=establishment_import.pk)
    messages.info(request, f"L’import de « {establishment_import.filename} » a été annulé.")
    return redirect("establishments:import_upload")
