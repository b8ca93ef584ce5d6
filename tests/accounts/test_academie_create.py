"""A platform administrator creates an académie of the national list and invites its DANE admin."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Role, User
from accounts.services_academies import (
    AcademieAlreadyExists,
    UnknownAcademie,
    academie_create,
)
from establishments.models import Academie


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(email="plateforme@test.fr", password="x-admin-pass-2025")


def test_creates_the_academie_its_departements_and_the_invitation(
    worlds, superuser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        academie = academie_create(
            code="14", admin_email=" DANE@ac-rennes.fr ", by=superuser, base_url="http://x/"
        )
    assert academie.name == "Rennes"
    assert academie.slug == "rennes"
    assert academie.region_academique == "Bretagne"
    assert str(academie) == "Académie de Rennes"
    assert sorted(academie.departements.values_list("code", flat=True)) == [
        "22",
        "29",
        "35",
        "56",
    ]
    invitation = Invitation.objects.get(academie=academie)
    assert invitation.email == "dane@ac-rennes.fr"
    assert invitation.role == Role.DANE_ADMIN
    assert invitation.invited_by == superuser
    assert [m.to for m in mail.outbox] == [["dane@ac-rennes.fr"]]
    assert "http://x/invitation/" in mail.outbox[0].body


def test_corsica_gets_2a_and_2b(db, superuser):
    academie = academie_create(code="27", admin_email="d@ac-corse.fr", by=superuser, base_url="/")
    assert list(academie.departements.values_list("code", "name")) == [
        ("2A", "Corse-du-Sud"),
        ("2B", "Haute-Corse"),
    ]


def test_refuses_an_existing_academie(worlds, superuser):
    with pytest.raises(AcademieAlreadyExists, match="L’académie de Poitiers existe déjà"):
        academie_create(code="13", admin_email="a@b.fr", by=superuser, base_url="/")
    with pytest.raises(AcademieAlreadyExists):
        academie_create(code="4", admin_email="a@b.fr", by=superuser, base_url="/")


def test_refuses_an_unknown_code_listing_the_valid_ones(db, superuser):
    with pytest.raises(UnknownAcademie) as info:
        academie_create(code="99", admin_email="a@b.fr", by=superuser, base_url="/")
    assert "Code d’académie inconnu : « 99 »" in info.value.messages[0]
    assert "14 (Rennes)" in info.value.messages[0]


def test_refuses_a_bad_email_and_creates_nothing(db, superuser):
    with pytest.raises(ValidationError, match="Adresse électronique invalide"):
        academie_create(code="14", admin_email="pas-une-adresse", by=superuser, base_url="/")
    assert not Academie.objects.exists()
    assert not Invitation.objects.exists()


def test_command_creates_and_invites(worlds, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("academie_create", "14", "--admin", "dane@ac-rennes.fr")
    assert "Académie de Rennes créée (code 14, 4 département(s))" in capsys.readouterr().out
    assert Invitation.objects.get(academie__code="14").email == "dane@ac-rennes.fr"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("code", "email", "message"),
    [
        ("99", "a@b.fr", "Code d’académie inconnu : « 99 ». Codes valides : 01 (Paris)"),
        ("13", "a@b.fr", "L’académie de Poitiers existe déjà"),
        ("14", "pas-une-adresse", "Adresse électronique invalide"),
    ],
)
def test_command_errors_in_french(worlds, code, email, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("academie_create", code, "--admin", email)


def test_command_exit_code_on_error(worlds, capsys):
    with pytest.raises(SystemExit) as info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "academie_create", "99", "--admin", "a@b.fr"]).execute()
    assert info.value.code != 0
    assert "Code d’académie inconnu" in capsys.readouterr().err


def test_admin_add_page_offers_only_academies_not_created(worlds, superuser):
    client = Client()
    client.force_login(superuser)
    changelist = client.get(reverse("admin:establishments_academie_changelist")).content.decode()
    assert "Ajouter une académie" in changelist
    response = client.get(reverse("admin:establishments_academie_add"))
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["code"].choices)
    assert "14" in choices and "70" in choices
    assert "13" not in choices and "04" not in choices
    assert len(choices) == 1 + 28


def test_admin_add_creates_and_invites(worlds, superuser, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:establishments_academie_add"),
            {"code": "14", "email": "dane@ac-rennes.fr", "first_name": "", "last_name": ""},
        )
    academie = Academie.objects.get(code="14")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:establishments_academie_change", args=[academie.pk]
    )
    assert [m.to for m in mail.outbox] == [["dane@ac-rennes.fr"]]
    again = client.post(
        reverse("admin:establishments_academie_add"),
        {"code": "14", "email": "x@ac-rennes.fr"},
    )
    assert again.status_code == 200  # Rennes is no longer a choice
    assert Invitation.objects.filter(academie=academie).count() == 1
