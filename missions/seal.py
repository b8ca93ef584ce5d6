"""The académie's seal on its letters' PDF files, and the check of a sealed file.

A letter's PDF is sealed (PAdES baseline B: `/SubFilter /ETSI.CAdES.detached`) with the
certificate of the académie that issued it, a PKCS#12 file `<code>.p12` in `RUPN_SEAL_DIR`
(Poitiers: `13.p12`), opened with `RUPN_SEAL_PASSPHRASE`; `ca.pem` there is the certificate
authority every académie's certificate comes from, the only trust root of the check.
`manage.py seal_demo_ca` writes a demonstration CA and one certificate per académie.

Loading a key is most of the cost of a seal: the signer is kept per process and per académie
(and reloaded when its file changes), its signed signing-certificate attribute encoded once. A
renewed certificate installed in the admin keeps the old one, retired: letters it sealed still
pass as the académie's.

The check (`verify_pdf`) reads the letter's reference in the PDF's metadata (`/Subject`, or
`/Keywords`), where the renderer writes « Lettre de mission LM-… »; it passes only for a file
sealed by the académie of an issued letter with that reference, left as it was sealed.
"""

from __future__ import annotations

import asyncio
import datetime
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError, as_signing_certificate_v2
from pyhanko.sign.signers import constants as pdf_constants
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from establishments.models import Academie
from rupn import formatting

_R = TypeVar("_R")

SEAL_FIELD = "SceauAcademie"
# Bytes of the CMS container beyond its certificates: signed attributes, the signature, the
# structure (about 700 for an ECDSA P-256 seal, 1 100 with RSA-4096).
SEAL_MARGIN = 3072
REFERENCE_PATTERN = re.compile(r"\bLM-\d{4}-[0-9A-Z]{5}-[0-9A-Z]{5}\b")

AUTHENTIC = "authentique et intact"
MODIFIED = "modifié après le scellement"
UNKNOWN_CERTIFICATE = "certificat inconnu"
NO_SEAL = "aucun sceau"
UNKNOWN_REFERENCE = "référence inconnue"
SUPERSEDED = "lettre remplacée par un avenant"


class SealNotConfigured(Exception):
    """The académie's certificate (or the CA) is missing from RUPN_SEAL_DIR; says which."""


# --- Configuration -------------------------------------------------------------------------


def seal_dir() -> Path:
    return Path(settings.RUPN_SEAL_DIR)


def certificate_path(code: str) -> Path:
    return seal_dir() / f"{code}.p12"


def ca_path() -> Path:
    return seal_dir() / "ca.pem"


def passphrase() -> bytes:
    return str(settings.RUPN_SEAL_PASSPHRASE).encode()


def academie_label(academie: Academie) -> str:
    """« Académie de Poitiers », « Académie d’Orléans-Tours »."""
    return f"Académie {formatting.of(academie.name)}"


# --- Loaded key material, per process --------------------------------------------------------

_lock = threading.Lock()
_signers: dict[tuple[str, int], signers.SimpleSigner] = {}
_cas: dict[tuple[str, int], asn1_x509.Certificate] = {}


def _file_key(path: Path) -> tuple[str, int]:
    try:
        return str(path.resolve()), path.stat().st_mtime_ns
    except FileNotFoundError:
        raise SealNotConfigured(
            f"Fichier de sceau introuvable : {path} (en développement : "
            "« manage.py seal_demo_ca »)."
        ) from None


def load_ca() -> asn1_x509.Certificate:
    key = _file_key(ca_path())
    with _lock:
        if key not in _cas:
            from cryptography import x509

            pem = ca_path().read_bytes()
            _cas[key] = asn1_x509.Certificate.load(
                x509.load_pem_x509_certificate(pem).public_bytes(_der())
            )
        return _cas[key]


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


def load_ca_certificate() -> Any:
    """The platform's certificate authority, as a `cryptography` certificate."""
    from cryptography import x509

    _file_key(ca_path())
    return x509.load_pem_x509_certificate(ca_path().read_bytes())


def _installed_certificate(academie: Academie) -> Any:
    """The académie's current certificate installed through the admin, if any."""
    from missions.models import SealCertificate

    return (
        SealCertificate.objects.filter(academie_id=academie.pk, retired_at__isnull=True)
        .only("pk", "pkcs12", "passphrase_encrypted", "subject")
        .first()
    )


