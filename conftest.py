"""Test-wide fixtures. The environment (data key, temporary ./var) is set by shouwang.testing.pytest_env,
which pyproject's addopts loads before pytest-django reads the settings."""

import pytest


@pytest.fixture(autouse=True)
def _region_tree_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests end with a flush that empties every table, including the region tree that
    the migration loaded. Reload it (idempotent, < 1 s) for each transactional test so test order never
    matters."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from shouwang.regions.services import regions_load

        regions_load()
