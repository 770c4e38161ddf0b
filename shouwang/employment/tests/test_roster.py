"""The set-based roster (decision 0721): plans decide the status of those without work, records from a
visit are kept, low-income households only by parameter, and a second refresh rebuilds the same month."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shouwang.employment.models import LabourRecord, WorkEpisode, WorkPlan
from shouwang.employment.services import roster_refresh
from shouwang.registry.models import Person
from shouwang.testing.builders import COUNTY, make_household

PERIOD = "2025-06"


def _by_name() -> dict[str, tuple[str, str, bool | None, int | None]]:
    return {
        r.person.name: (r.status, r.source, r.willing, r.episode_id)
        for r in LabourRecord.objects.filter(period=PERIOD).select_related("person")
    }


def test_plans_visits_and_low_income_households(db: Any) -> None:
    born = dt.date(1985, 1, 1)
    hh = make_household(
        "H_ROSTER",
        members=[
            {"seq": 61, "name": "甲", "birth": born, "relation": "head"},  # plan 是
            {"seq": 62, "name": "乙", "birth": born, "relation": "spouse"},  # plan 否
            {"seq": 63, "name": "丙", "birth": born, "relation": "child"},  # nothing known
            {"seq": 64, "name": "丁", "birth": born, "relation": "other"},  # a visit's record
            {"seq": 65, "name": "戊", "birth": born, "relation": "other"},  # ended + current episode
        ],
    )
    poor = make_household(
        "H_DIBAO",
        poverty_status="ordinary",
        members=[{"seq": 71, "name": "己", "birth": born, "relation": "head", "dibao": True}],
    )
    people = {p.name: p for p in Person.objects.filter(household__in=[hh, poor])}
    common = {"household": hh, "county_code": COUNTY, "township_code": hh.township_code}
    WorkPlan.objects.create(person=people["甲"], period=PERIOD, planned=True, **common)
    WorkPlan.objects.create(person=people["乙"], period=PERIOD, planned=False, **common)
    WorkEpisode.objects.create(
        person=people["戊"], start_month="2024-01", end_month="2024-12", place_type="in_county", **common
    )
    current = WorkEpisode.objects.create(
        person=people["戊"], start_month="2025-03", channel="workshop", place_type="in_county", **common
    )
    LabourRecord.objects.create(
        person=people["丁"], period=PERIOD, labour="ordinary", status="flexible", source="visit", **common
    )
    assert roster_refresh(period=PERIOD, counties=[COUNTY]) == 4
    got = _by_name()
    assert got["甲"] == ("seeking", "ledger", True, None)
    assert got["乙"] == ("unwilling", "ledger", False, None)
    assert got["丙"] == ("seeking", "registry", None, None)
    assert got["丁"] == ("flexible", "visit", None, None)  # kept as the visit recorded it
    assert got["戊"] == ("workshop", "ledger", True, current.pk)
    assert "己" not in got  # an ordinary household with a 低保 member: only by parameter
    # Again, with low-income households: the derived records are rebuilt, the visit's kept.
    assert roster_refresh(period=PERIOD, counties=[COUNTY], include_low_income=True) == 5
    again = _by_name()
    assert again["己"] == ("seeking", "registry", None, None)
    assert {k: v for k, v in again.items() if k != "己"} == got
    assert LabourRecord.objects.filter(period=PERIOD).count() == 6
