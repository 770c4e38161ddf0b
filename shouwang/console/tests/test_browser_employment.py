"""The 零就业 list and the dispatch table in a real browser (Debian chromium, R-EMP-04/05): the list shows a
zero household; its head starts work (an imported 务工月监测 episode) and the task closes by itself, shown
under 已清零 with the reason; the dispatch table shows the township numbers, the county freezes it, and a
refresh of the frozen month is refused with nothing changed. The database is checked after every step."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.employment.models import DispatchFreeze, LabourRecord, ZeroEmploymentTask
from shouwang.employment.services import ledger_import, roster_refresh
from shouwang.employment.tests.test_zero import episode_file
from shouwang.registry.models import Person
from shouwang.testing.browser import console_login
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}
PERIOD = "2025-06"


def test_a_zero_household_is_cleared_and_the_dispatch_table_is_frozen(
    browser_context: Any, base_url: str, tmp_path: Path
) -> None:
    za = make_household("ZA", VILLAGE_A)
    make_household(
        "ZB",
        VILLAGE_B,
        members=[
            {"seq": 51, "name": "赵大", "birth": dt.date(1980, 5, 5), "relation": "head"},
            {"seq": 52, "name": "钱二", "birth": dt.date(1982, 6, 6), "relation": "spouse"},
        ],
    )
    roster_refresh(period=PERIOD, counties=[COUNTY], today=dt.date(2025, 6, 5))
    county = make_user("county", COUNTY, username="county-emp")
    page = browser_context(**SCREEN).new_page()
    console_login(page, base_url, county.username)

    # The 零就业 list: both households, each with its deadline.
    page.goto(f"{base_url}/employment/zero/")
    row = page.locator("#zero-tasks tr[data-household='ZA']")
    assert "2025-07-05" in row.inner_text() and "待清零" in row.inner_text()
    assert page.locator("#zero-tasks tbody tr").count() == 2

    # The head starts work: an episode from the 务工月监测 export; the task closes by itself.
    head = Person.objects.get(household=za, relation="head")
    ledger_import(paths=[episode_file(tmp_path / "e.xlsx", za, head, 11, "2025年06月")], period=PERIOD)
    task = ZeroEmploymentTask.objects.get(household=za)
    assert (task.status, task.close_reason, task.closed_person_id) == ("closed", "work", head.pk)
    page.reload()
    assert page.locator("#zero-tasks tr[data-household='ZA']").count() == 0
    page.select_option("#f-status", "closed")
    page.click("button:has-text('筛选')")
    page.wait_for_selector("#zero-tasks tr[data-household='ZA']")
    closed = page.locator("#zero-tasks tr[data-household='ZA']").inner_text()
    assert "已清零" in closed and "已务工就业" in closed and "李建国" in closed

    # The household page's 务工经历 panel shows the episode and the month's status.
    page.goto(f"{base_url}/households/ZA/#work")
    panel = page.locator("#work").inner_text()
    assert "上海市松江区" in panel and "省外务工" in panel

    # The dispatch table: numbers per township and the county total.
    page.goto(f"{base_url}/employment/dispatch/?period={PERIOD}")
    total = page.locator("#dispatch-table tfoot tr").inner_text().split()
    assert total[:4] == ["合计", "4", "4", "1"]  # 4 labourers, 4 willing, 1 in work
    assert "未冻结" in page.inner_text("#dispatch-state")
    page.click("#dispatch-freeze")
    page.wait_for_selector(".alert-ok:has-text('已冻结上报')")
    assert "已冻结上报" in page.inner_text("#dispatch-state")
    assert page.locator("#dispatch-freeze").count() == 0
    assert DispatchFreeze.objects.filter(county_code=COUNTY, period=PERIOD).count() == 1

    # A refresh of the frozen month is refused, nothing changed.
    before = (LabourRecord.objects.count(), AuditEntry.objects.count(), ZeroEmploymentTask.objects.count())
    page.click("#dispatch-refresh")
    page.wait_for_selector(".alert-error")
    assert "不能刷新" in page.inner_text(".alert-error")
    assert (
        LabourRecord.objects.count(),
        AuditEntry.objects.count(),
        ZeroEmploymentTask.objects.count(),
    ) == before
    assert page.locator("#dispatch-table tfoot tr").inner_text().split()[:4] == ["合计", "4", "4", "1"]
