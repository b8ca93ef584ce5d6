"""The signed PDF of an issued letter: rendered, stored once, emailed once to each recipient,
resent to whoever did not get it, downloadable by those who may see the letter."""

from __future__ import annotations

import io
import re
import smtplib
from typing import Any

import pypdf
import pytest
from django.core import mail
from django.urls import reverse

from missions import tasks_pdf
from missions.models import LetterEmail, LetterPdf, LetterStatus
from missions.pdf import shorten_ip
from missions.tasks_pdf import render_and_send_letter_pdf
from tests.conftest import client_acting_as
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db(transaction=True)

NNBSP = "\u202f"


@pytest.fixture
def world(poitiers):
    publish_template(poitiers)
    return poitiers


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace(NNBSP, " ").replace("\u00a0", " ")


def _pdf_emails() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.attachments]


def test_issuing_stores_the_signed_pdf_and_emails_it(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    stored = LetterPdf.objects.get(letter=letter)
    assert stored.file.name is not None
    assert stored.file.name.endswith(
        f"/lettre-mission-{letter.school_year.label}-{world.establishment.uai}-martin.pdf"
    )
    assert stored.file.name.startswith(f"lettres/{world.academie.code}/")
    pdf = stored.file.read()
    assert pdf.startswith(b"%PDF") and stored.size == len(pdf)
    text = _text(pdf)
    assert world.rupn.user.formal_name in text
    assert "accompagne les enseignants dans les usages du numérique" in text
    assert "1 250,00 €" in text
    assert letter.reference in text
    assert "Dossier de preuve" in text and letter.signed_sha256 in text
    assert "192.0.2.x" in text and "192.0.2.10" not in text  # shortened addresses
    assert "page 1 / " in text
    metadata = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None and letter.reference in (metadata.subject or "")
    # Sealed with the académie's certificate: the verifier says it is the issued letter.
    from missions.seal import verify_pdf

    check = verify_pdf(pdf)
    assert stored.sealed and check.authentic, check
    assert check.reference == letter.reference and check.academie_code == world.academie.code

    sent = _pdf_emails()
    recipients = sorted(address for m in sent for address in m.to)
    assert recipients == sorted(
        [world.rupn.user.email, world.principal.user.email, world.establishment.email]
    )
    name, content, kind = sent[0].attachments[0]
    assert name == str(stored.file.name).rsplit("/", 1)[1] and kind == "application/pdf"
    assert content == pdf
    assert isinstance(sent[0], mail.EmailMultiAlternatives)
    html, html_kind = sent[0].alternatives[0]
    assert html_kind == "text/html" and 'lang="fr"' in str(html)
    assert letter.reference in sent[0].body


def test_running_the_task_again_stores_and_sends_nothing_twice(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    first = LetterPdf.objects.get(letter=letter)
    [sent] = _pdf_emails()  # one message to all its recipients
    result = render_and_send_letter_pdf.apply(
        kwargs={"academie_id": letter.academie_id, "letter_id": letter.pk}
    ).get()
    assert result == {"sent": 0, "skipped": len(sent.to), "failed": 0}
    assert _pdf_emails() == [sent]
    assert LetterPdf.objects.filter(letter=letter).get().file.name == first.file.name


def test_a_refused_recipient_is_recorded_and_resend_sends_only_to_them(world, monkeypatch):
    refused = world.establishment.email
    original = tasks_pdf.send_email_to_all

    def refuse(message):
        """A server that accepts the message for everyone else and refuses this address."""
        if message.attachments and refused in message.to:
            message.to = [address for address in message.to if address != refused]
            message.send()
            return {refused: smtplib.SMTPRecipientsRefused({refused: (550, b"No such user")})}
        return original(message)

    monkeypatch.setattr(tasks_pdf, "send_email_to_all", refuse)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    row = LetterEmail.objects.get(letter=letter, event_key="pdf", recipient=refused)
    assert row.sent_at is None and "No such user" in row.error

    client = client_acting_as(world.principal)
    page = client.get(reverse("missions:letter", args=[letter.pk])).content.decode()
    assert "No such user" in page and "Renvoyer" in page
    assert "Télécharger la lettre signée (PDF)" in page

    monkeypatch.setattr(tasks_pdf, "send_email_to_all", original)
    mail.outbox.clear()
    response = client.post(reverse("missions:letter_pdf_resend", args=[letter.pk]))
    assert response.status_code == 302
    assert [m.to for m in _pdf_emails()] == [[refused]]
    row.refresh_from_db()
    assert row.sent_at is not None and row.error == ""


def test_a_referent_may_not_resend(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    mail.outbox.clear()
    client_acting_as(world.rupn).post(reverse("missions:letter_pdf_resend", args=[letter.pk]))
    assert mail.outbox == []


def test_an_issued_letter_without_its_pdf_says_it_is_coming(world, monkeypatch):
    monkeypatch.setattr("missions.tasks_pdf.render_and_send_letter_pdf.apply_async", lambda **k: 0)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    page = client_acting_as(world.rupn).get(reverse("missions:letter", args=[letter.pk]))
    assert "PDF en préparation" in page.content.decode()
    url = reverse("missions:letter_pdf", args=[letter.pk])
    assert client_acting_as(world.rupn).get(url).status_code == 404


def test_download_for_those_who_see_the_letter(world, bordeaux):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    url = reverse("missions:letter_pdf", args=[letter.pk])
    stored = LetterPdf.objects.get(letter=letter)
    for member in (world.rupn, world.principal, world.dane_admin):
        response = client_acting_as(member).get(url)
        assert response.status_code == 200, member
        assert response["Content-Type"] == "application/pdf"
        assert str(stored.file.name).rsplit("/", 1)[1] in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    colleague = add_referent(world.establishment, "collegue.poitiers@test.fr")
    assert client_acting_as(colleague).get(url).status_code == 404
    assert client_acting_as(bordeaux.dane_admin).get(url).status_code == 404
    assert client_acting_as(bordeaux.principal).get(url).status_code == 404


def test_an_amendment_gets_its_own_pdf(world):
    from accounts.scopes import scope_for
    from missions.services_letters import letter_amend

    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    amendment = letter_amend(
        letter=letter, reason="Départ au 28 février.", actor=scope_for(world.principal)
    )
    amendment = advance(amendment, world, until=LetterStatus.ISSUED)
    first, second = (LetterPdf.objects.get(letter=x) for x in (letter, amendment))
    assert first.file.name != second.file.name and first.sha256 != second.sha256
    text = _text(second.file.read())
    assert f"Avenant à la lettre {letter.reference}" in text


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("192.0.2.10", "192.0.2.x"),
        ("2001:db8:1234:5678::1", "2001:db8:1234::/48"),
        (None, "—"),
        ("pas une adresse", "—"),
    ],
)
def test_ip_addresses_are_shortened(address, shown):
    assert shorten_ip(address) == shown


def _structure(reader: pypdf.PdfReader) -> dict[str, int]:
    """How many elements of each type the PDF's structure tree (its tags) holds."""
    counts: dict[str, int] = {}

    def walk(node):
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject) and "/S" in node:
            kind = str(node["/S"])
            counts[kind] = counts.get(kind, 0) + 1
            if "/K" in node:
                walk(node["/K"])

    root: Any = reader.trailer["/Root"]
    walk(root["/StructTreeRoot"]["/K"])
    return counts


