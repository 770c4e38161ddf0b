"""Follow-up visits in the console (R-ID-06): the list of visits due and overdue, and the visit form with
the optional new income — each refusal next to its field, nothing written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case, Visit
from shouwang.console.tests.helpers import TODAY, client_for, open_case, set_today
from shouwang.registry.models import IncomeRecord
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitored(monkeypatch):
    """A yellow-tier monitored household identified 40 days ago and never visited: ten days overdue."""
    set_today(monkeypatch, TODAY)
    village = make_user("village", VILLAGE_A)
    case = open_case(make_household("H_LI", VILLAGE_A), village)
    Case.objects.filter(pk=case.pk).update(
        state="monitoring", decided_on=TODAY - dt.timedelta(days=40), risk_level="yellow"
    )
    case.refresh_from_db()
    return village, case


def test_the_overdue_list_leads_to_the_visit_form(monitored):
    village, case = monitored
    c = client_for(village)
    page = c.get(reverse("console:visits_due"))
    assert page.status_code == 200
    text = page.content.decode()
    form_url = reverse("console:visit_create", args=[case.pk])
    assert "H_LI" in text and "超期10天" in text and form_url in text and "黄色" in text
    # The work queue's visit items land on the form too, and "more" on the list.
    home = c.get("/").context["sections"]
    visits = next(s for s in home if s.key == "visits")
    assert visits.items[0]["link"] == form_url and visits.more_link == reverse("console:visits_due")
    assert form_url in c.get(reverse("console:case_detail", args=[case.pk])).content.decode()
    # Roles that do not visit get a Chinese 403; other regions a 404 on the form.
    assert client_for(make_user("province", "53")).get(reverse("console:visits_due")).status_code == 403
    assert client_for(make_user("village", VILLAGE_B, username="vb")).get(form_url).status_code == 404


def test_refusals_show_next_to_their_fields_and_change_nothing(monitored):
    village, case = monitored
    c = client_for(village)
    url = reverse("console:visit_create", args=[case.pk])
    future = c.post(url, {"visited_on": (TODAY + dt.timedelta(days=1)).isoformat(), "notes": "x"})
    assert future.status_code == 422
    assert "走访日期不能晚于今天" in str(future.context["form"].errors["visited_on"])
    no_amounts = c.post(
        url, {"visited_on": TODAY.isoformat(), "with_income": "on", "income_period": "2025-3"}
    )
    errors = no_amounts.context["form"].errors
    assert no_amounts.status_code == 422
    assert "收入期间格式应为YYYY-MM" in str(errors["income_period"]) and "请填写金额" in str(errors["wage"])
    negative = c.post(
        url,
        {
            "visited_on": TODAY.isoformat(),
            "with_income": "on",
            "income_period": "2025-02",
            "wage": "-5",
            "business": "0",
            "property": "0",
            "transfer": "0",
            "business_cost": "0",
        },
    )
    assert negative.status_code == 422 and "金额不能为负" in str(negative.context["form"].errors["wage"])
    assert Visit.objects.count() == 0 and not IncomeRecord.objects.filter(period="2025-02").exists()
    assert not AuditEntry.objects.filter(object_type="visit").exists()


def test_a_visit_with_income_and_a_new_risk_level(monitored):
    village, case = monitored
    c = client_for(village)
    done = c.post(
        reverse("console:visit_create", args=[case.pk]),
        {
            "visited_on": TODAY.isoformat(),
            "risk_level": "red",
            "notes": "家中老人住院，收入下降",
            "with_income": "on",
            "income_period": "2025-02",
            "wage": "6000",
            "business": "1200.50",
            "property": "0",
            "transfer": "800",
            "business_cost": "300",
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("console:case_detail", args=[case.pk])
    visit = Visit.objects.get()
    assert (visit.case_id, visit.visited_on, visit.income_period) == (case.pk, TODAY, "2025-02")
    case.refresh_from_db()
    assert case.risk_level == "red"
    income = IncomeRecord.objects.get(household=case.household, period="2025-02")
    assert income.wage == Decimal(6000) and income.business == Decimal("1200.50")
    assert AuditEntry.objects.filter(object_type="visit", action="create").count() == 1
    # Visited today: no longer due (red tier is weekly, so due again in 7 days, inside the horizon).
    rows = client_for(village).get(reverse("console:visits_due")).context["rows"]
    assert [r["overdue"] for r in rows] == [False]
    assert (
        client_for(make_user("county", COUNTY))
        .get(reverse("console:visit_create", args=[case.pk]))
        .status_code
        == 200
    )
