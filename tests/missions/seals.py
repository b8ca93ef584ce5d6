"""Sealing certificates in a temporary RUPN_SEAL_DIR, and PDF files to seal, for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint

from establishments.models import Academie
from missions.seal_demo import write_demo_seals


@pytest.fixture
def seals(settings, tmp_path: Path, db: None) -> Path:
    """A demo CA and a certificate for every académie of the database, in a folder of the test."""
    settings.RUPN_SEAL_DIR = tmp_path / "sceaux"
    write_demo_seals(Academie.objects.all())
    return Path(settings.RUPN_SEAL_DIR)


def letter_pdf(reference: str, *, subject: str | None = None) -> bytes:
    """A one-page PDF whose metadata names the letter, as the renderer writes it."""
    subject = f"Lettre de mission {reference}" if subject is None else subject
    html = (
        "<html lang='fr'><head><meta charset='utf-8'><title>Lettre de mission</title>"
        f"<meta name='description' content='{subject}'></head>"
        f"<body><h1>Lettre de mission</h1><p>Référence {reference}</p>"
        "<p>Montant de l’indemnité : 1 250,00 €</p></body></html>"
    )
    return bytes(weasyprint.HTML(string=html).write_pdf())
