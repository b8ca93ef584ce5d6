"""Members management by a DANE administrator: list, invite, revoke, cancel; nothing elsewhere."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Invitation, Membership, Role
from accounts.scopes import scope_for
from accounts.services import invitation_create
from establishments.models import SchoolYear
from tests.conftest import client_acting_as
from tests.factories import platform_of

INVITE = "/membres/inviter/"


def form_data(**overrides):
    data = {
        "email": "Nouveau.Chef@Test.fr",
        "first_name": "Alex",
        "last_name": "Durand",
        "role": Role.PRINCIPAL.value,
        "establishments": [],
        "departements": [],
        "school_year": SchoolYear.objects.current().pk,
    }
    data.update(overrides)
    return data


def pending_invitation(world, email="invite@test.fr"):
    invitation, _ = invitation_create(
        academie=world.academie,
        email=email,
        role=Role.DEPUTY,
        actor=scope_for(world.dane_admin),
        establishments=[world.establishment],
        base_url="http://testserver/",
    )
    return invitation


# --- List ---------------------------------------------------------------------------------


def test_list_shows_own_academie_members_and_invitations(worlds):
    poitiers, bordeaux = worlds
    pending_invitation(poitiers)
    pending_invitation(bordeaux, email="autre@test.fr")
    response = client_acting_as(poitiers.dane_admin).get("/membres/")
    assert response.status_code == 200
    body = response.content.decode()
    for membership in poitiers.members.values():
        assert membership.user.email in body
    assert "invite@test.fr" in body
    for membership in bordeaux.members.values():
        assert membership.user.email not in body
    assert "autre@test.fr" not in body
    assert "<caption>" in body


def test_list_filters_by_role(worlds):
    poitiers, _ = worlds
    response = client_acting_as(poitiers.dane_admin).get("/membres/", {"role": "rupn"})
    body = response.content.decode()
    assert poitiers.rupn.user.email in body
    assert poitiers.principal.user.email not in body


def test_list_shows_email_status(worlds):
    poitiers, _ = worlds
    sent = pending_invitation(poitiers, email="envoye@test.fr")
    failed = pending_invitation(poitiers, email="echec@test.fr")
    Invitation.objects.filter(pk=sent.pk).update(email_sent_at=sent.created_at)
    Invitation.objects.filter(pk=failed.pk).update(email_error="Envoi impossible : refusé")
    body = client_acting_as(poitiers.dane_admin).get("/membres/").content.decode()
    assert "Envoyé" in body
    assert "Échec de l’envoi" in body and "Envoi impossible : refusé" in body


def test_list_query_count_does_not_grow_with_members(worlds, django_assert_max_num_queries):
    poitiers, _ = worlds
    for i in range(5):
        pending_invitation(poitiers, email=f"invite{i}@test.fr")
    client = client_acting_as(poitiers.dane_admin)
    with django_assert_max_num_queries(20):
        assert client.get("/membres/").status_code == 200


@pytest.mark.parametrize("role", ["dane_coordinator", "principal", "deputy", "rupn"])
def test_other_roles_are_forbidden(worlds, role):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.members[role])
    assert client.get("/membres/").status_code == 403
    assert (
        client.post(INVITE, form_data(establishments=[poitiers.establishment.pk])).status_code
        == 403
    )
    assert client.post(f"/membres/{poitiers.rupn.pk}/revoquer/").status_code == 403
    assert not Invitation.objects.exists()
    assert Membership.objects.get(pk=poitiers.rupn.pk).revoked_at is None


def test_visitor_is_sent_to_login(db):
    response = Client().get("/membres/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


# --- Invite -------------------------------------------------------------------------------


def test_invite_principal(worlds, django_capture_on_commit_callbacks):
    poitiers, bordeaux = worlds
    client = client_acting_as(poitiers.dane_admin)
    form = client.get(INVITE)
    body = form.content.decode()
    assert poitiers.establishment.name in body
    assert bordeaux.establishment.name not in body
    assert "Gironde" not in body  # Bordeaux's départements are not offered
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            INVITE,
            form_data(establishments=[poitiers.establishment.pk]),
            SERVER_NAME="localhost",
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "nouveau.chef@test.fr"
    assert invitation.academie == poitiers.academie
    assert invitation.invited_by == poitiers.dane_admin.user
    assert list(invitation.establishments.all()) == [poitiers.establishment]
    assert len(mail.outbox) == 1
    assert "http://localhost/invitation/" in mail.outbox[0].body


def test_invite_principal_for_another_academie_establishment_is_refused(worlds):
    poitiers, bordeaux = worlds
    response = client_acting_as(poitiers.dane_admin).post(
        INVITE, form_data(establishments=[bordeaux.establishment.pk])
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sélectionnez un choix valide" in body
    assert "fr-error-text" in body
    assert bordeaux.establishment.name not in body
    assert not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def test_invite_coordinator_with_another_academie_departement_is_refused(worlds):
    poitiers, bordeaux = worlds
    response = client_acting_as(poitiers.dane_admin).post(
        INVITE,
        form_data(role="dane_coordinator", departements=[bordeaux.establishment.departement_id]),
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"role": "principal"}, "establishments", "Choisissez au moins un établissement."),
        ({"role": "deputy"}, "establishments", "Choisissez au moins un établissement."),
        ({"role": "dane_coordinator"}, "departements", "Choisissez au moins un département"),
        ({"role": "rupn"}, "establishments", "Un référent est rattaché à un seul établissement."),
        ({"role": "rupn", "school_year": ""}, "school_year", "Choisissez l’année scolaire"),
        ({"role": ""}, "role", "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse de courriel valide."),
    ],
)
def test_invite_errors_per_role_are_french_and_on_the_field(worlds, overrides, field, message):
    poitiers, _ = worlds
    if overrides.get("school_year") == "":
        overrides["establishments"] = [poitiers.establishment.pk]
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(INVITE, form_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_each_role(worlds, django_capture_on_commit_callbacks):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    departement = poitiers.establishment.departement_id
    cases = {
        "dane_admin": {},
        "dane_coordinator": {"departements": [departement]},
        "principal": {"establishments": [poitiers.establishment.pk]},
        "deputy": {"establishments": [poitiers.establishment.pk, poitiers.other_establishment.pk]},
        "rupn": {"establishments": [poitiers.establishment.pk]},
    }
    for role, scope in cases.items():
        response = client.post(INVITE, form_data(email=f"{role}@test.fr", role=role, **scope))
        assert response.status_code == 302, (
            role,
            response.context and response.context["form"].errors,
        )
    rupn = Invitation.objects.get(role="rupn")
    assert rupn.school_year == SchoolYear.objects.current()
    # A DANE admin's invitation keeps no establishment even if the form sent one.
    assert not Invitation.objects.get(role="dane_admin").establishments.exists()


def test_a_second_pending_invitation_to_the_same_role_is_refused(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    data = form_data(establishments=[poitiers.establishment.pk])
    assert client.post(INVITE, data).status_code == 302
    response = client.post(INVITE, data)
    assert response.status_code == 400
    assert "déjà en attente" in response.content.decode()
    assert Invitation.objects.count() == 1


# --- Revoke -------------------------------------------------------------------------------


def test_revoke_asks_for_confirmation_then_revokes(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    url = f"/membres/{poitiers.rupn.pk}/revoquer/"
    page = client.get(url)
    assert page.status_code == 200
    assert poitiers.rupn.user.email in page.content.decode()
    assert Membership.objects.get(pk=poitiers.rupn.pk).revoked_at is None
    response = client.post(url)
    assert response.status_code == 302
    revoked = Membership.objects.get(pk=poitiers.rupn.pk)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == poitiers.dane_admin.user
    # The RUPN loses the role at once.
    assert (
        client_acting_as(poitiers.rupn).get("/").templates[0].name == "dashboards/home_no_role.html"
    )


def test_revoke_membership_of_another_academie_is_404(worlds):
    poitiers, bordeaux = worlds
    client = client_acting_as(poitiers.dane_admin)
    for url in (f"/membres/{bordeaux.rupn.pk}/revoquer/", "/membres/999999/revoquer/"):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Membership.objects.get(pk=bordeaux.rupn.pk).revoked_at is None


def test_admin_cannot_revoke_own_last_dane_admin_membership(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(f"/membres/{poitiers.dane_admin.pk}/revoquer/")
    assert response.status_code == 400
    assert "dernier administrateur DANE" in response.content.decode()
    assert Membership.objects.get(pk=poitiers.dane_admin.pk).revoked_at is None


def test_admin_may_revoke_own_membership_when_another_admin_remains(worlds):
    from accounts.services import membership_grant
    from tests.factories import make_user

    poitiers, _ = worlds
    membership_grant(
        academie=poitiers.academie,
        user=make_user("second.admin@test.fr"),
        role=Role.DANE_ADMIN,
        actor=platform_of(poitiers.academie),
    )
    client = client_acting_as(poitiers.dane_admin)
    response = client.post(f"/membres/{poitiers.dane_admin.pk}/revoquer/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Membership.objects.get(pk=poitiers.dane_admin.pk).revoked_at is not None


# --- Cancel invitation --------------------------------------------------------------------


def test_cancel_invitation(worlds):
    poitiers, _ = worlds
    invitation = pending_invitation(poitiers)
    client = client_acting_as(poitiers.dane_admin)
    url = f"/membres/invitations/{invitation.pk}/annuler/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    assert client.get("/membres/").context["invitations"] == []


def test_cancel_invitation_of_another_academie_is_404(worlds):
    poitiers, bordeaux = worlds
    invitation = pending_invitation(bordeaux)
    response = client_acting_as(poitiers.dane_admin).post(
        f"/membres/invitations/{invitation.pk}/annuler/"
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None


def test_invite_shows_every_error_at_once(worlds):
    poitiers, _ = worlds
    response = client_acting_as(poitiers.dane_admin).post(
        INVITE, form_data(email="pas-une-adresse", role="rupn")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "email" in errors and "establishments" in errors


def test_inviting_someone_to_a_role_they_hold_is_refused(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    same = client.post(
        INVITE,
        form_data(email=poitiers.principal.user.email, establishments=[poitiers.establishment.pk]),
    )
    assert same.status_code == 400
    assert "a déjà ce rôle" in same.content.decode()
    # The same role for another establishment is a new scope: accepted.
    other = client.post(
        INVITE,
        form_data(
            email=poitiers.principal.user.email,
            establishments=[poitiers.other_establishment.pk],
        ),
    )
    assert other.status_code == 302
    again_admin = client.post(
        INVITE, form_data(email=poitiers.dane_admin.user.email, role="dane_admin")
    )
    assert again_admin.status_code == 400
