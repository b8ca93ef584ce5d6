import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 costs about 0.1 s a user: every world builds ten of them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
