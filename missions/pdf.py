"""The PDF of an issued letter, rendered with WeasyPrint from its signed document.

What the PDF shows is the document the signatures cover (`missions.document`), laid out as the
académie's official letter, then a proof page (dossier de preuve): the letter's history from
the audit log, the SHA-256 each signature covered, the IP addresses shortened.

The fonts and the compiled stylesheets are loaded once per process and reused by every render;
the cyclic collector waits for the end of each letter (`_one_collection`); the user-agent
stylesheet holds only the rules of the letter's elements (`ua.css`). The layout
is kept cheap (see `letter.css`): fixed-width tables, no floats, the proof page as lists, no
automatic hyphenation, the list bullets inside their line, no white space between tags, the QR
code a small raster image embedded once and drawn on every page. The file is tagged and PDF/A-3b
(`PDF_OPTIONS`); its objects are serialised once (`_serialise_once`) although the PDF/A file
identifier hashes them all before they are written, its streams compressed at deflate's fastest
level.
"""

from __future__ import annotations

import gc
import ipaddress
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydyf
import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from audit.models import AuditEvent
from missions.document import signed_document
from missions.models import Letter, LetterSignature, SignatureKind
from rupn.formatting import format_date
from tenancy.roles import FEMININE_LABELS, MASCULINE_LABELS, Role

STYLESHEET = Path(__file__).resolve().parent / "templates" / "missions" / "pdf" / "letter.css"
USER_AGENT_STYLESHEET = STYLESHEET.with_name("ua.css")
FONTS = {
    ("normal", "400"): "Marianne-Regular.woff2",
    ("italic", "400"): "Marianne-Regular_Italic.woff2",
    ("normal", "700"): "Marianne-Bold.woff2",
    ("italic", "700"): "Marianne-Bold_Italic.woff2",
    ("normal", "300"): "Marianne-Light.woff2",
}
# Tagged for accessibility, archival variant: both are accepted by WeasyPrint 70.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
QR_MASK = 2

VERBS = {
    "letter.create": "Lettre préparée",
    "letter.update": "Lettre modifiée",
    "letter.send": "Lettre envoyée au référent",
    "letter.request_changes": "Modifications demandées",
    "letter.sign_referent": "Signature du référent",
    "letter.sign_principal": "Signature du chef d’établissement",
    "letter.visa": "Visa du délégué académique au numérique",
    "letter.withdraw": "Lettre retirée, signatures annulées",
    "letter.amend": "Avenant préparé",
}


