import pytest

from shouwang.console import tasks
from shouwang.testing.browser import *  # noqa: F403  (browser fixtures for test_browser.py)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at Django's default cost takes ~0.25 s per user; the tests create dozens. The live server
    # thread of the browser test reads the same settings object.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _inline_background_tasks(monkeypatch):
    # Background work (exports, screening runs, statistics refreshes) runs inline at commit in tests.

    monkeypatch.setattr(tasks, "IN_THREAD", False)