def test_the_sealed_pdf_is_tagged_and_claims_pdfa_3b(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    reader = pypdf.PdfReader(io.BytesIO(LetterPdf.objects.get(letter=letter).file.read()))
    root: Any = reader.trailer["/Root"]
    # Tagged: marked, in French, headings, lists (the referent's tasks, the proof page's steps
    # and signatures) and the signature blocks' table.
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "fr"
    tags = _structure(reader)
    assert tags["/H1"] == 2 and tags["/H2"] >= 6
    assert tags["/L"] >= 4 and tags["/LI"] >= 16
    assert tags["/Table"] == 1 and tags["/TD"] == 3
    # PDF/A-3b claimed in the XMP metadata the seal keeps, sRGB output intent, file identifier.
    xmp = reader.xmp_metadata
    assert xmp is not None
    packet = xmp.stream.get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', packet) and re.search(
        r'pdfaid:conformance(="|>)B', packet
    )
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    assert "/ID" in reader.trailer
    # A4, Marianne embedded, the QR code one image drawn crisp (PDF/A forbids interpolation).
    images = set()
    for page in reader.pages:
        assert [round(float(x)) for x in page.mediabox] == [0, 0, 595, 842]
        resources: Any = page["/Resources"]
        fonts = {f.get_object()["/BaseFont"] for f in resources["/Font"].values()}
        assert any("Marianne" in name for name in fonts)
        for name, image in resources["/XObject"].items():
            assert image.get_object().get("/Interpolate") is not True
            images.add(name)
    assert len(images) == 1
    assert len(reader.pages) == 3


