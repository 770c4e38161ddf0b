"""The township alert on a sharp fall of labourers in work (R-EMP-04, decision 0321), through a real run:
the roster (劳动力花名册) of the month against the month before and, when it exists, the year before."""

import pytest

from shouwang.employment.models import LabourRecord
from shouwang.registry.models import Person
from shouwang.screening.models import ScaleAlert
from shouwang.screening.scale import employment_drops
from shouwang.screening.services import screening_run
from shouwang.screening.tests.lake import simple_household
from shouwang.testing.builders import VILLAGE_A

pytestmark = pytest.mark.django_db

TOWNSHIP = VILLAGE_A[:9]


def _roster(period: str, at_work: int, total: int = 40) -> None:
    """``total`` labourers of the township's roster in ``period``, the first ``at_work`` of them in work."""
    people = list(Person.objects.filter(household__township_code=TOWNSHIP).order_by("id"))[:total]
    LabourRecord.objects.filter(period=period).delete()
    LabourRecord.objects.bulk_create(
        LabourRecord(
            person=p, household_id=p.household_id, county_code=TOWNSHIP[:6], township_code=TOWNSHIP,
            period=period, labour="ordinary", status="out_of_province" if i < at_work else "seeking",
            source="ledger",
        )
        for i, p in enumerate(people)
    )  # fmt: skip


@pytest.fixture
def township() -> None:
    for i in range(20):
        simple_household(f"E{i:02d}", income_per_head=20000)


def test_a_fall_of_more_than_ten_percent_raises_a_township_alert(township: None) -> None:
    _roster("2025-02", 30)
    _roster("2025-03", 26)  # 13.3 % fewer
    run = screening_run(user=None, period="2025-03")
    alert = ScaleAlert.objects.get(period="2025-03")
    assert (alert.level, alert.region_code, alert.risk_type, alert.count) == (
        "township",
        TOWNSHIP,
        "unstable_employment",
        4,
    )
    assert str(alert.share) == "0.1333"
    drop = alert.baseline["employed_drop"]
    assert (drop["employed"], drop["previous"], drop["year_ago"]) == (26, 30, None)
    assert drop["policy"] == "R-EMP-04"
    assert run.counts["scale_alerts"] == 1


def test_ten_percent_or_a_festival_return_is_no_alert(township: None) -> None:
    _roster("2025-02", 30)
    _roster("2025-03", 27)  # exactly 10 %: not more than the parameter
    screening_run(user=None, period="2025-03")
    assert not ScaleAlert.objects.exists()
    # The Spring Festival: a third fewer than in December, but as many as last January.
    _roster("2024-01", 20)
    _roster("2024-12", 30)
    _roster("2025-01", 20)
    screening_run(user=None, period="2025-01")
    assert not ScaleAlert.objects.filter(period="2025-01").exists()


def test_the_judgement_needs_enough_labourers_and_both_comparisons() -> None:
    params = {"T1": {"emp_drop_share": 0.1, "scale_township_min_count": 15}}
    params["T2"] = params["T3"] = params["T1"]
    drops = employment_drops(
        now={"T1": 10, "T2": 13, "T3": 20},
        previous={"T1": 14, "T2": 20, "T3": 30},  # T1: too few to judge
        year_ago={"T2": 14, "T3": 30},  # T2 is above last year's figure
        params=params,  # type: ignore[arg-type]
    )
    assert [(d.township_code, d.drop_mom, d.drop_yoy) for d in drops] == [("T3", 0.3333, 0.3333)]
