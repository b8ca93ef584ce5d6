"""Invitation links: email, acceptance by a new or an existing person, single use, expiry."""

from __future__ import annotations

import datetime
import re

from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.acting import SESSION_KEY
from accounts.models import Invitation, Membership, Role, User
from accounts.scopes import scope_for
from accounts.services import invitation_cancel, invitation_create
from tests.conftest import client_acting_as
from tests.factories import PASSWORD

NEW_PASSWORD = "Un-mot-de-passe-solide-2025"
INVALID = "Ce lien d’invitation n’est pas valide"


def invite(world, django_capture_on_commit_callbacks, *, email="nouveau.chef@test.fr", **kw):
    kw.setdefault("role", Role.PRINCIPAL)
    if kw["role"] in (Role.PRINCIPAL, Role.DEPUTY, Role.RUPN):
        kw.setdefault("establishments", [world.establishment])
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(
            academie=world.academie,
            email=email,
            first_name="Alex",
            last_name="Durand",
            actor=scope_for(world.dane_admin),
            base_url="http://testserver/",
            **kw,
        )
    return invitation, token


def link_in(message) -> str:
    match = re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_invitation_email_contains_the_link(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    invitation, token = invite(poitiers, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouveau.chef@test.fr"]
    assert link_in(message) == f"/invitation/{token}/"
    assert "Chef d’établissement" in message.body
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None
    assert invitation.email_error == ""
    # Only a hash of the token is stored.
    assert token not in invitation.token_hash


def test_visitor_sees_who_invites_to_what(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    _, token = invite(poitiers, django_capture_on_commit_callbacks)
    response = Client().get(f"/invitation/{token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Camille Martin vous invite" in body  # the DANE admin's name
    assert "Chef d’établissement" in body
    assert "l’académie de Poitiers" in body
    assert poitiers.establishment.name in body
    assert 'for="id_password1"' in body and 'for="id_password2"' in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_accept_as_new_user(worlds, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    poitiers, _ = worlds
    invitation, token = invite(poitiers, django_capture_on_commit_callbacks)
    client = Client()
    response = client.post(
        f"/invitation/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="nouveau.chef@test.fr")
    assert user.check_password(NEW_PASSWORD)
    assert (user.first_name, user.last_name) == ("Alex", "Durand")
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.PRINCIPAL
    assert list(membership.establishments.all()) == [poitiers.establishment]
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session[SESSION_KEY] == membership.pk
    home = client.get("/")
    assert home.templates[0].name == "dashboards/home_principal.html"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.membership == membership
    # The new password works for later sign-ins.
    assert Client().login(email=user.email, password=NEW_PASSWORD)


def test_link_is_single_use(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    _, token = invite(poitiers, django_capture_on_commit_callbacks)
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert Client().post(f"/invitation/{token}/", data).status_code == 302
    for response in (
        Client().get(f"/invitation/{token}/"),
        Client().post(f"/invitation/{token}/", data),
    ):
        assert response.status_code == 404
        assert INVALID in response.content.decode()
    assert Membership.objects.filter(user__email="nouveau.chef@test.fr").count() == 1


def test_expired_link_is_refused(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    invitation, token = invite(poitiers, django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = Client().post(
        f"/invitation/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert INVALID in response.content.decode()
    assert not User.objects.filter(email="nouveau.chef@test.fr").exists()


def test_cancelled_link_is_refused(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    invitation, token = invite(poitiers, django_capture_on_commit_callbacks)
    invitation_cancel(invitation=invitation, actor=scope_for(poitiers.dane_admin))
    response = Client().get(f"/invitation/{token}/")
    assert response.status_code == 404
    assert INVALID in response.content.decode()


def test_unknown_token_gives_the_same_answer(db):
    response = Client().get("/invitation/nimporte-quoi/")
    assert response.status_code == 404
    assert INVALID in response.content.decode()


def test_passwords_must_match_and_pass_validators(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    _, token = invite(poitiers, django_capture_on_commit_callbacks)
    mismatch = Client().post(
        f"/invitation/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 400
    body = mismatch.content.decode()
    assert "Les deux mots de passe ne sont pas identiques." in body
    assert "fr-input-group--error" in body and "fr-error-text" in body
    weak = Client().post(f"/invitation/{token}/", {"password1": "12345", "password2": "12345"})
    assert weak.status_code == 400
    assert "trop court" in weak.content.decode()
    assert not User.objects.filter(email="nouveau.chef@test.fr").exists()


def test_signed_in_person_accepts_with_one_button(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    # The principal is also invited as RUPN of the other establishment.
    principal = poitiers.principal
    invitation, token = invite(
        poitiers,
        django_capture_on_commit_callbacks,
        email=principal.user.email,
        role=Role.RUPN,
        establishments=[poitiers.other_establishment],
        school_year=poitiers.rupn.school_year,
    )
    client = client_acting_as(principal)
    page = client.get(f"/invitation/{token}/")
    assert page.status_code == 200
    assert "Accepter l’invitation" in page.content.decode()
    assert "id_password1" not in page.content.decode()
    response = client.post(f"/invitation/{token}/")
    assert response.status_code == 302
    new = Membership.objects.get(user=principal.user, role=Role.RUPN)
    assert client.session[SESSION_KEY] == new.pk
    assert client.get("/").templates[0].name == "dashboards/home_rupn.html"


def test_signed_in_with_another_address_cannot_accept(worlds, django_capture_on_commit_callbacks):
    poitiers, bordeaux = worlds
    _, token = invite(poitiers, django_capture_on_commit_callbacks)
    client = client_acting_as(bordeaux.principal)
    for response in (client.get(f"/invitation/{token}/"), client.post(f"/invitation/{token}/")):
        assert response.status_code == 403
        body = response.content.decode()
        assert poitiers.establishment.name not in body
        assert "Poitiers" not in body
    assert (
        not Membership.objects.filter(academie=poitiers.academie, role=Role.PRINCIPAL)
        .exclude(pk=poitiers.principal.pk)
        .exists()
    )


def test_existing_account_not_signed_in_is_asked_to_sign_in(
    worlds, django_capture_on_commit_callbacks
):
    poitiers, _ = worlds
    email = poitiers.rupn.user.email
    _, token = invite(poitiers, django_capture_on_commit_callbacks, email=email)
    client = Client()
    page = client.get(f"/invitation/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Un compte existe déjà" in body
    assert f"/comptes/login/?next=%2Finvitation%2F{token}%2F" in body
    # A POST with a password does not take over the existing account.
    client.post(f"/invitation/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not Membership.objects.filter(user__email=email, role=Role.PRINCIPAL).exists()
    # Signing in sends back to the invitation, which is then accepted with one button.
    response = client.post(
        f"/comptes/login/?next=/invitation/{token}/", {"login": email, "password": PASSWORD}
    )
    assert response["Location"] == f"/invitation/{token}/"
    assert client.post(f"/invitation/{token}/").status_code == 302
    assert Membership.objects.filter(user__email=email, role=Role.PRINCIPAL).exists()


def test_invited_dane_admin_sets_up_mfa_without_retyping_the_password(
    worlds, django_capture_on_commit_callbacks
):
    poitiers, _ = worlds
    poitiers.academie.mfa_required_for_dane = True
    poitiers.academie.save(update_fields=["mfa_required_for_dane"])
    _, token = invite(
        poitiers, django_capture_on_commit_callbacks, email="dan@test.fr", role=Role.DANE_ADMIN
    )
    client = Client()
    client.post(f"/invitation/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    home = client.get("/")
    assert home["Location"] == "/comptes/2fa/totp/activate/?obligatoire=1"
    assert client.get(home["Location"]).status_code == 200
