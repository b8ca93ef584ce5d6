from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import AcademieWorld
from tests.isolation.url_registry import Ctx


@pytest.fixture
def ctx(worlds: tuple[AcademieWorld, AcademieWorld]) -> Ctx:
    """Poitiers (A) owns the objects; Bordeaux (B) is the other académie."""
    # Rate limits (the public verification page) count in the cache, shared across tests.
    cache.clear()
    poitiers, bordeaux = worlds
    return Ctx(a=poitiers, b=bordeaux)
