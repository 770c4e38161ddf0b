"""The assistance half in a real browser (Debian chromium): a village cadre builds the household's plan,
first refused (a family that can work, with only 综合保障 and nothing for its illness), then accepted; records
a visit; the county's elimination review; a township official matches a self-report filed without an ID to
a household and answers it. Writes docs/screenshots/console-plan*.png, console-visit.png,
console-elimination.png and console-self-report.png when SHOUWANG_SCREENSHOTS=1."""

import datetime as dt

import pytest

from shouwang.cases.models import Case, Measure, Visit
from shouwang.channels.services import self_report_submit
from shouwang.console.tests.a11y import a11y_problems
from shouwang.console.tests.helpers import open_case
from shouwang.testing.browser import console_login
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, make_household, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN = {"viewport": {"width": 1366, "height": 900}}


def test_a_cadre_builds_a_plan_and_records_a_visit(browser_context, base_url, screenshot):
    village = make_user("village", VILLAGE_A)
    case = open_case(make_household("H_BROWSER", VILLAGE_A), village)
    Case.objects.filter(pk=case.pk).update(state="monitoring", risk_types=["illness"])
    page = browser_context(**SCREEN).new_page()
    console_login(page, base_url, village.username)

    page.goto(f"{base_url}/households/H_BROWSER/")
    page.click("a:has-text('编辑帮扶计划')")
    page.wait_for_selector("h1:has-text('帮扶计划')")
    page.select_option("#id_m-0-measure_type", "100A48")  # 综合保障 only
    page.click("button:has-text('加入帮扶计划')")
    page.wait_for_selector("#plan-errors")
    refusal = page.inner_text("#plan-errors")
    assert "开发式帮扶措施" in refusal and "须有匹配措施" in refusal
    assert Measure.objects.count() == 0
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-plan-refused", full_page=True)

    head = case.household.members.get(relation="head")
    page.select_option("#id_m-0-measure_type", "100A39")
    page.select_option("#id_m-0-person", str(head.pk))
    page.fill("#id_m-0-description", "养殖能繁母牛2头")
    page.select_option("#id_m-1-measure_type", "100A45")
    page.fill("#id_m-1-description", "大病救助")
    page.fill("#id_h-name", "王帮扶")
    page.fill("#id_h-unit", "县农业农村局")
    page.fill("#id_h-phone", "13912345678")
    page.click("button:has-text('加入帮扶计划')")
    page.wait_for_selector(".alert-ok:has-text('已加入帮扶计划')")
    assert "养殖能繁母牛2头" in page.inner_text("#h-measures + table")
    assert sorted(Measure.objects.values_list("measure_type", flat=True)) == ["100A39", "100A45"]
    screenshot(page, "console-plan", full_page=True)

    page.goto(f"{base_url}/visits/")
    page.goto(f"{base_url}/cases/{case.pk}/visits/new/")
    page.fill("#id_notes", "家中老人住院，已落实大病救助")
    page.select_option("#id_risk_level", "red")
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-visit", full_page=True)
    page.click("button:has-text('登记走访')")
    page.wait_for_selector(".alert-ok:has-text('走访已登记')")
    assert Visit.objects.filter(case=case).count() == 1

    # The county's elimination review lists the household with every reason it cannot be proposed yet.
    county = make_user("county", COUNTY)
    page.context.clear_cookies()
    console_login(page, base_url, county.username)
    page.goto(f"{base_url}/elimination/")
    row = page.locator("tr:has-text('H_BROWSER')")
    assert "暂不符合" in row.inner_text()
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-elimination", full_page=True)


