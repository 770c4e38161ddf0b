"""一户一策 rules (R-AID-01/02/05/06/08) and follow-up visits (R-ID-06)."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.accounts.access import Forbidden
from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.models import Measure
from shouwang.cases.selectors import visit_overdue_list
from shouwang.cases.services import IncomeInput, MeasureInput
from shouwang.cases.tests.helpers import D0, drive, set_today
from shouwang.common.errors import InputRefused
from shouwang.registry.models import IncomeRecord
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db
TODAY = D0 + dt.timedelta(days=13)


@pytest.fixture
def users():
    return {r: make_user(r) for r in ("village", "township", "county")}


def monitored(users, monkeypatch, household_no="H_LI", **kw):
    set_today(monkeypatch, D0)
    hh = make_household(household_no, **kw)
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    return drive(clue.case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)


def person(case, relation="head"):
    return case.household.members.filter(relation=relation).first()


def test_labour_capable_household_needs_a_development_measure(users, monkeypatch):
    case = monitored(users, monkeypatch)
    before = (Measure.objects.count(), AuditEntry.objects.count(), case.version)
    with pytest.raises(InputRefused) as exc:
        services.plan_measures_add(
            case=case,
            actor=users["village"],
            measures=[
                MeasureInput(measure_type="100A45", start_on=TODAY, description="大病救助"),
                MeasureInput(measure_type="100A40", item="skill_training", start_on=TODAY),
            ],
        )
    assert "至少包含一项开发式帮扶措施" in exc.value.message and "R-AID-01" in exc.value.message
    case.refresh_from_db()
    assert (Measure.objects.count(), AuditEntry.objects.count(), case.version) == before


def test_the_dry_run_gives_the_refusals_of_adding_and_writes_nothing(users, monkeypatch):
    case = monitored(users, monkeypatch)
    before = (Measure.objects.count(), AuditEntry.objects.count(), case.version)
    cases = [
        [MeasureInput(measure_type="100A48", start_on=TODAY)],  # the whole plan's rules (R-AID-01/05)
        [MeasureInput(measure_type="100A42", start_on=TODAY)],  # a row's rule (R-AID-08: no member)
    ]
    for measures in cases:
        checked = services.plan_measures_check(case=case, actor=users["village"], measures=measures)
        with pytest.raises(InputRefused) as exc:
            services.plan_measures_add(case=case, actor=users["village"], measures=measures)
        assert checked and checked == exc.value.errors
    assert "开发式帮扶措施" in checked_reasons(case, users, cases[0])
    ok = [
        MeasureInput(measure_type="100A39", start_on=TODAY),
        MeasureInput(measure_type="100A45", start_on=TODAY),
    ]
    assert services.plan_measures_check(case=case, actor=users["village"], measures=ok) == []
    case.refresh_from_db()
    assert (Measure.objects.count(), AuditEntry.objects.count(), case.version) == before
    with pytest.raises(Forbidden):
        services.plan_measures_check(case=case, actor=make_user("grid", username="g"), measures=ok)


def checked_reasons(case, users, measures):
    return " ".join(
        e.reason for e in services.plan_measures_check(case=case, actor=users["village"], measures=measures)
    )


def test_each_risk_needs_a_matching_measure(users, monkeypatch):
    case = monitored(users, monkeypatch)
    with pytest.raises(InputRefused, match=r"因病.*R-AID-05"):
        services.plan_measures_add(
            case=case, actor=users["village"], measures=[MeasureInput(measure_type="100A39", start_on=TODAY)]
        )


def test_valid_plan_with_helper_is_saved_and_audited(users, monkeypatch):
    case = monitored(users, monkeypatch)
    plan = services.plan_measures_add(
        case=case,
        actor=users["township"],
        measures=[
            MeasureInput(
                measure_type="100A39", start_on=TODAY, description="种植魔芋补助", amount=Decimal(3000)
            ),
            MeasureInput(measure_type="100A45", item="medical_premium_subsidy", start_on=TODAY),
        ],
        helpers=[
            services.HelperInput(name="王帮扶", unit="县农业农村局", phone="13700001111", start_on=TODAY)
        ],
    )
    helper = plan.helpers.get()
    assert helper.phone_masked == "137****1111" and "13700001111" not in helper.phone_sealed
    assert AuditEntry.objects.filter(object_type="measure", action="create").count() == 1


def test_public_welfare_job_refused_for_a_15_year_old(users, monkeypatch):
    case = monitored(users, monkeypatch)
    child = case.household.members.create(
        id_sealed="x",
        id_index="child-15",
        id_masked="5303****0001",
        name="李小明",
        sex="M",
        birth_date=TODAY.replace(year=TODAY.year - 15),
        relation="child",
        labour="none",
    )
    with pytest.raises(InputRefused) as exc:
        services.plan_measures_add(
            case=case,
            actor=users["village"],
            measures=[
                MeasureInput(measure_type="100A42", person_id=child.pk, start_on=TODAY, description="护林员"),
                MeasureInput(measure_type="100A45", start_on=TODAY),
            ],
        )
    assert "李小明（15岁）" in exc.value.message and "16至69岁" in exc.value.message


def test_microcredit_limits(users, monkeypatch):
    case = monitored(users, monkeypatch)
    elder = person(case, "parent")  # born 1948: 77
    with pytest.raises(InputRefused) as exc:
        services.plan_measures_add(
            case=case,
            actor=users["village"],
            measures=[
                MeasureInput(
                    measure_type="100A41",
                    item="microcredit",
                    person_id=elder.pk,
                    start_on=TODAY,
                    amount=Decimal(60000),
                    subsidised=True,
                    loan_term_months=48,
                ),
                MeasureInput(measure_type="100A45", start_on=TODAY),
            ],
        )
    message = exc.value.message
    assert "18至65周岁" in message and "贴息额度每户不超过5万元" in message and "1至36个月" in message
    head = person(case)
    plan = services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[
            MeasureInput(
                measure_type="100A41",
                item="microcredit",
                person_id=head.pk,
                start_on=TODAY,
                amount=Decimal(50000),
                subsidised=True,
                loan_term_months=36,
            ),
            MeasureInput(measure_type="100A45", start_on=TODAY),
        ],
    )
    assert plan.measures.count() == 2


def test_no_labour_household_on_safety_net_is_flagged(users, monkeypatch):
    old = [
        {"seq": 51, "name": "王老汉", "birth": dt.date(1940, 1, 1), "relation": "head", "labour": "none"},
        {
            "seq": 62,
            "name": "赵老太",
            "birth": dt.date(1942, 5, 1),
            "relation": "spouse",
            "labour": "lost",
            "dibao": True,
        },
    ]
    case = monitored(users, monkeypatch, "H_WANG", members=old)
    services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[
            MeasureInput(measure_type="100A48", item="dibao", start_on=TODAY),
            MeasureInput(measure_type="100A45", start_on=TODAY),
        ],
    )
    case.household.refresh_from_db()
    assert case.household.no_labour_safety_net
    assert AuditEntry.objects.filter(
        object_type="household", object_id="H_WANG", reason__contains="R-AID-02"
    ).exists()


def test_measures_refused_before_identification(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_EARLY")
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    with pytest.raises(InputRefused, match="绿色通道"):
        services.plan_measures_add(
            case=clue.case,
            actor=users["village"],
            measures=[MeasureInput(measure_type="100A39", start_on=D0)],
        )


def test_visit_updates_income_and_overdue_list(users, monkeypatch):
    case = monitored(users, monkeypatch)
    assert case.risk_level == "yellow"
    # monitoring since D0+10; yellow = monthly; 40 days later the visit is overdue
    later = D0 + dt.timedelta(days=50)
    set_today(monkeypatch, later)
    overdue = visit_overdue_list(user=users["village"], today=later)
    assert [o["household_no"] for o in overdue] == ["H_LI"] and overdue[0]["days_overdue"] == 10
    services.visit_record(
        case=case,
        actor=users["village"],
        visited_on=later,
        notes="病情稳定",
        risk_level="red",
        income=IncomeInput(
            period="2025-04",
            wage=Decimal(30000),
            business=Decimal(4000),
            property=Decimal(0),
            transfer=Decimal(2000),
            business_cost=Decimal(1000),
        ),
    )
    record = IncomeRecord.objects.get(household=case.household, period="2025-04")
    assert record.net_income == Decimal(35000) and record.per_capita_net == Decimal("8750.00")
    assert AuditEntry.objects.filter(object_type="income_record", action="create").count() == 1
    assert visit_overdue_list(user=users["village"], today=later) == []
    # red = weekly: 8 days later it is overdue again
    assert visit_overdue_list(user=users["village"], today=later + dt.timedelta(days=8))


def test_visit_in_the_future_is_refused(users, monkeypatch):
    case = monitored(users, monkeypatch)
    with pytest.raises(InputRefused, match="晚于今天"):
        services.visit_record(case=case, actor=users["village"], visited_on=TODAY + dt.timedelta(days=1))
