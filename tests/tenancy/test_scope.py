"""The one table of roles → scope, and the selectors reading through it."""

from __future__ import annotations

import pytest

from accounts.scopes import scope_for
from accounts.services import membership_revoke
from establishments.access import departements_visible_to, establishments_visible_to
from tenancy.roles import Role
from tenancy.scope import ScopeKind

pytestmark = pytest.mark.django_db


def test_each_role_gets_its_kind_of_scope(worlds):
    poitiers, _ = worlds
    scopes = {role: scope_for(m) for role, m in poitiers.members.items()}
    assert scopes["dane_admin"].kind is ScopeKind.ACADEMIE
    assert scopes["dane_coordinator"].kind is ScopeKind.DEPARTEMENTS
    assert scopes["dane_coordinator"].departement_ids == {poitiers.establishment.departement_id}
    assert scopes["principal"].kind is ScopeKind.ESTABLISHMENTS
    assert scopes["principal"].establishment_ids == {poitiers.establishment.pk}
    assert scopes["deputy"].kind is ScopeKind.ESTABLISHMENTS
    assert scopes["rupn"].kind is ScopeKind.PERSON
    assert scopes["rupn"].user_id == poitiers.rupn.user_id
    for role, scope in scopes.items():
        assert scope.academie_id == poitiers.academie.pk
        assert scope.role == Role(role)
        assert scope.membership_id == poitiers.members[role].pk


def test_a_revoked_membership_sees_nothing(worlds):
    poitiers, _ = worlds
    membership_revoke(membership=poitiers.principal, actor=scope_for(poitiers.dane_admin))
    poitiers.principal.refresh_from_db()
    scope = scope_for(poitiers.principal)
    assert scope.kind is ScopeKind.NOTHING
    assert not establishments_visible_to(scope).exists()
    assert not departements_visible_to(scope).exists()


def test_the_request_builds_the_scope_in_the_memberships_query(worlds, django_assert_num_queries):
    """The middleware reads a person's memberships and their scope ids in one query."""
    from django.test import RequestFactory

    from accounts.acting import memberships_of

    poitiers, _ = worlds
    request = RequestFactory().get("/")
    request.user = poitiers.coordinator.user
    with django_assert_num_queries(1):
        memberships = memberships_of(poitiers.coordinator.user)
    with django_assert_num_queries(0):
        scope = scope_for(memberships[0])
    assert scope.departement_ids == {poitiers.establishment.departement_id}
