"""Writes of a pupil counts import: store the preview, apply it, cancel it.

`pupil_count_import_preview` reads the file and stores it with the report of what would change;
`pupil_count_import_apply` compares again with the database as it is then and writes the
created and changed counts of the school year, each recording its origin (`PupilCount.source`).
Rejected lines and lines of other académies, other years or unknown UAIs are never written.
The file's text is dropped once the import is applied or cancelled (the report stays).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from establishments.models import (
    Academie,
    ImportStatus,
    PupilCount,
    PupilCountImport,
    SchoolYear,
)
from establishments.pupil_counts.parse import PupilCountFileError
from establishments.pupil_counts.plan import (
    PupilCountPlan,
    decode_pupil_upload,
    plan_pupil_counts,
)
from establishments.services_years import school_year_open
from establishments.staged_imports import staged_import_claim, staged_import_record

# What the caller's object is refreshed with: never the file's text.
from tenancy.scope import Scope

STATE_FIELDS = ["status", "applied_at", "applied_by", "report"]


class PupilCountImportError(ValidationError):
    """The import cannot be applied (or cancelled) as asked; nothing was changed."""


@transaction.atomic
def pupil_count_import_preview(
    *,
    academie: Academie,
    school_year: SchoolYear,
    filename: str,
    content_bytes: bytes,
    actor: Scope,
) -> PupilCountImport:
    """Reads the file and stores it with the report of what applying it would do.

    Raises `PupilCountFileError` (in French) and stores nothing when the file cannot be used:
    size, encoding, separator, unknown header, no line of the school year. `school_year` may be
    unsaved (a past year nobody used yet): it is created with the preview, never without it.
    """
    text = decode_pupil_upload(content_bytes)
    if school_year.pk is None:
        school_year = school_year_open(start_year=school_year.start_year)
    plan = plan_pupil_counts(academie=academie, school_year=school_year, text=text)
    filename = (filename or "effectifs.csv")[:255]
    stored = PupilCountImport.objects.create(
        academie=academie,
        school_year=school_year,
        filename=filename,
        dataset=plan.parsed.dataset,
        content=text,
        report=plan.report(filename=filename),
        created_by_id=actor.user_id,
    )
    staged_import_record(
        actor, "pupil_counts.preview", stored, f"a déposé le fichier d’effectifs {filename}"
    )
    return stored


def _status_error(pupil_count_import: PupilCountImport) -> PupilCountImportError:
    if pupil_count_import.status == ImportStatus.APPLIED:
        return PupilCountImportError(
            "Cet import d’effectifs a déjà été appliqué : rien n’a été modifié une seconde fois.",
            code="already_applied",
        )
    return PupilCountImportError(
        "Cet import d’effectifs a été annulé : il ne peut plus être appliqué. Déposez le "
        "fichier à nouveau.",
        code="cancelled",
    )


def _claim(staged: PupilCountImport, **changes: Any) -> PupilCountImport:
    return staged_import_claim(staged, refusal=_status_error, **changes)


def _write(plan: PupilCountPlan, *, academie: Academie) -> None:
    now = timezone.now()
    source = plan.source
    PupilCount.objects.bulk_create(
        [
            PupilCount(
                academie=academie,
                establishment=establishment,
                school_year=plan.school_year,
                pupils=row.pupils,
                source=source,
            )
            for row, establishment in plan.created
        ]
    )
    changed = []
    for row, _, count in plan.changed:
        count.pupils = row.pupils
        count.source = source
        count.updated_at = now
        changed.append(count)
    if changed:
        PupilCount.objects.bulk_update(changed, ["pupils", "source", "updated_at"])


@transaction.atomic
def pupil_count_import_apply(
    *, pupil_count_import: PupilCountImport, actor: Scope
) -> PupilCountImport:
    """Writes the created and changed counts of a previewed import; its report says who did it.

    Applying twice changes nothing the second time (and raises `PupilCountImportError`).
    """
    now = timezone.now()
    current = _claim(
        pupil_count_import, status=ImportStatus.APPLIED, applied_at=now, applied_by_id=actor.user_id
    )
    try:
        plan = plan_pupil_counts(
            academie=current.academie, school_year=current.school_year, text=current.content
        )
    except PupilCountFileError as exc:  # readable at preview: defensive
        raise PupilCountImportError(exc.messages[0], code="unreadable") from exc
    try:
        with transaction.atomic():
            _write(plan, academie=current.academie)
    except IntegrityError as exc:
        raise PupilCountImportError(
            "Les effectifs ont été modifiés par un autre import au même moment : rien n’a été "
            "importé. Déposez le fichier à nouveau.",
            code="conflict",
        ) from exc
    report = plan.report(filename=current.filename)
    report["preview_counts"] = current.report.get("counts", {})
    report["applied_at"] = now.isoformat()
    current.report = report
    # The file's text served to apply exactly what was previewed; the report keeps what was
    # done. A national file weighs megabytes: not kept once applied.
    current.content = ""
    current.save(update_fields=["report", "content"])
    counts = report.get("counts", {})
    staged_import_record(
        actor,
        "pupil_counts.apply",
        current,
        f"a importé les effectifs du fichier {current.filename} : "
        f"{counts.get('created', 0)} ajouté(s), {counts.get('changed', 0)} modifié(s)",
    )
    pupil_count_import.refresh_from_db(fields=STATE_FIELDS)
    return current


@transaction.atomic
def pupil_count_import_cancel(
    *, pupil_count_import: PupilCountImport, actor: Scope
) -> PupilCountImport:
    """Drops a previewed import; its report keeps who cancelled it and when."""
    current = _claim(pupil_count_import, with_content=False, status=ImportStatus.CANCELLED)
    current.report = {
        **current.report,
        "cancelled_at": timezone.now().isoformat(),
    }
    current.content = ""
    current.save(update_fields=["report", "content"])
    staged_import_record(
        actor, "pupil_counts.cancel", current, f"a annulé l’import du fichier {current.filename}"
    )
    pupil_count_import.refresh_from_db(fields=STATE_FIELDS)
    return current
