"""帮扶车间 and 交通补助 in a real browser (Debian chromium): the county official opens the workshops from
the navigation, a malformed quarter is refused on the page, the quarterly check moves a workshop with four
脱贫 workers to 监测待处置 and its history shows why; the transport tab lists who qualifies with the reason
and the computed list marks the eligible labourer 应补. The database is checked after each step.
Writes docs/screenshots/console-workshops.png when SHOUWANG_SCREENSHOTS=1."""

import datetime as dt
from typing import Any

import pytest

from shouwang.console.tests.a11y import a11y_problems
from shouwang.console.tests.test_workshops_pages import YEAR, work_data
from shouwang.employment.models import TransportSubsidy
from shouwang.testing.browser import console_login
from shouwang.testing.builders import COUNTY, make_user
from shouwang.workshops.models import Workshop, WorkshopCheck

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}


def test_the_quarterly_check_and_the_transport_list(browser_context, base_url, screenshot):
    county = make_user("county", COUNTY, username="xianji", display_name="县级甲")
    data = work_data(county)
    page: Any = browser_context(**SCREEN).new_page()
    console_login(page, base_url, county.username)
    page.click("nav.mainnav a:has-text('就业帮扶')")
    page.click("nav.area-tabs a:has-text('帮扶车间')")
    page.wait_for_selector("h1:has-text('帮扶车间')")
    row = page.locator("tr:has-text('堂琅帮扶车间')")
    assert "正常运行" in row.inner_text() and "居家式" in row.inner_text()

    page.fill("#id_quarter", "2026Q9")
    page.evaluate("document.querySelector('#id_quarter').removeAttribute('pattern')")
    page.click("button:has-text('开展季度检查')")
    page.wait_for_selector(".alert-error:has-text('季度格式应为2026Q3')")
    assert WorkshopCheck.objects.count() == 0

    page.fill("#id_quarter", f"{YEAR}Q1")
    page.click("button:has-text('开展季度检查')")
    page.wait_for_selector(".alert-ok:has-text('状态变化1个')")
    assert Workshop.objects.get(pk=data["workshop"].pk).status == "pending"
    page.locator("tr:has-text('堂琅帮扶车间') a").first.click()
    page.wait_for_selector("#history")
    history = page.inner_text("#history")
    assert "吸纳脱贫劳动力4人，少于5人" in history and "监测待处置" in history
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-workshops")

    page.goto(f"{base_url}/transport-subsidy/")
    page.wait_for_selector("h1:has-text('外出务工交通补助')")
    assert "满3个月" in page.inner_text("table.grid") and "不足3个月" in page.inner_text("table.grid")
    page.click("button:has-text('按务工数据测算应补名单')")
    page.wait_for_selector(".alert-ok:has-text('应补1人')")
    assert TransportSubsidy.objects.filter(year=YEAR, status="eligible").count() == 1
    assert "应补" in page.locator("tr:has-text('车间工0')").inner_text()
    assert dt.date.today().year == YEAR
