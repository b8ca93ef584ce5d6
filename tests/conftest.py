from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.acting import SESSION_KEY
from accounts.models import Membership
from tenancy.guard import scopes_disabled
from tests.factories import (
    BORDEAUX_DEPARTEMENTS,
    POITIERS_DEPARTEMENTS,
    AcademieWorld,
    make_world,
)

pytest_plugins = ["tests.conftest_services", "tests.smtp_server"]


@pytest.fixture(autouse=True)
def unscoped_test_code():
    """Test code builds and inspects rows of several académies: the guard is off for it.

    What the tests exercise opens its own scope as in production: the middleware for requests
    (the test client, the live server's thread), the base task for Celery tasks, the commands.
    """
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True, scope="session")
def temporary_seal_dir(tmp_path_factory):
    """The demo loader writes sealing certificates: into a folder of the run, never var/seal."""
    with override_settings(RUPN_SEAL_DIR=tmp_path_factory.mktemp("sceaux")):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 costs about 0.1 s a user, and every world builds ten of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    # Stored files (the letters' PDFs) go to the test's own folder, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def poitiers(db: None) -> AcademieWorld:
    return make_world(
        name="Poitiers",
        code="13",
        departements=POITIERS_DEPARTEMENTS,
    )


@pytest.fixture
def bordeaux(db: None) -> AcademieWorld:
    return make_world(
        name="Bordeaux",
        code="04",
        departements=BORDEAUX_DEPARTEMENTS,
    )


@pytest.fixture
def worlds(poitiers: AcademieWorld, bordeaux: AcademieWorld) -> tuple[AcademieWorld, AcademieWorld]:
    """Two académies, every role in each: most tests run with both present."""
    return poitiers, bordeaux


def client_acting_as(membership: Membership) -> Client:
    """A signed-in client acting in `membership` (as after choosing that role)."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.pk
    session.save()
    return client


@pytest.fixture
def acting_client():
    return client_acting_as
