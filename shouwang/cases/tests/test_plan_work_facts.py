"""R-AID-05: employment, public-post, 外出务工补贴 and 劳务输出 measures must match the household's work
facts (the 务工月监测 ledger, the roster, the registry's person record); decision 0513."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.models import Measure
from shouwang.cases.services import MeasureInput
from shouwang.cases.tests.helpers import D0
from shouwang.cases.tests.test_plans import TODAY, monitored, person
from shouwang.common.errors import InputRefused
from shouwang.employment.models import LabourRecord, WorkEpisode
from shouwang.employment.selectors import household_work_facts
from shouwang.publicposts.models import PostHolder
from shouwang.publicposts.tests.helpers import make_post
from shouwang.testing.builders import make_user
from shouwang.workshops.choices import WorkshopKindChoices
from shouwang.workshops.models import Workshop, WorkshopWorker

pytestmark = pytest.mark.django_db
MONTH = TODAY.strftime("%Y-%m")


@pytest.fixture
def users():
    return {r: make_user(r) for r in ("village", "township", "county")}


def _episode(p, *, start, end="", place="out_of_province", subsidy=None, channel="migrant"):
    return WorkEpisode.objects.create(
        person=p,
        household=p.household,
        county_code=p.household.county_code,
        township_code=p.household.township_code,
        start_month=start,
        end_month=end,
        work_county="广东省东莞市",
        place_type=place,
        wage=Decimal(4200),
        channel=channel,
        transport_subsidy=subsidy,
    )


def _refused(case, users, measures):
    before = (Measure.objects.count(), AuditEntry.objects.count(), case.version)
    with pytest.raises(InputRefused) as exc:
        services.plan_measures_add(case=case, actor=users["village"], measures=measures)
    case.refresh_from_db()
    assert (Measure.objects.count(), AuditEntry.objects.count(), case.version) == before
    return exc.value.message


HEALTH = MeasureInput(measure_type="100A45", start_on=TODAY, description="大病救助")


def test_employment_measure_needs_somebody_in_work_then_is_accepted(users, monkeypatch):
    case = monitored(users, monkeypatch)
    employ = MeasureInput(measure_type="100A40", start_on=TODAY, description="稳岗就业服务")
    message = _refused(case, users, [employ, HEALTH])
    assert "该户没有在业成员" in message and "R-AID-05" in message and "4_11_014" in message
    # Skill training prepares for work: no work needed (the plan still needs a development measure).
    services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[
            MeasureInput(measure_type="100A39", start_on=TODAY, description="种植", amount=Decimal(3000)),
            MeasureInput(measure_type="100A40", item="skill_training", start_on=TODAY),
            HEALTH,
        ],
    )
    # An episode that ended before the month does not count; a current one does.
    head = person(case)
    _episode(head, start="2023-03", end="2023-12")
    case.refresh_from_db()
    assert "该户没有在业成员" in _refused(case, users, [employ])
    _episode(head, start=MONTH)
    case.refresh_from_db()
    services.plan_measures_add(case=case, actor=users["village"], measures=[employ])
    assert Measure.objects.filter(measure_type="100A40", item="").count() == 1


def test_the_roster_and_the_registry_are_facts_too(users, monkeypatch):
    case = monitored(users, monkeypatch)
    spouse = person(case, "spouse")
    LabourRecord.objects.create(
        person=spouse,
        household=spouse.household,
        county_code=spouse.household.county_code,
        township_code=spouse.household.township_code,
        period=MONTH,
        labour="ordinary",
        status="in_county",
        source="visit",
    )
    services.plan_measures_add(
        case=case,
        actor=users["village"],
        measures=[MeasureInput(measure_type="100A40", start_on=TODAY, description="就业服务"), HEALTH],
    )
    other = monitored(
        users,
        monkeypatch,
        household_no="H_WANG",
        members=[{"seq": 51, "name": "王强", "birth": dt.date(1980, 5, 2), "relation": "head"}],
    )
    head = person(other)
    head.work_months, head.work_place = 8, "in_county"
    head.save(update_fields=["work_months", "work_place"])
    other.refresh_from_db()
    services.plan_measures_add(
        case=other,
        actor=users["village"],
        measures=[MeasureInput(measure_type="100A40", start_on=TODAY, description="就业服务"), HEALTH],
    )
    assert Measure.objects.filter(measure_type="100A40").count() == 2


def test_public_post_measure_names_a_person_in_a_post(users, monkeypatch):
    case = monitored(users, monkeypatch)
    head, spouse = person(case), person(case, "spouse")
    _episode(spouse, start=MONTH, place="in_county")  # somebody works, but not the person named
    case.refresh_from_db()
    post = MeasureInput(measure_type="100A42", person_id=head.pk, start_on=TODAY, description="护林员")
    message = _refused(case, users, [post, HEALTH])
    assert f"{head.name}在{TODAY.year}年{TODAY.month:02d}月没有上岗记录" in message
    _episode(head, start=MONTH, place="in_county", channel="public_post")
    case.refresh_from_db()
    services.plan_measures_add(case=case, actor=users["village"], measures=[post, HEALTH])
    assert Measure.objects.filter(measure_type="100A42", person_id=head.pk).exists()


def test_migrant_subsidy_needs_an_out_of_county_worker_and_an_amount(users, monkeypatch):
    case = monitored(users, monkeypatch)
    head = person(case)
    subsidy = MeasureInput(
        measure_type="100A40",
        item="migrant_subsidy",
        start_on=TODAY,
        description="交通补助",
        person_id=head.pk,
    )
    _episode(head, start=MONTH, place="in_county")
    case.refresh_from_db()
    assert "没有在县外务工的成员" in _refused(case, users, [subsidy, HEALTH])
    _episode(person(case, "spouse"), start=MONTH, place="in_province")
    case.refresh_from_db()
    assert "外出务工补贴须有补助金额" in _refused(case, users, [subsidy, HEALTH])
    subsidy.amount = Decimal(500)
    services.plan_measures_add(case=case, actor=users["village"], measures=[subsidy, HEALTH])
    assert Measure.objects.filter(item="migrant_subsidy", amount=Decimal(500)).count() == 1


def test_labour_export_needs_an_out_of_county_start_after_the_case_opened(users, monkeypatch):
    case = monitored(users, monkeypatch)
    head = person(case)
    export = MeasureInput(
        measure_type="100A40", item="labour_export", start_on=TODAY, description="劳务输出", person_id=head.pk
    )
    opened = case.opened_on
    before_case = (opened.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    _episode(head, start=before_case)  # already away before the risk was found: not an export
    case.refresh_from_db()
    message = _refused(case, users, [export, HEALTH])
    assert f"须有{opened.year}年{opened.month:02d}月（发现风险）以后开始的县外务工记录" in message
    _episode(person(case, "spouse"), start=max(MONTH, D0.strftime("%Y-%m")))
    case.refresh_from_db()
    services.plan_measures_add(case=case, actor=users["village"], measures=[export, HEALTH])
    assert Measure.objects.filter(item="labour_export").count() == 1


def test_a_public_post_holder_or_a_workshop_worker_is_in_work(users, monkeypatch):
    """R-AID-05 with R-EMP-02: a tenure on a public-welfare post (publicposts) or a 帮扶车间 spell
    (workshops) in the month counts as work, without any 务工月监测 episode."""

    case = monitored(users, monkeypatch)
    head, spouse = person(case), person(case, "spouse")
    hh = case.household
    post = MeasureInput(measure_type="100A42", person_id=head.pk, start_on=TODAY, description="护林员")
    assert "没有在业成员" in _refused(case, users, [post, HEALTH])
    p = make_post(users["county"], village=hh.village_id)
    PostHolder.objects.create(
        post=p,
        person=head,
        household=hh,
        county_code=hh.county_code,
        township_code=hh.township_code,
        start_on=TODAY.replace(day=1),
        term_end_on=TODAY.replace(year=TODAY.year + 1),
    )
    case.refresh_from_db()
    services.plan_measures_add(case=case, actor=users["village"], measures=[post, HEALTH])
    assert Measure.objects.filter(measure_type="100A42", person_id=head.pk).exists()
    # The spouse in a workshop: an employment measure for the spouse passes on that fact too.
    shop = Workshop.objects.create(
        name="竹编帮扶车间",
        kind=WorkshopKindChoices.values[0],
        village_id=hh.village_id,
        county_code=hh.county_code,
        township_code=hh.township_code,
        operator="竹编合作社",
        recognised_on=TODAY.replace(year=TODAY.year - 1),
        recognition_doc="会人社发〔2024〕1号",
    )
    WorkshopWorker.objects.create(
        workshop=shop,
        person=spouse,
        household=hh,
        county_code=hh.county_code,
        from_month=MONTH,
    )
    facts = household_work_facts(household_id=hh.pk, month=MONTH)
    assert facts.working == {head.pk, spouse.pk}
    assert not facts.out_of_county
