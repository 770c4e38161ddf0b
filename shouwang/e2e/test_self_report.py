"""A citizen files a self-report (找政府, R-ID-07) on an iPhone-sized touch screen and gets the
tracking code."""

import re

import pytest

from shouwang.channels.models import SelfReport
from shouwang.testing.browser import PHONE
from shouwang.testing.builders import VILLAGE_A

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_self_report_on_a_phone(browser_context, base_url, screenshot):
    context = browser_context(**PHONE)
    page = context.new_page()
    # The citizen walks down the region tree to the village.
    page.goto(f"{base_url}/self-report/")
    page.get_by_role("link", name=re.compile("曲靖市")).tap()
    page.get_by_role("link", name=re.compile("会泽县")).tap()
    page.get_by_role("link", name=re.compile("古城街道")).tap()
    page.get_by_role("link", name=re.compile("堂琅社区")).tap()
    page.wait_for_selector("#subject_name")
    page.locator("#subject_name").tap()
    page.fill("#subject_name", "张桂芳")
    page.select_option("#difficulty", index=1)
    page.fill("#description", "丈夫外出务工受伤，家里两个孩子上学")
    page.fill("#contact_phone", "13987654321")
    screenshot(page, "self-report-phone", full_page=True)
    page.locator("button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/self-report/track/[A-Z0-9]+/"))
    code = page.inner_text(".code").strip()
    assert "申报已提交" in page.inner_text("body")
    report = SelfReport.objects.get(tracking_code=code)
    assert report.village_id == VILLAGE_A
    assert "13987654321" not in page.content()  # the tracking page shows status only
    screenshot(page, "self-report-tracking-phone", full_page=True)
