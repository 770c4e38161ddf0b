"""Browser tests (docs/frontend.md): Debian chromium through Playwright against the live server."""

import pytest

from shouwang.testing.browser import *  # noqa: F403  (browser fixtures)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The live server thread reads the same settings object: logins there use the fast hasher too.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
