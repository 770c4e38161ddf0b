"""The monthly dispatch table (R-EMP-04): counts per township from the roster, the county total equal to the
sum of the townships, 环比 / 同比 against the previous month and last year, the freeze (stored rows served
as stored, a second freeze and a refresh refused with nothing changed), the XLSX layout and the command."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.employment.models import (
    DispatchFreeze,
    DispatchRow,
    LabourRecord,
    WorkEpisode,
    ZeroEmploymentTask,
)
from shouwang.employment.services import (
    LabourStatusInput,
    dispatch_freeze,
    dispatch_refresh,
    dispatch_table_compute,
    dispatch_table_load,
    dispatch_xlsx,
    labour_status_record,
    roster_refresh,
)
from shouwang.registry.models import Household, Person
from shouwang.testing.builders import (
    COUNTY,
    TOWNSHIP_A,
    TOWNSHIP_B,
    VILLAGE_A,
    VILLAGE_B,
    make_household,
    make_user,
)

pytestmark = pytest.mark.django_db
_seq = itertools.count(100)


def household(no: str, village: str, size: int) -> Household:
    members = [
        {
            "seq": next(_seq),
            "name": f"{no}成员{i}",
            "birth": dt.date(1980 + i, 1, 1),
            "relation": "head" if i == 0 else "child",
        }
        for i in range(size)
    ]
    return make_household(no, village, members=members)


def roster(hh: Household, period: str, *statuses: str) -> None:
    """The month's roster rows of ``hh``'s members, one status each (test data in the roster's shape)."""
    people = list(Person.objects.filter(household=hh).order_by("pk"))
    LabourRecord.objects.bulk_create(
        LabourRecord(
            person=p,
            household=hh,
            county_code=hh.county_code,
            township_code=hh.township_code,
            period=period,
            labour="ordinary",
            willing=None,
            status=s,
            source="visit",
        )
        for p, s in zip(people, statuses, strict=True)
    )


@pytest.fixture
def county() -> dict[str, Household]:
    """Township A: one household out of province + in county, one 零就业 (two seeking), one with a post and a
    student. Township B: one household in province + unwilling, one back from work (episode ended in May)."""
    hh = {
        "a1": household("A1", VILLAGE_A, 2),
        "a2": household("A2", VILLAGE_A, 2),
        "a3": household("A3", VILLAGE_A, 2),
        "b1": household("B1", VILLAGE_B, 2),
        "b2": household("B2", VILLAGE_B, 1),
    }
    roster(hh["a1"], "2025-06", "out_of_province", "in_county")
    roster(hh["a2"], "2025-06", "seeking", "seeking")
    roster(hh["a3"], "2025-06", "public_post", "student")
    roster(hh["b1"], "2025-06", "in_province", "unwilling")
    roster(hh["b2"], "2025-06", "seeking")
    b2 = Person.objects.get(household=hh["b2"])
    WorkEpisode.objects.create(
        person=b2,
        household=hh["b2"],
        county_code=COUNTY,
        township_code=TOWNSHIP_B,
        start_month="2025-01",
        end_month="2025-05",
        work_county="广东省深圳市宝安区",
    )
    return hh


def line(table: Any, code: str) -> Any:
    return next(r for r in table.rows if r.region_code == code)


def test_township_counts_and_the_county_total_is_their_sum(county: Any) -> None:
    t = dispatch_table_compute(county_code=COUNTY, period="2025-06")
    a, b = line(t, TOWNSHIP_A), line(t, TOWNSHIP_B)
    assert (a.labourers, a.willing, a.employed) == (5, 5, 3)  # the student is not labour
    assert (a.out_of_province, a.in_province, a.in_county, a.public_post) == (1, 0, 2, 1)
    assert (a.zero_households, a.returned_idle) == (1, 0)
    assert (b.labourers, b.willing, b.employed, b.in_province) == (3, 2, 1, 1)
    assert (b.zero_households, b.returned_idle) == (1, 1)  # B2: seeking, episode ended in May
    # Every township of the county is listed (zeros where nobody is on the roster); the total adds up.
    assert len(t.rows) > 2 and sum(r.labourers for r in t.rows) == 8
    assert t.total is not None
    for name in ("labourers", "willing", "employed", "out_of_province", "in_county", "zero_households"):
        assert getattr(t.total, name) == sum(getattr(r, name) for r in t.rows), name
    assert t.total.employed == t.total.out_of_province + t.total.in_province + t.total.in_county == 4
    # No roster a month or a year before: no 环比 / 同比 (not a fall to zero).
    assert t.total.mom is None and t.total.yoy is None and not t.total.alert


def test_month_on_month_and_year_on_year(county: Any) -> None:
    roster(county["a1"], "2025-05", "out_of_province", "out_of_province")
    roster(county["a2"], "2025-05", "in_county", "seeking")
    roster(county["a3"], "2025-05", "public_post", "student")
    roster(county["b1"], "2024-06", "seeking", "unwilling")
    t = dispatch_table_compute(county_code=COUNTY, period="2025-06")
    a, b = line(t, TOWNSHIP_A), line(t, TOWNSHIP_B)
    assert (a.employed_prev, a.mom, a.mom_pct) == (4, -1, -25.0)
    assert a.alert  # a fall of more than 10 % (R-EMP-04)
    assert (b.employed_prev, b.mom, b.employed_last_year, b.yoy) == (0, 1, 0, 1)
    assert b.mom_pct is None and not b.alert  # from zero: no percentage
    assert t.total is not None and (t.total.employed_prev, t.total.employed_last_year) == (4, 0)


def counts() -> tuple[int, ...]:
    return (
        DispatchFreeze.objects.count(),
        DispatchRow.objects.count(),
        LabourRecord.objects.count(),
        AuditEntry.objects.count(),
        ZeroEmploymentTask.objects.count(),
    )


def test_a_frozen_month_is_served_as_stored_and_never_recomputed(county: Any) -> None:
    official = make_user("county", COUNTY, username="county-dispatch")
    live = dispatch_table_compute(county_code=COUNTY, period="2025-06")
    freeze = dispatch_freeze(actor=official, county_code=COUNTY, period="2025-06")
    assert freeze.rows.count() == len(live.rows) + 1
    entry = AuditEntry.objects.get(object_type="dispatch_table", action="transition")
    assert entry.changes["employed"] == 4 and entry.actor == official
    # The roster changes afterwards (a late record): the frozen table does not move.
    roster(household("A4", VILLAGE_A, 1), "2025-06", "out_of_province")
    stored = dispatch_table_load(county_code=COUNTY, period="2025-06")
    assert stored.frozen is not None and stored.total is not None
    assert (stored.total.employed, line(stored, TOWNSHIP_A).employed) == (4, 3)
    assert dispatch_table_compute(county_code=COUNTY, period="2025-06").total.employed == 5  # type: ignore[union-attr]
    # Freezing again, refreshing, re-deriving and recording a status: refused or skipped, nothing changed.
    before = counts()
    with pytest.raises(InputRefused, match="已冻结"):
        dispatch_freeze(actor=official, county_code=COUNTY, period="2025-06")
    with pytest.raises(InputRefused, match="不能刷新") as refused:
        dispatch_refresh(actor=official, county_code=COUNTY, period="2025-06")
    assert "R-EMP-04" in refused.value.errors[0].reason
    assert roster_refresh(period="2025-06", counties=[COUNTY]) == 0
    person = Person.objects.filter(household=county["a2"]).first()
    assert person is not None
    with pytest.raises(InputRefused, match="冻结"):
        labour_status_record(
            household=county["a2"],
            actor=official,
            period="2025-06",
            entries=[LabourStatusInput(person_id=person.pk, status="in_county")],
            source="visit",
            checked_on=dt.date(2025, 7, 2),
        )
    assert counts() == before
    # The next month is open, and compares with the frozen rows.
    roster(county["a1"], "2025-07", "out_of_province", "seeking")
    july = dispatch_table_load(county_code=COUNTY, period="2025-07")
    assert july.frozen is None and line(july, TOWNSHIP_A).employed_prev == 3


def test_only_the_countys_own_officials_freeze(county: Any) -> None:
    before = counts()
    for role, region in (("township", TOWNSHIP_A), ("county", "530302")):
        with pytest.raises(InputRefused, match="无权"):
            dispatch_freeze(
                actor=make_user(role, region, username=f"{role}-x"), county_code=COUNTY, period="2025-06"
            )
    official = make_user("county", COUNTY, username="county-dispatch")
    with pytest.raises(InputRefused, match="尚无劳动力花名册"):
        dispatch_freeze(actor=official, county_code=COUNTY, period="2025-03")
    assert counts()[:2] == before[:2]


def test_refresh_re_derives_an_open_month(county: Any) -> None:
    official = make_user("county", COUNTY, username="county-dispatch")
    written = dispatch_refresh(actor=official, county_code=COUNTY, period="2025-06")
    assert written == 0  # every row of the fixture was recorded by a visit, and is kept
    assert AuditEntry.objects.filter(object_type="dispatch_table", action="update").count() == 1


def test_the_workbook_layout(county: Any, tmp_path: Path) -> None:
    official = make_user("county", COUNTY, username="county-dispatch")
    dispatch_freeze(actor=official, county_code=COUNTY, period="2025-06")
    table = dispatch_table_load(county_code=COUNTY, period="2025-06")
    (tmp_path / "t.xlsx").write_bytes(dispatch_xlsx(table))
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert ws is not None
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert "务工就业月度调度表（2025年06月）" in str(rows[0][0])
    assert "单位：人、户" in str(rows[1][0]) and "已冻结上报" in str(rows[1][0])
    assert rows[2][:4] == ["乡（镇）", "劳动力数", "有意愿数", "务工人数"]
    assert rows[3][3:7] == ["合计", "省外", "省内县外", "县内"]
    body, total = rows[4:-1], rows[-1]
    assert total[0] == "合计" and len(body) == len(table.rows)
    for col in range(1, 9):
        assert total[col] == sum(int(str(r[col])) for r in body)
    assert "古城街道" in [r[0] for r in body]


def test_the_export_command(county: Any, tmp_path: Path) -> None:
    out = tmp_path / "dispatch.xlsx"
    call_command("export", "dispatch", county=COUNTY, period="2025-06", out=str(out))
    ws = load_workbook(out).active
    assert ws is not None and ws.cell(row=ws.max_row, column=1).value == "合计"
    assert AuditEntry.objects.filter(object_type="dispatch_table", action="export").count() == 1
    with pytest.raises(SystemExit) as exit_:
        call_command("export", "dispatch", county="53", period="2025-06", out=str(out))
    assert exit_.value.code == 2