def test_the_pdf_lists_the_co_referents_and_numbers_its_pages(world):
    colleague = add_referent(
        world.establishment, "co.pdf@test.fr", first_name="Nadia", last_name="Benali"
    )
    draft_letter(world, referent=colleague, amount=None)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    pdf = LetterPdf.objects.get(letter=letter).file.read()
    text = _text(pdf)
    assert "Répartition des missions entre les référents" in text and "Nadia Benali" in text
    tags = _structure(pypdf.PdfReader(io.BytesIO(pdf)))
    assert tags["/Table"] == 2 and tags["/TH"] == 2  # the co-referents' table has its header
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for number in range(1, pages + 1):
        assert f"page {number} / {pages}" in text
    assert text.count(letter.reference) >= pages  # the footer's reference on every page


def test_a_reference_is_copied_from_the_pdf_as_it_is_typed(world, monkeypatch):
    """« QJ » is the one pair of the reference alphabet that Marianne kerns: drawn kerned, text
    extraction (and a reader copying it) gave « Q J »."""
    monkeypatch.setattr(
        "missions.services_letters.new_reference", lambda school_year: "LM-2026-QJQJ7-KTQJW"
    )
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    assert letter.reference == "LM-2026-QJQJ7-KTQJW"
    reader = pypdf.PdfReader(io.BytesIO(LetterPdf.objects.get(letter=letter).file.read()))
    for page in reader.pages:
        text = page.extract_text()
        assert f"Référence {letter.reference}" in text
        assert f"/verifier/{letter.reference}/" in text
    assert f"Lettre {letter.reference} ·" in reader.pages[-1].extract_text()


def test_the_proof_page_lists_each_step_and_each_signature_with_what_it_covered(world):
    from missions.models import LetterSignature

    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    reader = pypdf.PdfReader(io.BytesIO(LetterPdf.objects.get(letter=letter).file.read()))
    proof = reader.pages[-1].extract_text().replace(NNBSP, " ").replace("\u00a0", " ")
    assert proof.startswith("Dossier de preuve")
    for step in ("Lettre préparée", "Lettre envoyée au référent", "Signature du référent"):
        assert step in proof
    assert "Visa du délégué académique au numérique ; la lettre est émise" in proof
    signatures = LetterSignature.objects.filter(letter=letter, voided_at__isnull=True)
    assert signatures.count() == 3
    lines = proof.splitlines()
    for signature in signatures:
        # Each SHA-256 whole on its line, after what it is, as it is copied to be checked.
        assert f"SHA-256 du contenu couvert : {signature.content_sha256}" in lines
    assert proof.count("adresse IP 192.0.2.x") == 3 and "192.0.2.10" not in proof
    assert proof.count("identité confirmée par") == 3


