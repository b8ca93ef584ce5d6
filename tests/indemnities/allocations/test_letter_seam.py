"""The seam the letters plug into: indemnities owns 'covered by an issued letter'."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.scopes import scope_for
from audit.models import AuditEvent
from indemnities.models import Allocation
from indemnities.selectors_certifications import (
    ALREADY_CERTIFIED,
    NEEDS_LETTER,
    certification_rights,
)
from indemnities.services.allocations import allocation_set
from indemnities.services.certifications import service_certify
from indemnities.services.letters import allocation_cover_by_letter, allocation_release_letter
from tests.factories import platform_of

from .conftest import ImpWorld

pytestmark = pytest.mark.django_db
D = Decimal


def _allocations(world: ImpWorld) -> list[Allocation]:
    return list(
        allocation_set(
            establishment=world.establishment,
            school_year=world.rules.school_year,
            amounts={r: D("625.00") for r in world.referents},
            actor=scope_for(world.world.principal),
        )
    )


def test_cover_then_release_and_running_twice_changes_nothing(imp) -> None:
    poitiers, _ = imp
    allocation = _allocations(poitiers)[0]
    actor = platform_of(allocation)
    covered = allocation_cover_by_letter(
        allocation=allocation, letter_reference="LM-1", actor=actor
    )
    first_time = covered.letter_issued_at
    assert first_time is not None and covered.letter_reference == "LM-1"
    again = allocation_cover_by_letter(allocation=allocation, letter_reference="LM-1", actor=actor)
    assert again.letter_issued_at == first_time
    assert AuditEvent.objects.filter(verb="allocation.letter_cover").count() == 1
    released = allocation_release_letter(allocation=allocation, actor=actor, reason="Avenant")
    assert released.letter_issued_at is None and released.letter_reference == ""
    assert AuditEvent.objects.get(verb="allocation.letter_release").reason == "Avenant"


def test_a_withdrawn_allocation_cannot_be_covered(imp) -> None:
    poitiers, _ = imp
    allocation = _allocations(poitiers)[0]
    allocation_set(
        establishment=poitiers.establishment,
        school_year=poitiers.rules.school_year,
        amounts={allocation.referent: D("0")},
        actor=scope_for(poitiers.world.principal),
    )
    with pytest.raises(ValidationError):
        allocation_cover_by_letter(
            allocation=allocation, letter_reference="LM-2", actor=platform_of(allocation)
        )


def test_rights_follow_the_letter_and_are_read_in_batch(imp, django_assert_max_num_queries):
    poitiers, bordeaux = imp
    allocations = _allocations(poitiers)
    principal = scope_for(poitiers.world.principal)
    rights = certification_rights(principal, allocations)
    assert {r.refusal for r in rights.values()} == {NEEDS_LETTER}
    allocation_cover_by_letter(
        allocation=allocations[0], letter_reference="LM-3", actor=platform_of(allocations[0])
    )
    refreshed = list(Allocation.objects.filter(pk__in=[a.pk for a in allocations]))
    with django_assert_max_num_queries(2):
        rights = certification_rights(principal, refreshed)
    assert [rights[a.pk].allowed for a in allocations] == [True, False, False]
    service_certify(
        allocation=allocations[0], status="full", months_done=None, comment="", actor=principal
    )
    refreshed = list(Allocation.objects.filter(pk__in=[a.pk for a in allocations]))
    assert certification_rights(principal, refreshed)[allocations[0].pk].refusal == (
        ALREADY_CERTIFIED
    )
    admin = certification_rights(scope_for(poitiers.world.dane_admin), refreshed)
    assert admin[allocations[0].pk].allowed and admin[allocations[0].pk].is_correction
    assert admin[allocations[1].pk].allowed and not admin[allocations[1].pk].is_correction
    # Another académie's DANE, the coordinator and a referent certify nothing.
    for scope in (
        scope_for(bordeaux.world.dane_admin),
        scope_for(poitiers.world.coordinator),
        scope_for(poitiers.world.rupn),
    ):
        assert not any(r.allowed for r in certification_rights(scope, refreshed).values())


def test_the_service_fait_page_lets_the_principal_certify_once_covered(imp, acting_client) -> None:
    poitiers, _ = imp
    allocation = _allocations(poitiers)[0]
    year = poitiers.rules.school_year.start_year
    url = f"/indemnites/service-fait/{poitiers.establishment.pk}/{year}/"
    client = acting_client(poitiers.world.principal)
    assert "Certifier</button>" not in client.get(url).content.decode()
    allocation_cover_by_letter(
        allocation=allocation, letter_reference="LM-4", actor=platform_of(allocation)
    )
    assert "Certifier</button>" in client.get(url).content.decode()
