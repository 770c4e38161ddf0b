"""The roster counts through ``GET /api/v1/employment/roster`` and the household episodes selector: scoped to
the caller's region, "not yours" the same as "does not exist"."""

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from shouwang.accounts.access import NotFound
from shouwang.accounts.services import api_token_create
from shouwang.common import idnumber
from shouwang.employment.selectors import household_episodes
from shouwang.employment.services import ledger_import
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
_serial = itertools.count()

A: dict[str, Any] = {"seq": 61, "name": "孙甲", "birth": dt.date(1985, 2, 2), "relation": "head"}
B: dict[str, Any] = {"seq": 62, "name": "周乙", "birth": dt.date(1986, 3, 3), "relation": "head"}


@pytest.fixture
def ledger(tmp_path: Path) -> None:
    make_household("H_A", VILLAGE_A, members=[A])
    make_household("H_B", VILLAGE_B, members=[B])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["（务工月监测）已外出务工信息"])
    ws.append(["统计月份：2025年06月"])
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
    ws.append(
        [
            "H_A",
            idnumber.make(COUNTY, A["birth"], A["seq"]),
            "是",
            "2025年03月",
            "",
            "上海市松江区",
            "5200",
            "外出务工",
            "是",
        ]
    )
    wb.save(tmp_path / "e.xlsx")
    ledger_import(paths=[tmp_path / "e.xlsx"], period="2025-06")


def api(role: str, region: str) -> Client:
    user = make_user(role, region, username=f"{role}-{region}-{next(_serial)}")
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


def test_the_roster_is_counted_in_the_callers_region(ledger: Any) -> None:
    county = api("county", COUNTY).get("/api/v1/employment/roster?period=2025-06").json()
    assert (county["labourers"], county["employed"]) == (2, 1)
    assert county["by_status"]["out_of_province"] == 1 and county["by_status"]["seeking"] == 1
    town_b = api("township", TOWNSHIP_B).get("/api/v1/employment/roster?period=2025-06").json()
    assert (town_b["labourers"], town_b["employed"]) == (1, 0)
    # A region outside the caller's: nothing, as for an empty one.
    peek = api("township", TOWNSHIP_B).get(f"/api/v1/employment/roster?period=2025-06&region={TOWNSHIP_A}")
    assert peek.json()["labourers"] == 0
    assert api("county", COUNTY).get("/api/v1/employment/roster?period=2025-6").status_code == 422


def test_a_households_episodes_only_for_its_officials(ledger: Any) -> None:
    mine = make_user("township", TOWNSHIP_A, username="t-a")
    other = make_user("township", TOWNSHIP_B, username="t-b")
    assert [e.work_county for e in household_episodes(user=mine, household_no="H_A")] == ["上海市松江区"]
    with pytest.raises(NotFound):
        household_episodes(user=other, household_no="H_A")
    with pytest.raises(NotFound):
        household_episodes(user=other, household_no="H_NONE")
