"""Planning an annuaire import: the parsed file compared with the académie's establishments.

Reads the database, writes nothing. `establishments.imports.apply` stores and applies the plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings

from establishments.imports import parse
from establishments.imports.parse import AnnuaireFileError, EstablishmentRow, RejectedRow, RowError
from establishments.models import (
    Academie,
    Departement,
    Establishment,
    EstablishmentType,
    PupilCount,
    SchoolYear,
    Sector,
)

REPORT_VERSION = 1
# Keeps `IN (…)` lists under every backend's limit of bound parameters.
LOOKUP_CHUNK = 500

T = TypeVar("T")


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

    parsed: parse.ParsedAnnuaire
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
            "merged": sum(len(m.dropped) for m in self.parsed.merged),
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
            "merged": [merge.as_dict() for merge in self.parsed.merged],
            "missing_pupils": [missing_entry(row) for row in self.missing_pupils],
            "ignored": parse.ignored_summary(self.parsed.ignored),
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


def plan_annuaire(*, academie: Academie, school_year: SchoolYear, text: str) -> ImportPlan:
    departements = {d.code: d for d in Departement.objects.filter(academie=academie)}
    parsed = parse.parse_annuaire(
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

    uai_column = parsed.column(parse.UAI)
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


def decode_upload(content_bytes: bytes) -> str:
    problem = parse.size_problem(len(content_bytes), settings.ESTABLISHMENT_IMPORT_MAX_BYTES)
    if problem:
        raise AnnuaireFileError(problem, code="size")
    return parse.decode(content_bytes)


def establishment_import_plan(
    *, academie: Academie, school_year: SchoolYear, content_bytes: bytes
) -> ImportPlan:
    """What importing the file would do, without writing anything (the command's dry run).

    Raises `AnnuaireFileError` when the file as a whole cannot be read.
    """
    return plan_annuaire(
        academie=academie, school_year=school_year, text=decode_upload(content_bytes)
    )