class _SigningCertificate(attributes.CMSAttributeProvider):
    """The signed signing-certificate-v2 attribute (the seal's certificate by its SHA-256), the
    same in every seal of a signer: encoded once, read back for each seal. Built from the
    certificate each time, asn1crypto converts it to the attribute's type through its native
    form: half of the seal's time."""

    attribute_type = "signing_certificate_v2"

    def __init__(self, certificate: asn1_x509.Certificate) -> None:
        self._der: bytes = as_signing_certificate_v2(certificate).dump()

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self._der)


class _SealAttributes(attributes.SignedAttributeProviderSpec):
    """The signed attributes of a PAdES seal without timestamp nor CAdES attributes, as pyHanko's
    own specification gives them (`CAdESSignedAttributeProviderSpec`: the signing certificate,
    no signing time, which PAdES forbids), besides the content type and digest it adds."""

    def __init__(self, certificate: asn1_x509.Certificate) -> None:
        self._certificate = _SigningCertificate(certificate)

    def signed_attr_providers(
        self, data_digest: bytes, digest_algorithm: str
    ) -> list[attributes.CMSAttributeProvider]:
        return [self._certificate]


def _prepared(signer: signers.SimpleSigner) -> signers.SimpleSigner:
    """The loaded signer, with its signed attributes encoded once (`_SealAttributes`)."""
    signer.signed_attr_prov_spec = _SealAttributes(signer.signing_cert)
    return signer


def signer_for(academie: Academie) -> signers.SimpleSigner:
    """The académie's signer: its certificate installed through the admin, else its file in
    RUPN_SEAL_DIR; loaded once per process (and again when either changes)."""
    installed = _installed_certificate(academie)
    if installed is not None:
        ca = load_ca()
        key: tuple[str, int] = (f"db:{installed.pk}", 0)
        with _lock:
            signer = _signers.get(key)
            if signer is None:
                from missions.seal_store import decrypt_passphrase

                try:
                    signer = _prepared(
                        signers.SimpleSigner.load_pkcs12_data(
                            bytes(installed.pkcs12),
                            other_certs=[ca],
                            passphrase=decrypt_passphrase(installed.passphrase_encrypted) or None,
                        )
                    )
                except ValueError as exc:
                    raise SealNotConfigured(
                        f"Le certificat installé « {installed.subject} » n’a pas pu être ouvert "
                        "(la clé secrète de la plateforme a-t-elle changé ? Réinstallez-le)."
                    ) from exc
                _signers[key] = signer
            return signer
    return _file_signer(academie.code)


def _file_signer(code: str) -> signers.SimpleSigner:
    """The signer of the académie's file in RUPN_SEAL_DIR, loaded once per process (and again
    when the file changes)."""
    path = certificate_path(code)
    key = _file_key(path)
    ca = load_ca()
    with _lock:
        signer = _signers.get(key)
        if signer is None:
            try:
                signer = _prepared(
                    signers.SimpleSigner.load_pkcs12_data(
                        path.read_bytes(), other_certs=[ca], passphrase=passphrase()
                    )
                )
            except ValueError as exc:
                raise SealNotConfigured(
                    f"Le certificat {path} n’a pas pu être ouvert (phrase secrète "
                    "RUPN_SEAL_PASSPHRASE ?)."
                ) from exc
            for stale in [k for k in _signers if k[0] == key[0]]:
                del _signers[stale]
            _signers[key] = signer
        return signer


def _file_certificate(code: str) -> asn1_x509.Certificate | None:
    """The certificate of the académie's file in RUPN_SEAL_DIR, None when it has none."""
    try:
        cert: asn1_x509.Certificate = _file_signer(code).signing_cert
    except SealNotConfigured:
        return None
    return cert


