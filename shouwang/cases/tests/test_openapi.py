"""The OpenAPI document at /api/v1/openapi.json is valid, and no generated request gets a 5xx.

Schemathesis runs in process against the Django WSGI app (no server, no network), a few examples per
operation, authenticated as a county user so handlers run past the token check.
"""

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from shouwang.accounts.services import api_token_create
from shouwang.regions.services import regions_load
from shouwang.testing.builders import make_household, make_user
from shouwang.wsgi import application


@pytest.mark.django_db
def test_openapi_document_is_valid_openapi():
    # The OpenAPI 3.1 meta-schema as shipped with schemathesis (no network).

    document = Client().get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    OPENAPI_31_VALIDATOR.validate(document)
    paths = document["paths"]
    for path in (
        "/api/v1/households/{household_no}",
        "/api/v1/clues",
        "/api/v1/cases/{case_id}",
        "/api/v1/cases/{case_id}/transitions",
        "/api/v1/cases/{case_id}/measures",
        "/api/v1/cases/{case_id}/visits",
        "/api/v1/self-reports",
        "/api/v1/self-reports/{tracking_code}",
    ):
        assert path in paths, path
    assert paths["/api/v1/self-reports"]["post"].get("security") in (None, [], [{}])


@pytest.mark.django_db(transaction=True)
def test_no_server_errors_on_any_endpoint():
    """Every operation, a handful of generated requests each (bounded: derandomised, 5 examples).

    Transactional, so each request commits on its own as in production: one failing request cannot
    poison the others through an aborted test transaction.
    """

    regions_load()  # an earlier transactional test may have flushed the migrated region tree

    make_household("H_LI")
    token = api_token_create(user=make_user("county", username="schemathesis"), name="schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    def runner(operation: Any) -> Any:
        label = operation.label

        @given(case=operation.as_strategy())
        @settings(
            max_examples=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code}")

        return run

    for operation in operations:
        runner(operation)()
    assert not failures, sorted(set(failures))
    # the generated requests reached the handlers (not only the token check)
    assert statuses[200] + statuses[201] > 0 and statuses[404] + statuses[422] > 0, statuses
