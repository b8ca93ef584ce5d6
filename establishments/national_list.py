"""The national list of académies, their région académique and départements.

Read from `establishments/data/academies.json`, which cites its sources (the Annuaire de
l'éducation and the ministry's list of académies and régions académiques). A platform
administrator creates an académie by choosing it from this list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "academies.json"


@dataclass(frozen=True)
class NationalDepartement:
    annuaire_code: str  # `Code_departement` of the national files: "016", "620", "974"
    code: str  # `Departement.code`: "16", "2A", "974"
    name: str


@dataclass(frozen=True)
class NationalAcademie:
    code: str  # `Code_academie` of the national files: "13", "04", "70"
    name: str  # "Poitiers", "La Réunion"
    slug: str
    region_academique: str
    departements: tuple[NationalDepartement, ...]

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code}) – région académique {self.region_academique}"


@cache
def national_academies() -> tuple[NationalAcademie, ...]:
    """The académies of the national list, by code."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(
        NationalAcademie(
            code=entry["code"],
            name=entry["name"],
            slug=entry["slug"],
            region_academique=entry["region_academique"],
            departements=tuple(NationalDepartement(**d) for d in entry["departements"]),
        )
        for entry in sorted(data["academies"], key=lambda e: e["code"])
    )


def _normalize_code(code: str) -> str:
    value = code.strip()
    return value.zfill(2) if value.isdigit() else value.upper()


def national_academie(code: str) -> NationalAcademie | None:
    """The académie of the national list with this `Code_academie` (`4` and `04` alike)."""
    wanted = _normalize_code(code)
    return next((a for a in national_academies() if a.code == wanted), None)


@cache
def _departement_codes() -> dict[str, str]:
    return {
        departement.annuaire_code: departement.code
        for academie in national_academies()
        for departement in academie.departements
    }


def departement_code_for_annuaire(annuaire_code: str) -> str | None:
    """`Departement.code` for a `Code_departement` of the national files: `016` → `16`,
    `620` → `2A`, `974` → `974`; None for a code outside the list."""
    return _departement_codes().get(annuaire_code.strip().upper().zfill(3))
