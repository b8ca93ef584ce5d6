"""What the annuaire and pupil counts imports share: a previewed file moved on once, recorded.

Both store a preview (`status`, `content`, `report`, `academie`, `school_year`) that a DANE
admin then confirms or cancels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from audit.services import audit_record
from establishments.models import EstablishmentImport, ImportStatus, PupilCountImport
from tenancy.scope import Scope

StagedImport = TypeVar("StagedImport", EstablishmentImport, PupilCountImport)


def staged_import_claim(
    staged: StagedImport,
    *,
    refusal: Callable[[StagedImport], Exception],
    with_content: bool = True,
    **changes: Any,
) -> StagedImport:
    """Moves a previewed import on, once: a second confirmation finds it no longer previewed and
    raises `refusal(current)`."""
    model = type(staged)
    claimed = model.objects.filter(pk=staged.pk, status=ImportStatus.PREVIEWED).update(**changes)
    imports = model.objects.select_related("academie", "school_year")
    if not with_content:
        imports = imports.defer("content")
    current = imports.get(pk=staged.pk)
    if not claimed:
        raise refusal(current)
    return current


def staged_import_record(actor: Scope, verb: str, staged: StagedImport, summary: str) -> None:
    """The audit record of a step of an import, with the counts of its report."""
    audit_record(
        actor=actor,
        verb=verb,
        target=staged,
        school_year_id=staged.school_year_id,
        summary=f"{summary} ({staged.school_year.label})",
        after={"counts": staged.report.get("counts", {})},
    )
