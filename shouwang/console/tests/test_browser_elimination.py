"""Risk elimination in a real browser (Debian chromium), every step by the level whose turn it is
(R-ELIM-04): the county proposes a qualifying household from the elimination review (R-ELIM-01…03), the
village checks it at home, holds the village review and puts up the notice (公示), records and answers an
objection, the township closes the notice (a notice too short is refused first) and reviews, the county
approves and announces (公告); the household page shows it eliminated. Then the county rolls the
elimination back (回退, R-ELIM-07) and monitoring resumes. The database is checked after every step.
Writes docs/screenshots/console-elimination-case.png when SHOUWANG_SCREENSHOTS=1."""

import datetime as dt
from typing import Any

import pytest

from shouwang.cases.models import Case, NoticeObjection
from shouwang.cases.tests.helpers import set_today
from shouwang.cases.tests.test_elimination import IDENTIFIED, monitored
from shouwang.console.tests.a11y import a11y_problems
from shouwang.testing.browser import console_login
from shouwang.testing.builders import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}
ON = IDENTIFIED + dt.timedelta(days=200)  # 2025-09-29: identified more than six months ago (R-ELIM-02)


def day(n: int) -> dt.date:
    return ON + dt.timedelta(days=n)


def sign_in(page: Any, base_url: str, user: Any) -> None:
    page.context.clear_cookies()
    console_login(page, base_url, user.username)


def confirm(page: Any, label: str) -> None:
    """Press the action's button and wait for the case page to say it was done."""
    page.click(f"button:has-text('确认{label}')")
    page.wait_for_selector(".alert-ok:has-text('已办理')")


