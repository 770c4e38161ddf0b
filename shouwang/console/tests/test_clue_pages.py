"""Clues without a household (R-ID-01): a hotline call about a person by name, a grid worker's report of
someone not in the registry. Staff find the household in their region; the clue joins or opens its case."""

import datetime as dt

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.models import Case, Clue
from shouwang.console.tests.helpers import TODAY, client_for, set_today
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch):
    set_today(monkeypatch, TODAY)
    village = make_user("village", VILLAGE_A)
    township = make_user("township")
    hh = make_household(
        "H_ZHAO",
        VILLAGE_A,
        members=[{"seq": 201, "name": "赵德明", "birth": dt.date(1968, 5, 1), "relation": "head"}],
    )
    call = services.clue_submit(
        actor=township,
        channel="hotline",
        risk_types=["illness"],
        village_code=VILLAGE_A,
        subject_name="赵德明",
        description="来电反映：户主住院，医疗费用高",
        reported_on=TODAY - dt.timedelta(days=3),
    )
    elsewhere = services.clue_submit(
        actor=make_user("village", VILLAGE_B),
        channel="cadre_visit",
        risk_types=["disaster"],
        village_code=VILLAGE_B,
        subject_name="钱某",
        reported_on=TODAY,
    )
    return {"village": village, "township": township, "household": hh, "call": call, "elsewhere": elsewhere}


def test_unmatched_clues_are_listed_in_the_work_queue_and_their_page(world):
    c = client_for(world["township"])
    listed = c.get(reverse("console:clue_list")).content.decode()
    assert "赵德明" in listed and "热线求助" in listed and "因病" in listed
    assert "钱某" not in listed  # another township's clue
    home = c.get("/").content.decode()
    assert "待匹配农户的线索" in home and reverse("console:clue_detail", args=[world["call"].pk]) in home


def test_staff_match_the_clue_and_it_opens_the_households_case(world):
    c = client_for(world["village"])
    url = reverse("console:clue_detail", args=[world["call"].pk])
    page = c.get(url, {"q": "赵德明"})
    assert page.status_code == 200 and "H_ZHAO" in page.content.decode()
    assert AuditEntry.objects.filter(object_type="clue", action="view").exists()
    done = c.post(reverse("console:clue_match", args=[world["call"].pk]), {"household_no": "H_ZHAO"})
    clue = Clue.objects.get(pk=world["call"].pk)
    assert clue.household == world["household"] and clue.case is not None
    assert done.status_code == 302 and done["Location"] == reverse("console:case_detail", args=[clue.case.pk])
    assert clue.case.state == "clue" and clue.case.risk_types == ["illness"]
    # Matched once: a second match is refused and changes nothing.
    again = c.post(reverse("console:clue_match", args=[clue.pk]), {"household_no": "H_ZHAO"}, follow=True)
    assert "已对应农户" in again.content.decode()
    assert Case.objects.count() == 1


def test_matching_outside_the_region_is_refused_and_changes_nothing(world):
    c = client_for(world["village"])
    # A clue of another village: the same 404 as a missing one.
    assert c.get(reverse("console:clue_detail", args=[world["elsewhere"].pk])).status_code == 404
    assert (
        c.post(
            reverse("console:clue_match", args=[world["elsewhere"].pk]), {"household_no": "H_ZHAO"}
        ).status_code
        == 404
    )
    # A household of another village for this village's clue.
    make_household(
        "H_FAR",
        VILLAGE_B,
        members=[{"seq": 301, "name": "孙某", "birth": dt.date(1970, 1, 1), "relation": "head"}],
    )
    refused = c.post(reverse("console:clue_match", args=[world["call"].pk]), {"household_no": "H_FAR"})
    assert refused.status_code == 404
    assert not Clue.objects.filter(household__isnull=False).exists() and not Case.objects.exists()
    # A role that may read but not record clues sees the page without the match button, and is refused.
    auditor = client_for(make_user("auditor"))
    page = auditor.get(reverse("console:clue_detail", args=[world["call"].pk]), {"q": "赵德明"})
    assert page.status_code == 200 and "确认为此户" not in page.content.decode()
    match = reverse("console:clue_match", args=[world["call"].pk])
    assert auditor.post(match, {"household_no": "H_ZHAO"}).status_code == 403
    assert not Case.objects.exists()
