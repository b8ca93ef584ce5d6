"""Pages of the pupil counts import: upload → preview (with the envelope changes) → confirm.

The parsing, planning and writes are `establishments.pupil_counts`; the page lives here because
it shows which IMP envelopes the new counts change. Only the DANE admin of the académie may use
it; another académie's import is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import history_for, history_lines
from establishments.models import ImportStatus
from establishments.pupil_counts.apply import (
    PupilCountImportError,
    pupil_count_import_apply,
    pupil_count_import_cancel,
    pupil_count_import_preview,
)
from establishments.pupil_counts.parse import PupilCountFileError
from establishments.selectors import get_pupil_count_import_for, pupil_count_imports_visible_to
from indemnities.forms_pupil_counts import PupilCountUploadForm
from indemnities.previews import envelope_changes_for_pupils
from rupn.links import url_with_query
from tenancy.http import request_scope, role_required
from tenancy.roles import Role

RECENT_IMPORTS = 10


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


@role_required(Role.DANE_ADMIN)
def pupil_counts_upload(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    status = 200
    if request.method != "POST":
        form = PupilCountUploadForm()
    else:
        form = PupilCountUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["fichier"]
            try:
                pupil_count_import = pupil_count_import_preview(
                    academie=request.academie,  # type: ignore[attr-defined]
                    school_year=form.school_year,
                    filename=upload.name or "effectifs.csv",
                    content_bytes=form.content_bytes(),
                    actor=request_scope(request),
                )
            except PupilCountFileError as exc:
                form.add_error("fichier", exc.messages)
            else:
                return redirect("indemnities:pupil_counts_preview", pk=pupil_count_import.pk)
        status = 400
    recent = (
        pupil_count_imports_visible_to(scope)
        .select_related("school_year", "created_by")
        .defer("content", "report")
    )[:RECENT_IMPORTS]
    return render(
        request,
        "indemnities/pupil_counts_upload.html",
        {"page_title": "Importer les effectifs", "form": form, "recent_imports": recent},
        status=status,
    )


@role_required(Role.DANE_ADMIN)
def pupil_counts_preview(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    pupil_count_import = get_pupil_count_import_for(scope, pk)
    report = pupil_count_import.report
    is_previewed = pupil_count_import.status == ImportStatus.PREVIEWED
    envelopes = None
    if is_previewed:
        new_pupils = {
            int(row["establishment_id"]): int(row["pupils"])
            for row in [*report.get("created", []), *report.get("changed", [])]
        }
        envelopes = envelope_changes_for_pupils(
            academie=request.academie,  # type: ignore[attr-defined]
            school_year=pupil_count_import.school_year,
            new_pupils=new_pupils,
        )
    return render(
        request,
        "indemnities/pupil_counts_preview.html",
        {
            "page_title": f"Aperçu de l’import des effectifs – {pupil_count_import.filename}",
            "pupil_count_import": pupil_count_import,
            "report": report,
            "counts": report.get("counts", {}),
            "is_previewed": is_previewed,
            "envelopes": envelopes,
            "envelopes_url": url_with_query(
                "indemnities:envelopes", annee=pupil_count_import.school_year.start_year
            ),
            "history": history_lines(history_for(scope, targets=[pupil_count_import])),
        },
    )


@role_required(Role.DANE_ADMIN)
@require_POST
def pupil_counts_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    pupil_count_import = get_pupil_count_import_for(request_scope(request), pk)
    try:
        applied = pupil_count_import_apply(
            pupil_count_import=pupil_count_import, actor=request_scope(request)
        )
    except PupilCountImportError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("indemnities:pupil_counts_preview", pk=pupil_count_import.pk)
    counts = applied.report.get("counts", {})
    messages.success(
        request,
        f"Effectifs {applied.school_year.label} importés de « {applied.filename} » : "
        f"{_plural(counts.get('created', 0), 'ajouté', 'ajoutés')}, "
        f"{_plural(counts.get('changed', 0), 'modifié', 'modifiés')}, "
        f"{_plural(counts.get('unchanged', 0), 'inchangé', 'inchangés')}. "
        "Les enveloppes ci-dessous en tiennent compte.",
    )
    return redirect(url_with_query("indemnities:envelopes", annee=applied.school_year.start_year))


@role_required(Role.DANE_ADMIN)
@require_POST
def pupil_counts_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    pupil_count_import = get_pupil_count_import_for(request_scope(request), pk)
    try:
        pupil_count_import_cancel(
            pupil_count_import=pupil_count_import, actor=request_scope(request)
        )
    except PupilCountImportError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("indemnities:pupil_counts_preview", pk=pupil_count_import.pk)
    messages.info(request, f"L’import de « {pupil_count_import.filename} » a été annulé.")
    return redirect("indemnities:pupil_counts_upload")
