"""Home pages say what awaits the person in the letters' workflow, with a count and a link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from missions.models import LetterStatus
from missions.services_letters import letter_transition
from tests.conftest import client_acting_as
from tests.missions.letters import advance, draft_letter
from tests.missions.list_builders import letter_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def visa_world(poitiers, bordeaux):
    from tests.missions.letters import publish_template

    publish_template(poitiers)
    return poitiers


def test_home_pages_say_what_awaits(visa_world):
    world = visa_world
    to_sign = advance(draft_letter(world), world, until=LetterStatus.SENT)
    home = reverse("home")

    rupn = client_acting_as(world.rupn).get(home).content.decode()
    assert "1 lettre à lire et signer" in rupn
    assert reverse("missions:letter", args=[to_sign.pk]) in rupn

    to_sign = advance(to_sign, world, until=LetterStatus.REFERENT_SIGNED)
    second = letter_for(world, "deux@test.fr", until=LetterStatus.REFERENT_SIGNED)
    changes = letter_for(world, "trois@test.fr", until=LetterStatus.SENT)
    letter_transition(
        letter=changes, name="request_changes", actor=scope_for(changes.referent), comment="Non."
    )
    principal = client_acting_as(world.principal).get(home).content.decode()
    assert "2 lettres à signer" in principal
    assert "1 demande de modification" in principal
    year = SchoolYear.objects.current().start_year
    assert f"/missions/lettres/?annee={year}&amp;etat=referent_signed" in principal
    assert reverse("missions:letter", args=[changes.pk]) in principal
    deputy = client_acting_as(world.deputy).get(home).content.decode()
    assert "1 demande de modification" in deputy and "à signer" not in deputy

    advance(to_sign, world, until=LetterStatus.AWAITING_VISA)
    advance(second, world, until=LetterStatus.AWAITING_VISA)
    admin = client_acting_as(world.dane_admin).get(home).content.decode()
    assert "2 lettres en attente de votre visa" in admin
    assert f"/missions/lettres/?annee={year}&amp;etat=awaiting_visa" in admin
    assert "Stage des nouveaux RUPN" in admin

    rupn = client_acting_as(world.rupn).get(home).content.decode()
    assert "Aucune lettre de mission n’attend votre action" in rupn
    assert "Mes lettres de mission" in rupn
