"""Writes on establishments.

The annuaire import lives in `establishments.imports` (parse → plan → apply); its services
stay importable from here. The pupil counts import is `establishments.pupil_counts`.
"""

from __future__ import annotations

from establishments.imports.apply import (
    EstablishmentImportError,
    establishment_import_apply,
    establishment_import_cancel,
    establishment_import_preview,
)
from establishments.imports.parse import AnnuaireFileError
from establishments.imports.plan import ImportPlan, establishment_import_plan

__all__ = [
    "AnnuaireFileError",
    "EstablishmentImportError",
    "ImportPlan",
    "establishment_import_apply",
    "establishment_import_cancel",
    "establishment_import_plan",
    "establishment_import_preview",
]
