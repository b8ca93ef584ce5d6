"""Account emails (password reset, address confirmation…) name the service and the real site."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from accounts.models import User

PASSWORD = "x-long-pass-2025-ok"


def test_password_reset_email_names_the_service_and_the_academie(worlds):
    poitiers, _ = worlds
    Client().post("/comptes/password/reset/", {"email": poitiers.rupn.user.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("[RUPN] ")
    body = message.body
    assert "Référents numériques (RUPN) – académie de Poitiers" in body
    assert "http://testserver/" in body
    assert "/password/reset/key/" in body
    assert "127.0.0.1" not in body
    assert "c'est" not in body and "c’est" not in body
    assert "Bonjour," in body


def test_person_without_role_gets_the_service_name_alone(worlds):
    user = User.objects.create_user(email="sans.role@test.fr", password=PASSWORD)
    Client().post("/comptes/password/reset/", {"email": user.email})
    body = mail.outbox[0].body
    assert "Référents numériques (RUPN) (http://testserver/)" in body
    assert "académie de" not in body


def test_email_confirmation_names_the_service(db):
    user = User.objects.create_user(email="confirmation.rupn@test.fr", password=PASSWORD)
    Client().post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    body = next(m.body for m in mail.outbox if "/comptes/confirm-email/" in m.body)
    assert "Référents numériques (RUPN)" in body
    assert "127.0.0.1" not in body
    assert "register an account" not in body
