"""The platform administrator's home page lists the académies with their counts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services_academies import academie_create
from establishments.models import Academie, SchoolYear
from establishments.national_list import national_academies
from indemnities.models import ImpRuleSet
from tests.factories import make_world


@pytest.fixture
def platform_client(worlds) -> Client:
    user = User.objects.create_user(
        email="plateforme@test.fr", password="x-admin-pass-2025", is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


def test_lists_academies_with_counts_and_links(platform_client, worlds):
    poitiers, bordeaux = worlds
    response = platform_client.get("/")
    assert response.status_code == 200
    assert "dashboards/home_platform.html" in [t.name for t in response.templates]
    overviews = {o.academie.name: o for o in response.context["overviews"]}
    assert set(overviews) == {"Poitiers", "Bordeaux"}
    poitiers_overview = overviews["Poitiers"]
    assert poitiers_overview.establishment_count == poitiers.academie.establishments.count()
    roles = {r.role.value: r.count for r in poitiers_overview.roles}
    assert roles["dane_admin"] >= 1 and roles["principal"] >= 1 and roles["rupn"] >= 1
    has_rules = ImpRuleSet.objects.filter(
        academie=poitiers.academie, school_year=SchoolYear.objects.current()
    ).exists()
    assert poitiers_overview.has_imp_rules is has_rules
    html = response.content.decode()
    assert "Aucun rôle actif" not in html
    assert reverse("admin:establishments_academie_add") in html
    assert reverse("admin:establishments_academie_change", args=[poitiers.academie.pk]) in html
    assert (
        reverse("admin:establishments_academie_invite_dane_admin", args=[bordeaux.academie.pk])
        in html
    )
    assert (
        f"{reverse('admin:establishments_establishmentimport_changelist')}"
        f"?academie__id__exact={poitiers.academie.pk}" in html
    )


def test_new_academie_shows_its_pending_invitation(platform_client, worlds):
    academie_create(code="14", admin_email="dane@ac-rennes.fr", by=None, base_url="http://x/")
    response = platform_client.get("/")
    rennes = next(o for o in response.context["overviews"] if o.academie.name == "Rennes")
    assert rennes.establishment_count == 0
    assert rennes.pending_invitations == 1
    assert not rennes.has_dane_admin
    assert rennes.last_import_at is None
    assert "1 invitation en attente" in response.content.decode()


def test_query_count_does_not_grow_with_academies(
    platform_client, worlds, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as small:
        platform_client.get("/")
    make_world(name="Rennes", code="14", departements={"22": "Côtes-d’Armor", "35": "Ille"})
    make_world(name="Nantes", code="17", departements={"44": "Loire-Atlantique"})
    for entry in national_academies():
        if entry.code in {"01", "02", "03", "06", "07"}:
            academie_create(
                code=entry.code, admin_email=f"d{entry.code}@x.fr", by=None, base_url="/"
            )
    assert Academie.objects.count() == 9
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = platform_client.get("/")
    assert len(response.context["overviews"]) == 9


def test_non_staff_without_role_keeps_the_no_role_page(db):
    user = User.objects.create_user(email="personne@test.fr", password="x-pass-2025-long")
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert "Aucun rôle actif" in response.content.decode()
    assert "overviews" not in response.context
