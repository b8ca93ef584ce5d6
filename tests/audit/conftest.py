import pytest

from indemnities.defaults import BORDEAUX_BANDS, POITIERS_BANDS
from tests.factories import AcademieWorld
from tests.indemnities.allocations.conftest import ImpWorld, _imp_world


@pytest.fixture
def imp(worlds: tuple[AcademieWorld, AcademieWorld]) -> tuple[ImpWorld, ImpWorld]:
    """Both académies with IMP rules and three referents, as in the allocation tests."""
    poitiers, bordeaux = worlds
    return _imp_world(poitiers, POITIERS_BANDS), _imp_world(bordeaux, BORDEAUX_BANDS)
