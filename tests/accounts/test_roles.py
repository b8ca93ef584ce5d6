"""Someone holding several roles switches between them; nobody can take another's role."""

from __future__ import annotations

from accounts.acting import SESSION_KEY
from accounts.models import Role
from accounts.scopes import scope_for
from accounts.services import membership_grant, membership_revoke
from tests.conftest import client_acting_as
from tests.factories import platform_of


def test_switching_role_changes_the_home_page(worlds):
    poitiers, _ = worlds
    principal = poitiers.principal
    rupn_elsewhere = membership_grant(
        academie=poitiers.academie,
        user=principal.user,
        role=Role.RUPN,
        actor=platform_of(poitiers.academie),
        establishments=[poitiers.other_establishment],
        school_year=poitiers.rupn.school_year,
    )
    client = client_acting_as(principal)
    assert client.get("/").templates[0].name == "dashboards/home_principal.html"
    roles = client.get("/roles/").content.decode()
    assert "Agir en tant que&nbsp;: Référent numérique (RUPN)" in roles

    response = client.post(f"/roles/{rupn_elsewhere.pk}/choisir/")
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == rupn_elsewhere.pk
    assert client.get("/").templates[0].name == "dashboards/home_rupn.html"

    client.post(f"/roles/{principal.pk}/choisir/")
    assert client.get("/").templates[0].name == "dashboards/home_principal.html"


def test_switching_to_someone_elses_membership_is_404(worlds):
    poitiers, bordeaux = worlds
    client = client_acting_as(poitiers.principal)
    for membership in (poitiers.dane_admin, bordeaux.dane_admin):
        assert client.post(f"/roles/{membership.pk}/choisir/").status_code == 404
    assert client.session[SESSION_KEY] == poitiers.principal.pk
    assert client.get("/").templates[0].name == "dashboards/home_principal.html"


def test_switching_to_a_revoked_membership_is_404(worlds):
    poitiers, _ = worlds
    second = membership_grant(
        academie=poitiers.academie,
        user=poitiers.principal.user,
        role=Role.DEPUTY,
        actor=platform_of(poitiers.academie),
        establishments=[poitiers.other_establishment],
    )
    membership_revoke(membership=second, actor=scope_for(poitiers.dane_admin))
    client = client_acting_as(poitiers.principal)
    assert client.post(f"/roles/{second.pk}/choisir/").status_code == 404


def test_role_switch_requires_post(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.principal)
    assert client.get(f"/roles/{poitiers.principal.pk}/choisir/").status_code == 405


def test_roles_page_names_scopes_and_shows_a_rupn_once_with_its_years(worlds):
    from establishments.models import SchoolYear

    poitiers, _ = worlds
    current = poitiers.rupn.school_year
    previous, _ = SchoolYear.objects.get_or_create(start_year=current.start_year - 1)
    last_year = membership_grant(
        academie=poitiers.academie,
        user=poitiers.rupn.user,
        role=Role.RUPN,
        actor=platform_of(poitiers.academie),
        establishments=[poitiers.establishment],
        school_year=previous,
    )
    client = client_acting_as(last_year)
    roles = client.get("/roles/").content.decode()
    assert roles.count("<strong>Référent numérique (RUPN)</strong>") == 1
    assert f"Années scolaires&nbsp;: {current}, {previous}" in roles
    assert poitiers.establishment.name in roles
    assert "Rôle actuel" in roles  # the year acted in stays the one shown as current

    coordinator = client_acting_as(poitiers.coordinator).get("/roles/").content.decode()
    departement = poitiers.coordinator.departements.get()
    assert f"Département&nbsp;: {departement}" in coordinator
    dane = client_acting_as(poitiers.dane_admin).get("/roles/").content.decode()
    assert "Toute l’académie" in dane
