"""School years run from the rentrée (1 September) to the end of August."""

import datetime

RENTREE_MONTH = 9


def school_year_start_for(day: datetime.date) -> int:
    return day.year if day.month >= RENTREE_MONTH else day.year - 1


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def parse_school_year_label(label: str) -> int:
    """`2025-2026` → 2025; raises ValueError with a French message otherwise."""
    parts = (label or "").strip().split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts):
        raise ValueError(f"Année scolaire « {label} » invalide : format attendu 2025-2026.")
    start, end = int(parts[0]), int(parts[1])
    if end != start + 1:
        raise ValueError(
            f"Année scolaire « {label} » invalide : les deux années doivent se suivre."
        )
    return start
