"""Public-welfare posts in a real browser (Debian chromium, R-EMP-07): the county sets up a post and walks
it through the recruitment — 公告, 报名, 审核, 公示, 聘用 — from the pages. On the application form the
household's members are listed with the reasons each may not be hired before anything is submitted; an
applicant over the age limit and one who already holds a post are refused with the reason visible and
nothing written; a hire before the notice days have run is refused too. The database is checked after
every step. Writes docs/screenshots/console-post-apply.png when SHOUWANG_SCREENSHOTS=1."""

import datetime as dt
from typing import Any

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.console.tests.a11y import a11y_problems
from shouwang.publicposts.models import PostApplication, PostHolder, PublicPost
from shouwang.publicposts.tests.helpers import TODAY, hire_through, make_post, member, set_today
from shouwang.testing.browser import console_login
from shouwang.testing.builders import make_household, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}
ENABLE = "b => { b.disabled = false; b.removeAttribute('aria-disabled'); }"


def snapshot() -> tuple[Any, ...]:
    return (
        list(PublicPost.objects.order_by("pk").values_list("stage", "version")),
        PostApplication.objects.count(),
        PostHolder.objects.count(),
        AuditEntry.objects.filter(object_type="public_post").count(),
    )


def step(page: Any, label: str) -> None:
    page.click(f".action-panel button:has-text('{label}')")
    page.wait_for_selector(".alert-ok:has-text('已办理')")


def test_a_post_is_walked_to_hire_and_the_ineligible_are_refused(
    browser_context, base_url, screenshot, monkeypatch
):
    set_today(monkeypatch, TODAY)
    county = make_user("county")
    li = make_household("H_LI")
    # 李建国 of H_LI already holds a 护林员 post (hired through the services).
    forest = make_post(county, name="堂琅护林员", post_class="forest")
    hire_through(forest, member(li, "李建国"), county, monkeypatch)
    people = [
        {"seq": 71, "name": "陈红梅", "birth": dt.date(1985, 4, 2), "relation": "head"},
        {"seq": 82, "name": "陈老汉", "birth": dt.date(1962, 1, 15), "relation": "parent"},
    ]
    make_household("H_CHEN", members=people)
    set_today(monkeypatch, TODAY)
    page = browser_context(**SCREEN).new_page()
    console_login(page, base_url, county.username)

    # The county sets the post up from the list.
    page.goto(f"{base_url}/posts/")
    page.click("a:has-text('设立岗位')")
    page.fill("#id_name", "堂琅社区保洁员")
    page.select_option("#id_post_class", "cleaning")
    page.select_option("#id_funding", "linkage")
    page.fill("#id_monthly_subsidy", "800")
    page.select_option("#id_insurance", "accident")
    page.click("button:has-text('设立岗位')")
    page.wait_for_selector(".alert-ok:has-text('岗位已设立')")
    post = PublicPost.objects.get(name="堂琅社区保洁员")
    assert (post.stage, post.monthly_subsidy, post.insurance) == ("draft", 800, "accident")
    post_url = f"{base_url}/posts/{post.pk}/"
    assert "发布招聘公告" in page.inner_text(".action-panel")

    # 公告.
    step(page, "发布招聘公告")
    assert PublicPost.objects.get(pk=post.pk).stage == "announced"

    # 申报: the form lists 陈's household with each member's eligibility before anything is submitted.
    page.click("a:has-text('登记报名')")
    page.fill("#id_household_no", "H_CHEN")
    page.click("button:has-text('查询并检查资格')")
    page.wait_for_selector("#candidates")
    chen_old = page.locator("#candidates tr:has-text('陈老汉')")
    reasons = chen_old.inner_text()
    assert "超过最高聘用年龄60周岁" in reasons and "体检合格的可放宽至65周岁" in reasons
    assert chen_old.locator("button").is_disabled()
    assert "符合条件" in page.inner_text("#candidates tr:has-text('陈红梅')")
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-post-apply", full_page=True)

    # A refused application posted anyway (the button of an ineligible member, enabled by hand): the reason
    # is shown and nothing is written.
    before = snapshot()
    chen_old.locator("button").evaluate(ENABLE)
    chen_old.locator("button").click()
    page.wait_for_selector("#errors")
    assert "陈老汉不符合公益性岗位聘用条件" in page.inner_text("#errors")
    assert "超过最高聘用年龄60周岁" in page.inner_text("#errors")
    assert snapshot() == before

    # 李建国 already holds the 护林员 post: a second post is refused (一人一岗), shown before submitting.
    page.fill("#id_household_no", "H_LI")
    page.click("button:has-text('查询并检查资格')")
    page.wait_for_selector("#candidates")
    li_row = page.locator("#candidates tr:has-text('李建国')")
    assert "已在“堂琅护林员”岗位在岗，一人只能聘用一个公益性岗位" in li_row.inner_text()
    assert "该户已有1人在公益性岗位在岗" in page.inner_text("#candidates tr:has-text('张玉兰')")
    li_row.locator("button").evaluate(ENABLE)
    li_row.locator("button").click()
    page.wait_for_selector("#errors")
    assert "一人一岗" in page.inner_text("#errors")
    assert snapshot() == before

    # 陈红梅 is eligible: her application is registered.
    page.fill("#id_household_no", "H_CHEN")
    page.click("button:has-text('查询并检查资格')")
    page.locator("#candidates tr:has-text('陈红梅') button").click()
    page.wait_for_selector(".alert-ok:has-text('报名已登记')")
    app = PostApplication.objects.get(post=post)
    assert (app.person.name, app.status) == ("陈红梅", "submitted")

    # 审核 and 公示.
    step(page, "截止报名、进入资格审核")
    page.click("#applications button:has-text('审核通过')")
    page.wait_for_selector(".alert-ok:has-text('审核已登记')")
    assert PostApplication.objects.get(pk=app.pk).status == "approved"
    step(page, "开始拟聘公示")
    post.refresh_from_db()
    assert (post.stage, post.notice_started_on) == ("public_notice", TODAY)

    # 聘用 two days into a five-day notice: refused, nothing changed.
    set_today(monkeypatch, TODAY + dt.timedelta(days=2))
    page.goto(post_url)
    before = snapshot()
    page.click(".action-panel button:has-text('公示期满、聘用上岗')")
    page.wait_for_selector("#errors")
    assert "仅2天，须满5天后方可聘用" in page.inner_text("#errors")
    assert snapshot() == before

    # After the notice: hired, the holder listed with her term.
    set_today(monkeypatch, TODAY + dt.timedelta(days=5))
    page.goto(post_url)
    step(page, "公示期满、聘用上岗")
    holder = PostHolder.objects.get(post=post)
    assert (holder.person.name, holder.start_on, holder.term_end_on, holder.status) == (
        "陈红梅",
        dt.date(2025, 3, 25),
        dt.date(2026, 3, 24),
        "active",
    )
    assert "聘用上岗" in page.inner_text("#post-stage")
    assert "陈红梅" in page.inner_text("#holders") and "2026-03-24" in page.inner_text("#holders")
