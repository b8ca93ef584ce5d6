"""Two-factor authentication (TOTP) required of DANE staff when their académie says so."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client

from accounts.models import Role
from tests.accounts.test_allauth_pages import reauthenticated, signed_in
from tests.conftest import client_acting_as
from tests.factories import PASSWORD

ACTIVATE = "/comptes/2fa/totp/activate/?obligatoire=1"
APP_PAGES = ["/", "/etablissements/", "/membres/", "/roles/"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def secret_on(page_body: str) -> str:
    match = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page_body) or re.search(
        r'value="([A-Z2-7]+)"[^>]*id="authenticator_secret"', page_body
    )
    assert match, page_body
    return match.group(1)


@pytest.fixture
def poitiers_requires_mfa(worlds):
    poitiers, bordeaux = worlds
    poitiers.academie.mfa_required_for_dane = True
    poitiers.academie.save(update_fields=["mfa_required_for_dane"])
    return poitiers, bordeaux


@pytest.mark.parametrize("role", ["dane_admin", "dane_coordinator"])
def test_dane_staff_is_sent_to_totp_activation_on_every_page(poitiers_requires_mfa, role):
    poitiers, _ = poitiers_requires_mfa
    client = client_acting_as(poitiers.members[role])
    for url in APP_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == ACTIVATE
    # Setting it up and signing out stay reachable.
    assert client.get("/comptes/2fa/").status_code == 200


def test_other_roles_and_other_academies_are_not_concerned(poitiers_requires_mfa):
    poitiers, bordeaux = poitiers_requires_mfa
    assert client_acting_as(poitiers.principal).get("/").status_code == 200
    assert client_acting_as(poitiers.rupn).get("/").status_code == 200
    # Bordeaux's flag is off (as in the demo).
    assert client_acting_as(bordeaux.dane_admin).get("/").status_code == 200


def test_activating_totp_then_reaching_home_and_signing_in_with_a_code(poitiers_requires_mfa):
    poitiers, _ = poitiers_requires_mfa
    user = poitiers.dane_admin.user
    client = signed_in(poitiers.dane_admin)
    assert client.get("/")["Location"] == ACTIVATE
    # allauth asks for the password again before a security change.
    assert client.get(ACTIVATE)["Location"].startswith("/comptes/reauthenticate/")
    reauthenticated(client)
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Double authentification obligatoire" in body
    secret = secret_on(body)

    wrong = client.post(ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "fr-error-text" in wrong.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()

    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Recovery codes were generated with it and are shown once.
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    home = client.get("/")
    assert home.status_code == 200
    assert home.templates[0].name == "dashboards/home_dane_admin.html"

    # Next sign-in: password, then the authenticator code.
    client.post("/comptes/logout/")
    cache.clear()  # allauth refuses a code used twice; this test reuses the current one
    fresh = Client()
    first = fresh.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    assert first["Location"] == "/comptes/2fa/authenticate/"
    challenge = fresh.get("/comptes/2fa/authenticate/")
    assert challenge.status_code == 200
    assert "Authentification à deux facteurs" in challenge.content.decode()
    done = fresh.post("/comptes/2fa/authenticate/", {"code": totp_code(secret)})
    assert done.status_code == 302
    assert fresh.get("/").status_code == 200


def test_not_required_when_the_academie_does_not_ask(worlds):
    poitiers, _ = worlds
    assert poitiers.academie.mfa_required_for_dane is False
    for role in (Role.DANE_ADMIN, Role.DANE_COORDINATOR):
        client = client_acting_as(poitiers.members[role.value])
        for url in APP_PAGES[:2]:
            assert client.get(url).status_code == 200


def test_everyone_may_activate_totp(worlds):
    poitiers, _ = worlds
    client = reauthenticated(signed_in(poitiers.rupn))
    page = client.get("/comptes/2fa/totp/activate/")
    assert page.status_code == 200
    assert "Double authentification obligatoire" not in page.content.decode()
    secret = secret_on(page.content.decode())
    assert (
        client.post("/comptes/2fa/totp/activate/", {"code": totp_code(secret)}).status_code == 302
    )
    assert Authenticator.objects.filter(user=poitiers.rupn.user).exists()


def test_password_confirmation_page_says_why_when_mfa_is_required(poitiers_requires_mfa):
    poitiers, _ = poitiers_requires_mfa
    client = signed_in(poitiers.dane_admin)
    reauth = client.get(client.get(ACTIVATE)["Location"])
    assert reauth.status_code == 200
    assert "Votre académie exige la double authentification" in reauth.content.decode()
