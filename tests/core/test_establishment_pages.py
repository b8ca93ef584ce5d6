import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from establishments.models import EstablishmentType
from tests.conftest import client_acting_as
from tests.factories import make_establishment

pytestmark = pytest.mark.django_db


def _list_queries(client, url="/etablissements/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_establishments(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    before = _list_queries(client)
    for _ in range(25):
        make_establishment(academie=poitiers.academie)
    assert _list_queries(client) == before


def test_dane_admin_sees_every_establishment_of_the_academie_only(worlds):
    poitiers, bordeaux = worlds
    body = client_acting_as(poitiers.dane_admin).get("/etablissements/").content.decode()
    assert poitiers.establishment.uai in body
    assert poitiers.other_establishment.uai in body
    assert bordeaux.establishment.uai not in body


def test_coordinator_sees_only_their_departements(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.coordinator)
    body = client.get("/etablissements/").content.decode()
    assert poitiers.establishment.uai in body  # in the coordinator's département
    assert poitiers.other_establishment.uai not in body
    assert client.get(f"/etablissements/{poitiers.other_establishment.pk}/").status_code == 404


def test_search_and_filters(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.dane_admin)
    lycee = client.get("/etablissements/", {"type": EstablishmentType.LGT}).content.decode()
    assert poitiers.other_establishment.uai in lycee
    assert poitiers.establishment.uai not in lycee
    by_uai = client.get("/etablissements/", {"q": poitiers.establishment.uai}).content.decode()
    assert poitiers.establishment.name in by_uai
    assert poitiers.other_establishment.uai not in by_uai


def test_another_academies_departement_is_refused_as_a_filter(worlds):
    poitiers, bordeaux = worlds
    foreign = bordeaux.establishment.departement
    response = client_acting_as(poitiers.dane_admin).get(
        "/etablissements/", {"departement": foreign.pk}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in body
    assert bordeaux.establishment.uai not in body


def test_missing_pupil_count_is_flagged(worlds):
    poitiers, _ = worlds
    make_establishment(academie=poitiers.academie, name="Collège sans effectif", pupils=None)
    body = client_acting_as(poitiers.dane_admin).get("/etablissements/").content.decode()
    assert "Effectif manquant" in body


def test_detail_shows_pupil_counts(worlds):
    poitiers, _ = worlds
    response = client_acting_as(poitiers.principal).get(
        f"/etablissements/{poitiers.establishment.pk}/"
    )
    assert response.status_code == 200
    assert "300" in response.content.decode()


def test_rupn_sees_their_establishment_only(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.rupn)
    assert client.get(f"/etablissements/{poitiers.establishment.pk}/").status_code == 200
    assert client.get(f"/etablissements/{poitiers.other_establishment.pk}/").status_code == 404


def test_year_filter_shows_the_current_year_even_when_a_later_one_exists(worlds):
    from establishments.models import SchoolYear

    poitiers, _ = worlds
    current = SchoolYear.objects.current()
    SchoolYear.objects.create(start_year=current.start_year + 1)
    body = client_acting_as(poitiers.dane_admin).get("/etablissements/").content.decode()
    assert f'<option value="{current.start_year}" selected>' in body
    assert f"effectifs {current.label}" in body


def test_list_is_paginated_and_keeps_the_filters(worlds):
    poitiers, _ = worlds
    for index in range(55):
        make_establishment(academie=poitiers.academie, name=f"Collège Pagination {index:02d}")
    client = client_acting_as(poitiers.dane_admin)
    first = client.get("/etablissements/", {"q": "Pagination"}).content.decode()
    assert "1 / 2" in first
    assert "q=Pagination" in first and "page=2" in first
    second = client.get("/etablissements/", {"q": "Pagination", "page": "2"}).content.decode()
    assert "Collège Pagination 54" in second
    assert "Collège Pagination 00" not in second


def test_a_principal_with_one_establishment_gets_no_narrowing_filters(worlds):
    poitiers, _ = worlds
    body = client_acting_as(poitiers.principal).get("/etablissements/").content.decode()
    assert 'name="annee"' in body
    for name in ("departement", "type", "sector"):
        assert f'name="{name}"' not in body
    # A stale filter in the URL neither breaks the page nor hides the establishment.
    response = client_acting_as(poitiers.principal).get("/etablissements/", {"type": "lycee_x"})
    assert response.status_code == 200
    assert poitiers.establishment.name in response.content.decode()


def test_roles_seeing_several_establishments_keep_the_filters(worlds):
    poitiers, _ = worlds
    body = client_acting_as(poitiers.dane_admin).get("/etablissements/").content.decode()
    for name in ("departement", "type", "sector"):
        assert f'name="{name}"' in body