def _outside_event_loop(function: Callable[..., _R], *args: Any, **kwargs: Any) -> _R:
    """pyHanko's synchronous API runs `asyncio.run`: called from a thread whose event loop is
    running (an async caller, Playwright's sync API in tests), it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


# --- Sealing -----------------------------------------------------------------------------------


class ArchivalPdfSigner(signers.PdfSigner):
    """A signer that keeps the file a PDF 1.7 with the ETSI (PAdES) extension, as PDF/A-3
    requires. pyHanko would declare PDF 2.0 and ISO 32002 for an ECDSA key; readers that check
    PAdES seals verify ECDSA in PDF 1.7 files without that declaration."""

    def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        pdf_out.register_extension(pdf_constants.ESIC_EXTENSION_1)


def seal_pdf(pdf: bytes, *, academie: Academie, reference: str) -> bytes:
    """The PDF with the académie's seal (PAdES B-B, an invisible signature field) added as an
    incremental update: the rendered bytes stay as they are, the seal covers all of them."""
    signer = signer_for(academie)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=f"Lettre de mission {reference}",
        location=academie_label(academie),
        name=academie_label(academie),
    )
    pdf_signer = ArchivalPdfSigner(meta, signer=signer)
    try:
        output = _outside_event_loop(
            pdf_signer.sign_pdf, writer, bytes_reserved=reserved_bytes(signer)
        )
    except SigningError:  # a container larger than foreseen: pyHanko measures it
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        output = _outside_event_loop(pdf_signer.sign_pdf, writer)
    return bytes(output.getvalue())


def reserved_bytes(signer: signers.SimpleSigner) -> int:
    """Room for the seal's CMS container in the file, in hexadecimal digits: its certificates
    and a margin for the signed attributes and the signature (an RSA-4096 one fits). Left to
    itself, pyHanko would measure it by signing a dummy digest first: a second signature."""
    certificates = {c.dump() for c in [signer.signing_cert, *signer.cert_registry] if c}
    return 2 * (sum(len(c) for c in certificates) + SEAL_MARGIN)


# --- Checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    """What the check of a file says: `reason` is one of the six phrases above, `detail` a
    sentence for the verification page."""

    authentic: bool
    reason: str
    reference: str | None = None
    academie_code: str | None = None
    detail: str = ""


def reference_in_metadata(reader: PdfFileReader) -> str | None:
    """The letter's reference written in the document's information (Subject, Keywords)."""
    try:
        info = reader.trailer_view.get("/Info")
        info = info.get_object() if info is not None else None
    except Exception:  # a damaged information dictionary: no reference
        return None
    if info is None:
        return None
    for key in ("/Subject", "/Keywords", "/Title"):
        value = info.get(key)
        if value is None:
            continue
        found = REFERENCE_PATTERN.search(str(value))
        if found:
            return found.group(0)
    return None


def _looks_sealed(data: bytes) -> bool:
    return b"/ByteRange" in data and b"/Contents" in data


def _seal_academie_code(cert: asn1_x509.Certificate, hint: str | None) -> str | None:
    """The code of the académie that holds, or held, the certificate `cert`: one installed
    through the admin (current or retired), else one of RUPN_SEAL_DIR's files."""
    import hashlib

    from missions.models import SealCertificate
    from tenancy.guard import scopes_disabled

    fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    # Any académie's certificate may have sealed the file: the check is public.
    with scopes_disabled():
        installed = (
            SealCertificate.objects.filter(fingerprint_sha256=fingerprint)
            .values_list("academie__code", flat=True)
            .first()
        )
    if installed:
        return str(installed)
    codes = [hint] if hint else []
    codes += sorted(p.stem for p in seal_dir().glob("*.p12") if p.stem != hint)
    for code in codes:
        current = _file_certificate(code)
        if current is not None and current.dump() == cert.dump():
            return code
    return None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _validation_moment(reference: str | None) -> datetime.datetime:
    """When the certificate must have been valid: when the platform sealed and stored the
    letter's file, as its own records say (a seal without a timestamp asserts its signing time
    itself, which proves nothing); now for a file the platform does not know. A letter thus
    stays authentic after its académie's certificate has expired or been replaced."""
    from missions.models import LetterPdf
    from tenancy.guard import scopes_disabled

    if reference:
        # The public check of any académie's letters: the reference, unguessable, is the key.
        with scopes_disabled():
            stored = (
                LetterPdf.objects.filter(letter__reference=reference)
                .values_list("rendered_at", flat=True)
                .first()
            )
        if stored is not None:
            return stored
    return _now()


