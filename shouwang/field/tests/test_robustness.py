"""No generated request gets a 5xx from the field API, and two phones re-sending the same entry at the
same moment apply it once (PostgreSQL: two connections race for the UUID)."""

import json
import threading
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.db import connection, connections
from django.test import Client
from hypothesis import HealthCheck, given, settings

from shouwang.accounts.services import api_token_create
from shouwang.cases import clock
from shouwang.cases.models import Visit
from shouwang.field.models import FieldSubmission
from shouwang.field.services import SyncEntry, field_entry_apply
from shouwang.field.tests.helpers import entry, make_field_household, make_group, make_monitored_case
from shouwang.regions.services import regions_load
from shouwang.testing.builders import VILLAGE_A, make_user
from shouwang.wsgi import application


@pytest.mark.django_db(transaction=True)
def test_no_server_errors_on_field_endpoints():

    regions_load()  # an earlier transactional test may have flushed the migrated region tree
    group = make_group(VILLAGE_A, "一组")
    hh = make_field_household("H_FUZZ", VILLAGE_A, group=group)
    make_monitored_case(hh)
    token = api_token_create(user=make_user("grid", group.code, username="fuzz"), name="fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [
        op.ok()  # type: ignore[union-attr]
        for op in schema.get_all_operations()
        if "/field/" in op.ok().path  # type: ignore[union-attr]
    ]
    assert len(operations) == 3
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    def runner(operation: Any) -> Any:
        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{operation.label}: {response.status_code} {response.text[:200]}")

        return run

    for operation in operations:
        runner(operation)()
    assert not failures, sorted(set(failures))
    assert statuses[200] > 0 and statuses[422] > 0, statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SHOUWANG_DATABASE_URL)")
def test_the_same_entry_sent_twice_at_once_is_applied_once():
    regions_load()
    group = make_group(VILLAGE_A, "一组")
    hh = make_field_household("H_RACE", VILLAGE_A, group=group)
    case = make_monitored_case(hh)
    grid = make_user("grid", group.code, username="racer")
    c = Client()
    c.force_login(grid)
    base = c.get("/api/v1/field/today").json()["households"][0]["case"]["base_version"]
    e = entry("visit", "H_RACE", case=case, base=base, visited_on=str(clock.today()), notes="同时重发")
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(
                field_entry_apply(user=grid, entry=SyncEntry(**json.loads(json.dumps(e))))["status"]
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == ["applied", "duplicate"], statuses
    assert Visit.objects.filter(case=case).count() == 1
    assert FieldSubmission.objects.count() == 1
