"""Sealing certificates installed per académie (through the Django admin of the platform).

The PKCS#12 file is stored as uploaded (its key is encrypted by its own passphrase); the
passphrase is stored encrypted with a key derived from the platform's `SECRET_KEY`, so that a
copy of the database alone does not open the key. Changing `SECRET_KEY` means installing the
certificates again (the seal then says so instead of sealing).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from establishments.models import Academie
from missions.models import SealCertificate
from tenancy.guard import scopes_disabled
from tenancy.scope import Scope


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rupn-seal-passphrase", info=b"v1"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_passphrase(passphrase: str) -> str:
    return _fernet().encrypt(passphrase.encode()).decode("ascii") if passphrase else ""


def decrypt_passphrase(token: str) -> bytes:
    """The passphrase; raises ValueError when it cannot be read with today's SECRET_KEY."""
    if not token:
        return b""
    try:
        return _fernet().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise ValueError("phrase secrète illisible avec la clé secrète actuelle") from exc


def _name(name: x509.Name) -> str:
    return name.rfc4514_string()[:300]


@dataclass(frozen=True)
class CheckedCertificate:
    """What an uploaded PKCS#12 holds, once checked."""

    subject: str
    issuer: str
    serial_number: str
    fingerprint_sha256: str
    not_before: datetime.datetime
    not_after: datetime.datetime


def seal_certificate_check(*, pkcs12_data: bytes, passphrase: str) -> CheckedCertificate:
    """Refuse, in French, a PKCS#12 that does not open with the passphrase, holds no key, was
    not issued by the platform's certificate authority, is not valid today or is installed."""
    from missions.seal import SealNotConfigured, load_ca_certificate

    try:
        key, cert, _ = pkcs12.load_key_and_certificates(pkcs12_data, passphrase.encode() or None)
    except ValueError as exc:
        raise ValidationError(
            "Le fichier ne s’ouvre pas avec cette phrase secrète (ou n’est pas un PKCS#12)."
        ) from exc
    if key is None or cert is None:
        raise ValidationError("Le fichier ne contient pas de clé privée et de certificat.")
    try:
        ca = load_ca_certificate()
    except SealNotConfigured as exc:
        raise ValidationError(
            "L’autorité de certification de la plateforme (ca.pem) est introuvable."
        ) from exc
    try:
        cert.verify_directly_issued_by(ca)
    except Exception as exc:  # wrong issuer, bad signature, unsupported key: all a refusal
        raise ValidationError(
            "Ce certificat n’a pas été émis par l’autorité de certification de la plateforme."
        ) from exc
    now = timezone.now()
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise ValidationError(
            f"Ce certificat n’est pas valide aujourd’hui (du "
            f"{cert.not_valid_before_utc:%d/%m/%Y} au {cert.not_valid_after_utc:%d/%m/%Y})."
        )
    fingerprint = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
    with scopes_disabled():  # a certificate is installed once, whichever académie holds it
        if SealCertificate.objects.filter(fingerprint_sha256=fingerprint).exists():
            raise ValidationError("Ce certificat est déjà installé.")
    return CheckedCertificate(
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        serial_number=format(cert.serial_number, "x")[:80],
        fingerprint_sha256=fingerprint,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


@transaction.atomic
def seal_certificate_install(
    *, academie: Academie, pkcs12_data: bytes, passphrase: str, actor: Scope
) -> SealCertificate:
    """Make the PKCS#12 the académie's current sealing certificate, once checked
    (`seal_certificate_check`); the previous one is kept, retired."""
    checked = seal_certificate_check(pkcs12_data=pkcs12_data, passphrase=passphrase)
    now = timezone.now()
    previous = list(
        SealCertificate.objects.select_for_update().filter(
            academie=academie, retired_at__isnull=True
        )
    )
    SealCertificate.objects.filter(pk__in=[p.pk for p in previous]).update(retired_at=now)
    installed = SealCertificate.objects.create(
        academie=academie,
        pkcs12=pkcs12_data,
        passphrase_encrypted=encrypt_passphrase(passphrase),
        subject=checked.subject,
        issuer=checked.issuer,
        serial_number=checked.serial_number,
        fingerprint_sha256=checked.fingerprint_sha256,
        not_before=checked.not_before,
        not_after=checked.not_after,
        installed_by_id=actor.user_id,
    )
    kept = " (le précédent est conservé pour vérifier les lettres qu’il a scellées)"
    audit_record(
        actor=actor,
        verb="seal_certificate.install",
        target=installed,
        summary=(
            f"a installé le certificat de sceau « {installed.subject} », valide jusqu’au "
            f"{installed.not_after:%d/%m/%Y}" + (kept if previous else "")
        ),
    )
    return installed


def expires_soon(certificate: SealCertificate, *, days: int = 60) -> bool:
    return certificate.not_after - timezone.now() < datetime.timedelta(days=days)
