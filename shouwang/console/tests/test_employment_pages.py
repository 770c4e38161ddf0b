"""The employment pages (R-EMP-04/05) through the test client: the overview, the dispatch table per role
(a township sees its own row, a village cadre none), freeze then a refused refresh, the XLSX download, the
零就业 list with its township filter, and the 务工经历 panel of the household page."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.test import Client
from openpyxl import load_workbook

from shouwang.audit.models import AuditEntry
from shouwang.employment.models import DispatchFreeze, LabourRecord
from shouwang.employment.services import roster_refresh
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
PERIOD = "2025-06"
_serial = itertools.count()


def client(role: str, region: str) -> Client:
    c = Client()
    c.force_login(make_user(role, region, username=f"{role}-{region}-{next(_serial)}"))
    return c


@pytest.fixture
def county() -> None:
    make_household("ZA", VILLAGE_A)
    make_household(
        "ZB",
        VILLAGE_B,
        members=[
            {"seq": 51, "name": "赵大", "birth": dt.date(1980, 5, 5), "relation": "head"},
            {"seq": 52, "name": "钱二", "birth": dt.date(1982, 6, 6), "relation": "spouse"},
        ],
    )
    roster_refresh(period=PERIOD, counties=[COUNTY], today=dt.date(2025, 6, 5))


def test_the_dispatch_table_freeze_refresh_and_download(county: None) -> None:
    official = client("county", COUNTY)
    page = official.get(f"/employment/dispatch/?period={PERIOD}").content.decode()
    assert "古城街道" in page and "娜姑镇" in page and "冻结上报" in page and "未冻结" in page
    response = official.post(
        "/employment/dispatch/freeze/", {"county": COUNTY, "period": PERIOD}, follow=True
    )
    assert "调度表已冻结上报" in response.content.decode()
    assert DispatchFreeze.objects.filter(county_code=COUNTY, period=PERIOD).count() == 1
    before = (LabourRecord.objects.count(), AuditEntry.objects.count())
    response = official.post(
        "/employment/dispatch/refresh/", {"county": COUNTY, "period": PERIOD}, follow=True
    )
    html = response.content.decode()
    assert "不能刷新" in html and "已冻结上报" in html and 'id="dispatch-freeze"' not in html
    assert (LabourRecord.objects.count(), AuditEntry.objects.count()) == before
    download = official.get(f"/employment/dispatch/download/?county={COUNTY}&period={PERIOD}")
    ws = load_workbook(io.BytesIO(download.content)).active
    assert ws is not None and ws.cell(row=ws.max_row, column=1).value == "合计"
    assert ws.cell(row=ws.max_row, column=2).value == 4  # two adults in each household


def test_who_sees_what(county: None) -> None:
    township = client("township", TOWNSHIP_A).get(f"/employment/dispatch/?period={PERIOD}").content.decode()
    assert "古城街道" in township and "娜姑镇" not in township and "<tfoot>" not in township
    assert 'id="dispatch-freeze"' not in township
    assert client("village", VILLAGE_A).get("/employment/dispatch/").status_code == 403
    # A township asking for another county gets its own (the county it does not cover is never shown).
    assert client("township", TOWNSHIP_B).get("/employment/dispatch/?county=530302").status_code == 200
    village = client("village", VILLAGE_A)
    zero = village.get("/employment/zero/").content.decode()
    assert "ZA" in zero and "ZB" not in zero
    overview = village.get("/employment/").content.decode()
    assert "待清零 1 户" in overview


def test_the_zero_list_and_the_household_panel(county: None) -> None:
    official = client("county", COUNTY)
    listing = official.get("/employment/zero/").content.decode()
    assert "ZA" in listing and "ZB" in listing and "2025-07-05" in listing
    only_b = official.get(f"/employment/zero/?township={TOWNSHIP_B}").content.decode()
    assert "ZB" in only_b and "ZA" not in only_b
    panel = official.get("/households/ZA/").content.decode()
    assert "务工经历" in panel and "未就业有意愿" in panel and "待清零" in panel
