"""一户一策 in the console: a plan refused by the R-AID rules, each refusal under its field (the whole
plan's above the rows) and nothing written, then accepted."""

from typing import Any

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import AssistancePlan, Case, Measure
from shouwang.console.tests.helpers import TODAY, client_for, open_case, set_today
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
HELPER = {"h-name": "王帮扶", "h-unit": "县农业农村局", "h-phone": "13912345678"}


def post(*rows: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The plan form's POST: up to three measure rows (prefix m-) and the helper (h-)."""
    data: dict[str, Any] = {"m-TOTAL_FORMS": "3", "m-INITIAL_FORMS": "0", **extra}
    for i, row in enumerate(rows):
        data.update({f"m-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def monitored(monkeypatch):
    set_today(monkeypatch, TODAY)
    village = make_user("village", VILLAGE_A)
    case = open_case(make_household("H_PLAN", VILLAGE_A), village)  # a labour-capable family
    Case.objects.filter(pk=case.pk).update(state="monitoring", decided_on=TODAY, risk_types=["illness"])
    case.refresh_from_db()
    return village, case


def test_a_plan_first_refused_then_accepted(monitored):
    village, case = monitored
    c = client_for(village)
    url = reverse("console:plan", args=[case.pk])
    page = c.get(url)
    assert page.status_code == 200 and "添加帮扶措施" in page.content.decode()
    head = case.household.members.get(relation="head")
    grandmother = case.household.members.get(relation="parent")
    today = TODAY.isoformat()
    # 综合保障 only, for a family that can work: no development measure (R-AID-01), nothing for the
    # illness (R-AID-05); a bad helper phone; a public-welfare post for the 77-year-old (R-AID-08).
    refused = c.post(
        url,
        post(
            {"measure_type": "100A48", "start_on": today},
            {"measure_type": "100A42", "person": grandmother.pk, "start_on": today},
            **{**HELPER, "h-phone": "139123"},
        ),
    )
    assert refused.status_code == 422
    rows = refused.context["rows"].forms
    assert "只安排16至69岁人员" in str(rows[1].errors["person"])
    assert "手机号码应为11位数字" in str(refused.context["helper"].errors["phone"])
    assert not AssistancePlan.objects.exists() and not Measure.objects.exists()
    # Row problems fixed, the whole plan's rules now speak (above the rows, in Chinese).
    plan_wide = c.post(url, post({"measure_type": "100A48", "start_on": today}, **HELPER))
    text = " ".join(plan_wide.context["plan_errors"])
    assert "开发式帮扶措施" in text and "须有匹配措施" in text
    html = plan_wide.content.decode()
    assert "未加入计划" in html and "整个计划须满足" in html
    assert 'title="政策依据：R-AID-01"' in html and "（R-AID-01）" not in html  # the rule ID in a tooltip
    assert not Measure.objects.exists() and not AuditEntry.objects.filter(object_type="measure").exists()
    # Accepted: an industry measure for the head and the medical aid the illness calls for.
    done = c.post(
        url,
        post(
            {
                "measure_type": "100A39",
                "person": head.pk,
                "start_on": today,
                "description": "养殖能繁母牛2头",
            },
            {"measure_type": "100A45", "start_on": today, "description": "大病救助"},
            **HELPER,
        ),
    )
    assert done.status_code == 302 and done["Location"] == url
    assert sorted(Measure.objects.values_list("measure_type", flat=True)) == ["100A39", "100A45"]
    assert Measure.objects.get(measure_type="100A39").person_id == head.pk
    assert AssistancePlan.objects.get(household=case.household).helpers.get().name == "王帮扶"
    assert AuditEntry.objects.filter(object_type="measure", action="create").count() == 1
    shown = c.get(url).content.decode()
    assert (
        "产业帮扶" in shown
        and "养殖能繁母牛2头" in shown
        and "王帮扶" in shown
        and "13912345678" not in shown
    )


def _db_state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    return (
        case.version,
        Measure.objects.count(),
        AssistancePlan.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_live_check_answers_with_the_service_refusals_and_writes_nothing(monitored):
    village, case = monitored
    c = client_for(village)
    check = reverse("console:plan_check", args=[case.pk])
    grandmother = case.household.members.get(relation="parent")
    today = TODAY.isoformat()
    before = _db_state(case)
    # A family that can work, with only 综合保障: the whole plan's refusals, in their slot (R-AID-01/05).
    answer = c.post(check, post({"measure_type": "100A48", "start_on": today}))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert '<div id="plan-check" aria-live="polite" hx-swap-oob="innerHTML">' in html
    assert "该户有劳动能力，帮扶计划须至少包含一项开发式帮扶措施" in html and "须有匹配措施" in html
    assert 'title="政策依据：R-AID-01"' in html
    # A row's refusal lands in that field's slot; every other slot is sent (emptied).
    answer = c.post(
        check,
        post(
            {"measure_type": "100A39", "start_on": today},
            {"measure_type": "100A42", "person": grandmother.pk, "start_on": today},
            **{**HELPER, "h-phone": "139123"},
        ),
    )
    html = answer.content.decode()
    person_slot = html.split('id="err-id_m-1-person"', 1)[1].split("</div></div>", 1)[0]
    assert "只安排16至69岁人员" in person_slot
    phone_slot = html.split('id="err-id_h-phone"', 1)[1].split("</div></div>", 1)[0]
    assert "手机号码应为11位数字" in phone_slot
    empty_slot = 'id="err-id_m-0-measure_type" aria-live="polite" hx-swap-oob="innerHTML"></div>'
    assert empty_slot in html
    # The form's own parsing speaks the same way (a measure without its start date).
    html = c.post(check, post({"measure_type": "100A39", "start_on": ""})).content.decode()
    assert "请填写开始日期" in html.split('id="err-id_m-0-start_on"', 1)[1].split("</div></div>", 1)[0]
    # A plan that would be accepted: no refusal at all, and still nothing written.
    head = case.household.members.get(relation="head")
    html = c.post(
        check,
        post(
            {"measure_type": "100A39", "person": head.pk, "start_on": today},
            {"measure_type": "100A45", "start_on": today},
        ),
    ).content.decode()
    assert 'class="field-error"' not in html and "plan-errors" not in html
    assert _db_state(case) == before
    # Outside the user's region: not found; a role that cannot plan: refused; still nothing written.
    vb = client_for(make_user("village", VILLAGE_B, username="vb"))
    assert vb.post(check, post({"measure_type": "100A39", "start_on": today})).status_code == 404
    grid = client_for(make_user("grid", VILLAGE_A, username="g1"))
    assert grid.post(check, post({"measure_type": "100A39", "start_on": today})).status_code == 403
    assert Measure.objects.count() == 0 and AssistancePlan.objects.count() == 0


def test_the_page_asks_for_the_live_check_only_of_those_who_may_plan(monitored):
    village, case = monitored
    check = reverse("console:plan_check", args=[case.pk])
    url = reverse("console:plan", args=[case.pk])
    assert f'hx-post="{check}"' in client_for(village).get(url).content.decode()
    reader = client_for(make_user("grid", VILLAGE_A, username="g2")).get(url)
    assert reader.status_code == 200 and "hx-post" not in reader.content.decode()


def test_other_regions_and_roles_change_nothing(monitored):
    _, case = monitored
    url = reverse("console:plan", args=[case.pk])
    row = {"measure_type": "100A39", "start_on": TODAY.isoformat()}
    assert client_for(make_user("village", VILLAGE_B, username="vb")).post(url, post(row)).status_code == 404
    assert client_for(make_user("grid", VILLAGE_A, username="g1")).post(url, post(row)).status_code == 403
    assert not Measure.objects.exists()


def test_ending_a_measure_keeps_the_plan_whole(monitored):
    village, case = monitored
    Case.objects.filter(pk=case.pk).update(risk_types=[])
    head = case.household.members.get(relation="head")
    c = client_for(village)
    url = reverse("console:plan", args=[case.pk])
    today = TODAY.isoformat()
    c.post(url, post({"measure_type": "100A39", "person": head.pk, "start_on": today}))
    industry = Measure.objects.get()
    end = reverse("console:measure_end", args=[case.pk, industry.pk])
    # The only development measure of a family that can work: refused, nothing changed (R-AID-01).
    refused = c.post(end, {"ended_on": today, "reason": "养殖项目结束"}, follow=True)
    assert "开发式帮扶措施" in refused.content.decode()
    industry.refresh_from_db()
    assert industry.status == "active" and industry.end_on is None
    # With an employment measure added first (the head works in the county: R-AID-05), the industry one
    # ends (date and reason audited).
    head.work_months, head.work_place = 10, "in_county"
    head.save(update_fields=["work_months", "work_place"])
    c.post(url, post({"measure_type": "100A40", "person": head.pk, "start_on": today}))
    done = c.post(end, {"ended_on": today, "reason": "养殖项目结束"}, follow=True)
    assert "已结束措施：产业帮扶" in done.content.decode()
    industry.refresh_from_db()
    assert industry.status == "ended" and industry.end_on == TODAY
    row = AuditEntry.objects.get(object_type="measure", action="update")
    assert row.reason == "养殖项目结束" and row.changes["status"] == ["active", "ended"]
    # Ending it twice is refused in Chinese.
    again = c.post(end, {"ended_on": today}, follow=True)
    assert "该措施已结束" in again.content.decode()
    assert AuditEntry.objects.filter(object_type="measure", action="update").count() == 1


def test_the_monitoring_contact_is_set_on_the_plan_page(monitored):
    """监测联系人 (R-AID-03, R-ELIM-06): refused with the reason under its field and nothing written, then
    set (sealed phone, shown masked) and audited; another region's official gets the 404 of a missing case."""
    village, case = monitored
    c = client_for(village)
    url = reverse("console:plan_contact", args=[case.pk])
    assert "尚未登记" in c.get(reverse("console:plan", args=[case.pk])).content.decode()
    refused = c.post(url, {"contact_name": "李村医", "contact_phone": "1391234"})
    assert refused.status_code == 422
    assert "手机号码应为11位数字" in str(refused.context["contact"].errors["contact_phone"])
    empty = c.post(url, {"contact_name": "", "contact_phone": ""})
    assert "请填写监测联系人" in str(empty.context["contact"].errors["contact_name"])
    assert not AssistancePlan.objects.exists()
    assert not AuditEntry.objects.filter(object_type="plan").exists()
    outsider = client_for(make_user("village", VILLAGE_B))
    assert outsider.post(url, {"contact_name": "张三", "contact_phone": "13912345678"}).status_code == 404
    assert not AssistancePlan.objects.exists()

    done = c.post(url, {"contact_name": "李村医", "contact_phone": "13912345678"})
    assert done.status_code == 302
    plan = AssistancePlan.objects.get(household=case.household)
    assert (plan.contact_name, plan.contact_phone_masked) == ("李村医", "139****5678")
    assert plan.contact_phone_sealed and "13912345678" not in plan.contact_phone_sealed
    assert AuditEntry.objects.get(object_type="plan").reason == "登记监测联系人"
    page = c.get(reverse("console:plan", args=[case.pk])).content.decode()
    assert "李村医" in page and "139****5678" in page and "更换监测联系人" in page
