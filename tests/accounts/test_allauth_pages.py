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
