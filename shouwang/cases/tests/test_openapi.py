"""The OpenAPI document at /api/v1/openapi.json is valid OpenAPI 3.1 and has the case endpoints.

Schemathesis over every operation (no 5xx, every answer as documented):
shouwang/api/tests/test_schemathesis.py.
"""

import pytest
from django.test import Client
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR


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


@pytest.mark.django_db
def test_every_refusal_is_documented_once_with_its_schema():
    """A status appears once per operation (ninja keys ``response=`` by int, ``openapi_extra`` by text:
    merged), and every 4xx carries the ``ErrorOut`` schema, so a generated client parses the refusal."""
    doc = Client().get("/api/v1/openapi.json").json()
    problems = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, entry in op["responses"].items():
                if status.startswith("4") and "ErrorOut" not in str(entry.get("content")):
                    problems.append(f"{method.upper()} {path} {status}")
    assert problems == []
