import pytest
from django.test import Client

from accounts.scopes import scope_for
from accounts.services import membership_revoke
from tests.conftest import client_acting_as
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_not_found_page_is_in_french(worlds):
    poitiers, bordeaux = worlds
    response = client_acting_as(poitiers.rupn).get(f"/etablissements/{bordeaux.establishment.pk}/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_a_person_without_role_is_refused_in_french(worlds):
    client = Client()
    client.force_login(make_user("sans.role@test.fr"))
    response = client.get("/etablissements/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    assert "Aucun rôle actif" in client.get("/").content.decode()


def test_a_revoked_role_stops_working_at_once(worlds):
    poitiers, _ = worlds
    client = client_acting_as(poitiers.principal)
    assert client.get("/etablissements/").status_code == 200
    membership_revoke(membership=poitiers.principal, actor=scope_for(poitiers.dane_admin))
    assert client.get("/etablissements/").status_code == 403
    assert client.get(f"/etablissements/{poitiers.establishment.pk}/").status_code == 403


def test_visitors_are_sent_to_the_login_page():
    response = Client().get("/etablissements/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def test_the_last_dane_admin_cannot_be_revoked(worlds):
    from accounts.services import LastDaneAdmin

    poitiers, _ = worlds
    with pytest.raises(LastDaneAdmin):
        membership_revoke(membership=poitiers.dane_admin, actor=scope_for(poitiers.dane_admin))
    poitiers.dane_admin.refresh_from_db()
    assert poitiers.dane_admin.revoked_at is None
