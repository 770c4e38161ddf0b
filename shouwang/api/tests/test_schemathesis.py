"""Schemathesis over EVERY operation of /api/v1/openapi.json (docs/api.md, "How the API is tested").

The operations are read from the document itself, so an endpoint added later is covered without touching
this file. Each gets a few generated requests as a county user (the public ones without a token), a few
that break the schema (negative mode: refused, in the documented error shape), and every authenticated one
once more without a token, which must answer its documented 401. Every answer
must be no server error (5xx), carry a status code the document declares, the declared content type, and a
body that validates against the declared schema.

In process against the WSGI application (no server, no network), derandomised, a handful of examples per
operation; transactional, so each request commits on its own as in production and the flush at the end
leaves the test database as it found it.
"""

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shouwang.accounts.services import api_token_create
from shouwang.cases.tests.helpers import D0, set_today
from shouwang.console.tests.helpers import warning_for
from shouwang.registry.models import Household
from shouwang.testing.builders import make_household, make_user
from shouwang.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation and caller: the whole file stays well under a minute
NEGATIVE_EXAMPLES = 3  # requests that break the schema: refused in the one error shape, never a 5xx
UNAUTHENTICATED_EXAMPLES = 1


def _public(operation: Any) -> bool:
    return not operation.definition.raw.get("security")


def _fuzz(
    operation: Any,
    *,
    headers: dict[str, str],
    examples: int,
    seen: Counter[int],
    failures: list[str],
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> None:
    label = f"{operation.label} ({mode.value})"

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.append(f"{label} → {response.status_code}: {failure.title}: {failure.message[:300]}")

    try:
        run()
    except Unsatisfiable:
        # nothing in this operation's input can break its schema (e.g. a path parameter of type string)
        assert mode is GenerationMode.NEGATIVE, label


@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_as_documented(monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_FUZZ")
    warning_for(Household.objects.get(household_no="H_FUZZ"), "2025-02")
    token = api_token_create(user=make_user("county", username="schemathesis"), name="schemathesis")
    county = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 30
    failures: list[str] = []
    seen: Counter[int] = Counter()
    anonymous: Counter[int] = Counter()
    refused: Counter[int] = Counter()
    for operation in operations:
        caller = {} if _public(operation) else county
        _fuzz(operation, headers=caller, examples=EXAMPLES, seen=seen, failures=failures)
        _fuzz(
            operation,
            headers=caller,
            examples=NEGATIVE_EXAMPLES,
            seen=refused,
            failures=failures,
            mode=GenerationMode.NEGATIVE,
        )
        if caller:
            _fuzz(operation, headers={}, examples=UNAUTHENTICATED_EXAMPLES, seen=anonymous, failures=failures)
    assert not failures, "\n".join(sorted(set(failures)))
    # the generated requests reached the handlers (not only the token check) and the refusals
    assert seen[200] + seen[201] > 0 and seen[404] + seen[422] > 0, seen
    assert refused[422] > 0, refused
    assert anonymous[401] > 0 and set(anonymous) <= {401, 403}, (
        anonymous
    )  # 403: the CSRF check of session auth
