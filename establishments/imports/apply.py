"""Writes of an annuaire import: store the preview, apply it (all or nothing), cancel it.

An import goes in two steps: `establishment_import_preview` reads the file, compares it with the
académie's establishments and stores the file's text with a report of what would be created,
updated, left unchanged, ignored and rejected; `establishment_import_apply` then applies it, all
or nothing unless the DANE admin chose to import only the valid rows. The comparison is made again
when applying, against the database as it is then, so that a preview left open for an hour does
not overwrite what changed meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from establishments.imports.parse import AnnuaireFileError
from establishments.imports.plan import ImportPlan, decode_upload, plan_annuaire
from establishments.models import (
    Academie,
    Establishment,
    EstablishmentImport,
    ImportStatus,
    PupilCount,
    SchoolYear,
)
from establishments.staged_imports import staged_import_claim, staged_import_record
from tenancy.scope import Scope

SOURCE_PREFIX = "Annuaire de l’éducation"


class EstablishmentImportError(ValidationError):
    """The import cannot be applied (or cancelled) as asked; nothing was changed."""


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def establishment_import_preview(
    *,
    academie: Academie,
    school_year: SchoolYear,
    filename: str,
    content_bytes: bytes,
    actor: Scope,
) -> EstablishmentImport:
    """Reads the file and stores it with the report of what applying it would do.

    Raises `AnnuaireFileError` (a French message naming the line and column) and stores nothing
    when the file cannot be read at all: size, encoding, separator, columns, no rows.
    """
    text = decode_upload(content_bytes)
    plan = plan_annuaire(academie=academie, school_year=school_year, text=text)
    filename = (filename or "annuaire.csv")[:255]
    stored = EstablishmentImport.objects.create(
        academie=academie,
        school_year=school_year,
        filename=filename,
        # Without its ignored lines (other académies, écoles): the national file is stored at a
        # small part of its weight and read again fast when applied; line numbers are unchanged.
        content=plan.parsed.compact_text,
        report=plan.report(filename=filename),
        created_by_id=actor.user_id,
    )
    staged_import_record(
        actor, "import.preview", stored, f"a déposé le fichier de l’annuaire {filename}"
    )
    return stored


def _status_error(establishment_import: EstablishmentImport) -> EstablishmentImportError:
    if establishment_import.status == ImportStatus.APPLIED:
        when = (
            timezone.localtime(establishment_import.applied_at).strftime("%d/%m/%Y à %H:%M")
            if establishment_import.applied_at
            else ""
        )
        return EstablishmentImportError(
            f"Cet import a déjà été appliqué{f' le {when}' if when else ''} : "
            "rien n’a été modifié une seconde fois.",
            code="already_applied",
        )
    return EstablishmentImportError(
        "Cet import a été annulé : il ne peut plus être appliqué. Déposez le fichier à nouveau.",
        code="cancelled",
    )


# What the caller's object is refreshed with: never the file's text, which may weigh megabytes.
STATE_FIELDS = ["status", "applied_at", "applied_by", "only_valid_rows", "report"]


def _claim(staged: EstablishmentImport, **changes: Any) -> EstablishmentImport:
    return staged_import_claim(staged, refusal=_status_error, **changes)


@transaction.atomic
def establishment_import_apply(
    *,
    establishment_import: EstablishmentImport,
    actor: Scope,
    only_valid_rows: bool,
) -> EstablishmentImport:
    """Creates and updates the establishments and pupil counts of a previewed import.

    All or nothing: with rejected rows and `only_valid_rows` false, raises
    `EstablishmentImportError` and changes nothing. Applying an import already applied or
    cancelled raises too.
    """
    now = timezone.now()
    current = _claim(
        establishment_import,
        status=ImportStatus.APPLIED,
        applied_at=now,
        applied_by_id=actor.user_id,
        only_valid_rows=only_valid_rows,
    )
    try:
        plan = plan_annuaire(
            academie=current.academie, school_year=current.school_year, text=current.content
        )
    except AnnuaireFileError as exc:  # the stored text was readable at preview: defensive
        raise EstablishmentImportError(exc.messages[0], code="unreadable") from exc
    if plan.rejected and not only_valid_rows:
        count = len(plan.rejected)
        raise EstablishmentImportError(
            f"{count} ligne{'s' if count > 1 else ''} rejetée{'s' if count > 1 else ''} : "
            "rien n’a été importé. Corrigez le fichier, ou choisissez d’importer seulement "
            "les lignes valides.",
            code="rejected_rows",
        )
    try:
        with transaction.atomic():
            _write(plan, academie=current.academie, source=f"{SOURCE_PREFIX} ({current.filename})")
    except IntegrityError as exc:
        # Another import created one of these UAIs between the comparison and the writes.
        raise EstablishmentImportError(
            "Les établissements ont été modifiés par un autre import au même moment : rien n’a "
            "été importé. Déposez le fichier à nouveau.",
            code="conflict",
        ) from exc
    report = _with_ignored_lines(plan.report(filename=current.filename), current.report)
    report["preview_counts"] = current.report.get("counts", {})
    report["applied_at"] = now.isoformat()
    report["only_valid_rows"] = only_valid_rows
    current.report = report
    current.save(update_fields=["report"])
    counts = report.get("counts", {})
    staged_import_record(
        actor,
        "import.apply",
        current,
        f"a importé le fichier de l’annuaire {current.filename} : "
        f"{counts.get('created', 0)} établissement(s) créé(s), "
        f"{counts.get('updated', 0)} mis à jour",
    )
    establishment_import.refresh_from_db(fields=STATE_FIELDS)
    return current


def _with_ignored_lines(report: dict[str, Any], preview: dict[str, Any]) -> dict[str, Any]:
    """The applied report with the ignored lines counted at preview: the stored text no longer
    holds them (see `ParsedAnnuaire.compact_text`), and they depend on the file only."""
    report["ignored"] = preview.get("ignored", report["ignored"])
    report["counts"]["ignored"] = preview.get("counts", {}).get(
        "ignored", report["counts"]["ignored"]
    )
    report["total_rows"] = preview.get("total_rows", report["total_rows"])
    return report


def _write(plan: ImportPlan, *, academie: Academie, source: str) -> None:
    now = timezone.now()
    new = [
        Establishment(
            academie=academie,
            uai=row.uai,
            name=row.name,
            type=row.type,
            sector=row.sector,
            departement=plan.departements[row.departement_code],
            commune=row.commune,
            email=row.email,
        )
        for row in plan.to_create
    ]
    Establishment.objects.bulk_create(new)
    pupils_of = {row.uai: row.pupils for row in plan.to_create}
    new_counts = [
        PupilCount(
            academie=academie,
            establishment=establishment,
            school_year=plan.school_year,
            pupils=pupils,
            source=source,
        )
        for establishment in new
        if (pupils := pupils_of[establishment.uai]) is not None
    ]

    updated: list[Establishment] = []
    changed_counts: list[PupilCount] = []
    fields: set[str] = set()
    for row, establishment, changes in plan.to_update:
        touched = {change.field for change in changes}
        if "pupils" in touched:
            known = plan.existing_pupils.get(establishment.pk)
            assert row.pupils is not None
            if known is None:
                new_counts.append(
                    PupilCount(
                        academie=academie,
                        establishment=establishment,
                        school_year=plan.school_year,
                        pupils=row.pupils,
                        source=source,
                    )
                )
            else:
                known.pupils = row.pupils
                known.source = source
                known.updated_at = now
                changed_counts.append(known)
            touched.discard("pupils")
        if not touched:
            continue
        establishment.name = row.name
        establishment.type = row.type
        establishment.sector = row.sector
        establishment.departement = plan.departements[row.departement_code]
        establishment.commune = row.commune
        if row.email:
            establishment.email = row.email
        establishment.updated_at = now
        fields |= touched
        updated.append(establishment)
    if updated:
        Establishment.objects.bulk_update(updated, [*sorted(fields), "updated_at"])
    PupilCount.objects.bulk_create(new_counts)
    if changed_counts:
        PupilCount.objects.bulk_update(changed_counts, ["pupils", "source", "updated_at"])


@transaction.atomic
def establishment_import_cancel(
    *, establishment_import: EstablishmentImport, actor: Scope
) -> EstablishmentImport:
    """Drops a previewed import; its report keeps who cancelled it and when."""
    current = _claim(establishment_import, with_content=False, status=ImportStatus.CANCELLED)
    current.report = {
        **current.report,
        "cancelled_at": timezone.now().isoformat(),
    }
    current.save(update_fields=["report"])
    staged_import_record(
        actor, "import.cancel", current, f"a annulé l’import du fichier {current.filename}"
    )
    establishment_import.refresh_from_db(fields=STATE_FIELDS)
    return current
