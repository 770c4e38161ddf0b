"""Test-wide fixtures. The environment (data key, temporary ./var) is set by shouwang.testing.pytest_env,
which pyproject's addopts loads before pytest-django reads the settings."""

import importlib

import pytest
from django.apps import apps

# Data migrations whose rows every test may rely on: (module, function). Transactional tests end with a
# flush that empties every table, so these are replayed (idempotently) before each transactional test.
SEEDING_MIGRATIONS = (("shouwang.screening.migrations.0002_seed_parameters", "seed"),)


@pytest.fixture(autouse=True)
def _seed_data_after_flush(request: pytest.FixtureRequest) -> None:
    """Reload the region tree and the seeded parameters for transactional tests so test order never
    matters (each is idempotent and takes well under a second)."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        # Imported here: this conftest is loaded before pytest-django has set Django up.
        from shouwang.regions.services import regions_load  # noqa: PLC0415

        regions_load()
        for module, function in SEEDING_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)
