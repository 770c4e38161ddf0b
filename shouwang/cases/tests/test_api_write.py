"""The write side of the API (issue 15): warning → clue once, one concurrency rule for every change of a
case (role and region, then version), and derived state (``overdue``) computed when read."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.models import Case, CaseStep, Clue, Measure, Visit
from shouwang.cases.tests.helpers import D0, Api, drive, set_today
from shouwang.console.services import warning_clue_create
from shouwang.console.tests.helpers import client_for, warning_for
from shouwang.regions.services import regions_load
from shouwang.testing.builders import COUNTY, TOWNSHIP_B, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {r: make_user(r) for r in ("village", "township", "county")}


def snapshot(case_id: int) -> tuple:
    case = Case.objects.get(pk=case_id)
    return (
        case.version,
        case.state,
        CaseStep.objects.filter(case=case).count(),
        Visit.objects.filter(case=case).count(),
        Measure.objects.count(),
        AuditEntry.objects.filter(action__in=["create", "update", "delete", "transition"])
        .exclude(object_type__in=["api_token", "user"])
        .count(),
    )


# ------------------------------------------------------------------------------------------ warning → clue


def test_a_warning_becomes_one_clue_with_its_stable_reference(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_WRN")
    warning = warning_for(hh, "2025-02", risk_types=["illness"])
    api = Api(users["village"])
    first = api.post("/api/v1/clues", {"warning_id": warning.pk})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["source_ref"] == "warning:2025-02:H_WRN" and body["case_id"] and not body["needs_resolution"]
    clue = Clue.objects.get(pk=body["clue_id"])
    assert (
        clue.channel == "warning" and clue.risk_types == ["illness"] and clue.evidence["period"] == "2025-02"
    )
    audits = AuditEntry.objects.count()
    again = api.post("/api/v1/clues", {"warning_id": warning.pk, "channel": "warning"})
    assert again.status_code == 200 and again.json() == body
    # and through the console, another officer: still the same clue
    assert warning_clue_create(user=users["township"], warning_id=warning.pk).pk == clue.pk
    assert Clue.objects.count() == 1 and Case.objects.count() == 1
    assert AuditEntry.objects.count() == audits


def test_warning_clue_refusals_change_nothing(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_WRN2")
    warning = warning_for(hh, "2025-02")
    # another township: 404 like a missing warning, and the refusal audited
    other = Api(make_user("township", TOWNSHIP_B, username="tb"))
    r = other.post("/api/v1/clues", {"warning_id": warning.pk})
    assert r.status_code == 404 and r.json()["detail"] == "未找到"
    assert AuditEntry.objects.filter(object_type="warning", action="access_denied").count() == 1
    assert Api(users["village"]).post("/api/v1/clues", {"warning_id": 999999}).status_code == 404
    # a role that may not record clues: 403 before anything is looked up
    auditor = Api(make_user("auditor", COUNTY))
    assert auditor.post("/api/v1/clues", {"warning_id": warning.pk}).status_code == 403
    # the clue's content comes from the warning: other fields are refused, not mixed in
    mixed = Api(users["village"]).post("/api/v1/clues", {"warning_id": warning.pk, "household_no": "H_WRN2"})
    assert mixed.status_code == 422 and "取自预警" in mixed.json()["detail"]
    assert [e["column"] for e in mixed.json()["errors"]] == ["household_no"]
    assert Clue.objects.count() == 0 and Case.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SHOUWANG_DATABASE_URL)")
def test_the_same_warning_posted_twice_at_once_makes_one_clue(monkeypatch):
    regions_load()
    set_today(monkeypatch, D0)
    warning = warning_for(make_household("H_WRN_RACE"), "2025-02")
    apis = [Api(make_user("village")), Api(make_user("township"))]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(api: Api) -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(api.post("/api/v1/clues", {"warning_id": warning.pk}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(a,)) for a in apis]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses) == [200, 201], statuses
    assert Clue.objects.filter(source_ref="warning:2025-02:H_WRN_RACE").count() == 1


# ------------------------------------------------------------------------------------------ concurrency


@pytest.fixture
def case_id(users, monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_CONC")
    return (
        Api(users["village"])
        .post("/api/v1/clues", {"household_no": "H_CONC", "risk_types": ["illness"]})
        .json()["case_id"]
    )


def test_a_stale_version_with_the_wrong_role_is_403_not_409(users, case_id):
    before = snapshot(case_id)
    stale = before[0] + 7
    county = Api(users["county"])  # home check is the village's step
    r = county.post(
        f"/api/v1/cases/{case_id}/transitions",
        {"action": "home_check", "expected_version": stale, "data": {"checked_on": D0.isoformat()}},
    )
    assert r.status_code == 403 and "村干部" in r.json()["detail"]
    # right role, stale version: 409; right role and version, wrong step: 422 (preconditions come last)
    village = Api(users["village"])
    r = village.post(
        f"/api/v1/cases/{case_id}/transitions", {"action": "notice_start", "expected_version": stale}
    )
    assert r.status_code == 409 and r.json()["errors"][0]["column"] == "expected_version"
    r = village.post(
        f"/api/v1/cases/{case_id}/transitions", {"action": "notice_start", "expected_version": before[0]}
    )
    assert r.status_code == 422 and "当前环节为“风险线索”" in r.json()["detail"]
    # another region with a stale version: 404, as if the case did not exist
    other = Api(make_user("village", VILLAGE_B, username="vb"))
    r = other.post(
        f"/api/v1/cases/{case_id}/transitions", {"action": "home_check", "expected_version": stale}
    )
    assert r.status_code == 404
    assert snapshot(case_id) == before


def test_measures_need_the_version_and_check_role_before_it(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_MEAS", poverty_status="ordinary")
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)
    before = snapshot(case.pk)
    start = (D0 + dt.timedelta(days=13)).isoformat()
    measures = [
        {"measure_type": "100A39", "start_on": start, "description": "种植魔芋补助", "amount": "3000"},
        {"measure_type": "100A45", "item": "medical_premium_subsidy", "start_on": start},
    ]
    path = f"/api/v1/cases/{case.pk}/measures"
    township = Api(users["township"])
    missing = township.post(path, {"measures": measures})
    assert missing.status_code == 422 and missing.json()["errors"][0]["column"] == "expected_version"
    auditor = Api(make_user("auditor", COUNTY))
    assert auditor.post(path, {"expected_version": before[0] + 3, "measures": measures}).status_code in (
        403,
        404,
    )
    stale = township.post(path, {"expected_version": before[0] - 1, "measures": measures})
    assert stale.status_code == 409
    assert snapshot(case.pk) == before
    done = township.post(path, {"expected_version": before[0], "measures": measures})
    assert done.status_code == 200, done.content
    assert done.json()["version"] == before[0] + 1


def test_a_visit_takes_the_version_and_always_bumps_it(users, case_id):
    village = Api(users["village"])
    path = f"/api/v1/cases/{case_id}/visits"
    before = snapshot(case_id)
    missing = village.post(path, {"visited_on": D0.isoformat(), "notes": "入户"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["column"] == "expected_version"
    stale = village.post(path, {"expected_version": before[0] - 1, "visited_on": D0.isoformat()})
    assert stale.status_code == 409 and "请刷新后重试" in stale.json()["errors"][0]["reason"]
    # stale, and a role that may not visit: the role answers first; stale, in another region: 404
    stale_body = {"expected_version": before[0] - 1, "visited_on": D0.isoformat()}
    assert Api(make_user("auditor", COUNTY)).post(path, stale_body).status_code == 403
    assert Api(make_user("village", VILLAGE_B, username="vb")).post(path, stale_body).status_code == 404
    assert snapshot(case_id) == before
    # no tier change, still a change of the case record: the version moves
    ok = village.post(path, {"expected_version": before[0], "visited_on": D0.isoformat(), "notes": "入户"})
    assert ok.status_code == 201 and ok.json()["version"] == before[0] + 1
    assert Case.objects.get(pk=case_id).version == before[0] + 1


def test_the_console_visit_form_refuses_a_stale_version(users, case_id):
    before = snapshot(case_id)
    page = client_for(users["village"]).post(
        f"/cases/{case_id}/visits/new/",
        {"visited_on": D0.isoformat(), "notes": "入户", "expected_version": str(before[0] - 1)},
    )
    assert page.status_code == 422 and "案件已被他人更新" in page.content.decode()
    assert f'name="expected_version" value="{before[0]}"' in page.content.decode()
    assert snapshot(case_id) == before


def test_the_openapi_states_the_rule_on_every_changing_operation(users):
    spec = Api(users["village"]).get("/api/v1/openapi.json").json()
    for path in ("/transitions", "/measures", "/visits"):
        op = spec["paths"][f"/api/v1/cases/{{case_id}}{path}"]["post"]
        assert "先角色" in op["description"] and "再版本" in op["description"], path
        assert "先于版本检查" in op["responses"]["403"]["description"]
        assert "版本冲突" in op["responses"]["409"]["description"]
        body = op["requestBody"]["content"]["application/json"]["schema"]
        ref = body["$ref"].rsplit("/", 1)[-1]
        assert "expected_version" in spec["components"]["schemas"][ref]["required"], path


# ------------------------------------------------------------------------------------------ overdue


def test_overdue_is_computed_when_read_not_by_the_batch(users, monkeypatch, case_id):
    case = Case.objects.get(pk=case_id)
    assert case.due_on is not None and not case.overdue
    api = Api(users["township"])
    set_today(monkeypatch, case.due_on)
    assert api.get(f"/api/v1/cases/{case_id}").json()["overdue"] is False
    set_today(monkeypatch, case.due_on + dt.timedelta(days=5))
    assert api.get(f"/api/v1/cases/{case_id}").json()["overdue"] is True  # no escalation run in between
    assert Case.objects.get(pk=case_id).overdue is False  # the stored flag is the batch's, untouched
    console = client_for(users["township"])
    listing = console.get("/cases/", {"due": "overdue"}).content.decode()
    assert f"#{case_id}</a>" in listing and "超期" in listing
    assert "已超期" in console.get(f"/cases/{case_id}/").content.decode()


def test_a_monitored_case_is_never_overdue(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_MON")
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)
    assert case.due_on is not None
    set_today(monkeypatch, case.due_on + dt.timedelta(days=30))
    assert Api(users["county"]).get(f"/api/v1/cases/{case.pk}").json()["overdue"] is False
