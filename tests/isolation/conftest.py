from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from tests.factories import AcademieWorld
from tests.isolation.url_registry import Ctx


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # Ten people per test, each hashed: the default hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ctx(_fast_password_hashing: None, worlds: tuple[AcademieWorld, AcademieWorld]) -> Ctx:
    """Poitiers (A) owns the objects; Bordeaux (B) is the other académie."""
    poitiers, bordeaux = worlds
    return Ctx(a=poitiers, b=bordeaux)
