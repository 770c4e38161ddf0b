"""The members' monthly work status recorded from the phone with a visit (R-EMP-02, R-EMP-10)."""

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.cases import clock
from shouwang.cases.models import Visit
from shouwang.employment.models import LabourRecord
from shouwang.field.tests.helpers import entry
from shouwang.field.tests.test_sync import card, grid_world, session_client, sync, today  # noqa: F401

pytestmark = pytest.mark.django_db


def _counts():
    changes = AuditEntry.objects.exclude(action__in=["view", "not_found", "access_denied"])
    return (Visit.objects.count(), LabourRecord.objects.count(), changes.count())


def test_a_routine_visit_records_a_members_status_and_the_card_shows_it(grid_world):  # noqa: F811 (the fixture imported above)
    client = session_client(grid_world["grid"])
    data = today(client)
    assert {s["label"] for s in data["labour_statuses"]} >= {"省外务工", "公益性岗位", "未就业有意愿"}
    calm = card(data, "H_CALM")
    child = next(p for p in calm["labourers"] if p["name"].endswith("小妹"))
    assert child["status"] == "" and child["status_label"] == ""
    day = clock.today().isoformat()
    [result] = sync(
        client,
        entry(
            "visit",
            "H_CALM",
            visited_on=day,
            notes="女儿在县城超市上班",
            labour=[{"person_id": child["person_id"], "status": "in_county"}],
        ),
    )
    assert result["status"] == "applied", result
    record = LabourRecord.objects.get(person_id=child["person_id"])
    assert (record.period, record.status, record.source, record.willing) == (
        day[:7],
        "in_county",
        "visit",
        True,
    )
    audit = AuditEntry.objects.get(object_type="labour_record")
    assert audit.object_id == "H_CALM" and audit.changes["status"][child["name"]] == ["", "县内务工"]
    shown = next(
        p for p in card(today(client), "H_CALM")["labourers"] if p["person_id"] == child["person_id"]
    )
    assert (shown["status_label"], shown["source_label"]) == ("县内务工", "入户")


def test_a_refused_status_refuses_the_whole_visit_and_writes_nothing(grid_world):  # noqa: F811 (the fixture imported above)
    client = session_client(grid_world["grid"])
    other = grid_world["hh"]["other"].members.first()
    calm = card(today(client), "H_CALM")
    mine = calm["labourers"][0]
    before = _counts()
    [result] = sync(
        client,
        entry(
            "visit",
            "H_CALM",
            visited_on=clock.today().isoformat(),
            notes="走访",
            labour=[
                {"person_id": other.pk, "status": "in_county"},  # another household's member
                {"person_id": mine["person_id"], "status": "working_somewhere"},
            ],
        ),
    )
    assert result["status"] == "rejected"
    reasons = " ".join(e["reason"] for e in result["errors"])
    assert "不是该户计入家庭人口的成员" in reasons and "就业状态无效" in reasons
    assert _counts() == before
    [garbled] = sync(
        client, entry("visit", "H_CALM", visited_on=clock.today().isoformat(), notes="x", labour="x")
    )
    assert garbled["status"] == "rejected" and "成员就业状况格式无效" in garbled["message"] + str(
        garbled["errors"]
    )
    assert _counts() == before
