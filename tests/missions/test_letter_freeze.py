"""Signed and issued letters are guarded by the database itself, and the canonical document's
hash is stable: same content, same hash; any change, another hash."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from missions.document import canonical_bytes, document_sha256, stored_document
from missions.models import Letter, LetterSignature, LetterStatus
from missions.selectors_letters import document_of
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(poitiers):
    publish_template(poitiers)
    return poitiers


def _refused(statement) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        statement()


def test_an_issued_letter_never_changes_in_the_database(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    rows = Letter.objects.filter(pk=letter.pk)
    _refused(lambda: rows.update(status=LetterStatus.DRAFT))
    _refused(lambda: rows.update(changes_comment="rien"))
    _refused(lambda: rows.delete())
    with connection.cursor() as cursor:
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute(
                "UPDATE missions_letter SET content = %s WHERE id = %s",
                ['{"tasks": []}', letter.pk],
            )
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.ISSUED


def test_a_signed_letter_keeps_its_content(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.REFERENT_SIGNED)
    rows = Letter.objects.filter(pk=letter.pk)
    _refused(lambda: rows.update(content={"tasks": []}))
    _refused(lambda: rows.update(signed_document="{}"))
    # Back to draft while a signature is valid: refused.
    _refused(lambda: rows.update(status=LetterStatus.DRAFT, signed_document="", signed_sha256=""))
    # The workflow's own moves still pass.
    rows.update(status=LetterStatus.AWAITING_VISA)


def test_a_signature_only_changes_by_being_voided(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.REFERENT_SIGNED)
    signatures = LetterSignature.objects.filter(letter=letter)
    _refused(lambda: signatures.update(content_sha256="0" * 64))
    _refused(lambda: signatures.update(signer_name="Quelqu’un d’autre"))
    _refused(lambda: signatures.delete())
    signatures.update(voided_at=timezone.now(), void_reason="retrait")
    _refused(lambda: signatures.update(voided_at=None))


def test_same_content_gives_the_same_hash_and_any_change_another(world):
    letter = draft_letter(world)
    first = document_of(letter)
    again = document_of(Letter.objects.get(pk=letter.pk))
    assert canonical_bytes(first) == canonical_bytes(again)
    assert document_sha256(first) == document_sha256(again)
    changed_task = {**first, "sections": [dict(s) for s in first["sections"]]}
    for section in changed_task["sections"]:
        if section.get("taches"):
            section["taches"] = section["taches"][1:]
            break
    assert document_sha256(changed_task) != document_sha256(first)
    assert document_sha256({**first, "montant": "1250.01"}) != document_sha256(first)
    assert document_sha256({**first, "co_referents": [{"nom": "X", "taches": []}]}) != (
        document_sha256(first)
    )
    # Decomposed and composed accents are the same text: NFC first.
    assert document_sha256({**first, "annee": "e\u0301"}) == document_sha256(
        {**first, "annee": "é"}
    )


def test_the_canonical_bytes_are_documented_json(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.REFERENT_SIGNED)
    raw = letter.signed_document.encode("utf-8")
    assert raw == canonical_bytes(stored_document(letter) or {})
    assert b'","' in raw and b'", "' not in raw and b'": "' not in raw  # no whitespace
    assert raw.startswith(b'{"academie":{"code":"')
    assert "é".encode() in raw  # not escaped as \u00e9
