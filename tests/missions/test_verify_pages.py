"""The public verification pages: by reference (the QR code's address) and by PDF file."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.scopes import scope_for
from missions.models import Letter, LetterSignature, LetterStatus
from missions.seal import seal_pdf
from missions.services_letters import letter_amend
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import advance, draft_letter, publish_template
from tests.missions.seals import letter_pdf, seals  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def letters(poitiers, bordeaux, seals):  # noqa: F811
    """Poitiers' RUPN's issued letter, a colleague's draft, and Bordeaux' issued letter."""
    publish_template(poitiers)
    publish_template(bordeaux)
    issued = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
    colleague = add_referent(
        poitiers.establishment, "collegue.brouillon@test.fr", first_name="Nadia", last_name="Benali"
    )
    draft = draft_letter(poitiers, referent=colleague, amount=None)
    other = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.ISSUED)
    return {"issued": issued, "draft": draft, "bordeaux": other}


def _page(reference: str, client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("missions:verify_reference", args=[reference]))
    assert response.status_code == 200
    return response.content.decode()


def _check(data: bytes, client: Client | None = None) -> str:
    response = (client or Client()).post(
        reverse("missions:verify"),
        {"fichier": SimpleUploadedFile("lettre.pdf", data, content_type="application/pdf")},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_reference_page_says_which_letter_and_nothing_more(letters):
    letter = letters["issued"]
    text = _page(letter.reference)
    assert "Lettre émise et en vigueur" in text
    assert letter.establishment.name in text
    assert letter.establishment.uai in text
    assert letter.school_year.label in text
    assert letter.referent.user.formal_name in text
    # Nothing the letter does not print: no address, no IP, nobody else of the académie.
    for email in User.objects.values_list("email", flat=True):
        assert email not in text
    for ip in LetterSignature.objects.values_list("ip_address", flat=True):
        assert ip and ip not in text
    assert re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text) is None
    other = letters["bordeaux"]
    for marker in (other.reference, other.establishment.name, other.establishment.uai):
        assert marker not in text
    assert letters["draft"].referent.user.formal_name not in text


def test_a_drafts_reference_and_a_made_up_one_give_the_same_unknown_page(letters):
    draft = letters["draft"].reference
    made_up = "LM-2026-ZZZZZ-ZZZZZ"
    draft_page = _page(draft)
    made_up_page = _page(made_up)
    assert "Référence inconnue" in draft_page
    assert draft_page.replace(draft, "REF") == made_up_page.replace(made_up, "REF")
    assert letters["draft"].establishment.name not in draft_page
    assert _page(draft.lower()) == draft_page  # typed in lower case: the same


def test_an_amended_letter_says_by_which_amendment(letters, poitiers):
    issued = letters["issued"]
    amendment = letter_amend(
        letter=issued, reason="Départ au 28 février.", actor=scope_for(poitiers.principal)
    )
    assert "en vigueur" in _page(issued.reference)
    assert "Référence inconnue" in _page(amendment.reference)  # a draft amendment
    amendment = advance(amendment, poitiers, until=LetterStatus.ISSUED)
    text = _page(issued.reference)
    assert "remplacée par un avenant" in text
    assert amendment.reference in text
    text = _page(amendment.reference)
    assert "Lettre émise et en vigueur" in text
    assert issued.reference in text  # « avenant à la lettre … »


def test_the_reference_form_opens_the_reference_page(letters):
    reference = letters["issued"].reference
    response = Client().get(reverse("missions:verify"), {"reference": f" {reference.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("missions:verify_reference", args=[reference])
    page = Client().get(reverse("missions:verify"))
    assert page.status_code == 200
    assert "Vérifier une lettre de mission" in page.content.decode()


def test_a_sealed_file_is_authentic_and_a_tampered_one_is_not(letters):
    letter = letters["issued"]
    sealed = seal_pdf(
        letter_pdf(letter.reference), academie=letter.academie, reference=letter.reference
    )
    assert "Le fichier est authentique et intact" in _check(sealed)
    tampered = bytearray(sealed)
    tampered[len(sealed) // 4] ^= 0x01
    assert "modifié après le scellement" in _check(bytes(tampered))
    assert "aucun sceau" in _check(letter_pdf(letter.reference))
    bordeaux = letters["bordeaux"].academie
    forged = seal_pdf(letter_pdf(letter.reference), academie=bordeaux, reference=letter.reference)
    text = _check(forged)
    assert "certificat inconnu" in text
    for email in User.objects.values_list("email", flat=True):
        assert email not in text


def test_a_superseded_file_says_so(letters, poitiers):
    letter = letters["issued"]
    sealed = seal_pdf(
        letter_pdf(letter.reference), academie=letter.academie, reference=letter.reference
    )
    amendment = letter_amend(
        letter=letter, reason="Départ au 28 février.", actor=scope_for(poitiers.principal)
    )
    advance(amendment, poitiers, until=LetterStatus.ISSUED)
    assert "lettre remplacée par un avenant" in _check(sealed)


def test_a_file_too_big_is_refused_before_being_read(letters, settings):
    settings.RUPN_VERIFY_MAX_BYTES = 1024
    response = Client().post(
        reverse("missions:verify"),
        {"fichier": SimpleUploadedFile("lettre.pdf", b"%PDF-" + b"0" * 2048)},
    )
    assert response.status_code == 400
    assert "Le fichier dépasse" in response.content.decode()


def test_the_pages_are_rate_limited_per_address(letters, settings):
    settings.RUPN_VERIFY_RATE_LIMIT = 3
    reference = letters["issued"].reference
    client = Client()
    for _ in range(3):
        assert client.get(reverse("missions:verify_reference", args=[reference])).status_code == 200
    limited = client.get(reverse("missions:verify_reference", args=[reference]))
    assert limited.status_code == 429
    assert "Trop de vérifications" in limited.content.decode()
    assert limited["Retry-After"] == str(settings.RUPN_VERIFY_RATE_WINDOW)
    assert client.get(reverse("missions:verify")).status_code == 429
    other_address = Client(REMOTE_ADDR="198.51.100.7")
    assert other_address.get(reverse("missions:verify")).status_code == 200


def test_a_letter_of_any_academie_is_found_without_signing_in(letters):
    assert Letter.objects.filter(status=LetterStatus.ISSUED).count() == 2
    assert letters["bordeaux"].establishment.name in _page(letters["bordeaux"].reference)
