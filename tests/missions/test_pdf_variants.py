"""What the sealed PDF claims to be, read back after the seal: PDF/A-3b (XMP identification,
sRGB output intent, embedded fonts) and tagged (structure tree, marked content, language)."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest

from missions.models import LetterPdf, LetterStatus
from missions.seal import verify_pdf
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sealed(poitiers) -> bytes:
    publish_template(poitiers)
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    with LetterPdf.objects.get(letter=letter).file.open("rb") as handle:
        return handle.read()


def _fonts(reader: pypdf.PdfReader) -> list[Any]:
    fonts: list[Any] = []
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            fonts.append(font.get_object())
    return fonts


def test_the_sealed_file_still_claims_pdf_a_3b(sealed):
    assert verify_pdf(sealed).authentic
    reader = pypdf.PdfReader(io.BytesIO(sealed))
    root: Any = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp or 'pdfaid:conformance="B"' in xmp
    intent: Any
    (intent,) = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert intent.get_object()["/DestOutputProfile"].get_object().get_data()[:4]
    # Every font is embedded (PDF/A forbids relying on the reader's fonts).
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descendants = font.get("/DescendantFonts")
        descriptor: Any = (
            descendants[0].get_object()["/FontDescriptor"]
            if descendants
            else font.get("/FontDescriptor")
        )
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font


def test_the_sealed_file_is_tagged_in_french(sealed):
    reader = pypdf.PdfReader(io.BytesIO(sealed))
    root: Any = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root.get("/Lang", "")).lower().startswith("fr")
    tree: Any = root["/StructTreeRoot"].get_object()
    assert tree.get("/K") is not None


def test_the_seal_is_an_incremental_update_of_the_rendered_file(sealed):
    # The rendered revision stays byte for byte as WeasyPrint wrote it: one %%EOF for it, one
    # for the seal's update.
    assert sealed.count(b"%%EOF") == 2


def test_the_seal_keeps_the_file_a_pdf_1_7_as_pdf_a_3_requires(sealed):
    reader = pypdf.PdfReader(io.BytesIO(sealed))
    root: Any = reader.trailer["/Root"]
    assert sealed.startswith(b"%PDF-1.7")
    assert str(root.get("/Version", "/1.7")) in ("/1.7", "1.7")
    extensions: Any = root.get("/Extensions") or {}
    assert "/ISO_" not in str(dict(extensions))
    assert "/ESIC" in dict(extensions)
