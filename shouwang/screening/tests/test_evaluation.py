"""``shouwang evaluate`` on a hand-made truth: every figure below is counted by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from django.utils import timezone

from shouwang.employment.models import WorkEpisode
from shouwang.screening.evaluation import evaluate
from shouwang.screening.models import ScreeningRun, Warning
from shouwang.testing.builders import make_household

pytestmark = pytest.mark.django_db

EVENTS = """household_no,period,event,risk_type,amount,feed_kind,delivered_period,id_number
H1,2024-03,inpatient,illness,5000,medical,2024-03,
H2,2024-03,inpatient,illness,5000,medical,2024-04,
H3,2024-03,disability,disability,,disability,2024-07,
H4,2024-03,chronic_illness,illness,,,,
H5,2024-04,inpatient,illness,5000,medical,2024-04,
H6,2024-02,outpatient,illness,50,medical,2024-02,
H7,2024-04,disaster,disaster,3000,disaster,2024-04,
H10,2024-05,serious_illness,illness,9000,medical,,
"""
# H6 is never at risk: its 50-yuan visit is not a risk.
AT_RISK = """household_no,period,risk_types
H1,2024-03,illness;low_income
H2,2024-03,illness
H3,2024-04,disability
H4,2024-03,illness
H5,2024-04,illness
H7,2024-04,disaster
H9,2024-04,low_income
H10,2024-05,illness
"""


def _warn(run: ScreeningRun, period: str, household_no: str, risk_types: list[str]) -> None:
    Warning.objects.create(
        run=run,
        period=period,
        household_no=household_no,
        village_code="530326100001",
        risk_types=risk_types,
        score=Decimal("0.5"),
        status="new",
        created_at=timezone.now(),
    )


def test_evaluate_counts_hits_misses_lag_and_precision(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "at_risk.csv").write_text(AT_RISK, encoding="utf-8")
    run = ScreeningRun.objects.create(period="2024-04", engine="duckdb", status="succeeded")
    _warn(run, "2024-03", "H1", ["illness", "low_income"])  # H1 found in its month: lag 0
    _warn(run, "2024-04", "H2", ["illness"])  # H2 delivered a month late, found then: lag 1
    _warn(run, "2024-03", "H5", ["illness"])  # before H5's event only: still a miss
    _warn(run, "2024-04", "H7", ["low_income"])  # warned, but not for the disaster: a typed miss
    _warn(run, "2024-04", "H8", ["water"])  # not at risk: a false positive
    out = evaluate(truth=tmp_path, first="2024-01", last="2024-06")

    # Risks: H1, H2, H3, H5, H7 feed-reflected (5); H4 only by visit or self-report, and H10, whose 医保 row
    # was never delivered (treated out of the province), the same (2).
    assert out["overall"]["risks"] == 7
    refl = out["feed_reflected"]
    assert refl["risks"] == 5
    assert refl["recall_same_month"] == pytest.approx(1 / 5)
    assert refl["recall_1m"] == pytest.approx(2 / 5)
    assert refl["detection_lag_months"]["median"] == pytest.approx(0.5)
    # Delivered within a month of the event: H1, H2, H5, H7 (H3's certificate came 4 months later).
    assert out["feed_reflected_delivered_in_time"]["risks"] == 4
    assert out["feed_reflected_delivered_in_time"]["recall_1m"] == pytest.approx(2 / 4)
    assert out["not_feed_reflected"]["risks"] == 2 and out["not_feed_reflected"]["recall_1m"] == 0
    assert out["not_feed_reflected_never_delivered"]["risks"] == 1
    # Any signal of the household: H7 counts there.
    assert out["household_level_any_signal"]["feed_reflected_recall_1m"] == pytest.approx(3 / 5)
    # Precision: 5 warnings; H1 (March) and H7 (April) truly at risk that month; H2 was at risk in March
    # only, H5 in April only, H8 never.
    assert out["overall"]["precision"] == pytest.approx(2 / 5)
    assert out["per_risk_type"]["illness"]["risks"] == 5
    assert out["per_risk_type"]["illness"]["warnings"] == 3
    # Shares are rounded to 4 places.
    assert out["per_risk_type"]["illness"]["precision"] == pytest.approx(1 / 3, abs=1e-4)


def test_evaluate_writes_the_misses(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "at_risk.csv").write_text(AT_RISK, encoding="utf-8")
    run = ScreeningRun.objects.create(period="2024-04", engine="duckdb", status="succeeded")
    _warn(run, "2024-03", "H1", ["illness", "low_income"])
    _warn(run, "2024-05", "H5", ["illness"])  # a month after H5's event: found in time
    _warn(run, "2024-06", "H7", ["disaster"])  # two months after H7's disaster: a miss, lag 2
    path = tmp_path / "out" / "misses.csv"
    evaluate(truth=tmp_path, first="2024-01", last="2024-06", misses=path)

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # opens in Excel as UTF-8
    missed = pl.read_csv(raw[3:], infer_schema_length=0)
    # Of the 7 risks, H1 and H5 were found within a month; H2, H3, H4, H10 never, H7 two months late.
    assert sorted(missed.get_column("household_no").to_list()) == ["H10", "H2", "H3", "H4", "H7"]
    rows = {r["household_no"]: r for r in missed.iter_rows(named=True)}
    assert rows["H7"]["lag"] == "2" and rows["H7"]["kinds"] == "disaster"
    assert rows["H3"]["in_time"] == "false" and rows["H3"]["lag"] is None
    assert rows["H4"]["reflected"] == "false"
    assert rows["H10"]["reflected"] == "false" and rows["H10"]["kinds"] == "medical"


def test_self_reports_handed_in_count_as_a_detection(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "at_risk.csv").write_text(AT_RISK, encoding="utf-8")
    reports = pl.DataFrame(
        [("H4", "2024-03"), ("H10", "2024-07")],
        schema={"household_no": pl.String, "period": pl.String},
        orient="row",
    )
    without = evaluate(truth=tmp_path, first="2024-01", last="2024-06")
    out = evaluate(truth=tmp_path, first="2024-01", last="2024-06", self_reports=reports)
    assert without["self_reports"] == {"available": False, "reports_linked": 0}
    assert out["self_reports"]["available"] is True and out["self_reports"]["reports_linked"] == 2
    # H4's chronic illness (no department reports it) is found by its self-report in the same month;
    # H10's report came two months after its event: still not within one month.
    assert without["not_feed_reflected"]["recall_1m"] == 0
    assert out["self_reports"]["not_feed_reflected"]["recall_1m"] == pytest.approx(1 / 2)


def test_job_losses_the_ledger_shows_are_reported_apart(tmp_path: Path) -> None:
    """Decision 0322: J1's job loss was never registered with 人社 but its 务工月监测 episode ended that
    month; J2's was registered; J3's shows nowhere. Feed-reflected stays J2 alone."""
    (tmp_path / "events.csv").write_text(
        "household_no,period,event,risk_type,amount,feed_kind,delivered_period,id_number\n"
        "J1,2024-03,job_loss,unstable_employment,4000,employment,,\n"
        "J2,2024-03,job_loss,unstable_employment,4000,employment,2024-03,\n"
        "J3,2024-03,job_loss,unstable_employment,4000,employment,,\n",
        encoding="utf-8",
    )
    (tmp_path / "at_risk.csv").write_text(
        "household_no,period,risk_types\nJ1,2024-03,unstable_employment\nJ2,2024-03,unstable_employment\n"
        "J3,2024-03,unstable_employment\n",
        encoding="utf-8",
    )
    hh = make_household("J1")
    WorkEpisode.objects.create(
        person=hh.members.all()[0], household=hh, county_code=hh.county_code, township_code=hh.township_code,
        start_month="2023-06", end_month="2024-03",
    )  # fmt: skip
    run = ScreeningRun.objects.create(period="2024-03", engine="duckdb", status="succeeded")
    _warn(run, "2024-03", "J1", ["unstable_employment"])
    out = evaluate(truth=tmp_path, first="2024-01", last="2024-06")
    jobs = out["per_risk_type"]["unstable_employment"]
    assert jobs["risks"] == 3 and jobs["recall_1m"] == 0.3333
    assert jobs["feed_reflected_recall_1m"] == 0.0
    assert jobs["ledger_reflected"]["risks"] == 1 and jobs["ledger_reflected"]["recall_1m"] == 1.0
    assert jobs["feed_or_ledger_reflected"]["risks"] == 2
    assert jobs["feed_or_ledger_reflected"]["recall_1m"] == pytest.approx(1 / 2)
