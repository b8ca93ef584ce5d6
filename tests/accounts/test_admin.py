"""The Django admin of platform administrators: every model opens, DANE admins are invited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, Role, User
from establishments.models import Academie, PupilCount


@pytest.fixture
def platform_admin(worlds) -> Client:
    user = User.objects.create_superuser(email="plateforme@test.fr", password="x-admin-pass-2025")
    client = Client()
    client.force_login(user)
    return client


MODELS = [
    "accounts_user",
    "accounts_membership",
    "accounts_invitation",
    "establishments_academie",
    "establishments_departement",
    "establishments_establishment",
    "establishments_pupilcount",
    "establishments_schoolyear",
    "establishments_establishmentimport",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_change_pages_open(platform_admin, worlds, model):
    poitiers, _ = worlds
    response = platform_admin.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200
    objects = {
        "accounts_user": poitiers.principal.user,
        "accounts_membership": poitiers.principal,
        "establishments_academie": poitiers.academie,
        "establishments_establishment": poitiers.establishment,
        "establishments_pupilcount": PupilCount.objects.first(),
    }
    if model in objects:
        obj = objects[model]
        assert (
            platform_admin.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200
        )


def test_user_add_with_email_only(platform_admin):
    response = platform_admin.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nouvelle.Personne@Test.fr",
            "first_name": "Nina",
            "last_name": "Leroy",
            "usable_password": "false",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="nouvelle.personne@test.fr")
    assert not user.has_usable_password()


def test_invite_dane_admin_from_the_academie(
    platform_admin, worlds, django_capture_on_commit_callbacks
):
    poitiers, _ = worlds
    url = reverse("admin:establishments_academie_invite_dane_admin", args=[poitiers.academie.pk])
    page = platform_admin.get(url)
    assert page.status_code == 200
    assert "Inviter un administrateur DANE" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_admin.post(url, {"email": "dan@ac-poitiers.fr", "first_name": "Dan"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="dan@ac-poitiers.fr")
    assert invitation.role == Role.DANE_ADMIN
    assert invitation.academie == poitiers.academie
    assert len(mail.outbox) == 1
    assert "/invitation/" in mail.outbox[0].body


def test_invite_action_needs_exactly_one_academie(platform_admin, worlds):
    changelist = reverse("admin:establishments_academie_changelist")
    both = platform_admin.post(
        changelist,
        {
            "action": "invite_dane_admin",
            "_selected_action": list(Academie.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert "Choisissez une seule académie" in both.content.decode()
    poitiers, _ = worlds
    one = platform_admin.post(
        changelist,
        {"action": "invite_dane_admin", "_selected_action": [poitiers.academie.pk]},
    )
    assert one["Location"].endswith(f"/{poitiers.academie.pk}/inviter-dane/")


def test_membership_add_checks_the_scope(platform_admin, worlds):
    poitiers, bordeaux = worlds
    add = reverse("admin:accounts_membership_add")
    refused = platform_admin.post(
        add,
        {
            "user": poitiers.rupn.user.pk,
            "academie": poitiers.academie.pk,
            "role": Role.PRINCIPAL,
            "establishments": [bordeaux.establishment.pk],
        },
    )
    assert refused.status_code == 200
    assert "n’appartient pas à l’académie" in refused.content.decode()
    accepted = platform_admin.post(
        add,
        {
            "user": poitiers.rupn.user.pk,
            "academie": poitiers.academie.pk,
            "role": Role.PRINCIPAL,
            "establishments": [poitiers.other_establishment.pk],
        },
    )
    assert accepted.status_code == 302
    granted = Membership.objects.get(user=poitiers.rupn.user, role=Role.PRINCIPAL)
    assert list(granted.establishments.all()) == [poitiers.other_establishment]
    assert granted.created_by is not None
    assert granted.created_by.email == "plateforme@test.fr"


def test_membership_revoke_action(platform_admin, worlds):
    poitiers, _ = worlds
    platform_admin.post(
        reverse("admin:accounts_membership_changelist"),
        {"action": "revoke", "_selected_action": [poitiers.rupn.pk]},
    )
    poitiers.rupn.refresh_from_db()
    assert poitiers.rupn.revoked_at is not None


def test_establishment_departement_must_be_of_its_academie(platform_admin, worlds):
    poitiers, bordeaux = worlds
    establishment = poitiers.establishment
    response = platform_admin.post(
        reverse("admin:establishments_establishment_change", args=[establishment.pk]),
        {
            "academie": poitiers.academie.pk,
            "uai": establishment.uai,
            "name": establishment.name,
            "type": establishment.type,
            "sector": establishment.sector,
            "departement": bordeaux.establishment.departement_id,
            "commune": establishment.commune,
            "pupil_counts-TOTAL_FORMS": "0",
            "pupil_counts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "n’appartient pas à l’académie" in response.content.decode()


def test_invitations_are_read_only(platform_admin):
    assert platform_admin.get(reverse("admin:accounts_invitation_add")).status_code == 403
