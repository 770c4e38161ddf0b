"""Risk elimination (R-ELIM-01…07): candidates, the refusals, the chain, what continues, roll-back."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.cases import services
from shouwang.cases.choices import CaseStateChoices
from shouwang.cases.models import AssistancePlan, Case, CaseParameter
from shouwang.cases.services import MeasureInput
from shouwang.cases.tests.helpers import D0, drive, set_today, step, threshold
from shouwang.common import crypto
from shouwang.common.errors import InputRefused
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db
IDENTIFIED = D0 + dt.timedelta(days=10)  # county approval date in ``drive``
RICH = {
    "wage": Decimal(60000),
    "business": Decimal(10000),
    "transfer": Decimal(2000),
}  # 72,000 / 4 = 18,000 per person


@pytest.fixture
def users():
    return {r: make_user(r) for r in ("village", "township", "county")}


def monitored(users, monkeypatch, household_no="H_LI", **kw):
    threshold("8700")
    set_today(monkeypatch, D0)
    hh = make_household(household_no, income=RICH, income_period="2025-08", **kw)
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)
    # The spouse works in the county (a cleaning post): the fact the post measure records (R-AID-05).
    spouse = case.household.members.get(relation="spouse")
    spouse.work_months, spouse.work_place = 12, "in_county"
    spouse.save(update_fields=["work_months", "work_place"])
    services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[
            MeasureInput(measure_type="100A39", start_on=IDENTIFIED, description="产业奖补"),
            MeasureInput(measure_type="100A45", start_on=IDENTIFIED, description="大病救助"),
            MeasureInput(
                measure_type="100A42",
                start_on=IDENTIFIED,
                person_id=case.household.members.get(relation="spouse").pk,
                end_on=IDENTIFIED + dt.timedelta(days=700),
                description="保洁员",
            ),
        ],
    )
    case.refresh_from_db()
    return case


def propose(case, actor, on, mode="assisted"):
    return step(case, "propose_elimination", actor, mode=mode, proposed_on=on.isoformat())


def test_assisted_elimination_three_months_after_identification_is_refused(users, monkeypatch):
    case = monitored(users, monkeypatch)
    on = IDENTIFIED + dt.timedelta(days=92)
    set_today(monkeypatch, on)
    version = case.version
    with pytest.raises(InputRefused) as exc:
        propose(case, users["village"], on)
    assert "识别满6个月" in exc.value.message and "R-ELIM-02" in exc.value.message
    case.refresh_from_db()
    assert case.version == version and not Case.objects.filter(kind="elimination").exists()
    # natural elimination is exempt from the minimum time
    case = propose(case, users["village"], on, mode="natural")
    assert Case.objects.get(parent=case, kind="elimination").elimination_mode == "natural"


def test_minimum_months_is_a_parameter(users, monkeypatch):
    case = monitored(users, monkeypatch)
    CaseParameter.objects.create(region_code="530326", year=2025, elimination_min_months=3, note="县定3个月")
    on = IDENTIFIED + dt.timedelta(days=93)
    set_today(monkeypatch, on)
    propose(case, users["village"], on)
    assert Case.objects.filter(parent=case, kind="elimination", is_open=True).exists()


def test_no_labour_safety_net_household_cannot_be_eliminated(users, monkeypatch):
    old = [
        {
            "seq": 51,
            "name": "王老汉",
            "birth": dt.date(1940, 1, 1),
            "relation": "head",
            "labour": "none",
            "dibao": True,
        },
        {"seq": 62, "name": "赵老太", "birth": dt.date(1942, 5, 1), "relation": "spouse", "labour": "lost"},
    ]
    threshold("8700")
    set_today(monkeypatch, D0)
    hh = make_household("H_WANG", members=old, income=RICH, income_period="2025-08")
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)
    services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[
            MeasureInput(measure_type="100A48", item="dibao", start_on=IDENTIFIED),
            MeasureInput(measure_type="100A45", start_on=IDENTIFIED),
        ],
    )
    on = IDENTIFIED + dt.timedelta(days=400)
    set_today(monkeypatch, on)
    for mode in ("assisted", "natural"):
        with pytest.raises(InputRefused, match="R-ELIM-03"):
            propose(case, users["township"], on, mode=mode)
    assert services.elimination_candidate_list(user=users["county"], on=on) == []


def test_income_must_be_stably_above_the_threshold(users, monkeypatch):
    case = monitored(users, monkeypatch)
    threshold("30000", region="530326")  # a county line above the household's 18,000
    on = IDENTIFIED + dt.timedelta(days=200)
    set_today(monkeypatch, on)
    with pytest.raises(InputRefused, match="未稳定超过监测范围30000"):
        propose(case, users["village"], on)


def test_open_three_guarantees_problem_blocks(users, monkeypatch):
    case = monitored(users, monkeypatch, housing_secure=False)
    on = IDENTIFIED + dt.timedelta(days=200)
    set_today(monkeypatch, on)
    with pytest.raises(InputRefused, match="住房安全"):
        propose(case, users["village"], on)


def test_full_elimination_keeps_time_bound_measures_and_rolls_back(users, monkeypatch):
    case = monitored(users, monkeypatch)
    on = IDENTIFIED + dt.timedelta(days=200)
    set_today(monkeypatch, on)
    assert [c["household_no"] for c in services.elimination_candidate_list(user=users["county"], on=on)] == [
        "H_LI"
    ]
    propose(case, users["village"], on)
    elim = Case.objects.get(parent=case, kind="elimination")
    d = lambda n: (on + dt.timedelta(days=n)).isoformat()  # noqa: E731
    set_today(monkeypatch, on + dt.timedelta(days=12))
    elim = step(elim, "home_check", users["village"], checked_on=d(1))
    elim = step(
        elim,
        "village_review",
        users["village"],
        reviewed_on=d(2),
        attendance=30,
        votes_for=25,
        votes_against=2,
        result="passed",
    )
    elim = step(elim, "notice_start", users["village"], started_on=d(3))
    elim = step(elim, "township_review", users["township"], notice_ended_on=d(7), reviewed_on=d(8))
    # R-ELIM-06: no monitoring contact, no approval; nothing changes.
    version = elim.version
    with pytest.raises(InputRefused, match="监测联系人"):
        step(elim, "county_approve", users["county"], approved_on=d(9))
    with pytest.raises(InputRefused, match="同时填写"):
        step(elim, "county_approve", users["county"], approved_on=d(9), contact_name="李村医")
    elim.refresh_from_db()
    assert (elim.state, elim.version, elim.approved_on) == ("township_review", version, None)
    assert not AssistancePlan.objects.filter(household=case.household).exclude(contact_name="").exists()
    elim = step(
        elim,
        "county_approve",
        users["county"],
        approved_on=d(9),
        contact_name="李村医",
        contact_phone="13912345678",
    )
    plan = AssistancePlan.objects.get(household=case.household)
    assert plan.contact_name == "李村医" and crypto.unseal(plan.contact_phone_sealed) == "13912345678"
    assert elim.steps.get(action="county_approve").data["contact_phone"] == "139****5678"
    elim = step(elim, "announce", users["township"], announced_on=d(10))
    assert elim.state == CaseStateChoices.ELIMINATED
    hh = case.household
    hh.refresh_from_db()
    assert hh.risk_eliminated_on == on + dt.timedelta(days=9) and hh.elimination_mode == "assisted"
    case.refresh_from_db()
    assert case.state == CaseStateChoices.ELIMINATED and not case.is_open
    # R-ELIM-05: the public-welfare job continues until its agreement ends; the others stop
    status = {m.measure_type: m.status for m in hh.plan.measures.all()}
    assert status == {"100A39": "ended", "100A45": "ended", "100A42": "active"}
    # R-ELIM-07: the risk came back: roll back, monitoring resumes
    elim = step(elim, "rollback", users["county"], reason="大病复发", found_on=d(12))
    case.refresh_from_db()
    hh.refresh_from_db()
    assert elim.state == CaseStateChoices.ROLLED_BACK and case.state == CaseStateChoices.MONITORING
    assert hh.risk_eliminated_on is None and hh.is_monitored


def test_new_risk_after_elimination_is_a_new_identification(users, monkeypatch):
    case = monitored(users, monkeypatch, "H_NEW")
    on = IDENTIFIED + dt.timedelta(days=200)
    set_today(monkeypatch, on)
    propose(case, users["village"], on, mode="natural")
    elim = Case.objects.get(parent=case, kind="elimination")
    set_today(monkeypatch, on + dt.timedelta(days=12))
    d = lambda n: (on + dt.timedelta(days=n)).isoformat()  # noqa: E731
    chain: list[tuple[str, str, dict]] = [
        ("home_check", "village", {"checked_on": d(1)}),
        (
            "village_review",
            "village",
            {"reviewed_on": d(2), "attendance": 9, "votes_for": 9, "votes_against": 0, "result": "passed"},
        ),
        ("notice_start", "village", {"started_on": d(3)}),
        ("township_review", "township", {"notice_ended_on": d(7), "reviewed_on": d(8)}),
        (
            "county_approve",
            "county",
            {"approved_on": d(9), "contact_name": "王网格", "contact_phone": "13800002222"},
        ),
        ("announce", "county", {"announced_on": d(10)}),
    ]
    for action, role, data in chain:
        elim = step(elim, action, users[role], **data)
    clue = services.clue_submit(
        actor=users["village"],
        channel="cadre_visit",
        household=case.household,
        risk_types=["disaster"],
        reported_on=on + dt.timedelta(days=11),
        description="洪灾",
    )
    assert clue.case is not None and clue.case.pk != case.pk and clue.case.state == CaseStateChoices.CLUE
    # with a new episode open, the old elimination can no longer be rolled back
    with pytest.raises(InputRefused, match="重新识别"):
        step(elim, "rollback", users["county"], reason="x", found_on=d(12))
    assert Decimal(case.household.income_per_capita) > 8700
