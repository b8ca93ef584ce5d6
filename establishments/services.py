"""Writes on establishments: the import of the national "Annuaire de l'éducation".

An import goes in two steps: `establishment_import_preview` reads the file, compares it with the
académie's establishments and stores the file's text with a report of what would be created,
updated, left unchanged, ignored and rejected; `establishment_import_apply` then applies it, all
or nothing unless the DANE admin chose to import only the valid rows. The comparison is made again
when applying, against the database as it is then, so that a preview left open for an hour does
not overwrite what changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from establishments import importers
from establishments.importers import AnnuaireFileError, EstablishmentRow, RejectedRow, RowError
from establishments.models import (
    Academie,
    Departement,
    Establishment,
    EstablishmentImport,
    EstablishmentType,
    ImportStatus,
    PupilCount,
    SchoolYear,
    Sector,
)

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "AnnuaireFileError",
    "EstablishmentImportError",
    "ImportPlan",
    "establishment_import_apply",
    "establishment_import_cancel",
    "establishment_import_plan",
    "establishment_import_preview",
]

REPORT_VERSION = 1
# Keeps `IN (…)` lists under every backend's limit of bound parameters.
LOOKUP_CHUNK = 500
SOURCE_PREFIX = "Annuaire de l’éducation"

T = TypeVar("T")


class EstablishmentImportError(ValidationError):
    """The import cannot be applied (or cancelled) as asked; nothing was changed."""


# --- Comparing the file with the database ------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class ImportPlan:
    """What applying a file would do, row by row."""

    parsed: importers.ParsedAnnuaire
    school_year: SchoolYear
    departements: dict[str, Departement]
    to_create: list[EstablishmentRow] = field(default_factory=list)
    to_update: list[tuple[EstablishmentRow, Establishment, list[Change]]] = field(
        default_factory=list
    )
    unchanged: list[tuple[EstablishmentRow, Establishment]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    existing_pupils: dict[int, PupilCount] = field(default_factory=dict)

    @property
    def missing_pupils(self) -> list[EstablishmentRow]:
        rows = [
            *self.to_create,
            *(row for row, _, _ in self.to_update),
            *(row for row, _ in self.unchanged),
        ]
        return sorted((row for row in rows if row.pupils is None), key=lambda r: r.line)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.to_create),
            "updated": len(self.to_update),
            "unchanged": len(self.unchanged),
            "ignored": len(self.parsed.ignored),
            "rejected": len(self.rejected),
            "missing_pupils": len(self.missing_pupils),
        }

    def report(self, *, filename: str) -> dict[str, Any]:
        existing_by_uai = {
            establishment.uai: establishment for _, establishment, _ in self.to_update
        } | {establishment.uai: establishment for _, establishment in self.unchanged}

        def missing_entry(row: EstablishmentRow) -> dict[str, Any]:
            establishment = existing_by_uai.get(row.uai)
            known = self.existing_pupils.get(establishment.pk) if establishment else None
            return {
                "line": row.line,
                "uai": row.uai,
                "name": row.name,
                "kept": known.pupils if known else None,
            }

        return {
            "version": REPORT_VERSION,
            "filename": filename,
            "school_year": self.school_year.label,
            "header_style": self.parsed.header_style,
            "total_rows": self.parsed.total_rows,
            "counts": self.counts(),
            "created": [
                _row_entry(row, self.departements[row.departement_code]) for row in self.to_create
            ],
            "updated": [
                {
                    "line": row.line,
                    "uai": row.uai,
                    "name": row.name,
                    "changes": [{"label": c.label, "old": c.old, "new": c.new} for c in changes],
                }
                for row, _, changes in self.to_update
            ],
            "unchanged": [
                {"line": row.line, "uai": row.uai, "name": row.name} for row, _ in self.unchanged
            ],
            "rejected": [row.as_dict() for row in self.rejected],
            "missing_pupils": [missing_entry(row) for row in self.missing_pupils],
            "ignored": importers.ignored_summary(self.parsed.ignored),
        }


def _row_entry(row: EstablishmentRow, departement: Departement) -> dict[str, Any]:
    return {
        "line": row.line,
        "uai": row.uai,
        "name": row.name,
        "type": EstablishmentType(row.type).label,
        "sector": Sector(row.sector).label,
        "departement": str(departement),
        "commune": row.commune,
        "email": row.email,
        "pupils": row.pupils,
    }


def _chunks(items: list[T], size: int = LOOKUP_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _changes(
    row: EstablishmentRow,
    establishment: Establishment,
    departement: Departement,
    known_pupils: PupilCount | None,
    school_year: SchoolYear,
) -> list[Change]:
    changes: list[Change] = []
    if establishment.name != row.name:
        changes.append(Change("name", "Nom", establishment.name, row.name))
    if establishment.type != row.type:
        changes.append(
            Change(
                "type",
                "Type",
                establishment.get_type_display(),
                EstablishmentType(row.type).label,
            )
        )
    if establishment.sector != row.sector:
        changes.append(
            Change(
                "sector", "Secteur", establishment.get_sector_display(), Sector(row.sector).label
            )
        )
    if establishment.departement_id != departement.pk:
        changes.append(
            Change(
                "departement",
                "Département",
                str(establishment.departement),
                str(departement),
            )
        )
    if establishment.commune != row.commune:
        changes.append(Change("commune", "Commune", establishment.commune, row.commune))
    # An empty cell never erases what is known: the annuaire often lacks a value.
    if row.email and establishment.email != row.email:
        changes.append(
            Change("email", "Adresse électronique", establishment.email or "—", row.email)
        )
    if row.pupils is not None and (known_pupils is None or known_pupils.pupils != row.pupils):
        changes.append(
            Change(
                "pupils",
                f"Élèves {school_year.label}",
                str(known_pupils.pupils) if known_pupils else "—",
                str(row.pupils),
            )
        )
    return changes


def _plan(*, academie: Academie, school_year: SchoolYear, text: str) -> ImportPlan:
    departements = {d.code: d for d in Departement.objects.filter(academie=academie)}
    parsed = importers.parse_annuaire(
        text, academie_code=academie.code, departement_codes=departements.keys()
    )
    plan = ImportPlan(
        parsed=parsed,
        school_year=school_year,
        departements=departements,
        rejected=list(parsed.rejected),
    )
    uais = [row.uai for row in parsed.valid]
    existing: dict[str, Establishment] = {}
    for chunk in _chunks(uais):
        existing.update(
            (e.uai, e)
            for e in Establishment.objects.filter(uai__in=chunk).select_related("departement")
        )
    own_ids = [e.pk for e in existing.values() if e.academie_id == academie.pk]
    for id_chunk in _chunks(own_ids):
        plan.existing_pupils.update(
            (count.establishment_id, count)
            for count in PupilCount.objects.filter(
                establishment_id__in=id_chunk, school_year=school_year
            )
        )

    uai_column = parsed.column(importers.UAI)
    for row in parsed.valid:
        establishment = existing.get(row.uai)
        if establishment is None:
            plan.to_create.append(row)
            continue
        if establishment.academie_id != academie.pk:
            # Never moved across académies: that is for the platform administrators to sort out.
            plan.rejected.append(
                RejectedRow(
                    row.line,
                    row.uai,
                    row.name,
                    (
                        RowError(
                            uai_column,
                            f"L’UAI « {row.uai} » est déjà enregistré dans une autre académie : "
                            "il n’est pas déplacé. Contactez l’administrateur de la plateforme.",
                        ),
                    ),
                )
            )
            continue
        changes = _changes(
            row,
            establishment,
            departements[row.departement_code],
            plan.existing_pupils.get(establishment.pk),
            school_year,
        )
        if changes:
            plan.to_update.append((row, establishment, changes))
        else:
            plan.unchanged.append((row, establishment))
    plan.rejected.sort(key=lambda r: r.line)
    return plan


def _decoded(content_bytes: bytes) -> str:
    problem = importers.size_problem(len(content_bytes), settings.ESTABLISHMENT_IMPORT_MAX_BYTES)
    if problem:
        raise AnnuaireFileError(problem, code="size")
    return importers.decode(content_bytes)


def establishment_import_plan(
    *, academie: Academie, school_year: SchoolYear, content_bytes: bytes
) -> ImportPlan:
    """What importing the file would do, without writing anything (the command's dry run).

    Raises `AnnuaireFileError` when the file as a whole cannot be read.
    """
    return _plan(academie=academie, school_year=school_year, text=_decoded(content_bytes))


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def establishment_import_preview(
    *,
    academie: Academie,
    school_year: SchoolYear,
    filename: str,
    content_bytes: bytes,
    created_by: User | None,
) -> EstablishmentImport:
    """Reads the file and stores it with the report of what applying it would do.

    Raises `AnnuaireFileError` (a French message naming the line and column) and stores nothing
    when the file cannot be read at all: size, encoding, separator, columns, no rows.
    """
    text = _decoded(content_bytes)
    plan = _plan(academie=academie, school_year=school_year, text=text)
    filename = (filename or "annuaire.csv")[:255]
    return EstablishmentImport.objects.create(
        academie=academie,
        school_year=school_year,
        filename=filename,
        content=text,
        report=plan.report(filename=filename),
        created_by=created_by,
    )


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


def _claim(
    establishment_import: EstablishmentImport, *, with_content: bool = True, **changes: Any
) -> EstablishmentImport:
    """Moves a previewed import on, once: a second confirmation finds it no longer previewed."""
    claimed = EstablishmentImport.objects.filter(
        pk=establishment_import.pk, status=ImportStatus.PREVIEWED
    ).update(**changes)
    imports = EstablishmentImport.objects.select_related("academie", "school_year")
    if not with_content:
        imports = imports.defer("content")
    current = imports.get(pk=establishment_import.pk)
    if not claimed:
        raise _status_error(current)
    return current


@transaction.atomic
def establishment_import_apply(
    *,
    establishment_import: EstablishmentImport,
    applied_by: User | None,
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
        applied_by=applied_by,
        only_valid_rows=only_valid_rows,
    )
    try:
        plan = _plan(
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
    report = plan.report(filename=current.filename)
    report["preview_counts"] = current.report.get("counts", {})
    report["applied_at"] = now.isoformat()
    report["applied_by"] = applied_by.email if applied_by else None
    report["only_valid_rows"] = only_valid_rows
    current.report = report
    current.save(update_fields=["report"])
    establishment_import.refresh_from_db(fields=STATE_FIELDS)
    return current


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
    *, establishment_import: EstablishmentImport, cancelled_by: User | None
) -> EstablishmentImport:
    """Drops a previewed import; its report keeps who cancelled it and when."""
    current = _claim(establishment_import, with_content=False, status=ImportStatus.CANCELLED)
    current.report = {
        **current.report,
        "cancelled_at": timezone.now().isoformat(),
        "cancelled_by": cancelled_by.email if cancelled_by else None,
    }
    current.save(update_fields=["report"])
    establishment_import.refresh_from_db(fields=STATE_FIELDS)
    return current
