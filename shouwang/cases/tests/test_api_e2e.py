"""End to end through the HTTP API with role tokens (CONTRACT §3): village, township and county users
take one household from a citizen self-report, and one from a screening warning, to county approval
within the 15-day limit (R-ID-03)."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case
from shouwang.cases.tests.helpers import D0, JPEG, Api, set_today
from shouwang.common import idnumber
from shouwang.registry.models import Household
from shouwang.testing.builders import COUNTY, TOWNSHIP_B, VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def apis():
    return {
        "village": Api(make_user("village")),
        "township": Api(make_user("township")),
        "county": Api(make_user("county")),
        "public": Api(),
    }


def day(n: int) -> str:
    return (D0 + dt.timedelta(days=n)).isoformat()


def act(api: Api, case_id: int, action: str, **data):
    version = api.get(f"/api/v1/cases/{case_id}").json()["version"]
    return api.post(
        f"/api/v1/cases/{case_id}/transitions", {"action": action, "expected_version": version, "data": data}
    )


def ok(response, status: int = 200):
    assert response.status_code == status, response.content.decode()
    return response.json()


def run_procedure(apis, monkeypatch, case_id: int, *, category: str) -> dict:
    """Village → township → village → county, one day at a time; returns the final case."""
    v, t, c = apis["village"], apis["township"], apis["county"]
    set_today(monkeypatch, D0 + dt.timedelta(days=1))
    doc = ok(v.upload(f"/api/v1/cases/{case_id}/documents", JPEG), 201)
    ok(
        act(
            v,
            case_id,
            "home_check",
            checked_on=day(1),
            authorisation_document_id=doc["id"],
            findings="家中一人重病住院",
        )
    )
    set_today(monkeypatch, D0 + dt.timedelta(days=2))
    case = ok(t.get(f"/api/v1/cases/{case_id}"))
    note = "已核实：医疗支出大，收入骤减" if case["comparison"] == {} else ""
    r = act(t, case_id, "compare", compared_on=day(2))
    if r.status_code == 422:  # conflicts shown to the officer, who explains them
        assert "须说明核实情况" in r.json()["detail"]
        r = act(t, case_id, "compare", compared_on=day(2), conflicts_note=note or "已核实：医疗支出大")
    case = ok(r)
    assert case["comparison"]["gathered_on"] == day(2)
    set_today(monkeypatch, D0 + dt.timedelta(days=3))
    ok(
        act(
            v,
            case_id,
            "village_review",
            reviewed_on=day(3),
            attendance=41,
            votes_for=39,
            votes_against=0,
            result="passed",
        )
    )
    set_today(monkeypatch, D0 + dt.timedelta(days=4))
    ok(act(v, case_id, "notice_start", started_on=day(4), place="村委会公示栏"))
    set_today(monkeypatch, D0 + dt.timedelta(days=9))
    ok(act(t, case_id, "township_review", notice_ended_on=day(8), reviewed_on=day(9), opinion="同意"))
    set_today(monkeypatch, D0 + dt.timedelta(days=11))
    case = ok(
        act(c, case_id, "county_approve", approved_on=day(11), category=category, risk_types=["illness"])
    )
    assert case["state"] == "county_approval"
    assert dt.date.fromisoformat(case["dates"]["approved_on"]) <= dt.date.fromisoformat(case["due_on"])
    ok(act(t, case_id, "announce", announced_on=day(11)))
    return ok(act(c, case_id, "enter_monitoring"))


def test_self_report_to_county_approval_within_15_days(apis, monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_SELF", poverty_status="ordinary")
    household = Household.objects.get(household_no="H_SELF")
    head = household.members.get(relation="head")
    head_id = idnumber.make(COUNTY, head.birth_date, 11)  # the builder's deterministic ID for seq 11
    created = ok(
        apis["public"].post(
            "/api/v1/self-reports",
            {
                "village_code": VILLAGE_A,
                "difficulty": "serious_illness",
                "subject_name": "李建国",
                "id_number": head_id,
                "contact_phone": "13912345678",
                "description": "妻子住院，医药费负担重",
            },
        ),
        201,
    )
    code = created["tracking_code"]
    status = ok(apis["public"].get(f"/api/v1/self-reports/{code}"))
    assert status["status"] == "submitted"
    body = str(status)
    assert "李建国" not in body and "13912345678" not in body and head_id not in body

    # the clue reached the household's village: the village cadre sees the open case
    hh = ok(apis["village"].get("/api/v1/households/H_SELF"))
    case_id = hh["open_case_id"]
    assert case_id and hh["members"][0]["id_masked"] != head_id
    case = ok(apis["village"].get(f"/api/v1/cases/{case_id}"))
    assert case["clues"][0]["channel"] == "self_report"
    assert case["due_on"] == day(15)

    final = run_procedure(apis, monkeypatch, case_id, category="marginal")
    assert final["state"] == "monitoring"
    household.refresh_from_db()
    assert household.monitoring_category == "marginal"
    assert household.identified_on == D0 + dt.timedelta(days=11)

    tracking = ok(apis["public"].get(f"/api/v1/self-reports/{code}"))
    assert tracking["stage"].startswith("已纳入") and tracking["can_confirm"]
    signed = ok(apis["public"].post(f"/api/v1/self-reports/{code}/confirm", {"satisfied": True}))
    assert signed["status"] == "confirmed"
    # every transition is audited with the acting role
    roles = list(
        AuditEntry.objects.filter(object_type="case", object_id=str(case_id), action="transition")
        .order_by("id")
        .values_list("actor_role", flat=True)
    )
    assert roles == ["village", "township", "village", "village", "township", "county", "township", "county"]


def test_screening_warning_to_county_approval(apis, monkeypatch):
    set_today(monkeypatch, D0)
    make_household(
        "H_WARN",
        income={"wage": Decimal(20000), "transfer": Decimal(2000), "compliant_self_pay": Decimal(12000)},
    )
    evidence = {
        "period": "2025-02",
        "signals": [
            {"rule": "MED-01", "policy": "R-WARN-01", "risk_type": "illness", "evidence": {"self_pay": 38000}}
        ],
        "suggested_category": "unstable",
    }
    created = ok(
        apis["township"].post(
            "/api/v1/clues",
            {"channel": "warning", "household_no": "H_WARN", "risk_types": ["illness"], "evidence": evidence},
        ),
        201,
    )
    assert created["case_id"] and not created["attached"]
    case = ok(apis["county"].get(f"/api/v1/cases/{created['case_id']}"))
    assert case["clues"][0]["channel"] == "warning"
    final = run_procedure(apis, monkeypatch, created["case_id"], category="unstable")
    assert final["state"] == "monitoring" and final["risk_types"] == ["illness"]


def test_refusals_through_the_api_change_nothing(apis, monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_REF")
    case_id = ok(
        apis["village"].post("/api/v1/clues", {"household_no": "H_REF", "risk_types": ["illness"]}), 201
    )["case_id"]
    before = Case.objects.get(pk=case_id).version
    # county approval on a fresh clue: wrong step, clear Chinese message, 422
    r = act(apis["county"], case_id, "county_approve", approved_on=day(0), category="unstable")
    assert r.status_code == 422 and "当前环节为“风险线索”" in r.json()["detail"]
    # stale version: 409
    r = apis["village"].post(
        f"/api/v1/cases/{case_id}/transitions",
        {"action": "reject", "expected_version": before + 5, "data": {}},
    )
    assert r.status_code == 409 and "请刷新后重试" in r.json()["detail"]
    # a township user of another township: 404, the same as a case that does not exist
    other = Api(make_user("township", TOWNSHIP_B, username="tb"))
    assert other.get(f"/api/v1/cases/{case_id}").status_code == 404
    missing = apis["township"].post(
        "/api/v1/cases/999999/transitions", {"action": "reject", "expected_version": 1, "data": {}}
    )
    assert missing.status_code == 404 and missing.json() == {"detail": "未找到", "errors": []}
    r = other.post(f"/api/v1/cases/{case_id}/transitions", {"action": "reject", "expected_version": before})
    assert r.status_code == 404 and r.json() == {"detail": "未找到", "errors": []}
    assert other.get("/api/v1/households/H_REF").status_code == 404
    # wrong role in the right region: 403 with the responsible level named
    r = act(apis["township"], case_id, "home_check", checked_on=day(0))
    assert r.status_code == 403 and "村干部" in r.json()["detail"]
    # no token
    assert Api().get(f"/api/v1/cases/{case_id}").status_code == 401
    assert Case.objects.get(pk=case_id).version == before


def test_permission_matrix_for_case_view(apis, monkeypatch):
    """STYLE 14: no role → refused, wrong region → 404, right role and region → allowed with one audit row."""
    set_today(monkeypatch, D0)
    make_household("H_MAT")
    case_id = ok(
        apis["village"].post("/api/v1/clues", {"household_no": "H_MAT", "risk_types": ["water"]}), 201
    )["case_id"]
    dept = Api(make_user("department", COUNTY, username="dept"))
    assert dept.get(f"/api/v1/cases/{case_id}").status_code == 404
    wrong = Api(make_user("village", "530326001002", username="v2"))
    assert wrong.get(f"/api/v1/cases/{case_id}").status_code == 404
    n = AuditEntry.objects.count()
    assert apis["county"].get(f"/api/v1/cases/{case_id}").status_code == 200
    assert AuditEntry.objects.count() == n + 1
    assert AuditEntry.objects.latest("id").action == "view"
    assert VILLAGE_A.startswith(COUNTY)


def test_nul_in_input_is_a_422_not_a_server_error(apis):
    r = apis["village"].post("/api/v1/clues", {"household_no": "H\x00", "risk_types": ["illness"]})
    assert r.status_code == 422 and "NUL" in r.content.decode()
    assert apis["public"].get("/api/v1/self-reports/AB%00CD").status_code == 422
