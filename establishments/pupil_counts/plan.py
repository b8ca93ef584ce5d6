"""Planning a pupil counts import: the file's counts of one year against the database (reads).

Each line of the chosen school year is one of: created (no count yet for that year), changed
(old → new), unchanged, unknown UAI (no such establishment anywhere), other académie (the file
names another académie, or the UAI is another académie's establishment) or rejected (unreadable
value). Lines of other school years are only counted.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from establishments.imports.parse import size_problem
from establishments.models import Academie, Establishment, PupilCount, SchoolYear
from establishments.pupil_counts.parse import (
    DATASET_LABELS,
    ParsedPupilCounts,
    PupilCountFileError,
    PupilRow,
    RejectedPupilRow,
    decode_pupil_file,
    parse_pupil_counts,
)

REPORT_VERSION = 1
LOOKUP_CHUNK = 500
SAMPLE = 20  # lines listed per group of lines not imported (the counts are exact)


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("’", " ").replace("'", " ").split())


def is_same_academie(label: str, academie: Academie) -> bool:
    """`POITIERS`, `Poitiers`, `Académie de Poitiers` name the académie of Poitiers."""
    folded = _fold(label)
    name = _fold(academie.name)
    return folded in {name, f"academie de {name}", f"academie d {name}"}


def source_label(dataset: str, school_year: SchoolYear) -> str:
    """What `PupilCount.source` records: "Effectifs second degré 2025-2026 (fr-en-…)"."""
    return f"{DATASET_LABELS[dataset]} {school_year.label} ({dataset})"[:100]


@dataclass
class PupilCountPlan:
    parsed: ParsedPupilCounts
    school_year: SchoolYear
    created: list[tuple[PupilRow, Establishment]] = field(default_factory=list)
    changed: list[tuple[PupilRow, Establishment, PupilCount]] = field(default_factory=list)
    unchanged: list[tuple[PupilRow, Establishment]] = field(default_factory=list)
    unknown: list[PupilRow] = field(default_factory=list)
    other_academie: list[PupilRow] = field(default_factory=list)
    rejected: list[RejectedPupilRow] = field(default_factory=list)

    @property
    def source(self) -> str:
        return source_label(self.parsed.dataset, self.school_year)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "unknown": len(self.unknown),
            "other_academie": len(self.other_academie),
            "other_year": sum(self.parsed.other_years.values()),
            "rejected": len(self.rejected),
        }

    def new_pupils(self) -> dict[int, int]:
        """Establishment id → the count the import would set (created and changed ones)."""
        return {
            **{e.pk: row.pupils for row, e in self.created},
            **{e.pk: row.pupils for row, e, _ in self.changed},
        }

    def report(self, *, filename: str) -> dict[str, Any]:
        def entry(row: PupilRow, establishment: Establishment) -> dict[str, Any]:
            return {
                "line": row.line,
                "uai": row.uai,
                "establishment_id": establishment.pk,
                "name": establishment.name,
                "pupils": row.pupils,
            }

        other = Counter(row.academie or "—" for row in self.other_academie)
        return {
            "version": REPORT_VERSION,
            "filename": filename,
            "dataset": self.parsed.dataset,
            "dataset_label": DATASET_LABELS[self.parsed.dataset],
            "pupils_column": self.parsed.layout.pupils_label,
            "school_year": self.school_year.label,
            "source": self.source,
            "total_rows": self.parsed.total_rows,
            "counts": self.counts(),
            "created": [entry(row, e) for row, e in self.created],
            "changed": [
                {**entry(row, e), "old": count.pupils, "old_source": count.source}
                for row, e, count in self.changed
            ],
            "unchanged": [entry(row, e) for row, e in self.unchanged],
            "unknown": [
                {"line": r.line, "uai": r.uai, "name": r.name} for r in self.unknown[:SAMPLE]
            ],
            "other_academie": [
                {"academie": name, "count": count} for name, count in other.most_common()
            ],
            "other_years": [
                {"school_year": f"{year}-{year + 1}", "count": count}
                for year, count in sorted(self.parsed.other_years.items())
            ],
            "rejected": [r.as_dict() for r in self.rejected],
        }


def plan_pupil_counts(*, academie: Academie, school_year: SchoolYear, text: str) -> PupilCountPlan:
    parsed = parse_pupil_counts(text, start_year=school_year.start_year)
    plan = PupilCountPlan(parsed=parsed, school_year=school_year, rejected=list(parsed.rejected))
    candidates: list[PupilRow] = []
    seen: dict[str, int] = {}
    for row in parsed.rows:
        if row.academie and not is_same_academie(row.academie, academie):
            plan.other_academie.append(row)
        elif row.uai in seen:
            plan.rejected.append(
                RejectedPupilRow(
                    row.line,
                    row.uai,
                    f"L’UAI « {row.uai} » figure déjà ligne {seen[row.uai]} pour "
                    f"{school_year.label} : seule la première ligne est retenue.",
                )
            )
        else:
            seen[row.uai] = row.line
            candidates.append(row)
    uais = [row.uai for row in candidates]
    establishments: dict[str, Establishment] = {}
    for start in range(0, len(uais), LOOKUP_CHUNK):
        establishments.update(
            (e.uai, e)
            for e in Establishment.objects.filter(uai__in=uais[start : start + LOOKUP_CHUNK])
        )
    own_ids = [e.pk for e in establishments.values() if e.academie_id == academie.pk]
    known: dict[int, PupilCount] = {}
    for start in range(0, len(own_ids), LOOKUP_CHUNK):
        known.update(
            (c.establishment_id, c)
            for c in PupilCount.objects.filter(
                establishment_id__in=own_ids[start : start + LOOKUP_CHUNK],
                school_year=school_year,
            )
        )
    for row in candidates:
        establishment = establishments.get(row.uai)
        if establishment is None:
            plan.unknown.append(row)
        elif establishment.academie_id != academie.pk:
            plan.other_academie.append(row)
        elif (count := known.get(establishment.pk)) is None:
            plan.created.append((row, establishment))
        elif count.pupils != row.pupils:
            plan.changed.append((row, establishment, count))
        else:
            plan.unchanged.append((row, establishment))
    plan.rejected.sort(key=lambda r: r.line)
    return plan


def decode_pupil_upload(content_bytes: bytes) -> str:
    problem = size_problem(len(content_bytes), settings.PUPIL_COUNT_IMPORT_MAX_BYTES)
    if problem:
        raise PupilCountFileError(
            problem.replace("Filtrez l’export de l’annuaire sur votre académie.", "").strip(),
            code="size",
        )
    return decode_pupil_file(content_bytes)


def pupil_count_import_plan(
    *, academie: Academie, school_year: SchoolYear, content_bytes: bytes
) -> PupilCountPlan:
    """What importing the file would do, without writing anything (the command's dry run)."""
    return plan_pupil_counts(
        academie=academie, school_year=school_year, text=decode_pupil_upload(content_bytes)
    )
