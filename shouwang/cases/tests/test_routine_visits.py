"""Routine visits (常态化走访, R-ID-06, R-NRM-06): every household of a grid is visited on its rhythm, not
only households with an open case; the visit counts in the due lists, the work queue and the field app."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.audit.models import AuditEntry
from shouwang.cases import clock, services
from shouwang.cases.models import Case, CaseParameter, Clue, Visit
from shouwang.cases.selectors import routine_visit_due_list
from shouwang.common.errors import InputRefused
from shouwang.console.tests.helpers import client_for
from shouwang.field.services import SyncEntry, field_sync
from shouwang.field.tests.helpers import make_monitored_case
from shouwang.registry.models import Household, IncomeRecord
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 3, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch: Any) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def _household(
    no: str, seq: int, *, village: str = VILLAGE_A, registered_days_ago: int = 400, **fields: Any
) -> Household:
    hh = make_household(
        no,
        village,
        members=[{"seq": seq, "name": f"户主{seq}", "birth": dt.date(1970, 1, 1), "relation": "head"}],
        **fields,
    )
    registered = timezone.make_aware(
        dt.datetime.combine(TODAY - dt.timedelta(days=registered_days_ago), dt.time(9))
    )
    Household.objects.filter(pk=hh.pk).update(created_at=registered)
    hh.refresh_from_db()
    return hh


@pytest.fixture
def world() -> dict[str, Any]:
    return {
        "former_poor": _household("H_FP", 101, poverty_status="former_poor", registered_days_ago=120),
        "ordinary": _household("H_ORD", 103, poverty_status="ordinary"),
        "new_ordinary": _household("H_NEW", 105, poverty_status="ordinary", registered_days_ago=100),
        "monitored": _household("H_MON", 107, poverty_status="ordinary"),
        "elsewhere": _household("H_ELSE", 109, village=VILLAGE_B),
        "village": make_user("village", VILLAGE_A),
        "county": make_user("county"),
    }


def _visit(hh: Household, actor: Any, **kw: Any) -> Visit:
    return services.household_visit_record(household=hh, actor=actor, visited_on=kw.pop("on", TODAY), **kw)


def test_routine_visit_records_a_visit_without_a_case_with_its_income_and_audit(world):
    hh = world["ordinary"]
    income = services.IncomeInput(
        period="2025-02",
        wage=Decimal(9000),
        business=Decimal(1000),
        property=Decimal(0),
        transfer=Decimal(500),
        business_cost=Decimal(200),
    )
    visit = _visit(hh, world["village"], notes="家中一切正常，儿子在昆明务工", income=income)
    assert visit.case is None and visit.routine and visit.household == hh and visit.risk_level == ""
    assert IncomeRecord.objects.filter(household=hh, period="2025-02").exists()
    entry = AuditEntry.objects.get(object_type="visit", object_id=str(visit.pk))
    assert entry.reason == "常态化走访" and entry.changes["case"] is None
    assert not Case.objects.filter(household=hh).exists()


def test_routine_visit_refuses_a_tier_and_a_future_date_and_writes_nothing(world):
    hh = world["ordinary"]
    with pytest.raises(InputRefused) as refused:
        _visit(hh, world["village"], on=TODAY + dt.timedelta(days=1), risk_level="red")
    reasons = " ".join(e.reason for e in refused.value.errors or [])
    assert "不能晚于今天" in reasons and "不设走访等级" in reasons
    assert not Visit.objects.exists() and not AuditEntry.objects.filter(object_type="visit").exists()


def test_routine_visit_refuses_other_roles_and_other_regions(world):
    with pytest.raises(NotFound):
        _visit(world["elsewhere"], world["village"])
    with pytest.raises(Forbidden):
        _visit(world["ordinary"], make_user("department"))
    assert not Visit.objects.exists()


def test_a_household_with_an_open_case_gets_the_follow_up_visit_of_its_case(world):
    case = make_monitored_case(world["monitored"], risk_level="yellow")
    visit = _visit(world["monitored"], world["village"], notes="复查", risk_level="red")
    assert visit.case == case and visit.risk_level == "red"
    case.refresh_from_db()
    assert case.risk_level == "red"


def test_a_risk_seen_on_a_routine_visit_becomes_a_clue_in_the_same_action(world):
    hh = world["former_poor"]
    visit = _visit(hh, world["village"], notes="户主摔伤住院", new_risks=["accident"], risk_note="上周摔伤")
    clue = Clue.objects.get(source_ref=f"visit:{visit.pk}")
    assert clue.household == hh and clue.channel == "cadre_visit" and clue.risk_types == ["accident"]
    assert clue.description == "上周摔伤" and clue.case is not None and clue.case.household == hh
    # A bad risk code refuses the whole visit: no visit, no clue.
    with pytest.raises(InputRefused):
        _visit(world["ordinary"], world["village"], new_risks=["not_a_risk"])
    assert Visit.objects.count() == 1 and Clue.objects.count() == 1


def test_due_list_follows_each_rhythm_and_the_last_visit(world):
    make_monitored_case(world["monitored"], risk_level="yellow")
    total, overdue, rows = routine_visit_due_list(user=world["village"], today=TODAY)
    assert overdue == 2  # both are past their due date today
    # 脱贫户 registered 120 days ago: green rhythm (92 days) → due; ordinary 400 days ago: routine rhythm
    # (182 days) → due; ordinary registered 100 days ago: not yet; monitored: its case's tier instead;
    # the other village: not this user's.
    assert total == 2 and {r["household_no"] for r in rows} == {"H_FP", "H_ORD"}
    by_no = {r["household_no"]: r for r in rows}
    assert by_no["H_FP"]["rhythm"] == "green"
    assert by_no["H_FP"]["due_on"] == TODAY - dt.timedelta(days=120) + dt.timedelta(days=92)
    assert by_no["H_ORD"]["due_on"] == TODAY - dt.timedelta(days=400) + dt.timedelta(days=182)
    # A visit (of any kind) starts the interval again.
    _visit(world["former_poor"], world["village"], on=TODAY - dt.timedelta(days=10))
    total, _overdue, rows = routine_visit_due_list(user=world["village"], today=TODAY)
    assert total == 1 and rows[0]["household_no"] == "H_ORD"
    # Looking ahead: the 100-day-old household falls due in 82 days.
    total, _overdue, rows = routine_visit_due_list(user=world["village"], today=TODAY, horizon_days=82)
    assert "H_NEW" in {r["household_no"] for r in rows}


def test_due_list_honours_a_village_parameter(world):
    CaseParameter.objects.create(region_code=VILLAGE_A, visit_days_routine=30, note="村级加密走访")
    total, _overdue, rows = routine_visit_due_list(user=world["village"], today=TODAY)
    assert {r["household_no"] for r in rows} == {"H_FP", "H_ORD", "H_NEW", "H_MON"}
    assert total == 4


def test_console_routine_visit_form_work_queue_and_list(world):
    client = client_for(world["village"])
    page = client.get("/households/H_ORD/")
    assert "登记常态化走访" in page.content.decode()
    home = client.get("/").content.decode()
    assert "常态化走访" in home and "/households/H_FP/visits/new/" in home
    listed = client.get("/visits/").content.decode()
    assert 'id="routine-visits"' in listed and "H_ORD" in listed and "H_NEW" not in listed

    form = client.get("/households/H_ORD/visits/new/").content.decode()
    assert 'name="risk_level"' not in form and 'name="new_risks"' in form
    refused = client.post("/households/H_ORD/visits/new/", {"visited_on": "2025-04-01", "notes": "x"})
    assert refused.status_code == 422 and "不能晚于今天" in refused.content.decode()
    assert not Visit.objects.exists()
    done = client.post(
        "/households/H_ORD/visits/new/",
        {
            "visited_on": "2025-03-19",
            "notes": "生活正常",
            "new_risks": ["illness"],
            "risk_note": "老人慢性病",
        },
    )
    assert done.status_code == 302 and done["Location"].endswith("/households/H_ORD/#visits")
    visit = Visit.objects.get()
    assert visit.case is None and visit.notes == "生活正常"
    assert Clue.objects.get(source_ref=f"visit:{visit.pk}").risk_types == ["illness"]
    # The clue opened a case: the household now goes to its case's visit form.
    again = client.get("/households/H_ORD/visits/new/")
    assert again.status_code == 302 and "/cases/" in again["Location"]


def test_field_sync_applies_a_routine_visit_and_refuses_a_photo_without_writing(world):
    worker = make_user("grid", VILLAGE_A, username="wg1")
    base: dict[str, Any] = {"kind": "visit", "household_no": "H_FP", "case_id": None, "base_version": ""}
    refused = field_sync(
        user=worker,
        entries=[
            SyncEntry(
                uuid="6f1c0b52-0000-4000-8000-000000000001",
                data={"visited_on": "2025-03-19"},
                photo="aGVsbG8=",
                **base,
            )
        ],
    )
    assert refused[0]["status"] == "rejected" and "不保存照片" in refused[0]["message"]
    assert not Visit.objects.exists()
    applied = field_sync(
        user=worker,
        entries=[
            SyncEntry(
                uuid="6f1c0b52-0000-4000-8000-000000000002",
                data={"visited_on": "2025-03-19", "notes": "正常", "risk_types": ["disaster"]},
                **base,
            )
        ],
    )
    assert applied[0]["status"] == "applied"
    visit = Visit.objects.get(pk=applied[0]["ids"]["visit_id"])
    assert visit.case is None and visit.visitor == worker
    assert Clue.objects.get(pk=applied[0]["ids"]["clue_id"]).risk_types == ["disaster"]


def test_visits_page_counts_by_village_and_shows_one_village(world):
    client = client_for(world["county"])
    page = client.get("/visits/")
    by_village = {v["code"]: v for v in page.context["by_village"]}
    # Village A: H_FP, H_ORD and H_MON (no case in this test); village B: H_ELSE — all overdue.
    assert by_village[VILLAGE_A]["routine"] == [3, 3] and by_village[VILLAGE_B]["routine"] == [1, 1]
    one = client.get("/visits/", {"village": VILLAGE_B})
    assert [r["household_no"] for r in one.context["routine"]] == ["H_ELSE"]
    assert "只显示" in one.content.decode()
    # An unknown village code is ignored: the whole region's lists.
    assert len(client.get("/visits/", {"village": "x"}).context["routine"]) == 4
