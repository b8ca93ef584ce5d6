"""The académie's seal on a letter's PDF (PAdES) and the check of a sealed file."""

from __future__ import annotations

import io
import statistics
import time

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader

from accounts.scopes import scope_for
from missions import seal
from missions.models import Letter, LetterStatus
from missions.seal import seal_pdf, verify_pdf
from missions.seal_demo import write_demo_seals
from missions.services_letters import letter_amend
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.seals import letter_pdf, seals  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(poitiers, bordeaux, seals) -> Letter:  # noqa: F811
    publish_template(poitiers)
    publish_template(bordeaux)
    return advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)


def _sealed(letter: Letter, *, academie=None) -> bytes:
    return seal_pdf(
        letter_pdf(letter.reference),
        academie=academie or letter.academie,
        reference=letter.reference,
    )


def test_a_sealed_letter_is_authentic_and_intact(issued):
    check = verify_pdf(_sealed(issued))
    assert check.authentic, check
    assert check.reason == "authentique et intact"
    assert check.reference == issued.reference
    assert check.academie_code == "13"


def test_the_seal_is_pades_with_the_reason_and_the_place(issued):
    reader = PdfFileReader(io.BytesIO(_sealed(issued)))
    (signature,) = reader.embedded_regular_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == f"Lettre de mission {issued.reference}"
    assert signature.sig_object["/Location"] == "Académie de Poitiers"
    subject = signature.signer_cert.subject.native
    assert subject["common_name"] == "Académie de Poitiers – sceau des lettres de mission"
    assert subject["organization_name"] == "Ministère de l’Éducation nationale"


def test_the_seal_signs_what_pades_asks_and_names_its_certificate_each_time(issued):
    """The signed attributes are the ones pyHanko gives a PAdES seal (content type, digest,
    signing certificate; no signing time), the certificate's attribute encoded once per signer
    and the same in every seal."""
    import hashlib

    attributes = []
    for _ in range(2):
        reader = PdfFileReader(io.BytesIO(_sealed(issued)))
        (signature,) = reader.embedded_regular_signatures
        signed = signature.signer_info["signed_attrs"]
        attributes.append({a["type"].native: a["values"][0] for a in signed})
    first, second = attributes
    assert set(first) == {"content_type", "message_digest", "signing_certificate_v2"}
    certificate = first["signing_certificate_v2"]["certs"][0]
    assert certificate["cert_hash"].native == hashlib.sha256(signature.signer_cert.dump()).digest()
    assert first["signing_certificate_v2"].dump() == second["signing_certificate_v2"].dump()
    assert first["message_digest"].native != b""


def test_the_reference_alone_in_the_subject_or_in_the_keywords_is_read(issued):
    for subject in (issued.reference, f"RUPN, {issued.reference}"):
        pdf = letter_pdf(issued.reference, subject=subject)
        assert verify_pdf(seal_pdf(pdf, academie=issued.academie, reference="x")).authentic


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7])
def test_changing_one_byte_breaks_the_seal(issued, where):
    sealed = bytearray(_sealed(issued))
    signed_part = len(letter_pdf(issued.reference))  # the rendered bytes, before the seal
    position = int(signed_part * where)
    sealed[position] = (sealed[position] + 1) % 256
    check = verify_pdf(bytes(sealed))
    assert not check.authentic
    assert check.reason == "modifié après le scellement"


def test_something_appended_after_the_seal_is_a_modification(issued):
    check = verify_pdf(_sealed(issued) + b"\n% ajout\n")
    assert check.reason == "modifié après le scellement"


def test_bordeaux_seal_does_not_pass_for_a_poitiers_letter(issued, bordeaux):
    check = verify_pdf(_sealed(issued, academie=bordeaux.academie))
    assert not check.authentic
    assert check.reason == "certificat inconnu"
    assert check.academie_code == "04"
    assert "Bordeaux" in check.detail and "Poitiers" in check.detail