def _font_faces() -> str:
    rules = []
    for (style, weight), name in FONTS.items():
        found = finders.find(f"dsfr/dist/fonts/{name}")
        if not found:
            continue
        url = Path(str(found)).resolve().as_uri()
        rules.append(
            "@font-face { font-family: Marianne; "
            f"src: url('{url}') format('woff2'); font-style: {style}; font-weight: {weight}; }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=1)
def _font_config() -> FontConfiguration:
    return FontConfiguration()


@lru_cache(maxsize=1)
def _stylesheet() -> CSS:
    text = _font_faces() + "\n" + STYLESHEET.read_text(encoding="utf-8")
    return CSS(string=text, font_config=_font_config())


@lru_cache(maxsize=1)
def _user_agent_stylesheet() -> CSS:
    return CSS(filename=str(USER_AGENT_STYLESHEET))


class _LetterHTML(HTML):
    """The letter's HTML, styled by the user-agent rules of the elements it uses (`ua.css`)
    rather than WeasyPrint's rules for all of HTML, matched against every element otherwise."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [_user_agent_stylesheet()]


def verification_url(reference: str) -> str:
    return settings.SITE_URL + reverse("missions:verify_reference", args=[reference])


def qr_data_uri(text: str) -> str:
    """The QR code as a one-pixel-per-module PNG: embedded once in the file, drawn on every page
    as the same image (an SVG would be redrawn path by path on each page), shown crisp.

    The mask pattern is set (`QR_MASK`, the one segno picks most often for these addresses;
    any is valid): segno would otherwise score the eight patterns, three quarters of the cost
    of the code."""
    uri: str = segno.make(text, error="m", mask=QR_MASK).png_data_uri(scale=1, border=0)
    return uri


def shorten_ip(value: str | None) -> str:
    """What the RGPD register allows: an IPv4 without its last octet, an IPv6 to its /48."""
    if not value:
        return "—"
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return "—"
    if address.version == 4:
        return ".".join(str(address).split(".")[:3] + ["x"])
    network = ipaddress.ip_network(f"{address}/48", strict=False)
    return f"{network.network_address}/48"


def _role_label(role: str, civility: str) -> str:
    try:
        labels = FEMININE_LABELS if civility == "mme" else MASCULINE_LABELS
        return labels[Role(role)]
    except ValueError:
        return "administration de la plateforme" if not role else role


def file_name(letter: Letter) -> str:
    """`lettre-mission-2025-2026-0860021F-dupont.pdf` (an amendment says so)."""
    last = slugify(letter.referent.user.last_name or letter.referent.user.email.split("@")[0])
    year = letter.school_year.label.replace("–", "-").replace(" ", "")
    suffix = f"-avenant-{letter.reference[-5:].lower()}" if letter.supersedes_id else ""
    return f"lettre-mission-{year}-{letter.establishment.uai}-{last}{suffix}.pdf"


def _timeline(letter: Letter) -> list[dict[str, str]]:
    events = (
        AuditEvent.objects.filter(
            academie_id=letter.academie_id,
            target_type=letter._meta.label_lower,
            target_id=letter.pk,
        )
        .exclude(verb__in=["letter.update", "letter.pdf_resend"])
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    lines = []
    for event in events:
        actor = event.actor
        what = VERBS.get(event.verb, event.summary)
        if isinstance(event.after, dict) and event.after.get("état") == "issued":
            what += " ; la lettre est émise"
        lines.append(
            {
                "what": what,
                "who": (actor.full_name or actor.email) if actor else "La plateforme",
                "role": _role_label(event.actor_role, actor.civility if actor else ""),
                "when": format_date(event.created_at, time=True),
                "ip": shorten_ip(event.ip) if event.ip else "",
                "reason": event.reason,
            }
        )
    return lines


def letter_context(letter: Letter) -> dict[str, Any]:
    document = signed_document(letter)
    signatures = list(
        LetterSignature.objects.filter(letter=letter, voided_at__isnull=True)
        .select_related("signer")
        .order_by("signed_at", "pk")
    )
    by_kind = {s.kind: s for s in signatures}
    kinds = [SignatureKind.REFERENT, SignatureKind.PRINCIPAL]
    if document.get("visa_dan_requis") or SignatureKind.DAN_VISA in by_kind:
        kinds.append(SignatureKind.DAN_VISA)
    titles = {
        SignatureKind.REFERENT: "Le référent pour les usages pédagogiques du numérique",
        SignatureKind.PRINCIPAL: "Le chef d’établissement",
        SignatureKind.DAN_VISA: "Visa du délégué académique au numérique",
    }
    blocks = []
    for kind in kinds:
        signature = by_kind.get(kind)
        blocks.append(
            {
                "title": titles[kind],
                "name": signature.signer_name if signature else "",
                "role": _role_label(signature.role, signature.signer.civility) if signature else "",
                "when": format_date(signature.signed_at, time=True) if signature else "",
            }
        )
    proofs = [
        {
            "kind": s.get_kind_display(),
            "name": s.signer_name,
            "when": format_date(s.signed_at, time=True),
            "sha256": s.content_sha256,
            "ip": shorten_ip(s.ip_address),
            "confirmation": s.reauthenticated_with,
        }
        for s in signatures
    ]
    url = verification_url(letter.reference)
    return {
        "doc": document,
        "letter": letter,
        "blocks": blocks,
        "proofs": proofs,
        "timeline": _timeline(letter),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "sha256": letter.signed_sha256,
        "issued": format_date(letter.issued_at or timezone.now()),
        "rendered": format_date(timezone.now(), time=True),
        "annexes": [s for s in document["sections"] if s["nature"] == "annex"],
        "body_sections": [s for s in document["sections"] if s["nature"] != "annex"],
    }


# Deflate's fastest level for the page, font and image streams: at pydyf's 9 compressing them
# took a twentieth of the render, at 1 a third of that, for a file 4 KB (a tenth) larger.
ZLIB_LEVEL = 1


def _stream_data(stream: pydyf.Stream) -> bytes:
    """A compressed stream's bytes as pydyf writes them, compressed at `ZLIB_LEVEL`."""
    content = zlib.compress(b"\n".join(pydyf._to_bytes(item) for item in stream.stream), ZLIB_LEVEL)
    extra = pydyf.Dictionary(stream.extra.copy())
    extra["Filter"] = "/FlateDecode"
    extra["Length"] = len(content)
    return b"\n".join((extra.data, b"stream", content, b"endstream"))


class _Serialised(pydyf.Object):
    """A PDF object already turned into its bytes (a stream: compressed once)."""

    def __init__(self, original: pydyf.Object) -> None:
        super().__init__()
        self.number, self.generation, self.free = (
            original.number,
            original.generation,
            original.free,
        )
        compressed = isinstance(original, pydyf.Stream) and original.compress
        self._data: bytes = _stream_data(original) if compressed else original.data
        self._compressible: bool = original.compressible

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def compressible(self) -> bool:
        return self._compressible


def _serialise_once(document: Any, pdf: pydyf.PDF) -> None:
    """The file identifier PDF/A requires is a hash of every object's bytes, which the writer
    computes before writing them: each object would be serialised, and each stream compressed,
    twice. Serialised here once, the file is byte for byte the same (its streams compressed at
    `ZLIB_LEVEL`), sooner."""
    pdf.objects[1:] = [_Serialised(o) if o.free != "f" else o for o in pdf.objects[1:]]


_settled = threading.Event()


def _settle_long_lived_objects() -> None:
    """Once per process, after its first letter: the objects alive then (modules, fonts, the
    compiled stylesheets, the loaded keys) leave the cyclic collector's generations, so that a
    full collection no longer walks them all again."""
    if _settled.is_set():
        return
    _settled.set()
    gc.collect()  # what the first letter left is freed, not kept for ever
    gc.freeze()


_collector_lock = threading.Lock()
_collector_holds = 0
_collector_was_enabled = True


@contextmanager
def _one_collection() -> Iterator[None]:
    """The cyclic collector held off while a letter is laid out and written, then run once on
    what the letter left. A layout makes hundreds of thousands of short-lived objects, nearly
    all freed by their reference counts, which would otherwise trigger a dozen collections a
    letter, each walking the letter's live boxes and styles again: on these machines a tenth of
    the render, against a single young-generation collection of a millisecond or two after it.
    Letters rendered at once in several threads hold it off together; the last one restores
    it, as it was."""
    global _collector_holds, _collector_was_enabled
    with _collector_lock:
        _collector_holds += 1
        if _collector_holds == 1:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _collector_lock:
            _collector_holds -= 1
            if _collector_holds == 0 and _collector_was_enabled:
                gc.enable()
                gc.collect(0)


def render_letter_pdf(letter: Letter) -> bytes:
    """The PDF of an issued (or at least signed) letter, from its signed document."""
    html = render_to_string("missions/pdf/letter.html", letter_context(letter))
    with _one_collection():
        document = _LetterHTML(string=html, base_url=str(STYLESHEET.parent)).render(
            stylesheets=[_stylesheet()], font_config=_font_config(), **PDF_OPTIONS
        )
        pdf: bytes = document.write_pdf(finisher=_serialise_once, **PDF_OPTIONS)
        del document
    _settle_long_lived_objects()
    return pdf