def test_a_household_is_eliminated_step_by_step_and_rolled_back(
    browser_context, base_url, screenshot, monkeypatch
):
    users = {r: make_user(r) for r in ("village", "township", "county")}
    ident = monitored(users, monkeypatch)  # H_LI: 18,000 元 a head, three guarantees held, labour, measures
    household = ident.household
    set_today(monkeypatch, ON)
    page = browser_context(**SCREEN).new_page()

    # County: the review lists the household as qualifying; the proposal opens on its case page.
    sign_in(page, base_url, users["county"])
    page.goto(f"{base_url}/elimination/")
    row = page.locator("tr:has-text('H_LI')")
    assert "符合条件" in row.inner_text() and "各项条件均已满足" in row.inner_text()
    row.locator("a:has-text('提出风险消除')").click()
    page.wait_for_selector("#action-propose_elimination[open]")
    page.select_option("#propose_elimination-mode", "assisted")
    confirm(page, "提出风险消除")
    elim = Case.objects.get(parent=ident, kind="elimination")
    assert (elim.state, elim.opened_on, elim.elimination_mode, elim.is_open) == (
        "candidate",
        ON,
        "assisted",
        True,
    )
    ident.refresh_from_db()
    assert ident.state == "monitoring" and ident.is_open
    page.goto(f"{base_url}/elimination/")
    row = page.locator("tr:has-text('H_LI')")
    assert "消除办理中" in row.inner_text()
    row.locator("a:has-text('查看消除案件')").click()
    page.wait_for_selector("h1:has-text('风险消除')")
    assert "下一步“入户核实”由村干部办理" in page.inner_text(".action-panel")
    case_url = f"{base_url}/cases/{elim.pk}/"
    assert page.url == case_url

    # Village: home check (R-ELIM-04 入户核实), the form opened with today's date.
    set_today(monkeypatch, day(1))
    sign_in(page, base_url, users["village"])
    page.goto(case_url)
    assert page.input_value("#home_check-checked_on") == day(1).isoformat()
    page.fill("#home_check-findings", "家庭收入稳定，务工和养殖收入有保障，两不愁三保障及饮水安全均已落实")
    confirm(page, "入户核实")
    elim.refresh_from_db()
    assert (elim.state, elim.home_checked_on) == ("home_check", day(1))

    # Village review (民主评议).
    set_today(monkeypatch, day(2))
    page.goto(case_url)
    page.fill("#village_review-attendance", "30")
    page.fill("#village_review-votes_for", "27")
    page.fill("#village_review-votes_against", "1")
    page.select_option("#village_review-result", "passed")
    confirm(page, "民主评议")
    elim.refresh_from_db()
    assert (elim.state, elim.reviewed_on) == ("village_review", day(2))

    # The village notice (村内公示), and its printable text naming the household.
    set_today(monkeypatch, day(3))
    page.goto(case_url)
    page.fill("#notice_start-place", "村委会公示栏")
    confirm(page, "开始村内公示")
    elim.refresh_from_db()
    assert (elim.state, elim.notice_started_on) == ("public_notice", day(3))
    page.click(".head-tools a:has-text('公示文本')")
    page.wait_for_selector("h1:has-text('风险消除')")
    notice = page.inner_text("body")
    assert "的公示" in notice and "H_LI" in notice and "帮扶消除" in notice and "信息比对" not in notice
    page.goto(case_url)

    # An objection during the notice, recorded (the screenshot: steps, notice and the open objection) …
    set_today(monkeypatch, day(4))
    page.goto(f"{case_url}?act=objection_record")
    page.fill("#objection_record-content", "有村民反映该户仍有大额医疗支出")
    confirm(page, "登记公示异议")
    objection = NoticeObjection.objects.get(case=elim)
    assert objection.received_on == day(4) and objection.resolved_on is None
    panel = page.inner_text("section[aria-labelledby=h-obj]")
    assert "不少于5天" in panel and day(7).isoformat() in panel and "待处理" in panel
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-elimination-case", full_page=True)

    # … and answered (not upheld).
    set_today(monkeypatch, day(5))
    page.goto(f"{case_url}?act=objection_resolve")
    page.fill("#objection_resolve-resolution", "经核实，医疗费用已由大病保险和医疗救助报销，异议不成立")
    confirm(page, "处理公示异议")
    objection.refresh_from_db()
    assert objection.resolved_on == day(5) and not objection.upheld
    elim.refresh_from_db()
    assert elim.state == "public_notice"

    # Township: a notice closed after three days is refused, in Chinese, and nothing changes …
    set_today(monkeypatch, day(8))
    sign_in(page, base_url, users["township"])
    page.goto(case_url)
    version = elim.version
    page.fill("#township_review-notice_ended_on", day(5).isoformat())
    page.fill("#township_review-opinion", "同意标注风险消除")
    page.click("button:has-text('确认乡镇审核')")
    page.wait_for_selector("#errors")
    assert "仅3天，不足5天" in page.inner_text("#errors")
    elim.refresh_from_db()
    assert (elim.state, elim.version, elim.notice_ended_on) == ("public_notice", version, None)
    # … closed on the day, it passes.
    page.fill("#township_review-notice_ended_on", day(8).isoformat())
    confirm(page, "乡镇审核")
    elim.refresh_from_db()
    assert (elim.state, elim.notice_ended_on, elim.township_reviewed_on) == (
        "township_review",
        day(8),
        day(8),
    )

    # County: approval (the conditions are checked again on that day) and the announcement.
    set_today(monkeypatch, day(9))
    sign_in(page, base_url, users["county"])
    page.goto(case_url)
    # Without a monitoring contact the approval is refused, and nothing changes (R-ELIM-06).
    version = elim.version
    page.click("button:has-text('确认县级审定')")
    page.wait_for_selector("#errors")
    assert "监测联系人" in page.inner_text("#errors")
    elim.refresh_from_db()
    assert (elim.state, elim.version) == ("township_review", version)
    page.fill("#county_approve-contact_name", "李村医")
    page.fill("#county_approve-contact_phone", "13912345678")
    confirm(page, "县级审定")
    elim.refresh_from_db()
    assert (elim.state, elim.approved_on) == ("county_approval", day(9))
    assert household.plan.contact_name == "李村医" and household.plan.contact_phone_masked == "139****5678"
    set_today(monkeypatch, day(10))
    page.goto(case_url)
    confirm(page, "公告、标注风险消除")
    elim.refresh_from_db()
    ident.refresh_from_db()
    household.refresh_from_db()
    assert (elim.state, elim.is_open, elim.announced_on, elim.decided_on) == (
        "eliminated",
        False,
        day(10),
        day(9),
    )
    assert (ident.state, ident.is_open) == ("eliminated", False)
    assert (household.risk_eliminated_on, household.elimination_mode) == (day(9), "assisted")
    # R-ELIM-05: the public-welfare post runs until its agreement ends; the rest stop.
    assert {m.measure_type: m.status for m in household.plan.measures.all()} == {
        "100A39": "ended",
        "100A45": "ended",
        "100A42": "active",
    }
    page.click(".head-tools a:has-text('公告文本')")
    page.wait_for_selector("h1:has-text('的公告')")
    assert "H_LI" in page.inner_text("body")
    page.goto(f"{base_url}/households/H_LI/")
    facts = page.inner_text("main")
    assert f"风险消除时间\n{day(9).isoformat()}" in facts and "风险消除方式\n帮扶消除" in facts

    # Roll-back (回退): the illness came back a month later; monitoring resumes.
    set_today(monkeypatch, day(40))
    page.goto(f"{case_url}?act=rollback")
    page.wait_for_selector("#action-rollback[open]")
    page.fill("#rollback-reason", "家人大病复发，自付医疗费用超过家庭收入的一半")
    confirm(page, "消除回退")
    elim.refresh_from_db()
    ident.refresh_from_db()
    household.refresh_from_db()
    assert (elim.state, elim.is_open) == ("rolled_back", False)
    assert (ident.state, ident.is_open) == ("monitoring", True)
    assert (household.risk_eliminated_on, household.elimination_mode) == (None, "")
    step = elim.steps.order_by("id").last()
    assert step is not None and (step.action, step.actor_role, step.data["found_on"]) == (
        "rollback",
        "county",
        day(40).isoformat(),
    )
    assert page.inner_text("h1 .badge") == "消除回退"
    page.goto(f"{base_url}/households/H_LI/")
    facts = page.inner_text("main")
    assert "风险消除时间\n—" in facts
    page.goto(f"{base_url}/elimination/")
    assert "H_LI" in page.inner_text("table")  # monitored again, in the review
