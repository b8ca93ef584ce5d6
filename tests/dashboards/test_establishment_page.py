"""The establishment page: people by role, IMP envelope and allocations, pupil counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.scopes import scope_for
from accounts.services import membership_grant
from establishments.models import PupilCount, SchoolYear
from indemnities.services.allocations import allocation_set
from indemnities.services.envelopes import envelope_override_set
from tests.conftest import client_acting_as
from tests.factories import AcademieWorld, make_user, platform_of
from tests.indemnities.allocations.conftest import add_referent, make_rules

pytestmark = pytest.mark.django_db


def _page_url(world: AcademieWorld, establishment=None) -> str:  # type: ignore[no-untyped-def]
    return reverse("dashboards:establishment", args=[(establishment or world.establishment).pk])


@pytest.fixture
def funded(worlds: tuple[AcademieWorld, AcademieWorld]) -> AcademieWorld:
    """Poitiers' collège (300 pupils: 2 500 €) with two referents paid 1 250 € and 625 €."""
    poitiers, _ = worlds
    make_rules(poitiers.academie)
    colleague = add_referent(
        poitiers.establishment, "benali@test.fr", first_name="Nadia", last_name="Benali"
    )
    poitiers.members["colleague"] = colleague
    allocation_set(
        establishment=poitiers.establishment,
        school_year=SchoolYear.objects.current(),
        amounts={poitiers.rupn: Decimal("1250.00"), colleague: Decimal("625.00")},
        actor=scope_for(poitiers.principal),
    )
    return poitiers


def test_dane_admin_sees_people_envelope_allocations_and_pupils(funded: AcademieWorld) -> None:
    response = client_acting_as(funded.dane_admin).get(_page_url(funded))
    assert response.status_code == 200
    body = response.content.decode()
    for user in (funded.principal.user, funded.deputy.user, funded.rupn.user):
        assert user.get_full_name() in body
    assert "Nadia Benali" in body
    assert "2\u202f500,00\u00a0€" in body  # the envelope
    assert "1\u202f250,00\u00a0€" in body and "625,00\u00a0€" in body
    assert "<tfoot>" in body and "1\u202f875,00\u00a0€" in body  # the total, inside the table
    assert "300" in body  # pupils of the year


def test_rupn_sees_their_own_amount_only(funded: AcademieWorld) -> None:
    body = client_acting_as(funded.rupn).get(_page_url(funded)).content.decode()
    assert "1\u202f250,00\u00a0€" in body  # their own
    assert "625,00" not in body  # a colleague's amount
    assert "2\u202f500,00" not in body  # the envelope
    assert "1\u202f875,00" not in body  # the total would give the colleague's away
    assert "Nadia Benali" in body  # colleagues' names are not secret


def test_colleague_rupn_sees_their_own_amount(funded: AcademieWorld) -> None:
    body = client_acting_as(funded.members["colleague"]).get(_page_url(funded)).content.decode()
    assert "625,00\u00a0€" in body
    assert "1\u202f250,00" not in body


@pytest.mark.parametrize("role", ["principal", "deputy", "rupn", "dane_coordinator"])
def test_scoped_roles_reach_their_establishment_and_nothing_else(
    funded: AcademieWorld, role: str
) -> None:
    client = client_acting_as(funded.members[role])
    assert client.get(_page_url(funded)).status_code == 200
    assert client.get(_page_url(funded, funded.other_establishment)).status_code == 404


def test_principal_may_allocate_from_the_page(funded: AcademieWorld) -> None:
    body = client_acting_as(funded.principal).get(_page_url(funded)).content.decode()
    year = SchoolYear.objects.current()
    assert (
        reverse(
            "indemnities:allocation_edit",
            kwargs={"establishment_pk": funded.establishment.pk, "start_year": year.start_year},
        )
        in body
    )


def test_other_academie_gets_404(worlds: tuple[AcademieWorld, AcademieWorld]) -> None:
    poitiers, bordeaux = worlds
    assert client_acting_as(bordeaux.dane_admin).get(_page_url(poitiers)).status_code == 404


def test_previous_year_shows_its_own_referents(funded: AcademieWorld) -> None:
    current = SchoolYear.objects.current()
    previous, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    body = (
        client_acting_as(funded.dane_admin)
        .get(_page_url(funded), {"annee": previous.start_year})
        .content.decode()
    )
    assert "Nadia Benali" not in body
    assert f"Aucun RUPN désigné pour {previous}" in body


def _grow(world: AcademieWorld, size: int) -> None:
    """`size` more referents with an allocation, deputies and years of pupil counts."""
    current = SchoolYear.objects.current()
    establishment = world.establishment
    envelope_override_set(
        establishment=establishment,
        school_year=current,
        amount=Decimal("50000.00"),
        justification="Établissement agrandi pour le test",
        actor=scope_for(world.dane_admin),
    )
    referents = [
        add_referent(establishment, f"grow{size}.{i}@test.fr", last_name=f"Référent {i}")
        for i in range(size)
    ]
    allocation_set(
        establishment=establishment,
        school_year=current,
        amounts=dict.fromkeys(referents, Decimal("312.50")),
        actor=scope_for(world.principal),
    )
    for i in range(size):
        membership_grant(
            academie=world.academie,
            user=make_user(f"deputy{size}.{i}@test.fr"),
            role=Role.DEPUTY,
            actor=platform_of(world.academie),
            establishments=[establishment],
        )
        year, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 10 - size - i)
        PupilCount.objects.create(
            academie=world.academie, establishment=establishment, school_year=year, pupils=100 + i
        )


def _query_count(world: AcademieWorld) -> int:
    client = client_acting_as(world.dane_admin)
    client.get(_page_url(world))  # session and caches warmed up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_page_url(world)).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_people_and_years(funded: AcademieWorld) -> None:
    small = _query_count(funded)
    _grow(funded, 3)
    assert _query_count(funded) == small
    _grow(funded, 6)
    assert _query_count(funded) == small
