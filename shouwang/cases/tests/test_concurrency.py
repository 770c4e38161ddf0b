"""Two approvers at once on the same step: exactly one succeeds, the other gets a clear conflict.

On PostgreSQL two threads with two database connections race for the row (``select_for_update`` +
version compare-and-set). SQLite serialises writers anyway; there the sequential stale-version test in
test_workflow covers the same rule.
"""

import threading

import pytest
from django.db import connection, connections

from shouwang.cases import services
from shouwang.cases.models import Case
from shouwang.cases.tests.helpers import D0, drive, set_today
from shouwang.regions.services import regions_load
from shouwang.testing.builders import make_household, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SHOUWANG_DATABASE_URL)")
def test_two_concurrent_county_approvals_exactly_one_wins(monkeypatch):
    # A transactional test starts from an empty database once an earlier one has flushed it; the
    # region tree is loaded by a data migration, so put it back (idempotent).
    regions_load()
    users = {r: make_user(r) for r in ("village", "township", "county")}
    second_county = make_user("county", username="county_2")
    set_today(monkeypatch, D0)
    hh = make_household("H_RACE")
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="township_review", start=D0, monkeypatch=monkeypatch)
    version = case.version
    barrier = threading.Barrier(2)
    results: list[str] = []

    def approve(actor) -> None:
        try:
            barrier.wait(timeout=10)
            services.case_transition(
                case=Case(pk=case.pk),
                action="county_approve",
                actor=actor,
                data={"approved_on": "2025-03-13", "category": "unstable"},
                expected_version=version,
            )
            results.append("ok")
        except services.CaseConflict as exc:
            results.append("conflict:" + str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (users["county"], second_county)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.split(":")[0] for r in results) == ["conflict", "ok"], results
    assert "已被他人办理" in next(r for r in results if r.startswith("conflict"))
    case.refresh_from_db()
    assert case.version == version + 1 and case.state == "county_approval"
    assert case.steps.filter(action="county_approve").count() == 1
