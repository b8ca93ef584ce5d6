from __future__ import annotations

import pytest

from tests.factories import AcademieWorld
from tests.isolation.url_registry import Ctx


@pytest.fixture
def ctx(worlds: tuple[AcademieWorld, AcademieWorld]) -> Ctx:
    """Poitiers (A) owns the objects; Bordeaux (B) is the other académie."""
    poitiers, bordeaux = worlds
    return Ctx(a=poitiers, b=bordeaux)
