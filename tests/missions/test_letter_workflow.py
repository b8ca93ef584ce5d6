"""The letter workflow, from its table: every transition allowed and refused, by role and
state; signatures freeze the document and the amount; issuing covers the allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from accounts.scopes import scope_for
from audit.models import AuditEvent
from establishments.models import SchoolYear
from indemnities.models import Allocation, ImpRuleSet
from indemnities.services.allocations import allocation_set
from missions.document import document_sha256, stored_document
from missions.models import Letter, LetterSignature, LetterStatus
from missions.services_letters import letter_amend, letter_transition, letter_update
from missions.workflow import TRANSITIONS, Actor, acts_as, allowed_transitions
from tests.missions.letters import SIGNING, advance, draft_letter, publish_template, with_free_texts

pytestmark = pytest.mark.django_db

STATES = list(LetterStatus)


@pytest.fixture
def visa_world(poitiers):
    publish_template(poitiers)  # Poitiers requires the DAN's visa
    return poitiers


def _role_scopes(world):
    return {
        "dane_admin": scope_for(world.dane_admin),
        "dane_coordinator": scope_for(world.coordinator),
        "principal": scope_for(world.principal),
        "deputy": scope_for(world.deputy),
        "rupn": scope_for(world.rupn),
    }


ALLOWED = {
    # transition: roles of the letter's own académie/establishment allowed to make it
    "send": {"principal", "deputy"},
    "request_changes": {"rupn"},
    "sign_referent": {"rupn"},
    "sign_principal": {"principal"},
    "visa": {"dane_admin"},
    "withdraw": {"principal", "deputy"},
}


def test_the_table_names_who_the_tests_expect():
    assert set(TRANSITIONS) == set(ALLOWED)


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
def test_every_transition_by_role_and_state(name, state, visa_world, bordeaux):
    transition = TRANSITIONS[name]
    letter = draft_letter(visa_world)
    letter = (
        advance(letter, visa_world, until=LetterStatus.SENT)
        if state != LetterStatus.DRAFT
        else letter
    )
    if state == LetterStatus.CHANGES_REQUESTED:
        letter = letter_transition(
            letter=letter, name="request_changes", actor=scope_for(visa_world.rupn), comment="Non."
        )
    elif state not in (LetterStatus.DRAFT, LetterStatus.SENT):
        letter = advance(letter, visa_world, until=state)
    assert letter.status == state
    scopes = _role_scopes(visa_world) | {
        f"bordeaux_{role}": s for role, s in _role_scopes(bordeaux).items()
    }
    for role, actor in scopes.items():
        expected = state in transition.sources and role in ALLOWED[name]
        assert (transition in allowed_transitions(actor, letter)) is expected, (role, name, state)
        if expected:
            continue
        before = Letter.objects.get(pk=letter.pk).status
        with pytest.raises(ValidationError):
            letter_transition(
                letter=letter, name=name, actor=actor, comment="motif", signing=SIGNING
            )
        assert Letter.objects.get(pk=letter.pk).status == before


def test_the_whole_path_with_the_dan_visa(visa_world):
    letter = draft_letter(visa_world)
    letter = advance(letter, visa_world, until=LetterStatus.ISSUED)
    signatures = list(LetterSignature.objects.filter(letter=letter).order_by("signed_at"))
    assert [s.kind for s in signatures] == ["referent", "principal", "dan_visa"]
    assert {s.content_sha256 for s in signatures} == {letter.signed_sha256}
    assert signatures[0].ip_address == "192.0.2.10"
    assert signatures[0].role == "rupn"
    assert document_sha256(stored_document(letter) or {}) == letter.signed_sha256
    allocation = Allocation.objects.get(referent=letter.referent)
    assert allocation.letter_reference == letter.reference
    assert allocation.letter_issued_at is not None
    assert ImpRuleSet.objects.get(academie=visa_world.academie).locked_at is not None
    verbs = list(
        AuditEvent.objects.filter(target_id=letter.pk, verb__startswith="letter.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "letter.create",
        "letter.update",
        "letter.send",
        "letter.sign_referent",
        "letter.sign_principal",
        "letter.visa",
    ]


def test_without_visa_the_principal_issues(bordeaux):
    publish_template(bordeaux)  # Bordeaux does not require the visa
    letter = advance(draft_letter(bordeaux), bordeaux, until=LetterStatus.REFERENT_SIGNED)
    letter = letter_transition(
        letter=letter, name="sign_principal", actor=scope_for(bordeaux.principal), signing=SIGNING
    )
    assert letter.status == LetterStatus.ISSUED
    assert Allocation.objects.get(referent=letter.referent).letter_issued_at is not None


def test_a_signature_needs_the_reauthentication_context(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.SENT)
    with pytest.raises(ValidationError, match="confirmer votre identité"):
        letter_transition(letter=letter, name="sign_referent", actor=scope_for(visa_world.rupn))


def test_asking_for_changes_needs_a_comment_and_goes_back_to_the_principal(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.SENT)
    with pytest.raises(ValidationError, match="Expliquez"):
        letter_transition(letter=letter, name="request_changes", actor=scope_for(visa_world.rupn))
    letter = letter_transition(
        letter=letter,
        name="request_changes",
        actor=scope_for(visa_world.rupn),
        comment="Ajoutez la formation des collègues à Pronote.",
    )
    assert letter.status == LetterStatus.CHANGES_REQUESTED
    assert letter.is_editable
    letter = letter_update(
        letter=letter,
        content=with_free_texts(letter),
        revision=letter.revision,
        actor=scope_for(visa_world.principal),
    )
    letter = letter_transition(letter=letter, name="send", actor=scope_for(visa_world.principal))
    assert letter.status == LetterStatus.SENT
    assert letter.changes_comment == ""


def test_sending_needs_the_free_text(visa_world):
    from missions.services_letters import letter_create

    principal = scope_for(visa_world.principal)
    letter = letter_create(
        establishment=visa_world.establishment,
        school_year=SchoolYear.objects.current(),
        referent=visa_world.rupn,
        actor=principal,
    )
    with pytest.raises(ValidationError, match="Rédigez la section"):
        letter_transition(letter=letter, name="send", actor=principal)
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.DRAFT


def test_the_first_signature_freezes_content_and_amount(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.REFERENT_SIGNED)
    principal = scope_for(visa_world.principal)
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        letter_update(
            letter=letter,
            content=with_free_texts(letter),
            revision=letter.revision,
            actor=principal,
        )
    with pytest.raises(ValidationError, match="est signée"):
        allocation_set(
            establishment=visa_world.establishment,
            school_year=SchoolYear.objects.current(),
            amounts={visa_world.rupn: Decimal("625.00")},
            actor=principal,
        )
    assert Allocation.objects.get(referent=visa_world.rupn).amount == Decimal("1250.00")


def test_withdrawing_voids_the_signatures_and_frees_the_amount(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.AWAITING_VISA)
    principal = scope_for(visa_world.principal)
    with pytest.raises(ValidationError, match="motif"):
        letter_transition(letter=letter, name="withdraw", actor=principal)
    letter = letter_transition(
        letter=letter, name="withdraw", actor=principal, comment="Le montant change."
    )
    assert letter.status == LetterStatus.DRAFT
    assert letter.signed_sha256 == ""
    signatures = LetterSignature.objects.filter(letter=letter)
    assert signatures.count() == 2
    assert all(s.voided_at and s.void_reason == "Le montant change." for s in signatures)
    allocation_set(
        establishment=visa_world.establishment,
        school_year=SchoolYear.objects.current(),
        amounts={visa_world.rupn: Decimal("625.00")},
        actor=principal,
    )
    letter = advance(letter, visa_world, until=LetterStatus.REFERENT_SIGNED)
    assert (stored_document(letter) or {})["montant"] == "625.00"


def test_a_moved_letter_is_refused_rather_than_acted_on_blind(visa_world):
    letter = advance(draft_letter(visa_world), visa_world, until=LetterStatus.SENT)
    with pytest.raises(ValidationError, match="changé d’état"):
        letter_transition(
            letter=letter,
            name="sign_referent",
            actor=scope_for(visa_world.rupn),
            signing=SIGNING,
            expected_status=LetterStatus.DRAFT,
        )


def test_an_amendment_supersedes_the_issued_letter(visa_world):
    issued = advance(draft_letter(visa_world), visa_world, until=LetterStatus.ISSUED)
    principal = scope_for(visa_world.principal)
    with pytest.raises(ValidationError, match="motif"):
        letter_amend(letter=issued, reason=" ", actor=principal)
    amendment = letter_amend(letter=issued, reason="Départ au 28 février.", actor=principal)
    assert amendment.status == LetterStatus.DRAFT
    assert list(Letter.objects.in_force()) == [issued]
    allocation_set(
        establishment=visa_world.establishment,
        school_year=SchoolYear.objects.current(),
        amounts={visa_world.rupn: Decimal("625.00")},
        actor=principal,
    )
    amendment = advance(amendment, visa_world, until=LetterStatus.ISSUED)
    assert list(Letter.objects.in_force()) == [amendment]
    assert (stored_document(amendment) or {})["avenant"] == {
        "remplace": issued.reference,
        "motif": "Départ au 28 février.",
    }
    assert (stored_document(Letter.objects.get(pk=issued.pk)) or {})["montant"] == "1250.00"
    assert Allocation.objects.get(referent=visa_world.rupn).letter_reference == amendment.reference


def test_acts_as_needs_the_letters_establishment(visa_world):
    letter = draft_letter(visa_world)
    from accounts.services import membership_grant
    from tests.factories import make_user

    other_principal = membership_grant(
        academie=visa_world.academie,
        user=make_user("autre.chef@test.fr"),
        role=Role.PRINCIPAL,
        actor=scope_for(visa_world.dane_admin),
        establishments=[visa_world.other_establishment],
    )
    assert not acts_as(scope_for(other_principal), letter, Actor.DIRECTION)
    assert acts_as(scope_for(visa_world.principal), letter, Actor.DIRECTION)
