"""The letter's page: each person sees what the workflow lets them do; signing asks for the
password again, then the same POST goes through; others get the same 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from missions.models import Letter, LetterSignature, LetterStatus
from tests.conftest import client_acting_as
from tests.factories import PASSWORD
from tests.indemnities.allocations.conftest import add_referent
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(poitiers, bordeaux):
    publish_template(poitiers)
    publish_template(bordeaux)
    return poitiers


def _url(letter: Letter, name: str = "missions:letter") -> str:
    return reverse(name, args=[letter.pk])


def test_the_referent_reads_the_letter_with_the_co_referents_tasks(world):
    colleague = add_referent(
        world.establishment, "co@test.fr", first_name="Nadia", last_name="Benali"
    )
    draft_letter(world, referent=colleague, amount=None)
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    response = client_acting_as(world.rupn).get(_url(letter))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nadia Benali" in text  # the co-referent and their tasks
    assert "250,00\u00a0€" in text or "250,00 €" in text
    assert "J’ai lu la lettre et je la signe" in text
    assert "Demander des modifications" in text


def test_signing_asks_for_the_password_then_the_same_post_signs(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    client = client_acting_as(world.rupn)
    body = {"transition": "sign_referent", "status": "sent", "confirm": "oui"}
    response = client.post(_url(letter, "missions:letter_act"), body)
    assert response.status_code == 302
    assert reverse("account_reauthenticate") in response["Location"]
    assert not LetterSignature.objects.filter(letter=letter).exists()
    # allauth replays the stashed POST once the password is confirmed.
    response = client.post(response["Location"], {"password": PASSWORD}, follow=True)
    letter.refresh_from_db()
    assert letter.status == LetterStatus.REFERENT_SIGNED
    signature = LetterSignature.objects.get(letter=letter)
    assert signature.reauthenticated_with == "mot de passe"
    assert signature.content_sha256 == letter.signed_sha256
    assert "Vous avez signé la lettre" in response.content.decode()


def test_signing_without_the_tick_changes_nothing(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    response = client_acting_as(world.rupn).post(
        _url(letter, "missions:letter_act"), {"transition": "sign_referent"}, follow=True
    )
    assert "acte explicite" in response.content.decode()
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.SENT


def test_asking_for_changes_from_the_page(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    response = client_acting_as(world.rupn).post(
        _url(letter, "missions:letter_act"),
        {"transition": "request_changes", "status": "sent", "comment": "Ajoutez Pix."},
        follow=True,
    )
    assert "transmise à la direction" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CHANGES_REQUESTED
    page = client_acting_as(world.principal).get(_url(letter)).content.decode()
    assert "Ajoutez Pix." in page


def test_others_get_the_same_404_and_change_nothing(world, bordeaux):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    colleague = add_referent(world.establishment, "co2@test.fr")
    for membership in (colleague, bordeaux.rupn, bordeaux.principal, bordeaux.dane_admin):
        client = client_acting_as(membership)
        assert client.get(_url(letter)).status_code == 404
        response = client.post(
            _url(letter, "missions:letter_act"), {"transition": "request_changes", "comment": "x"}
        )
        assert response.status_code == 404
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.SENT
    # The coordinator of the letter's département reads it, and may do nothing on it.
    page = client_acting_as(world.coordinator).get(_url(letter)).content.decode()
    assert "Ce que vous pouvez faire" not in page


def test_a_role_not_in_the_table_is_refused_with_a_french_message(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    response = client_acting_as(world.deputy).post(
        _url(letter, "missions:letter_act"),
        {"transition": "sign_referent", "confirm": "oui"},
        follow=True,
    )
    assert "Seul le référent de la lettre" in response.content.decode()
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.SENT


def test_the_principal_prepares_an_amendment_of_an_issued_letter(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.ISSUED)
    client = client_acting_as(world.principal)
    page = client.get(_url(letter)).content.decode()
    assert "Préparer un avenant" in page
    response = client.post(_url(letter, "missions:letter_amend"), {"reason": ""}, follow=True)
    assert "Indiquez le motif" in response.content.decode()
    response = client.post(
        _url(letter, "missions:letter_amend"), {"reason": "Départ au 28 février."}, follow=True
    )
    amendment = Letter.objects.get(supersedes=letter)
    assert response.redirect_chain[-1][0] == _url(amendment)
    assert "Avenant à la lettre" in response.content.decode()
    assert "Versions de la lettre" in response.content.decode()


def test_history_lists_each_step_with_who_and_role(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.REFERENT_SIGNED)
    page = client_acting_as(world.principal).get(_url(letter)).content.decode()
    assert "a envoyé sa lettre de mission" in page
    assert "a signé sa lettre de mission" in page
    assert "référent numérique (RUPN)" in page or "référente numérique (RUPN)" in page


def test_the_page_query_count_does_not_grow_with_co_referents(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    client = client_acting_as(world.principal)
    client.get(_url(letter))
    with CaptureQueriesContext(connection) as one:
        client.get(_url(letter))
    for n in range(3):
        colleague = add_referent(world.establishment, f"co{n}@test.fr", last_name=f"Co{n}")
        draft_letter(world, referent=colleague, amount=None)
    with CaptureQueriesContext(connection) as four:
        client.get(_url(letter))
    assert len(four.captured_queries) == len(one.captured_queries)


def test_withdrawing_from_the_page_needs_a_reason(world):
    letter = advance(draft_letter(world), world, until=LetterStatus.REFERENT_SIGNED)
    client = client_acting_as(world.principal)
    response = client.post(
        _url(letter, "missions:letter_act"), {"transition": "withdraw"}, follow=True
    )
    assert "motif du retrait" in response.content.decode()
    client.post(
        _url(letter, "missions:letter_act"),
        {"transition": "withdraw", "comment": "Le montant change."},
    )
    assert Letter.objects.get(pk=letter.pk).status == LetterStatus.DRAFT


def test_a_signer_with_totp_confirms_with_a_code(world):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.cache import cache

    from tests.accounts.test_mfa import totp_code

    cache.clear()
    secret = generate_totp_secret()
    TOTP.activate(world.rupn.user, secret)
    letter = advance(draft_letter(world), world, until=LetterStatus.SENT)
    client = client_acting_as(world.rupn)
    body = {"transition": "sign_referent", "status": "sent", "confirm": "oui"}
    response = client.post(_url(letter, "missions:letter_act"), body)
    assert reverse("mfa_reauthenticate") in response["Location"]
    # The password alone is not enough for someone who has a TOTP.
    client.post(reverse("account_reauthenticate") + "?next=/", {"password": PASSWORD})
    response = client.post(_url(letter, "missions:letter_act"), body)
    assert reverse("mfa_reauthenticate") in response["Location"]
    client.post(response["Location"], {"code": totp_code(secret)}, follow=True)
    signature = LetterSignature.objects.get(letter=letter)
    assert signature.reauthenticated_with == "TOTP"


def test_the_referent_sees_their_letter_once_sent(world):
    letter = draft_letter(world)
    client = client_acting_as(world.rupn)
    assert client.get(_url(letter)).status_code == 404
    assert letter.reference not in client.get(reverse("missions:letters")).content.decode()
    advance(letter, world, until=LetterStatus.SENT)
    assert client.get(_url(letter)).status_code == 200
    assert letter.reference in client.get(reverse("missions:letters")).content.decode()
