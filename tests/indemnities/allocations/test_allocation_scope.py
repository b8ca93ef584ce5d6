"""Allocations through the scope: a referent's own rows, never a colleague's; no other académie."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from accounts.scopes import scope_for
from establishments.access import departements_visible_to, establishments_visible_to
from indemnities.access import allocations_visible_to, get_allocation_for
from indemnities.selectors_allocations import referent_imp_lines
from indemnities.services.allocations import allocation_set
from tests.factories import platform_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_referents_allocated(imp):
    poitiers, _ = imp
    allocation_set(
        establishment=poitiers.establishment,
        school_year=poitiers.rules.school_year,
        amounts={poitiers.world.rupn: Decimal("1250.00"), poitiers.second: Decimal("625.00")},
        actor=platform_of(poitiers.establishment),
    )
    return poitiers


def test_a_referent_selects_their_own_allocation_never_a_colleagues(two_referents_allocated):
    """The selector itself keeps a RUPN to their rows, not only the views' role checks."""
    poitiers = two_referents_allocated
    mine = scope_for(poitiers.world.rupn)
    visible = list(allocations_visible_to(mine))
    assert [a.referent_id for a in visible] == [poitiers.world.rupn.pk]
    colleague = poitiers.second.imp_allocations.get()
    with pytest.raises(Http404):
        get_allocation_for(mine, colleague.pk)
    lines = referent_imp_lines(mine)
    assert [line["allocation"].referent_id for line in lines] == [poitiers.world.rupn.pk]
    # The principal of the same school sees both.
    principal = scope_for(poitiers.world.principal)
    assert {a.referent_id for a in allocations_visible_to(principal)} == {
        poitiers.world.rupn.pk,
        poitiers.second.pk,
    }


def test_every_scope_sees_nothing_of_the_other_academie(imp, two_referents_allocated):
    poitiers, bordeaux = imp
    allocation_set(
        establishment=bordeaux.establishment,
        school_year=bordeaux.rules.school_year,
        amounts={bordeaux.world.rupn: Decimal("1250.00")},
        actor=platform_of(bordeaux.establishment),
    )
    for member in bordeaux.world.members.values():
        scope = scope_for(member)
        for queryset in (
            establishments_visible_to(scope),
            departements_visible_to(scope),
            allocations_visible_to(scope),
        ):
            assert all(row.academie_id == bordeaux.world.academie.pk for row in queryset)