def verify_pdf(data: bytes) -> SealCheck:
    """Whether `data` is an issued letter's PDF as its académie sealed it, or exactly why not."""
    from missions.models import Letter, LetterStatus

    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # not a PDF that can be read
        if _looks_sealed(data):
            return SealCheck(
                False,
                MODIFIED,
                detail="Le fichier porte un sceau mais il a été altéré : "
                "sa structure ne se lit plus.",
            )
        return SealCheck(False, NO_SEAL, detail="Ce fichier n’est pas un PDF lisible.")
    if not signatures:
        return SealCheck(False, NO_SEAL, detail="Le fichier ne porte aucun sceau électronique.")
    reference = reference_in_metadata(reader)
    embedded = signatures[0]
    try:
        status = _outside_event_loop(
            validate_pdf_signature,
            embedded,
            signer_validation_context=ValidationContext(
                trust_roots=[load_ca()],
                allow_fetching=False,
                revocation_mode="soft-fail",
                moment=_validation_moment(reference),
            ),
            skip_diff=True,
        )
    except SealNotConfigured:
        raise
    except Exception:  # the seal's own structure is damaged
        return SealCheck(
            False, MODIFIED, reference, detail="Le sceau du fichier ne peut plus être vérifié."
        )
    if not status.intact or not status.valid:
        return SealCheck(
            False,
            MODIFIED,
            reference,
            detail="Le contenu ne correspond plus à ce qui a été scellé : le fichier a été "
            "modifié après le scellement.",
        )
    if len(signatures) > 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SealCheck(
            False,
            MODIFIED,
            reference,
            detail="Des modifications ont été ajoutées au fichier après son scellement.",
        )
    if not status.trusted:
        return SealCheck(
            False,
            UNKNOWN_CERTIFICATE,
            reference,
            detail="Le sceau n’a pas été apposé avec un certificat d’une académie de la "
            "plateforme.",
        )
    if reference is None:
        return SealCheck(
            False, UNKNOWN_REFERENCE, detail="Le fichier ne porte pas de référence de lettre."
        )
    # The public check of any académie's letters: the reference, unguessable, is the key.
    from tenancy.guard import scopes_disabled

    with scopes_disabled():
        letter = (
            Letter.objects.filter(reference=reference, status=LetterStatus.ISSUED)
            .select_related("academie")
            .first()
        )
        amendment = (
            Letter.objects.filter(supersedes=letter, status=LetterStatus.ISSUED).first()
            if letter is not None
            else None
        )
    if letter is None:
        return SealCheck(
            False,
            UNKNOWN_REFERENCE,
            reference,
            detail=f"La référence {reference} ne correspond à aucune lettre émise.",
        )
    cert = status.signing_cert
    sealed_by = _seal_academie_code(cert, letter.academie.code)
    if sealed_by != letter.academie.code:
        return SealCheck(
            False,
            UNKNOWN_CERTIFICATE,
            reference,
            sealed_by,
            detail=f"Le sceau n’est pas celui de l’académie qui a émis cette lettre : la lettre "
            f"{reference} a été émise par {_the(letter.academie)}, le sceau est celui "
            + (_the_code(sealed_by) if sealed_by else "d’un autre certificat")
            + ".",
        )
    if amendment is not None:
        return SealCheck(
            False,
            SUPERSEDED,
            reference,
            sealed_by,
            detail=f"Le sceau est authentique et le fichier intact, mais la lettre {reference} "
            f"a été remplacée par l’avenant {amendment.reference}.",
        )
    return SealCheck(
        True,
        AUTHENTIC,
        reference,
        sealed_by,
        detail=f"Le fichier est la lettre {reference} telle que {_the(letter.academie)} l’a "
        "scellée.",
    )


def _the(academie: Academie) -> str:
    return formatting.the(f"académie {formatting.of(academie.name)}")


def _the_code(code: str) -> str:
    academie = Academie.objects.filter(code=code).first()
    return f"de {_the(academie)}" if academie else "d’une autre académie"


# --- Demonstration certificates ------------------------------------------------------------


def ensure_demo_seals(*, academie: Academie, school_years: object = None) -> None:
    """`load_demo`'s hook: the demo CA and the académie's certificate, when missing (nothing
    when RUPN_SEAL_DIR holds a real CA)."""
    from missions.seal_demo import NotADemoCa, write_demo_seals

    try:
        write_demo_seals([academie], force=False)
    except NotADemoCa:
        return
