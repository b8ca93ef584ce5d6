"""Home pages list a few establishments and say when there are more."""

from __future__ import annotations

import pytest

from dashboards.views import HOME_LIST_SIZE
from tests.conftest import client_acting_as
from tests.factories import AcademieWorld, make_establishment

pytestmark = pytest.mark.django_db


def test_coordinator_home_says_it_lists_10_of_12_and_links_to_the_rest(
    worlds: tuple[AcademieWorld, AcademieWorld],
) -> None:
    poitiers, _ = worlds
    departement = poitiers.coordinator.departements.get()
    for index in range(11):  # 12 with the world's own establishment in that département
        make_establishment(
            academie=poitiers.academie, departement=departement, name=f"Collège Plus {index:02d}"
        )
    body = client_acting_as(poitiers.coordinator).get("/").content.decode()
    assert f"{HOME_LIST_SIZE} établissements affichés sur 12" in body
    assert 'href="/etablissements/">Voir les 12 établissements</a>' in body
    assert body.count('href="/etablissements/') - body.count('href="/etablissements/"') >= 10


def test_home_with_few_establishments_says_nothing_more(
    worlds: tuple[AcademieWorld, AcademieWorld],
) -> None:
    poitiers, _ = worlds
    body = client_acting_as(poitiers.principal).get("/").content.decode()
    assert "affichés sur" not in body
    assert poitiers.establishment.name in body
    assert "de l’académie de Poitiers" in body  # elided, and the name keeps its capital
