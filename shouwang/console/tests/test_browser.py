"""The console in a real browser (Debian chromium through the shared Playwright fixtures) over a realistic
county built through the real paths (tests/scenario.py): the county dashboard with its charts, the
household 360° page with the department evidence loaded by htmx, the case page where the township
officer completes the review; keyboard access and the basic accessibility checks in the rendered pages.
Writes docs/screenshots/console-*.png when SHOUWANG_SCREENSHOTS=1."""

from pathlib import Path

import pytest

from shouwang.console.tests.a11y import a11y_problems
from shouwang.console.tests.scenario import build_county
from shouwang.testing.browser import console_login

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}


def test_console_pages_in_a_browser(browser_context, base_url, screenshot, tmp_path: Path):
    scenario = build_county(out=tmp_path / "sim")
    case, household = scenario.showcase_case, scenario.showcase_household
    assert case is not None and household is not None and case.state == "public_notice"
    context = browser_context(**SCREEN)
    page = context.new_page()
    console_login(page, base_url, scenario.county_user.username)

    # Keyboard: the first Tab reaches the skip link, which moves focus to the main content.
    page.goto(f"{base_url}/dashboard/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    charts = page.locator("[data-chart]")
    if page.evaluate("() => Boolean(window.echarts)"):  # ECharts installed by `make install`
        page.wait_for_function("() => document.querySelectorAll('[data-chart][data-rendered]').length >= 4")
        assert page.locator("[data-chart] svg").count() == charts.count()
    assert page.locator(".tilemap .tile").count() > 10
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-county-dashboard", full_page=True)

    page.goto(f"{base_url}/households/{household.household_no}/")
    page.wait_for_selector("#evidence table, #evidence .empty")  # htmx fetched the lake timeline
    assert "5303**" in page.inner_text("#members")
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-household", full_page=True)

    # The township officer reviews the notice that has run its five days.
    township = scenario.users[f"township:{case.household.township_code}"]
    context.clear_cookies()
    console_login(page, base_url, township.username)
    page.goto(f"{base_url}/cases/{case.pk}/")
    page.wait_for_selector("details.action[open] summary:has-text('乡镇审核')")
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-case", full_page=True)
    today = page.evaluate("() => new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'})")
    page.fill("#township_review-notice_ended_on", today)
    page.fill("#township_review-reviewed_on", today)
    page.fill("#township_review-opinion", "公示期满无异议，同意上报县级审定。")
    page.click("details[open] button[type=submit]")
    page.wait_for_selector(".alert-ok:has-text('已办理')")
    case.refresh_from_db()
    assert case.state == "township_review"