def test_the_plan_form_is_checked_as_it_is_filled_in(browser_context, base_url):
    """R-AID refusals appear next to their fields while choosing and typing, before any submit; the check
    writes nothing; submitting still checks (and saves once the plan holds)."""
    village = make_user("village", VILLAGE_A)
    case = open_case(make_household("H_LIVE", VILLAGE_A), village)
    Case.objects.filter(pk=case.pk).update(state="monitoring", risk_types=["illness"])
    case.refresh_from_db()
    version = case.version
    page = browser_context(**SCREEN).new_page()
    console_login(page, base_url, village.username)
    page.goto(f"{base_url}/cases/{case.pk}/plan/")
    checks: list[str] = []
    page.on("request", lambda r: checks.append(r.method) if r.url.endswith("/plan/check/") else None)

    page.select_option("#id_m-0-measure_type", "100A48")  # 综合保障 only, for a family that can work
    page.wait_for_selector("#plan-check #plan-errors")
    live = page.inner_text("#plan-check")
    assert "该户有劳动能力，帮扶计划须至少包含一项开发式帮扶措施" in live and "须有匹配措施" in live
    assert page.url.endswith(f"/cases/{case.pk}/plan/")  # nothing was submitted

    # A public-welfare post for the 77-year-old grandmother: the refusal under the member field.
    grandmother = case.household.members.get(relation="parent")
    page.select_option("#id_m-1-measure_type", "100A42")
    page.select_option("#id_m-1-person", str(grandmother.pk))
    page.wait_for_selector("#err-id_m-1-person .field-error")
    assert "只安排16至69岁人员" in page.inner_text("#err-id_m-1-person")
    # Typing a short phone number: the refusal under the phone field.
    page.fill("#id_h-name", "王帮扶")
    page.fill("#id_h-unit", "县农业农村局")
    page.fill("#id_h-phone", "139123")
    page.wait_for_selector("#err-id_h-phone .field-error")
    assert "手机号码应为11位数字" in page.inner_text("#err-id_h-phone")
    assert checks and set(checks) == {"POST"}
    assert Measure.objects.count() == 0
    case.refresh_from_db()
    assert case.version == version

    # Fixed as the user goes: the messages leave their fields.
    head = case.household.members.get(relation="head")
    page.select_option("#id_m-1-measure_type", "")
    page.select_option("#id_m-1-person", "")
    page.select_option("#id_m-0-measure_type", "100A39")
    page.select_option("#id_m-0-person", str(head.pk))
    page.select_option("#id_m-2-measure_type", "100A45")
    page.fill("#id_h-phone", "13912345678")
    page.wait_for_function(
        "() => !document.querySelector('#plan-check').textContent.trim()"
        " && !document.querySelector('#err-id_h-phone').textContent.trim()"
        " && !document.querySelector('#err-id_m-1-person').textContent.trim()"
    )
    assert Measure.objects.count() == 0
    page.click("button:has-text('加入帮扶计划')")
    page.wait_for_selector(".alert-ok:has-text('已加入帮扶计划')")
    assert sorted(Measure.objects.values_list("measure_type", flat=True)) == ["100A39", "100A45"]


def test_a_township_official_matches_a_self_report_and_answers(browser_context, base_url, screenshot):
    make_household(
        "H_REPORTED",
        VILLAGE_A,
        members=[{"seq": 17, "name": "杨秀芬", "birth": dt.date(1968, 5, 2), "relation": "head"}],
    )
    report, _ = self_report_submit(
        village_code=VILLAGE_A,
        difficulty="medical_bills",
        subject_name="杨秀芬",
        contact_phone="13912345678",
        description="丈夫住院，医药费负担重",
    )
    township = make_user("township", TOWNSHIP_A)
    page = browser_context(**SCREEN).new_page()
    console_login(page, base_url, township.username)
    page.goto(f"{base_url}/")
    page.click("a:has-text('杨秀芬')")
    page.wait_for_selector("h2:has-text('匹配农户')")
    page.click("button:has-text('查找')")  # the reported name is already in the search box
    page.wait_for_selector("tr:has-text('H_REPORTED')")
    assert a11y_problems(page.content()) == []
    screenshot(page, "console-self-report", full_page=True)
    page.click("tr:has-text('H_REPORTED') button:has-text('确认为此户')")
    page.wait_for_selector(".alert-ok:has-text('已匹配到农户H_REPORTED')")
    page.fill("#id_response", "已上门核实，转入识别程序，村医已联系")
    page.click("button:has-text('答复')")
    page.wait_for_selector(".alert-ok:has-text('已答复')")
    report.refresh_from_db()
    assert report.status == "answered" and report.clue is not None
    assert report.clue.household is not None and report.clue.household.household_no == "H_REPORTED"
