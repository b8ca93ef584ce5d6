"""Sealing certificates installed per académie in the admin, and a letter whose PDF cannot be
sealed: the failure is on its page, the « Relancer » action completes it once mended."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from missions.models import LetterPdf, LetterPdfFailure, LetterStatus, SealCertificate
from missions.seal import seal_pdf, verify_pdf
from missions.seal_demo import demo_certificate_p12
from missions.seal_store import seal_certificate_install
from tenancy.scope import Scope
from tests.conftest import client_acting_as
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.seals import letter_pdf

pytestmark = pytest.mark.django_db(transaction=True)

PASSPHRASE = "sceau-de-demonstration"  # the test settings' RUPN_SEAL_PASSPHRASE


@pytest.fixture
def issued(poitiers):
    publish_template(poitiers)
    return advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)


def _install(academie, data: bytes | None = None, passphrase: str = PASSPHRASE):
    return seal_certificate_install(
        academie=academie,
        pkcs12_data=data if data is not None else demo_certificate_p12(academie),
        passphrase=passphrase,
        actor=Scope.platform(academie.pk),
    )


def _sealed(letter) -> bytes:
    return seal_pdf(
        letter_pdf(letter.reference), academie=letter.academie, reference=letter.reference
    )


def test_an_installed_certificate_seals_the_academies_letters(issued):
    installed = _install(issued.academie)
    pdf = _sealed(issued)
    check = verify_pdf(pdf)
    assert check.authentic, check
    assert check.academie_code == "13"
    import hashlib
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    assert hashlib.sha256(signature.signer_cert.dump()).hexdigest() == installed.fingerprint_sha256
    assert AuditEvent.objects.filter(verb="seal_certificate.install").count() == 1
    assert PASSPHRASE not in installed.passphrase_encrypted


def test_a_renewed_certificate_keeps_the_old_letters_authentic(issued):
    first = _install(issued.academie)
    sealed_before = _sealed(issued)
    second = _install(issued.academie)
    first.refresh_from_db()
    assert first.retired_at is not None and second.retired_at is None
    assert verify_pdf(sealed_before).authentic
    assert verify_pdf(_sealed(issued)).authentic


def test_a_bordeaux_certificate_installed_for_bordeaux_does_not_pass_for_poitiers(issued, bordeaux):
    _install(bordeaux.academie)
    pdf = seal_pdf(
        letter_pdf(issued.reference), academie=bordeaux.academie, reference=issued.reference
    )
    check = verify_pdf(pdf)
    assert not check.authentic
    assert check.reason == "certificat inconnu"
    assert check.academie_code == bordeaux.academie.code


@pytest.mark.parametrize(
    ("data", "passphrase", "message"),
    [
        (None, "mauvaise phrase", "ne s’ouvre pas"),
        (b"pas un fichier", PASSPHRASE, "ne s’ouvre pas"),
    ],
)
def test_a_bad_certificate_is_refused_and_installs_nothing(issued, data, passphrase, message):
    with pytest.raises(ValidationError, match=message):
        _install(issued.academie, data, passphrase)
    assert not SealCertificate.objects.exists()


def test_a_certificate_of_another_authority_is_refused(issued, settings, tmp_path):
    from missions.seal_demo import write_demo_seals

    original = settings.RUPN_SEAL_DIR
    settings.RUPN_SEAL_DIR = tmp_path / "autre-ac"
    write_demo_seals([issued.academie])
    foreign = demo_certificate_p12(issued.academie)
    settings.RUPN_SEAL_DIR = original
    with pytest.raises(ValidationError, match="autorité de certification de la plateforme"):
        _install(issued.academie, foreign)
    assert not SealCertificate.objects.exists()


def test_the_platform_admin_installs_a_certificate_in_the_admin(issued, django_user_model):
    admin_user = django_user_model.objects.create_superuser(
        email="admin@plateforme.test", password="x-Secret-123"
    )
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:missions_sealcertificate_add")
    data = demo_certificate_p12(issued.academie)

    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(
        url,
        {
            "academie": issued.academie_id,
            "pkcs12_file": SimpleUploadedFile("sceau.p12", data),
            "passphrase": "mauvaise",
        },
    )
    assert refused.status_code == 200
    assert "ne s’ouvre pas avec cette phrase secrète" in refused.content.decode()
    assert not SealCertificate.objects.exists()
    done = client.post(
        url,
        {
            "academie": issued.academie_id,
            "pkcs12_file": SimpleUploadedFile("sceau.p12", data),
            "passphrase": PASSPHRASE,
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    installed = SealCertificate.objects.get()
    assert installed.academie_id == issued.academie_id
    assert installed.installed_by == admin_user
    # Installed twice over the admin: the second is a new current one, the first retired.
    again = client.post(
        url,
        {
            "academie": issued.academie_id,
            "pkcs12_file": SimpleUploadedFile("sceau2.p12", demo_certificate_p12(issued.academie)),
            "passphrase": PASSPHRASE,
        },
    )
    assert again.status_code == 302
    assert SealCertificate.objects.filter(retired_at__isnull=True).count() == 1
    assert SealCertificate.objects.count() == 2


def test_without_a_certificate_the_failure_shows_and_relancer_completes_it(
    poitiers, settings, tmp_path
):
    publish_template(poitiers)
    configured = settings.RUPN_SEAL_DIR
    settings.RUPN_SEAL_DIR = tmp_path / "vide"
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    assert not LetterPdf.objects.filter(letter=letter).exists()
    failure = LetterPdfFailure.objects.get(letter=letter)
    assert "introuvable" in failure.error
    assert not [m for m in mail.outbox if m.attachments]

    url = reverse("missions:letter", args=[letter.pk])
    principal_page = client_acting_as(poitiers.principal).get(url).content.decode()
    assert "Le PDF signé n’a pas pu être produit" in principal_page
    assert "Relancer et envoyer" in principal_page
    referent_page = client_acting_as(poitiers.rupn).get(url).content.decode()
    assert "n’a pas encore pu être produite en PDF" in referent_page
    assert "Relancer" not in referent_page and "introuvable" not in referent_page

    settings.RUPN_SEAL_DIR = configured
    client_acting_as(poitiers.principal).post(
        reverse("missions:letter_pdf_resend", args=[letter.pk])
    )
    assert LetterPdf.objects.filter(letter=letter).exists()
    assert not LetterPdfFailure.objects.filter(letter=letter).exists()
    [sent] = [m for m in mail.outbox if m.attachments]
    assert poitiers.principal.user.email in sent.to and poitiers.rupn.user.email in sent.to
    assert "Relancer" not in client_acting_as(poitiers.principal).get(url).content.decode()


def test_a_letter_stays_authentic_after_its_certificate_has_expired(poitiers, monkeypatch):
    import datetime

    from missions import seal

    publish_template(poitiers)
    _install(
        poitiers.academie,
        demo_certificate_p12(poitiers.academie, valid_for=datetime.timedelta(days=30)),
    )
    letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    with LetterPdf.objects.get(letter=letter).file.open("rb") as handle:
        issued_file = handle.read()
    assert verify_pdf(issued_file).authentic

    two_months_later = seal._now() + datetime.timedelta(days=60)
    monkeypatch.setattr(seal, "_now", lambda: two_months_later)
    # Checked at the time the platform stored it, the issued letter is still the académie's…
    assert verify_pdf(issued_file).authentic
    # …while a file the platform never stored, sealed with that certificate, is checked today.
    other = seal_pdf(
        letter_pdf("LM-2025-ABCDE-FGHIJ"),
        academie=poitiers.academie,
        reference="LM-2025-ABCDE-FGHIJ",
    )
    check = verify_pdf(other)
    assert not check.authentic
