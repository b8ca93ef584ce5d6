import pytest

from tests.conftest import client_acting_as


@pytest.mark.django_db
def test_each_role_lands_on_its_home(worlds):
    poitiers, _ = worlds
    for role, membership in poitiers.members.items():
        response = client_acting_as(membership).get("/")
        assert response.status_code == 200, role
        assert "Poitiers" in response.content.decode()


@pytest.mark.django_db
def test_principal_sees_only_their_establishment(worlds):
    poitiers, bordeaux = worlds
    response = client_acting_as(poitiers.principal).get("/etablissements/")
    body = response.content.decode()
    assert poitiers.establishment.name in body
    assert poitiers.other_establishment.name not in body
    assert bordeaux.establishment.name not in body
    other = client_acting_as(poitiers.principal).get(
        f"/etablissements/{bordeaux.establishment.pk}/"
    )
    assert other.status_code == 404