def test_a_certificate_of_another_authority_is_unknown(issued, settings, tmp_path):
    home = settings.RUPN_SEAL_DIR
    settings.RUPN_SEAL_DIR = tmp_path / "autre-autorite"
    write_demo_seals([issued.academie])
    forged = _sealed(issued)
    settings.RUPN_SEAL_DIR = home
    check = verify_pdf(forged)
    assert check.reason == "certificat inconnu"
    assert check.academie_code is None


def test_an_unsigned_pdf_has_no_seal(issued):
    assert verify_pdf(letter_pdf(issued.reference)).reason == "aucun sceau"
    assert verify_pdf(b"ceci n'est pas un PDF").reason == "aucun sceau"


def test_a_draft_or_made_up_reference_is_unknown(issued, poitiers):
    colleague_draft = Letter.objects.create(
        academie=issued.academie,
        establishment=issued.establishment,
        school_year=issued.school_year,
        referent=issued.referent,
        template=issued.template,
        reference="LM-2026-DRAFT-00000",
        supersedes=issued,
    )
    for reference in (colleague_draft.reference, "LM-2026-ZZZZZ-ZZZZZ"):
        pdf = seal_pdf(letter_pdf(reference), academie=issued.academie, reference=reference)
        check = verify_pdf(pdf)
        assert check.reason == "référence inconnue"
        assert not check.authentic
    no_reference = seal_pdf(
        letter_pdf("", subject="Lettre"), academie=issued.academie, reference=""
    )
    assert verify_pdf(no_reference).reason == "référence inconnue"


def test_a_letter_replaced_by_an_issued_amendment_is_superseded(issued, poitiers):
    sealed = _sealed(issued)
    amendment = letter_amend(
        letter=issued, reason="Départ au 28 février.", actor=scope_for(poitiers.principal)
    )
    assert verify_pdf(sealed).authentic  # the amendment binds once issued
    amendment = advance(amendment, poitiers, until=LetterStatus.ISSUED)
    check = verify_pdf(sealed)
    assert not check.authentic
    assert check.reason == "lettre remplacée par un avenant"
    assert amendment.reference in check.detail
    assert verify_pdf(_sealed(amendment)).authentic


def test_the_signer_is_loaded_once_and_a_seal_takes_milliseconds(issued, capsys):
    pdf = letter_pdf(issued.reference)
    seal_pdf(pdf, academie=issued.academie, reference=issued.reference)  # loads the key
    signer = seal.signer_for(issued.academie)
    timings = []
    for _ in range(15):
        start = time.perf_counter()
        seal_pdf(pdf, academie=issued.academie, reference=issued.reference)
        timings.append((time.perf_counter() - start) * 1000)
    assert seal.signer_for(issued.academie) is signer
    median = statistics.median(timings)
    with capsys.disabled():
        print(f"\nsceau d’une lettre (processus chaud) : médiane {median:.1f} ms")
    assert median < 500


def test_seal_demo_ca_keeps_existing_files_unless_forced(poitiers, bordeaux, settings, tmp_path):
    settings.RUPN_SEAL_DIR = tmp_path / "demo"
    out = io.StringIO()
    call_command("seal_demo_ca", stdout=out)
    files = {p.name: p.read_bytes() for p in (tmp_path / "demo").iterdir()}
    assert {"ca.pem", "13.p12", "04.p12"} <= set(files)
    out = io.StringIO()
    call_command("seal_demo_ca", stdout=out)
    assert "rien n’a été écrit" in out.getvalue()
    assert files == {p.name: p.read_bytes() for p in (tmp_path / "demo").iterdir()}
    call_command("seal_demo_ca", "--force", stdout=io.StringIO())
    assert files["13.p12"] != (tmp_path / "demo" / "13.p12").read_bytes()


def test_load_demo_writes_the_seals_first():
    from accounts.management.commands.load_demo import DEMO_HOOKS

    assert DEMO_HOOKS[0] == "missions.seal.ensure_demo_seals"
