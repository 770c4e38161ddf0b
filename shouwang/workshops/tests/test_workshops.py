"""帮扶车间 and 以工代赈 (R-EMP-08): the quarterly status with its buffer, the workers the roster counts,
the remuneration share refused, every refusal changing nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from shouwang.accounts.access import Forbidden
from shouwang.accounts.services import api_token_create
from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.registry.models import Person
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user
from shouwang.workshops.models import (
    ReliefProject,
    Workshop,
    WorkshopCheck,
    WorkshopParameter,
    WorkshopWorker,
)
from shouwang.workshops.parameters import WorkshopParams
from shouwang.workshops.selectors import relief_participants_in, workshop_workers_in
from shouwang.workshops.services import (
    Spell,
    relief_participant_add,
    relief_project_create,
    workshop_check_quarter,
    workshop_evaluate,
    workshop_next_status,
    workshop_register,
    workshop_worker_add,
    workshop_worker_end,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _workers(n: int, village: str = VILLAGE_A, poverty: str = "former_poor") -> list[Person]:
    out = []
    for i in range(n):
        hh = make_household(
            f"H_WS{village[-3:]}{poverty[:2]}{i}",
            village,
            poverty_status=poverty,
            members=[{"seq": 100 + i, "name": f"工人{i}", "birth": dt.date(1980, 1, 1), "relation": "head"}],
        )
        out.append(hh.members.get())
    return out


@pytest.fixture
def county():
    return make_user("county", COUNTY)


@pytest.fixture
def workshop(county):
    return workshop_register(
        actor=county,
        name="堂琅扶贫车间",
        kind="factory",
        village_code=VILLAGE_A,
        operator="会泽县某服饰有限公司",
        recognised_on=dt.date(2025, 6, 1),
        recognition_doc="会人社联〔2025〕12号",
    )


def _check(quarter: str, actor) -> None:
    workshop_check_quarter(quarter=quarter, actor=actor, today=TODAY)


def _status(w: Workshop) -> str:
    w.refresh_from_db()
    return w.status


def test_five_counted_workers_keep_the_workshop_running(county, workshop):
    for p in _workers(5):
        workshop_worker_add(actor=county, workshop=workshop, person_id=p.pk, from_month="2026-01")
    _check("2026Q1", county)
    assert _status(workshop) == "normal"
    check = WorkshopCheck.objects.get(workshop=workshop, quarter="2026Q1")
    assert (check.workers, check.counted, check.passed) == (5, 5, True)


def test_failing_twice_clears_the_workshop_after_the_buffer(county, workshop):
    """Four counted workers: 监测待处置 at the first failing quarter, 清理 when six failing months ran."""
    for p in _workers(4):
        workshop_worker_add(actor=county, workshop=workshop, person_id=p.pk, from_month="2025-10")
    _check("2026Q1", county)
    assert _status(workshop) == "pending" and workshop.failing_since == "2026Q1"
    reasons = WorkshopCheck.objects.get(workshop=workshop, quarter="2026Q1").reasons
    assert reasons and "吸纳脱贫劳动力4人，少于5人" in reasons[0]
    _check("2026Q2", county)
    assert _status(workshop) == "cleared" and workshop.cleared_on == "2026Q2"
    history = list(
        WorkshopCheck.objects.filter(workshop=workshop).values_list(
            "quarter", "status_before", "status_after"
        )
    )
    assert history == [("2026Q2", "pending", "cleared"), ("2026Q1", "normal", "pending")]
    # A cleared workshop stays cleared, and its workers no longer count as 帮扶车间 employment.
    _check("2026Q3", county)
    assert _status(workshop) == "cleared"
    assert workshop_workers_in(period="2026-01", county_codes=[COUNTY]) != set()
    assert workshop_workers_in(period="2026-07", county_codes=[COUNTY]) == set()


def test_recovering_within_the_buffer_returns_to_normal(county, workshop):
    people = _workers(5)
    for p in people[:4]:
        workshop_worker_add(actor=county, workshop=workshop, person_id=p.pk, from_month="2025-10")
    _check("2026Q1", county)
    assert _status(workshop) == "pending"
    # The fifth 脱贫 worker joins in April: three months by the end of June, counted.
    workshop_worker_add(actor=county, workshop=workshop, person_id=people[4].pk, from_month="2026-04")
    _check("2026Q2", county)
    assert _status(workshop) == "normal" and workshop.failing_since == ""
    # A re-run of the same quarter replaces its result (same before-status), never duplicates it.
    _check("2026Q2", county)
    assert WorkshopCheck.objects.filter(workshop=workshop).count() == 2
    assert _status(workshop) == "normal"
    # A later failure starts a new buffer.
    for w in WorkshopWorker.objects.filter(workshop=workshop)[:2]:
        workshop_worker_end(actor=county, worker=w, to_month="2026-06")
    _check("2026Q3", county)
    assert _status(workshop) == "pending" and workshop.failing_since == "2026Q3"


def test_the_buffer_is_a_parameter(county, workshop):
    WorkshopParameter.objects.create(region_code=COUNTY, year=2026, buffer_months=9, note="县定缓冲期9个月")
    for p in _workers(2):
        workshop_worker_add(actor=county, workshop=workshop, person_id=p.pk, from_month="2025-10")
    _check("2026Q1", county)
    _check("2026Q2", county)
    assert _status(workshop) == "pending"
    _check("2026Q3", county)
    assert _status(workshop) == "cleared"


def test_who_counts_months_or_pay_and_households():
    params = WorkshopParams()
    spells = [
        Spell(1, "2026-01", "", None, True),  # 3 months in Q1: counted
        Spell(2, "2026-03", "", Decimal("2600"), True),  # 1 month, 2,600 元: not counted
        Spell(3, "2026-02", "", Decimal("2600"), True),  # 2 months, 5,200 元: counted by pay
        Spell(4, "2025-01", "", None, False),  # not a 脱贫 / monitored household
        Spell(5, "2025-01", "2025-12", None, True),  # gone before the quarter
    ]
    ev = workshop_evaluate(spells, quarter="2026Q1", params=params)
    assert (ev.workers, ev.counted, ev.passed) == (4, 2, False)


@pytest.mark.parametrize(
    "case",
    [
        ("normal", "", False, "2026Q1", 6, ("pending", "2026Q1")),
        ("pending", "2026Q1", False, "2026Q2", 6, ("cleared", "2026Q1")),
        ("pending", "2026Q1", True, "2026Q2", 6, ("normal", "")),
        ("pending", "2025Q4", False, "2026Q1", 6, ("cleared", "2025Q4")),
        ("normal", "", False, "2026Q1", 3, ("cleared", "2026Q1")),
        ("cleared", "2026Q1", True, "2026Q3", 6, ("cleared", "2026Q1")),
    ],
)
def test_status_transitions(case):
    status, since, passed, quarter, buffer, expected = case
    got = workshop_next_status(
        status=status, failing_since=since, passed=passed, quarter=quarter, buffer_months=buffer
    )
    assert got == expected


def test_check_refusals_change_nothing(county, workshop):
    _check("2026Q3", county)
    before = (WorkshopCheck.objects.count(), AuditEntry.objects.count())
    for quarter, reason in (("2026Q2", "不能补查更早的季度"), ("2027Q2", "尚未开始"), ("2026-3", "季度格式")):
        with pytest.raises(InputRefused) as exc:
            _check(quarter, county)
        assert any(reason in e.reason for e in exc.value.errors)
    with pytest.raises(Forbidden):
        _check("2026Q3", make_user("village", VILLAGE_A))
    assert (WorkshopCheck.objects.count(), AuditEntry.objects.count()) == before


def test_worker_refusals_list_every_reason_and_change_nothing(county, workshop):
    [adult] = _workers(1)
    child = make_household(
        "H_CHILD",
        VILLAGE_A,
        members=[{"seq": 71, "name": "小明", "birth": dt.date(2011, 5, 1), "relation": "head"}],
    ).members.get()
    workshop_worker_add(actor=county, workshop=workshop, person_id=adult.pk, from_month="2026-01")
    before = (WorkshopWorker.objects.count(), AuditEntry.objects.count())
    with pytest.raises(InputRefused) as exc:
        workshop_worker_add(
            actor=county,
            workshop=workshop,
            person_id=child.pk,
            from_month="2026-01",
            monthly_pay=Decimal("-1"),
        )
    reasons = " ".join(e.reason for e in exc.value.errors)
    assert "未满16周岁" in reasons and "月工资应大于0" in reasons
    with pytest.raises(InputRefused) as exc:
        workshop_worker_add(actor=county, workshop=workshop, person_id=adult.pk, from_month="2026-03")
    assert "重叠" in exc.value.errors[0].reason
    other = make_user("township", "530326102", username="tb")
    with pytest.raises(Exception):  # noqa: B017 - NotFound: the workshop is not the other township's
        workshop_worker_add(actor=other, workshop=workshop, person_id=adult.pk, from_month="2027-01")
    assert (WorkshopWorker.objects.count(), AuditEntry.objects.count()) == before


def test_relief_project_refused_below_the_minimum_share(county):
    before = (ReliefProject.objects.count(), AuditEntry.objects.count())
    with pytest.raises(InputRefused) as exc:
        relief_project_create(
            actor=county,
            name="娜姑镇产业路以工代赈项目",
            county_code=COUNTY,
            year=2026,
            central_investment=Decimal("1000000"),
            total_investment=Decimal("1200000"),
            planned_remuneration=Decimal("250000"),
        )
    [error] = exc.value.errors
    assert error.column == "planned_remuneration"
    assert "计划劳务报酬占中央资金25.0%，低于30%的最低比例" in error.reason and "R-EMP-08" in error.reason
    assert (ReliefProject.objects.count(), AuditEntry.objects.count()) == before
    # The 2025 extra batch's 40 %: a parameter for the year.
    WorkshopParameter.objects.create(year=2025, relief_min_share=Decimal("40"), note="2025年增发批次")
    with pytest.raises(InputRefused, match="以工代赈项目登记被拒绝"):
        relief_project_create(
            actor=county,
            name="增发项目",
            county_code=COUNTY,
            year=2025,
            central_investment=Decimal("100"),
            total_investment=Decimal("100"),
            planned_remuneration=Decimal("35"),
        )
    project = relief_project_create(
        actor=county,
        name="娜姑镇产业路以工代赈项目",
        county_code=COUNTY,
        year=2026,
        central_investment=Decimal("1000000"),
        total_investment=Decimal("1200000"),
        planned_remuneration=Decimal("320000"),
    )
    assert project.required_share == Decimal("30")
    assert AuditEntry.objects.filter(object_type="relief_project", object_id=str(project.pk)).count() == 1


def test_relief_participants_count_in_their_months(county):
    project = relief_project_create(
        actor=county,
        name="堂琅水渠",
        county_code=COUNTY,
        year=2026,
        central_investment=Decimal("100000"),
        total_investment=Decimal("100000"),
        planned_remuneration=Decimal("40000"),
    )
    a, b = _workers(2, VILLAGE_B)
    relief_participant_add(
        actor=county,
        project=project,
        person_id=a.pk,
        from_month="2026-03",
        to_month="2026-05",
        pay=Decimal("9000"),
    )
    relief_participant_add(
        actor=county,
        project=project,
        person_id=b.pk,
        from_month="2026-05",
        to_month="2026-05",
        pay=Decimal("3000"),
    )
    assert relief_participants_in(period="2026-04", county_codes=[COUNTY]) == {a.pk}
    assert relief_participants_in(period="2026-05", county_codes=[COUNTY]) == {a.pk, b.pk}
    assert relief_participants_in(period="2026-05", county_codes=["530327"]) == set()
    with pytest.raises(InputRefused) as exc:
        relief_participant_add(
            actor=county,
            project=project,
            person_id=a.pk,
            from_month="2027-01",
            to_month="2026-12",
            pay=Decimal("95000"),
        )
    reasons = " ".join(e.reason for e in exc.value.errors)
    assert "项目年度2026年内" in reasons and "结束月份早于开始月份" in reasons and "超过中央资金" in reasons


def test_the_command_checks_a_quarter_and_refuses_a_bad_one(county, workshop, capsys):
    for p in _workers(4):
        workshop_worker_add(actor=county, workshop=workshop, person_id=p.pk, from_month="2025-10")
    call_command("workshop-check", "--quarter", "2026Q1", "--date", "2026-04-02")
    out = capsys.readouterr().out
    assert "堂琅扶贫车间：正常运行 → 监测待处置" in out and "2026年第一季度检查帮扶车间1个，达标0个" in out
    with pytest.raises(SystemExit) as exc:
        call_command("workshop-check", "--quarter", "2026Q5")
    assert exc.value.code == 2 and "季度格式应为2026Q3" in capsys.readouterr().err
    assert AuditEntry.objects.filter(object_type="workshop", action="transition").count() == 1


def _api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


def test_the_api_lists_the_callers_workshops(county, workshop):
    rows = _api(county).get("/api/v1/workshops").json()
    assert [(r["name"], r["status_label"], r["current_workers"]) for r in rows] == [
        ("堂琅扶贫车间", "正常运行", 0)
    ]
    assert _api(make_user("township", "530326102", username="tb")).get("/api/v1/workshops").json() == []
    assert _api(county).get("/api/v1/workshops?status=pending").json() == []
    assert _api(county).get("/api/v1/workshops?status=x").status_code == 422
