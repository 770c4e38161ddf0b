import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # make_user hashes a password per user; PBKDF2 at production strength costs ~0.7 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
