from decimal import Decimal

import pytest

from accounts.scopes import scope_for
from establishments.models import SchoolYear
from indemnities.models import ServiceStatus
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from tests.conftest import client_acting_as
from tests.indemnities.allocations.conftest import add_referent, make_rules

pytestmark = pytest.mark.django_db


def test_referent_home_shows_their_own_imp_only(worlds):
    poitiers, bordeaux = worlds
    make_rules(poitiers.academie)
    year = SchoolYear.objects.current()
    colleague = add_referent(poitiers.establishment, "collegue@test.fr", last_name="Collègue")
    client = client_acting_as(poitiers.rupn)
    assert "Aucune indemnité ne vous est encore attribuée" in client.get("/").content.decode()

    allocation_set(
        establishment=poitiers.establishment,
        school_year=year,
        amounts={poitiers.rupn: Decimal("1250.00"), colleague: Decimal("625.00")},
        actor=scope_for(poitiers.principal),
    )
    body = client.get("/").content.decode()
    assert "1\u202f250,00\u00a0€" in body
    assert "625,00" not in body
    assert "service fait pas encore certifié" in body

    allocation = poitiers.rupn.imp_allocations.get()
    service_certify(
        allocation=allocation,
        status=ServiceStatus.PARTIAL,
        months_done=3,
        comment="Arrivé en cours d’année.",
        actor=scope_for(poitiers.dane_admin),
    )
    assert "416,67" in client.get("/").content.decode()
    # Other roles' homes carry no referent block.
    assert "Mon indemnité" not in client_acting_as(poitiers.principal).get("/").content.decode()
    other_academie = client_acting_as(bordeaux.rupn).get("/").content.decode()
    assert "Aucune indemnité ne vous est encore attribuée" in other_academie
    assert "1\u202f250,00" not in other_academie