def test_the_signature_blocks_stay_within_the_text_width(world):
    """Three equal blocks across the text, not wider than it (each a third plus its padding and
    border ran into the right margin)."""
    from django.template.loader import render_to_string

    from missions import pdf as letter_pdf

    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    html = render_to_string("missions/pdf/letter.html", letter_pdf.letter_context(letter))
    document = letter_pdf._LetterHTML(
        string=html, base_url=str(letter_pdf.STYLESHEET.parent)
    ).render(stylesheets=[letter_pdf._stylesheet()], font_config=letter_pdf._font_config())

    def descendants(box: Any) -> Any:
        yield box
        for child in getattr(box, "children", ()):
            yield from descendants(child)

    cells: dict[int, float] = {}  # by element: the table's wrapper box holds its box
    for page in document.pages:
        root = page._page_box.children[0]  # the html element's box
        right = root.content_box_x() + root.width
        for table in descendants(root):
            if table.element_tag == "table" and table.element.get("class") == "blocs":
                for cell in descendants(table):
                    if cell.element_tag == "td" and cell.element is not table.element:
                        assert cell.position_x + cell.margin_width() <= right + 0.01
                        cells[id(cell.element)] = cell.margin_width()
    widths = list(cells.values())
    assert len(widths) == 3 and max(widths) - min(widths) < 0.01


def test_writing_each_object_once_changes_no_byte(world, monkeypatch):
    """The writer's shortcut (`_serialise_once`) gives WeasyPrint's own file, byte for byte, when
    pydyf compresses at the same level (`ZLIB_LEVEL`)."""
    import zlib

    from django.template.loader import render_to_string
    from weasyprint import HTML

    from missions import pdf as letter_pdf

    compressor = zlib.compressobj
    monkeypatch.setattr(
        zlib, "compressobj", lambda level=9: compressor(level=letter_pdf.ZLIB_LEVEL)
    )
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    html = render_to_string("missions/pdf/letter.html", letter_pdf.letter_context(letter))
    document = HTML(string=html, base_url=str(letter_pdf.STYLESHEET.parent)).render(
        stylesheets=[letter_pdf._stylesheet()],
        font_config=letter_pdf._font_config(),
        **letter_pdf.PDF_OPTIONS,
    )
    plain = document.write_pdf(**letter_pdf.PDF_OPTIONS)
    once = document.write_pdf(finisher=letter_pdf._serialise_once, **letter_pdf.PDF_OPTIONS)
    assert once == plain


def test_the_letters_user_agent_rules_lay_it_out_as_weasyprints_own(world):
    """`ua.css` holds WeasyPrint's user-agent rules for the elements the letter uses: the file
    is the one WeasyPrint's full stylesheet gives, byte for byte."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from missions import pdf as letter_pdf

    colleague = add_referent(
        world.establishment, "co.ua@test.fr", first_name="Nadia", last_name="Benali"
    )
    draft_letter(world, referent=colleague, amount=None)
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    html = render_to_string("missions/pdf/letter.html", letter_pdf.letter_context(letter))
    files = []
    for kind in (HTML, letter_pdf._LetterHTML):
        document = kind(string=html, base_url=str(letter_pdf.STYLESHEET.parent)).render(
            stylesheets=[letter_pdf._stylesheet()],
            font_config=letter_pdf._font_config(),
            **letter_pdf.PDF_OPTIONS,
        )
        files.append(document.write_pdf(**letter_pdf.PDF_OPTIONS))
    assert files[0] == files[1]


def test_the_cyclic_collector_is_held_off_during_a_render_and_restored_after():
    import gc

    from missions.pdf import _one_collection

    assert gc.isenabled()
    with _one_collection():
        assert not gc.isenabled()
        with _one_collection():  # another letter at the same time, in another thread
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()

    gc.disable()
    try:
        with _one_collection():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
