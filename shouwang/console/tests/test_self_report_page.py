"""The staff view of a self-report filed without an ID: who to call back (the full phone an audited reveal),
matching it to a household of the region, then answering it."""

import datetime as dt

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case, Clue
from shouwang.channels.models import SelfReport
from shouwang.channels.services import self_report_submit
from shouwang.console.tests.helpers import TODAY, client_for, set_today
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _head(name: str, seq: int) -> list[dict]:
    return [{"seq": seq, "name": name, "birth": dt.date(1975, 3, 8), "relation": "head"}]


@pytest.fixture
def filed(monkeypatch):
    set_today(monkeypatch, TODAY)
    report, _ = self_report_submit(
        village_code=VILLAGE_A, difficulty="medical_bills", subject_name="李建国", contact_phone=PHONE
    )
    assert report.clue is not None and report.clue.household_id is None  # no ID: waits for staff
    return report


def test_a_township_official_matches_the_report_to_a_household_and_answers(filed):
    hh = make_household("H_MATCH", VILLAGE_A, members=_head("李建国", 11))
    make_household("H_FAR", "530302001001", members=_head("李建国", 12))  # another county: never offered
    c = client_for(make_user("township", TOWNSHIP_A))
    url = reverse("console:self_report_detail", args=[filed.tracking_code])
    page = c.get(url).content.decode()
    assert "匹配农户" in page and 'value="李建国"' in page  # the search starts from the reported name
    found = c.get(url, {"q": "李建国"})
    assert [h.household_no for h in found.context["candidates"]] == ["H_MATCH"]
    assert Case.objects.count() == 0
    done = c.post(
        reverse("console:self_report_match", args=[filed.tracking_code]), {"household_no": "H_MATCH"}
    )
    assert done.status_code == 302 and done["Location"] == url
    clue = Clue.objects.get(pk=filed.clue_id)
    assert clue.household_id == hh.pk and clue.case is not None and clue.case.household_id == hh.pk
    assert (
        AuditEntry.objects.filter(object_type="clue", action="update", reason="确认线索所属农户").count() == 1
    )
    page = c.get(url).content.decode()
    assert "匹配农户" not in page and f"#{clue.case_id}" in page  # the case link instead of the search
    c.post(url, {"response": "已上门核实，转入识别程序"})
    filed.refresh_from_db()
    assert filed.status == "answered"


def test_matching_refuses_what_is_not_the_users_and_changes_nothing(filed):
    make_household(
        "H_OTHER_TOWN", "530326102001", members=_head("李建国", 13)
    )  # same county, another township
    c = client_for(make_user("township", TOWNSHIP_A))
    match = reverse("console:self_report_match", args=[filed.tracking_code])
    assert c.post(match, {"household_no": "H_OTHER_TOWN"}).status_code == 404
    assert c.post(match, {"household_no": "NO_SUCH"}).status_code == 404
    outsider = client_for(make_user("village", VILLAGE_B))
    assert outsider.post(match, {"household_no": "H_OTHER_TOWN"}).status_code == 404
    assert Clue.objects.get(pk=filed.clue_id).household_id is None and Case.objects.count() == 0
    # Once matched, a second match is refused in Chinese.
    make_household("H_MATCH", VILLAGE_A, members=_head("李建国", 14))
    c.post(match, {"household_no": "H_MATCH"})
    make_household(
        "H_SECOND",
        VILLAGE_A,
        members=[{"seq": 11, "name": "王五", "birth": TODAY.replace(year=1980), "relation": "head"}],
    )
    again = c.post(match, {"household_no": "H_SECOND"}, follow=True)
    assert "该申报已对应农户" in again.content.decode()
    matched = Clue.objects.get(pk=filed.clue_id).household
    assert matched is not None and matched.household_no == "H_MATCH"


def test_revealing_the_phone_to_call_back_is_audited(filed):
    c = client_for(make_user("village", VILLAGE_A))
    url = reverse("console:self_report_detail", args=[filed.tracking_code])
    page = c.get(url).content.decode()
    assert PHONE not in page and filed.phone_masked in page
    shown = c.post(
        reverse("console:self_report_reveal_phone", args=[filed.tracking_code]), {"reason": "电话回访"}
    )
    assert shown.status_code == 200 and PHONE in shown.content.decode() and url in shown.content.decode()
    row = AuditEntry.objects.get(action="reveal", object_type="self_report.phone")
    assert (row.object_id, row.region_code, row.reason) == (filed.tracking_code, VILLAGE_A, "电话回访")
    # A role without the right, and staff of another region, see nothing and leave a refusal row.
    grid = client_for(make_user("grid", VILLAGE_A, username="grid1"))
    assert (
        PHONE
        not in grid.post(
            reverse("console:self_report_reveal_phone", args=[filed.tracking_code])
        ).content.decode()
    )
    other = client_for(make_user("county", "530302", username="qilin"))
    assert (
        other.post(reverse("console:self_report_reveal_phone", args=[filed.tracking_code])).status_code == 404
    )
    assert AuditEntry.objects.filter(action="reveal").count() == 1
    assert SelfReport.objects.get(pk=filed.pk).status == "submitted"


def test_the_county_sees_the_report_but_matching_stays_with_its_region(filed):
    c = client_for(make_user("county", COUNTY))
    assert c.get(reverse("console:self_report_detail", args=[filed.tracking_code])).status_code == 200
