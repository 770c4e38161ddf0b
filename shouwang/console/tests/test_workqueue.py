"""The home page's work queue: each section for the roles that act on it, items linking to their pages,
a warning turned into a clue leaving the queue, and a bounded query count."""

import datetime as dt

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case, Clue
from shouwang.channels.models import SelfReport
from shouwang.channels.services import self_report_submit
from shouwang.console.stats import stats_refresh
from shouwang.console.tests.helpers import (
    TODAY,
    client_for,
    home_check,
    open_case,
    set_today,
    step,
    warning_for,
)
from shouwang.console.tests.test_no_raw_codes import Checker
from shouwang.field.tests.helpers import make_monitored_case
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


def sections(user) -> dict:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return {s.key: s for s in response.context["sections"]}


@pytest.fixture
def village(monkeypatch):
    set_today(monkeypatch, TODAY)
    return make_user("village", VILLAGE_A)


def test_overdue_case_and_warning_to_verify_for_the_village(village, monkeypatch):
    li = make_household("H_LI", VILLAGE_A)
    set_today(monkeypatch, TODAY - dt.timedelta(days=20))
    case = open_case(li, village)
    set_today(monkeypatch, TODAY)
    other = make_household("H_ZHAO", VILLAGE_A, members=[_head(70)])
    warning_for(other, "2025-02")
    warning_for(make_household("H_FAR", VILLAGE_B, members=[_head(71)]), "2025-02")  # another township
    s = sections(village)
    assert s["cases"].count == 1
    item = s["cases"].items[0]
    assert item["link"] == reverse("console:case_detail", args=[case.pk])
    assert item["overdue"] and item["days_over"] == 5 and item["yours"]  # the home check is the village's
    assert [w["household_no"] for w in s["warnings"].items] == ["H_ZHAO"]
    assert "notices" not in s  # the village does not review notices


def test_a_warning_turned_into_a_clue_leaves_the_queue(village):
    hh = make_household("H_ZHAO", VILLAGE_A, members=[_head(70)])
    warning = warning_for(hh, "2025-02", risk_types=["illness"])
    c = client_for(village)
    response = c.post(reverse("console:warning_clue", args=[warning.pk]))
    clue = Clue.objects.get(household=hh)
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:case_detail", args=[clue.case_id]
    )
    assert clue.channel == "warning" and clue.source_ref == "warning:2025-02:H_ZHAO"
    assert sections(village)["warnings"].count == 0
    # Outside the region: the same 404 as a missing warning, and audited.
    far = warning_for(make_household("H_FAR", VILLAGE_B, members=[_head(71)]), "2025-02")
    assert c.post(reverse("console:warning_clue", args=[far.pk])).status_code == 404
    assert c.post(reverse("console:warning_clue", args=[999999])).status_code == 404
    assert AuditEntry.objects.filter(
        object_type="warning", action="access_denied", object_id=str(far.pk)
    ).exists()
    # A role that may not record clues is refused.
    auditor = make_user("auditor", COUNTY)
    assert client_for(auditor).post(reverse("console:warning_clue", args=[warning.pk])).status_code == 403


def test_notice_ended_is_queued_for_the_township(village, monkeypatch):
    township = make_user("township", TOWNSHIP_A)
    li = make_household("H_LI", VILLAGE_A)
    start = TODAY - dt.timedelta(days=12)
    set_today(monkeypatch, start)
    case = open_case(li, village)
    home_check(case, village, start)
    step(case, "compare", township, compared_on=start, conflicts_note="核实无误")
    step(
        case,
        "village_review",
        village,
        reviewed_on=start,
        attendance=20,
        votes_for=18,
        votes_against=1,
        result="passed",
    )
    set_today(monkeypatch, TODAY)
    step(case, "notice_start", village, started_on=TODAY - dt.timedelta(days=6))
    s = sections(township)
    assert [i["household_no"] for i in s["notices"].items] == ["H_LI"]
    assert s["notices"].items[0]["yours"]  # the township review is next
    # A notice started four days ago has not run its five calendar days yet (R-ID-03).
    case.notice_started_on = TODAY - dt.timedelta(days=3)
    case.save(update_fields=["notice_started_on"])
    assert sections(township)["notices"].count == 0


def test_visits_due_by_tier(village, monkeypatch):

    li = make_household("H_LI", VILLAGE_A)
    case = open_case(li, village)
    # A monitored household identified 40 days ago, yellow tier (monthly): overdue by ten days.
    Case.objects.filter(pk=case.pk).update(state="monitoring", decided_on=TODAY - dt.timedelta(days=40))
    s = sections(village)
    assert [v["household_no"] for v in s["visits"].items] == ["H_LI"]
    assert s["visits"].items[0]["days_over"] == 10
    # The county and above follow the figure by sub-region, from the statistics.

    stats_refresh(today=TODAY)
    county = sections(make_user("county", COUNTY))["visits"]
    assert county.count == 1 and county.items[0]["title"] == "古城街道" and county.items[0]["state"] == "1户"


def test_self_reports_for_staff_and_escalated_ones_for_the_county(village):

    report, _ = self_report_submit(
        village_code=VILLAGE_A, difficulty="medical_bills", subject_name="杨秀芬", contact_phone="13912345678"
    )
    s = sections(village)
    assert [i["household_no"] for i in s["self_reports"].items] == [report.tracking_code]
    county = make_user("county", COUNTY)
    assert sections(county)["self_reports"].count == 0
    SelfReport.objects.filter(pk=report.pk).update(escalated_at=dt.datetime(2025, 3, 18, tzinfo=dt.UTC))
    assert sections(county)["self_reports"].count == 1
    # The answer page: staff of the region, one view audit row; other regions get the same 404.
    c = client_for(village)
    url = reverse("console:self_report_detail", args=[report.tracking_code])
    assert c.get(url).status_code == 200
    assert AuditEntry.objects.filter(object_type="self_report", action="view").count() == 1
    response = c.post(url, {"response": "已联系村医，正在办理临时救助。"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "answered"
    outsider = client_for(make_user("village", VILLAGE_B))
    assert (
        outsider.get(url).content
        == outsider.get(reverse("console:self_report_detail", args=["NOPE"])).content
    )


def test_home_query_count_is_bounded(village, django_assert_max_num_queries):
    for i in range(30):
        warning_for(make_household(f"H_W{i:02d}", VILLAGE_A, members=[_head(200 + i)]), "2025-02")
    c = client_for(village)
    c.get("/")
    # 17 before routine visits; their section costs at most 4 more (villages, parameters, counts, rows) and
    # the unmatched clues 2 (count, items), whatever the number of households.
    with django_assert_max_num_queries(23):
        c.get("/")


def _head(seq: int) -> dict:
    return {"seq": seq, "name": f"户主{seq}", "birth": dt.date(1970, 1, 1), "relation": "head"}


def test_the_county_follows_overdue_visits_by_township_by_name(monkeypatch):
    """The county's visit section lists townships (from the statistics) by name, never a bare region code."""
    set_today(monkeypatch, TODAY)
    hh = make_household("H_LATE", VILLAGE_A, members=[_head(260)])
    make_monitored_case(hh, risk_level="yellow", decided_days_ago=90)  # monthly tier: overdue
    stats_refresh(today=TODAY)
    county = make_user("county", username="xian")
    section = sections(county)["visits"]
    assert section.count == 1 and section.items[0]["title"] == "古城街道"
    assert section.items[0]["household_no"] == ""
    page = client_for(county).get("/").content.decode()
    assert "古城街道" in page and Checker().page_problems("/", page) == []
