"""The académie's PAdES seal of a letter's PDF (placeholder: returns the PDF unchanged)."""

from __future__ import annotations

from establishments.models import Academie


def seal_pdf(pdf: bytes, *, academie: Academie, reference: str) -> bytes:
    return pdf
