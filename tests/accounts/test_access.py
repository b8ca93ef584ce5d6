"""Access functions of members management: a DANE admin's own académie, nothing else."""

from __future__ import annotations

import pytest
from django.http import Http404

from accounts.access import (
    get_invitation_for,
    get_membership_for,
    invitations_visible_to,
    memberships_visible_to,
)
from accounts.models import Role
from accounts.scopes import scope_for
from accounts.services import invitation_create
from tests.factories import platform_of


def _invitation(world):
    invitation, _ = invitation_create(
        academie=world.academie,
        email="x@test.fr",
        role=Role.DANE_ADMIN,
        actor=platform_of(world.academie),
        base_url="http://testserver/",
    )
    return invitation


def test_dane_admin_sees_own_academie_only(worlds):
    poitiers, bordeaux = worlds
    visible = set(memberships_visible_to(scope_for(poitiers.dane_admin)))
    assert visible == set(poitiers.members.values())
    mine, theirs = _invitation(poitiers), _invitation(bordeaux)
    assert list(invitations_visible_to(scope_for(poitiers.dane_admin))) == [mine]
    assert get_membership_for(scope_for(poitiers.dane_admin), poitiers.rupn.pk) == poitiers.rupn
    assert get_invitation_for(scope_for(poitiers.dane_admin), mine.pk) == mine
    with pytest.raises(Http404):
        get_membership_for(scope_for(poitiers.dane_admin), bordeaux.rupn.pk)
    with pytest.raises(Http404):
        get_invitation_for(scope_for(poitiers.dane_admin), theirs.pk)
    with pytest.raises(Http404):
        get_membership_for(scope_for(poitiers.dane_admin), "abc")


@pytest.mark.parametrize("role", ["dane_coordinator", "principal", "deputy", "rupn"])
def test_other_roles_see_nothing(worlds, role):
    poitiers, _ = worlds
    actor = poitiers.members[role]
    _invitation(poitiers)
    assert not memberships_visible_to(scope_for(actor)).exists()
    assert not invitations_visible_to(scope_for(actor)).exists()
    with pytest.raises(Http404):
        get_membership_for(scope_for(actor), actor.pk)


def test_revoked_admin_sees_nothing(worlds):
    from accounts.models import Role
    from accounts.services import membership_grant, membership_revoke
    from tests.factories import make_user

    poitiers, _ = worlds
    membership_grant(
        academie=poitiers.academie,
        user=make_user("autre.admin@test.fr"),
        role=Role.DANE_ADMIN,
        actor=platform_of(poitiers.academie),
    )
    membership_revoke(membership=poitiers.dane_admin, actor=scope_for(poitiers.dane_admin))
    poitiers.dane_admin.refresh_from_db()
    assert not memberships_visible_to(scope_for(poitiers.dane_admin)).exists()
    assert memberships_visible_to(None).count() == 0
