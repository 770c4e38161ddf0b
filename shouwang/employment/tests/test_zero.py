"""零就业 households kept at zero (R-EMP-05): the roster's zero households become township tasks with a
deadline; an imported episode or a recorded public post closes the task (reason and person recorded,
audited); a household zero again later gets a new task; a past month re-run does not reopen one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.employment.models import LabourRecord, ZeroEmploymentTask
from shouwang.employment.services import (
    ZERO_TASK_DAYS,
    LabourStatusInput,
    labour_status_record,
    ledger_import,
    roster_refresh,
    zero_employment_refresh,
)
from shouwang.publicposts.models import PostHolder
from shouwang.publicposts.tests.helpers import make_post
from shouwang.registry.models import Household, Person
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user
from shouwang.workshops.choices import WorkshopKindChoices
from shouwang.workshops.models import Workshop, WorkshopWorker

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 6)


def episode_file(path: Path, household: Household, person: Person, seq: int, start: str) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["（务工月监测）已外出务工信息"])
    ws.append(["统计月份"])
    ws.append(
        [
            "户编号",
            "证件号码",
            "是否已务工",
            "开始时间",
            "结束时间",
            "务工所在县",
            "务工月收入",
            "就业渠道",
            "是否点对点输送",
        ]
    )
    number = idnumber.make(COUNTY, person.birth_date, seq)
    ws.append([household.household_no, number, "是", start, "", "上海市松江区", "5200", "外出务工", "是"])
    wb.save(path)
    return path


@pytest.fixture
def zero_household() -> Household:
    # Two adults of working age (derived 未就业有意愿), a child at school, a grandparent: a 零就业户.
    return make_household("Z1", VILLAGE_A)


def open_tasks() -> list[ZeroEmploymentTask]:
    return list(ZeroEmploymentTask.objects.filter(status="open"))


def test_a_zero_household_becomes_a_township_task_and_an_episode_closes_it(
    zero_household: Household, tmp_path: Path
) -> None:
    other = make_household(
        "W1",
        VILLAGE_B,
        members=[{"seq": 77, "name": "王工", "birth": dt.date(1990, 1, 1), "relation": "head"}],
    )
    roster_refresh(period="2025-06", counties=[COUNTY], today=TODAY)
    tasks = {t.household_id: t for t in open_tasks()}
    assert set(tasks) == {zero_household.pk, other.pk}
    mine = tasks[zero_household.pk]
    assert (mine.township_code, mine.opened_period) == (TOWNSHIP_A, "2025-06")
    assert mine.deadline == TODAY + dt.timedelta(days=ZERO_TASK_DAYS)
    assert AuditEntry.objects.filter(object_type="zero_employment_task", action="create").count() == 2
    # Re-deriving the month changes nothing: still one open task each.
    roster_refresh(period="2025-06", counties=[COUNTY], today=TODAY)
    assert len(open_tasks()) == 2 and ZeroEmploymentTask.objects.count() == 2
    # The head starts work (an imported 务工月监测 episode): the task closes by itself.
    head = Person.objects.get(household=zero_household, relation="head")
    ledger_import(
        paths=[episode_file(tmp_path / "e.xlsx", zero_household, head, 11, "2025年06月")], period="2025-06"
    )
    mine.refresh_from_db()
    assert (mine.status, mine.close_reason, mine.closed_period) == ("closed", "work", "2025-06")
    assert mine.closed_person_id == head.pk
    assert [t.household_id for t in open_tasks()] == [other.pk]
    closed = AuditEntry.objects.get(object_type="zero_employment_task", action="transition")
    assert closed.object_id == "Z1" and "已务工就业" in closed.reason


def test_a_recorded_public_post_closes_the_task_and_zero_again_opens_a_new_one(
    zero_household: Household,
) -> None:
    roster_refresh(period="2025-06", counties=[COUNTY], today=TODAY)
    [task] = open_tasks()
    official = make_user("village", VILLAGE_A, username="village-zero")
    spouse = Person.objects.get(household=zero_household, relation="spouse")
    labour_status_record(
        household=zero_household,
        actor=official,
        period="2025-06",
        entries=[LabourStatusInput(person_id=spouse.pk, status="public_post")],
        source="visit",
        checked_on=dt.date(2025, 6, 20),
    )
    task.refresh_from_db()
    assert (task.status, task.close_reason, task.closed_person_id) == ("closed", "public_post", spouse.pk)
    assert task.closed_on == dt.date(2025, 6, 20)
    assert AuditEntry.objects.get(object_type="zero_employment_task", action="transition").actor == official
    # In August she has left the post and nobody works: a new task (the old one stays closed).
    labour_status_record(
        household=zero_household,
        actor=official,
        period="2025-08",
        entries=[LabourStatusInput(person_id=spouse.pk, status="seeking")],
        source="visit",
        checked_on=dt.date(2025, 8, 3),
    )
    roster_refresh(period="2025-08", counties=[COUNTY], today=dt.date(2025, 8, 5))
    [again] = open_tasks()
    assert again.pk != task.pk and again.opened_period == "2025-08"
    assert ZeroEmploymentTask.objects.filter(household=zero_household).count() == 2


def test_a_past_month_does_not_reopen_and_a_month_without_roster_closes_nothing(
    zero_household: Household,
) -> None:
    roster_refresh(period="2025-06", counties=[COUNTY], today=TODAY)
    official = make_user("village", VILLAGE_A, username="village-zero")
    head = Person.objects.get(household=zero_household, relation="head")
    labour_status_record(
        household=zero_household,
        actor=official,
        period="2025-07",
        entries=[LabourStatusInput(person_id=head.pk, status="in_county")],
        source="phone",
        checked_on=dt.date(2025, 7, 9),
    )
    roster_refresh(period="2025-07", counties=[COUNTY], today=dt.date(2025, 7, 10))
    assert open_tasks() == []
    # June re-derived (it was zero then): no new task, the household is in work since July.
    roster_refresh(period="2025-06", counties=[COUNTY], today=dt.date(2025, 7, 11))
    assert open_tasks() == [] and ZeroEmploymentTask.objects.count() == 1
    # A month with no roster at all: nothing opened or closed.
    result = zero_employment_refresh(period="2025-12", counties=[COUNTY])
    assert (result.opened, result.closed) == (0, 0)


def test_a_post_tenure_and_a_workshop_job_are_roster_statuses_and_close_the_task(
    zero_household: Household,
) -> None:
    """R-EMP-02 "derived from episodes, posts and workshops": a hire through publicposts and a 帮扶车间
    spell (workshops) set the month's status (source 岗位/车间台账) without any episode, and the 零就业
    task closes with the right reason; a status recorded by a visit is not overwritten."""
    roster_refresh(period="2025-06", counties=[COUNTY], today=TODAY)
    [task] = open_tasks()
    county = make_user("county", COUNTY, username="county-zero")
    head = Person.objects.get(household=zero_household, relation="head")
    spouse = Person.objects.get(household=zero_household, relation="spouse")
    PostHolder.objects.create(
        post=make_post(county, village=VILLAGE_A),
        person=head,
        household=zero_household,
        county_code=COUNTY,
        township_code=zero_household.township_code,
        start_on=dt.date(2025, 7, 10),
        term_end_on=dt.date(2026, 7, 9),
    )
    roster_refresh(period="2025-07", counties=[COUNTY], today=dt.date(2025, 7, 15))
    task.refresh_from_db()
    assert (task.status, task.close_reason, task.closed_person_id) == ("closed", "public_post", head.pk)
    row = LabourRecord.objects.get(period="2025-07", person=head)
    assert (row.status, row.source, row.willing) == ("public_post", "roll", True)
    # August: the spouse joins a workshop; the head's visit says 灵活就业 and stays so despite the post.
    shop = Workshop.objects.create(
        name="堂琅帮扶车间",
        kind=WorkshopKindChoices.values[0],
        village_id=VILLAGE_A,
        county_code=COUNTY,
        township_code=zero_household.township_code,
        operator="竹编合作社",
        recognised_on=dt.date(2024, 1, 1),
        recognition_doc="会人社发〔2024〕1号",
    )
    WorkshopWorker.objects.create(
        workshop=shop, person=spouse, household=zero_household, county_code=COUNTY, from_month="2025-08"
    )
    LabourRecord.objects.create(
        person=head,
        household=zero_household,
        county_code=COUNTY,
        township_code=zero_household.township_code,
        period="2025-08",
        labour=head.labour,
        status="flexible",
        source="visit",
    )
    roster_refresh(period="2025-08", counties=[COUNTY], today=dt.date(2025, 8, 5))
    got = dict(LabourRecord.objects.filter(period="2025-08").values_list("person__relation", "status"))
    assert got["head"] == "flexible" and got["spouse"] == "workshop"
    assert not open_tasks()
