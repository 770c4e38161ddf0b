"""Hand-built households that a county's check found screened against POLICY (issue 16, "Also in
screening"): each runs the whole screening on the database, from the registry and the lake's deliveries to the
stored warnings, and cites the rule it holds the screening to."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.screening.models import Warning
from shouwang.screening.services import screening_run
from shouwang.screening.tests.lake import lake_batch, member, person_index
from shouwang.testing.builders import make_household

pytestmark = pytest.mark.django_db

P = "2025-03"


def _family(no: str, n: int, *, wage: str) -> None:
    """Four counted members (two adults, a child, a grandparent) living on ``wage`` a year."""
    make_household(
        no,
        poverty_status="former_poor",
        members=[
            member(11, f"{no}甲", dt.date(1975, 3, 8) + dt.timedelta(days=n)),
            member(22, f"{no}乙", dt.date(1978, 6, 1) + dt.timedelta(days=n), "spouse"),
            member(
                31,
                f"{no}丙",
                dt.date(2011, 9, 1) + dt.timedelta(days=n),
                "child",
                labour="none",
                school_status="junior",
            ),
            member(42, f"{no}丁", dt.date(1948, 1, 20) + dt.timedelta(days=n), "parent", labour="none"),
        ],
        income={"wage": Decimal(wage)},
    )


def _couple(no: str, n: int, *, wage: str) -> None:
    born = dt.date(1970, 1, 1) + dt.timedelta(days=n)
    members = [member(11, f"{no}甲", born), member(22, f"{no}乙", born + dt.timedelta(days=400), "spouse")]
    make_household(no, poverty_status="ordinary", members=members, income={"wage": Decimal(wage)})


def _warnings() -> dict[str, Warning]:
    return {w.household_no: w for w in Warning.objects.filter(period=P)}


def test_members_reported_dead_or_moved_out_stop_counting() -> None:
    """R-OBJ-02: the household size is the members who live in and share income with the household, not the
    register's count. 30,000 yuan for four is 7,500 a head, under the 2025 line of 8,700; for three it is
    10,000. 公安 reports the grandparent dead in February and the child moved out in March; a third family's
    child moved out and back in, so all four still count."""
    _family("H-DEATH", 0, wage="30000")
    _family("H-MOVED", 1, wage="30000")
    _family("H-BACK", 2, wage="30000")
    lake_batch("police", "2025-02", [{"id_index": person_index("H-DEATH", 3), "event_on": "2025-02-11",
                                      "event": "death"}])  # fmt: skip
    lake_batch(
        "police",
        P,
        [
            {"id_index": person_index("H-MOVED", 2), "event_on": "2025-03-02", "event": "moved_out"},
            {"id_index": person_index("H-BACK", 2), "event_on": "2025-01-05", "event": "moved_out"},
            {"id_index": person_index("H-BACK", 2), "event_on": "2025-03-04", "event": "moved_in"},
        ],
    )
    screening_run(user=None, period=P)
    w = _warnings()
    assert "H-DEATH" not in w and "H-MOVED" not in w
    assert w["H-BACK"].rules == ["INC-LOW"] and w["H-BACK"].income_per_capita == Decimal("7500.00")
    # The dead member's income test in the month before the death was delivered: still four.
    screening_run(user=None, period="2025-01")
    assert Warning.objects.get(period="2025-01", household_no="H-DEATH").income_per_capita == Decimal(
        "7500.00"
    )


def test_a_rich_household_with_a_large_bill_is_not_a_sudden_hardship() -> None:
    """R-OBJ-01: 突发严重困难户 is a household above the range whose basic living is seriously endangered by
    the spending. 400,000 yuan for two with a 30,000 bill stays at 185,000 a head: the warning stands (the
    医保 triggers of R-WARN-01 / R-INC-05 fire), but no category is suggested. The same bill on 40,000 for two
    leaves 5,000 a head, under the line (R-INC-05 慢湾村): 突发严重困难户."""
    _couple("H-RICH", 0, wage="400000")
    _couple("H-HIT", 1, wage="40000")
    lake_batch(
        "medical",
        P,
        [
            {"id_index": person_index("H-RICH"), "settled_on": "2025-03-03", "self_pay": "30000"},
            {"id_index": person_index("H-HIT"), "settled_on": "2025-03-03", "self_pay": "30000"},
        ],
    )
    screening_run(user=None, period=P)
    w = _warnings()
    assert {"MED-SELFPAY", "MED-SELFPAY-ABS"} <= set(w["H-RICH"].rules)
    assert w["H-RICH"].suggested_category == ""
    assert w["H-HIT"].suggested_category == "sudden"


def test_a_new_grade_three_intellectual_disability_raises_a_warning() -> None:
    """R-OBJ-05 names severe disability and grade 3–4 intellectual or mental disability among the groups to
    screen. A grade-3 physical disability is neither."""
    make_household("H-MIND", poverty_status="ordinary", members=[member(11, "智甲", dt.date(1990, 1, 1))],
                   income={"wage": Decimal("30000")})  # fmt: skip
    make_household("H-PSY", poverty_status="ordinary", members=[member(11, "精甲", dt.date(1991, 1, 1))],
                   income={"wage": Decimal("30000")})  # fmt: skip
    make_household("H-LIMB", poverty_status="ordinary", members=[member(11, "肢甲", dt.date(1992, 1, 1))],
                   income={"wage": Decimal("30000")})  # fmt: skip
    lake_batch(
        "disability",
        P,
        [
            {"id_index": person_index("H-MIND"), "certified_on": "2025-03-05", "disability_type": "智力残疾",
             "grade": 3},
            {"id_index": person_index("H-PSY"), "certified_on": "2025-03-06", "disability_type": "精神残疾",
             "grade": 4},
            {"id_index": person_index("H-LIMB"), "certified_on": "2025-03-07", "disability_type": "肢体残疾",
             "grade": 3},
        ],
    )  # fmt: skip
    screening_run(user=None, period=P)
    w = _warnings()
    assert set(w) == {"H-MIND", "H-PSY"}
    assert w["H-MIND"].rules == ["DIS-MENTAL"] and w["H-MIND"].risk_types == ["disability"]
    assert w["H-MIND"].signals[0]["evidence"]["grade"] == 3
    assert w["H-PSY"].signals[0]["evidence"]["disability_type"] == "精神残疾"
