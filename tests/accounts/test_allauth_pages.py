"""Every allauth page renders inside the DSFR layout, in French, with one h1 and labelled inputs."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import client_acting_as
from tests.factories import PASSWORD

H1 = re.compile(r"<h1[\s>]")
INPUT = re.compile(r"<(input|select|textarea)\b[^>]*>", re.S)
ID = re.compile(r'\bid="([^"]+)"')
TYPE = re.compile(r'\btype="([^"]+)"')


def assert_accessible_page(body: str) -> None:
    assert body.count("fr-header") >= 1, "not inside the DSFR layout"
    assert len(H1.findall(body)) == 1, "exactly one h1"
    for tag in INPUT.finditer(body):
        markup = tag.group(0)
        kind = TYPE.search(markup)
        if kind and kind.group(1) in {"hidden", "submit"}:
            continue
        match = ID.search(markup)
        assert match, f"input without id: {markup}"
        assert f'for="{match.group(1)}"' in body, f"input without label: {markup}"


def signed_in(membership) -> Client:
    """A client signed in through allauth's form (so reauthentication is not asked)."""
    client = Client()
    response = client.post(
        "/comptes/login/", {"login": membership.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def reauthenticated(client: Client) -> Client:
    """allauth asks for the password again before security changes such as activating TOTP."""
    response = client.post("/comptes/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/comptes/login/", "Connexion"),
        ("/comptes/password/reset/", "Mot de passe oublié"),
        ("/comptes/password/reset/done/", "Réinitialisation"),
        ("/comptes/password/reset/key/1-bad-key/", "Mauvais jeton"),
        ("/comptes/confirm-email/", "Vérifiez votre adresse"),
        ("/comptes/confirm-email/bad-key/", "Confirmer l"),
        ("/comptes/signup/", "Inscriptions fermées"),
    ],
)
def test_entrance_pages_are_dsfr_and_french(db, url, expected):
    response = Client().get(url, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body, body
    assert_accessible_page(body)
    assert "Sign In" not in body and "Password" not in body


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/comptes/logout/", "Se déconnecter"),
        ("/comptes/2fa/", "Authentification à deux facteurs"),
        ("/comptes/2fa/totp/activate/", "Activer l’application d’authentification"),
        ("/comptes/password/change/", "Modifier le mot de passe"),
        ("/comptes/reauthenticate/", "Confirmer"),
        ("/comptes/email/", "Adresses e-mail"),
        ("/comptes/2fa/recovery-codes/generate/", "Codes de récupération"),
    ],
)
def test_manage_pages_are_dsfr_and_french(worlds, url, expected):
    poitiers, _ = worlds
    client = reauthenticated(signed_in(poitiers.principal))
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body, body
    assert_accessible_page(body)


def test_login_error_renders_dsfr_alert(db):
    response = Client().post("/comptes/login/", {"login": "", "password": ""})
    body = response.content.decode()
    assert "fr-input-group--error" in body
    assert "fr-error-text" in body
    assert 'role="alert"' in body
    assert_accessible_page(body)


def test_mfa_required_page_explains_why(worlds):
    poitiers, _ = worlds
    client = reauthenticated(signed_in(poitiers.principal))
    body = client.get("/comptes/2fa/totp/activate/?obligatoire=1").content.decode()
    assert "Double authentification obligatoire" in body
    assert "?obligatoire=1" in body  # kept when the form is posted
    assert_accessible_page(body)


def test_forced_login_pages_still_work(worlds):
    poitiers, _ = worlds
    response = client_acting_as(poitiers.dane_admin).get("/comptes/2fa/")
    assert response.status_code == 200


def test_unverified_address_gets_a_verification_email_and_confirms_it(db):
    from allauth.account.models import EmailAddress
    from django.core import mail

    from accounts.models import User

    # A person created in the Django admin has no verified address yet.
    user = User.objects.create_user(email="sans.verification@test.fr", password=PASSWORD)
    client = Client()
    response = client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    sent = client.get(response["Location"])
    body = sent.content.decode()
    assert "Vérifiez votre adresse" in body
    assert_accessible_page(body)
    link = next(
        word
        for message in mail.outbox
        for word in message.body.split()
        if "/comptes/confirm-email/" in word
    )
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert_accessible_page(confirm.content.decode())
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_password_reset_form_from_the_emailed_key_is_dsfr(worlds):
    from django.core import mail

    poitiers, _ = worlds
    Client().post("/comptes/password/reset/", {"email": poitiers.rupn.user.email})
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/key/" in word)
    page = Client().get(link, follow=True)
    body = page.content.decode()
    assert "Modifier le mot de passe" in body
    assert_accessible_page(body)
