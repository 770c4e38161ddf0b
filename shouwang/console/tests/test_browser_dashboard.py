"""The dashboard's trends by risk type and by township in a real browser (Debian chromium) over a county
simulated, imported and screened month by month (tests/scenario.py): the three trend charts are drawn by
ECharts with one line per risk type / township, their data tables hold the same figures as the page model,
and the page passes the basic accessibility checks. Writes docs/screenshots/dashboard-trends.png when
SHOUWANG_SCREENSHOTS=1."""

from pathlib import Path

import pytest

from shouwang.console.tests.a11y import a11y_problems
from shouwang.console.tests.scenario import build_county
from shouwang.testing.browser import console_login

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}


def test_dashboard_trends_in_a_browser(browser_context, base_url, screenshot, tmp_path: Path):
    scenario = build_county(out=tmp_path / "sim")
    context = browser_context(**SCREEN)
    page = context.new_page()
    console_login(page, base_url, scenario.county_user.username)
    page.goto(f"{base_url}/dashboard/")

    risk_rows = page.locator("#risk-trend-table tbody[data-risk]")
    area_rows = page.locator("#area-trend-table tbody[data-region]")
    assert risk_rows.count() >= 2 and area_rows.count() >= 2
    months = page.locator("#risk-trend-table thead th.num").all_inner_texts()
    assert len(months) >= 6  # six screened months
    assert "按乡（镇、街道）的月度变化" in page.inner_text("#h-atrend")
    assert a11y_problems(page.content()) == []

    if page.evaluate("() => Boolean(window.echarts)"):  # ECharts installed by `make install`
        page.wait_for_function(
            "() => document.querySelectorAll('[data-chart=lines][data-rendered]').length === 3"
        )
        # One line per risk type with data, one per township with enough households.
        lines = page.evaluate(
            """() => [...document.querySelectorAll('[data-chart=lines]')].map(
                el => echarts.getInstanceByDom(el).getOption().series.length)"""
        )
        assert lines[0] == lines[1] == risk_rows.count() and lines[2] >= 1
    page.locator("#risk-trend").scroll_into_view_if_needed()
    # The trends and the tile map below them, as an official sees them.
    page.evaluate("() => document.querySelector('#risk-trend details').open = true")
    top = page.evaluate("() => document.querySelector('#risk-trend').getBoundingClientRect().top + scrollY")
    height = page.evaluate(
        "() => document.querySelector('#area-trend').getBoundingClientRect().bottom + scrollY"
    )
    page.set_viewport_size({"width": 1366, "height": int(height - top) + 40})
    page.evaluate(f"() => window.scrollTo(0, {int(top) - 20})")
    screenshot(page, "dashboard-trends")
