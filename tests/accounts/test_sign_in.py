"""Signing in with email and password, failures that disclose nothing, throttling, reset."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import PASSWORD

LOGIN = "/comptes/login/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth keeps its rate-limit counters in the cache, shared across tests otherwise.
    cache.clear()
    yield
    cache.clear()


def _error_text(response) -> str:
    body = response.content.decode()
    start = body.index('role="alert"')
    return body[start : body.index("</div>", start)]


@pytest.mark.parametrize("role", ["dane_admin", "principal", "rupn"])
def test_sign_in_lands_on_the_home_of_the_role(worlds, role):
    poitiers, _ = worlds
    membership = poitiers.members[role]
    client = Client()
    response = client.post(LOGIN, {"login": membership.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert [t.name for t in home.templates][0] == f"dashboards/home_{role}.html"


def test_email_is_case_insensitive(worlds):
    poitiers, _ = worlds
    response = Client().post(
        LOGIN, {"login": poitiers.principal.user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_give_the_same_message(worlds):
    poitiers, _ = worlds
    wrong_password = Client().post(
        LOGIN, {"login": poitiers.principal.user.email, "password": "pas-le-bon-mot-de-passe"}
    )
    unknown_email = Client().post(
        LOGIN, {"login": "personne.inconnue@test.fr", "password": "pas-le-bon-mot-de-passe"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert _error_text(wrong_password) == _error_text(unknown_email)
    assert "mot de passe" in _error_text(wrong_password)


def test_repeated_failures_are_throttled(worlds):
    poitiers, _ = worlds
    client = Client()
    email = poitiers.principal.user.email
    for _ in range(5):
        response = client.post(LOGIN, {"login": email, "password": "mauvais-mot-de-passe"})
        assert "Trop de tentatives" not in response.content.decode()
    # Even the right password is refused for a while after five failures.
    response = client.post(LOGIN, {"login": email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_password_reset_does_not_disclose_unknown_emails(worlds):
    poitiers, _ = worlds
    known = Client().post(
        "/comptes/password/reset/", {"email": poitiers.principal.user.email}, follow=True
    )
    unknown = Client().post(
        "/comptes/password/reset/", {"email": "personne.inconnue@test.fr"}, follow=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.templates[0].name == unknown.templates[0].name
    # The known address gets the reset link; the unknown one a notice that no account exists,
    # sent to that mailbox only (ACCOUNT_PREVENT_ENUMERATION).
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([poitiers.principal.user.email, "personne.inconnue@test.fr"])


def test_password_reset_link_sets_a_new_password(worlds):
    poitiers, _ = worlds
    user = poitiers.principal.user
    Client().post("/comptes/password/reset/", {"email": user.email})
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/comptes/password/reset/key/" in line
    ).strip()
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new_password = "Un-nouveau-mot-de-passe-2025"
    response = client.post(action, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_sign_out(worlds):
    poitiers, _ = worlds
    client = Client()
    client.post(LOGIN, {"login": poitiers.principal.user.email, "password": PASSWORD})
    response = client.post("/comptes/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
