"""Demonstration certificates for the seal: a CA and one certificate per académie.

For development, the demo and the tests only: in production each académie's certificate comes
from its own certification authority (`RUPN_SEAL_DIR`, see the README). ECDSA P-256 keys: a seal
then costs about 20 ms, against about 80 ms with RSA-2048.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from establishments.models import Academie
from missions.seal import academie_label, ca_path, certificate_path, passphrase, seal_dir

MINISTRY = "Ministère de l’Éducation nationale"
CA_NAME = "Autorité de démonstration des sceaux RUPN"
CA_KEY_FILE = "ca-key.pem"
CA_YEARS = 10
CERT_YEARS = 3


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    temporary.replace(path)


class NotADemoCa(Exception):
    """RUPN_SEAL_DIR holds a CA whose key is not there: a real one, never replaced here."""


def _ca(force: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, bool]:
    """The demo CA, written when missing (or with `force`); True when it was written."""
    key_path = seal_dir() / CA_KEY_FILE
    if not force and ca_path().exists():
        if not key_path.exists():
            raise NotADemoCa(
                f"{ca_path()} n’est pas une autorité de démonstration (sa clé {CA_KEY_FILE} "
                "n’est pas là) : rien n’est écrit ; --force la remplacerait."
            )
        cert = x509.load_pem_x509_certificate(ca_path().read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), passphrase())
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise NotADemoCa(f"{key_path} n’est pas une clé ECDSA de démonstration.")
        return cert, key, False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, MINISTRY),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase()),
        ),
    )
    _write(ca_path(), cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, True


def _academie_p12(
    academie: Academie,
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    valid_for: datetime.timedelta | None = None,
) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    label = academie_label(academie)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, MINISTRY),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, label),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{label} – sceau des lettres de mission"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(
            min(
                now + (valid_for or datetime.timedelta(days=365 * CERT_YEARS)),
                ca.not_valid_after_utc,
            )
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        name=f"sceau-{academie.code}".encode(),
        key=key,
        cert=cert,
        cas=[ca],
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase()),
    )


def write_demo_seals(academies: Iterable[Academie], *, force: bool = False) -> list[Path]:
    """Write the demo CA and each académie's certificate where they are missing (all of them
    with `force`); the files written. A new CA means new certificates for every académie."""
    ca, ca_key, new_ca = _ca(force)
    written = [ca_path()] if new_ca else []
    for academie in academies:
        path = certificate_path(academie.code)
        if path.exists() and not (force or new_ca):
            continue
        _write(path, _academie_p12(academie, ca, ca_key))
        written.append(path)
    return written


def demo_certificate_p12(
    academie: Academie, *, valid_for: datetime.timedelta | None = None
) -> bytes:
    """A new demonstration certificate of the académie, from the demo CA, as a PKCS#12 opened
    with RUPN_SEAL_PASSPHRASE (what a platform administrator would upload when renewing)."""
    ca, ca_key, _ = _ca(False)
    return _academie_p12(academie, ca, ca_key, valid_for)
