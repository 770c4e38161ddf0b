"""Pre-aggregated statistics: the pure computation on literal tables, and a refresh on the database
checked against direct counts (decision 0450)."""

import datetime as dt
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.cases import clock, services
from shouwang.cases.models import Visit
from shouwang.console.models import RegionPeriodStat, StatRefresh
from shouwang.console.stats import StatInputs, stats_check, stats_compute, stats_refresh
from shouwang.field.tests.helpers import make_monitored_case
from shouwang.registry.models import Household
from shouwang.testing.builders import (
    COUNTY,
    TOWNSHIP_A,
    TOWNSHIP_B,
    VILLAGE_A,
    VILLAGE_B,
    make_household,
    make_user,
)

V1, V2 = VILLAGE_A, VILLAGE_B  # in townships A and B of the county
D = dt.date


def frame(rows: list[tuple], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def inputs(**over: Any) -> StatInputs:
    base: dict[str, Any] = {
        "today": D(2025, 8, 15),
        "households": frame(
            [(V1, True, 40, 150), (V1, False, 60, 200), (V2, False, 10, 30)],
            {"village": pl.Utf8, "former_poor": pl.Boolean, "households": pl.Int64, "persons": pl.Int64},
        ),
        "monitored": frame(
            [
                (1, V1, "unstable", D(2025, 3, 10), D(2025, 6, 2), "assisted", 4),
                (2, V1, "marginal", D(2025, 5, 1), None, "", 3),
                (3, V2, "sudden", None, None, "", 2),
            ],
            {
                "household_id": pl.Int64,
                "village": pl.Utf8,
                "category": pl.Utf8,
                "identified_on": pl.Date,
                "eliminated_on": pl.Date,
                "mode": pl.Utf8,
                "members": pl.Int64,
            },
        ),
        "case_risks": pl.DataFrame(
            {"household_id": [2], "risk_types": [["illness", "education"]]},
            schema={"household_id": pl.Int64, "risk_types": pl.List(pl.Utf8)},
        ),
        "warnings": frame(
            [
                (10, V1, "2025-07", "new", ["illness"]),
                (11, V1, "2025-07", "persisting", ["illness", "housing"]),
                (12, V2, "2025-07", "new", ["water"]),
                (2, V1, "2025-07", "already_monitored", ["illness"]),
            ],
            {
                "household_id": pl.Int64,
                "village": pl.Utf8,
                "period": pl.Utf8,
                "status": pl.Utf8,
                "risk_types": pl.List(pl.Utf8),
            },
        ),
        "clues": frame(
            [
                (10, V1, D(2025, 7, 20), "warning", True),  # verified and identified
                (11, V1, D(2025, 6, 30), "cadre_visit", False),  # before the month: not a check of it
                (12, V2, D(2025, 8, 3), "warning", False),  # verified, not (yet) identified
                (None, V2, D(2025, 8, 4), "self_report", False),  # no household yet
            ],
            {
                "household_id": pl.Int64,
                "village": pl.Utf8,
                "reported_on": pl.Date,
                "channel": pl.Utf8,
                "decided": pl.Boolean,
            },
        ),
        "decided_cases": frame(
            [
                (V1, D(2025, 7, 1), D(2025, 7, 14), D(2025, 7, 16)),
                (V1, D(2025, 7, 1), D(2025, 7, 20), D(2025, 7, 16)),
            ],
            {"village": pl.Utf8, "opened_on": pl.Date, "decided_on": pl.Date, "due_on": pl.Date},
        ),
        "open_cases": frame([(V1, True), (V2, False)], {"village": pl.Utf8, "overdue": pl.Boolean}),
        "scale_alerts": frame(
            [(TOWNSHIP_A, "2025-07"), (V2, "2025-07")], {"region_code": pl.Utf8, "period": pl.Utf8}
        ),
        "self_reports": frame([(V2, D(2025, 8, 4))], {"village": pl.Utf8, "submitted_on": pl.Date}),
    }
    base.update(over)
    return StatInputs(**base)


def lookup(rows: pl.DataFrame) -> dict[tuple[str, str, str], int]:
    return {(r["code"], r["period"], r["metric"]): r["value"] for r in rows.iter_rows(named=True)}


def test_monitoring_objects_month_by_month():
    rows, months = stats_compute(inputs())
    v = lookup(rows)
    assert months[0] == "2025-03" and months[-1] == "2025-08"  # from the first identification to now
    # Household 1: identified in March, eliminated in June → monitored at the end of March…May only.
    assert [
        v.get((V1, p, "monitored:unstable"), 0) for p in ("2025-02", "2025-03", "2025-05", "2025-06")
    ] == [
        0,
        1,
        1,
        0,
    ]
    assert v[(V1, "2025-03", "identified")] == 1 and v[(V1, "2025-06", "eliminated:assisted")] == 1
    assert v[(V1, "2025-08", "eliminated_cum")] == 1 and (V1, "2025-05", "eliminated_cum") not in v
    # Household 3 has no identification date: monitored over the whole window.
    assert v[(V2, "2025-03", "monitored:sudden")] == 1
    assert v[(V1, "2025-07", "monitored_persons")] == 3
    # Risk types come from the latest decided case; none → "unknown".
    assert v[(V1, "2025-07", "monitored_risk:education")] == 1
    assert v[(V2, "2025-07", "monitored_risk:unknown")] == 1


def test_new_warnings_and_identifications_by_risk_type():
    v = lookup(stats_compute(inputs())[0])
    # New warnings only: 11 is persisting, 2 already monitored.
    assert v[(COUNTY, "2025-07", "warning_new_risk:illness")] == 1
    assert v[(V2, "2025-07", "warning_new_risk:water")] == 1
    assert (COUNTY, "2025-07", "warning_new_risk:housing") not in v
    # Identified in the month, by the latest decided case's risk types; without a case → unknown.
    assert (
        v[(V1, "2025-05", "identified_risk:illness")] == v[(V1, "2025-05", "identified_risk:education")] == 1
    )
    assert v[(V1, "2025-03", "identified_risk:unknown")] == 1
    assert (V2, "2025-03", "identified_risk:unknown") not in v  # no identification date: not "new"


def test_warnings_funnel_timeliness_and_channels():
    v = lookup(stats_compute(inputs())[0])
    assert v[(COUNTY, "2025-07", "warnings")] == 3  # new + persisting; the monitored one is not a warning
    assert v[(COUNTY, "2025-07", "warnings:already_monitored")] == 1
    assert v[(COUNTY, "2025-07", "warning_risk:illness")] == 2
    assert v[(COUNTY, "2025-07", "warnings_verified")] == 2  # households 10 and 12, not 11
    assert v[(COUNTY, "2025-07", "warnings_identified")] == 1
    assert v[(V1, "2025-07", "cases_decided")] == 2 and v[(V1, "2025-07", "cases_decided_in_time")] == 1
    assert v[(COUNTY, "2025-08", "clues")] == 2 and v[(V2, "2025-08", "clues:self_report")] == 1
    assert v[(V2, "2025-08", "self_reports")] == 1


def test_rollup_levels_parents_and_snapshot():
    rows, _ = stats_compute(inputs())
    v = lookup(rows)
    for metric in ("households", "persons", "households_former_poor"):
        assert v[("53", "2025-08", metric)] == v[(V1, "2025-08", metric)] + v.get((V2, "2025-08", metric), 0)
    assert v[(TOWNSHIP_A, "2025-08", "households")] == 100 and v[(TOWNSHIP_B, "2025-08", "households")] == 10
    assert v[(COUNTY, "2025-08", "cases_open")] == 2 and v[(COUNTY, "2025-08", "cases_overdue")] == 1
    # A township alert counts for the township and above, never for its villages.
    assert v[(TOWNSHIP_A, "2025-07", "scale_alerts")] == 1 and (V1, "2025-07", "scale_alerts") not in v
    assert v[(COUNTY, "2025-07", "scale_alerts")] == 2
    meta = {r["code"]: (r["parent"], r["level"]) for r in rows.iter_rows(named=True)}
    assert meta["53"] == ("", "province") and meta[TOWNSHIP_A] == (COUNTY, "township")
    assert meta[V1] == (TOWNSHIP_A, "village")
    assert rows.filter(pl.col("value") == 0).height == 0  # sparse


@pytest.mark.django_db
def test_refresh_matches_a_direct_count_and_is_audited():
    for i in range(3):
        make_household(f"H_A{i}", VILLAGE_A, members=[_head(10 + i)])
    make_household(
        "H_M1", VILLAGE_A, members=[_head(20)], monitoring_category="unstable", identified_on=D(2024, 5, 1)
    )
    make_household(
        "H_M2",
        VILLAGE_B,
        members=[_head(21)],
        poverty_status="ordinary",
        monitoring_category="marginal",
        identified_on=D(2024, 2, 1),
        risk_eliminated_on=D(2024, 9, 1),
        elimination_mode="natural",
    )
    today = D(2025, 1, 10)
    refresh = stats_refresh(actor="test", reason="测试", today=today)
    assert refresh.status == "succeeded" and refresh.rows == RegionPeriodStat.objects.count()
    for code in ("53", COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B):
        assert stats_check(region_code=code, today=today) == [], code
    stored = RegionPeriodStat.objects.get(region_code=COUNTY, period="2025-01", metric="households").value
    assert stored == 5
    assert RegionPeriodStat.objects.get(region_code=COUNTY, period="2024-08", metric="monitored").value == 2
    assert RegionPeriodStat.objects.get(region_code=COUNTY, period="2024-09", metric="monitored").value == 1
    assert AuditEntry.objects.filter(object_type="region_stats", object_id=str(refresh.pk)).count() == 1
    # A change in the register shows after the next refresh, and the check catches a stale table.
    make_household("H_A9", VILLAGE_B, members=[_head(30)])
    assert stats_check(region_code=TOWNSHIP_B, today=today)
    stats_refresh(today=today)
    assert stats_check(region_code=TOWNSHIP_B, today=today) == []
    assert StatRefresh.objects.filter(status="succeeded").count() == 2


@pytest.mark.django_db
def test_refresh_stats_command(capsys):
    make_household("H_C1", VILLAGE_A, members=[_head(40)])
    call_command("refresh-stats", "--check", COUNTY)
    out = capsys.readouterr().out
    assert "区域统计已刷新" in out and "与直接计数一致" in out


def _head(seq: int) -> dict:
    return {"seq": seq, "name": f"户主{seq}", "birth": D(1970, 1, 1), "relation": "head"}


@pytest.mark.django_db
def test_visits_of_both_kinds_and_overdue_routine_visits_are_counted(monkeypatch):
    """Routine visits (常态化走访) count in the dashboard: visits per month by kind, and households without a
    case whose routine visit is overdue (docs/cases.md "Routine visits")."""
    today = D(2025, 3, 20)
    monkeypatch.setattr(clock, "today", lambda: today)
    village = make_user("village", VILLAGE_A)
    fp = make_household("H_V1", VILLAGE_A, members=[_head(50)])  # 脱贫户: green rhythm, 92 days
    ordinary = make_household("H_V2", VILLAGE_A, members=[_head(51)], poverty_status="ordinary")
    recent = make_household("H_V3", VILLAGE_B, members=[_head(52)], poverty_status="ordinary")
    monitored = make_household("H_V4", VILLAGE_A, members=[_head(53)], poverty_status="ordinary")
    old = timezone.make_aware(dt.datetime(2024, 6, 1, 9))
    Household.objects.filter(pk__in=[fp.pk, ordinary.pk, monitored.pk]).update(created_at=old)
    Household.objects.filter(pk=recent.pk).update(created_at=timezone.make_aware(dt.datetime(2025, 1, 1, 9)))
    Household.objects.filter(pk=monitored.pk).update(
        monitoring_category="unstable", identified_on=D(2024, 9, 1)
    )
    case = make_monitored_case(monitored)
    services.household_visit_record(household=ordinary, actor=village, visited_on=D(2025, 2, 3), notes="正常")
    services.household_visit_record(household=ordinary, actor=village, visited_on=D(2025, 3, 4), notes="正常")
    services.visit_record(case=case, actor=village, visited_on=D(2025, 3, 5), notes="跟踪")
    stats_refresh(today=today)

    def value(code: str, period: str, metric: str) -> int:
        row = RegionPeriodStat.objects.filter(region_code=code, period=period, metric=metric).first()
        return row.value if row else 0

    assert value(COUNTY, "2025-03", "visits") == 2
    assert value(COUNTY, "2025-03", "visits:routine") == 1
    assert value(COUNTY, "2025-03", "visits:follow_up") == 1
    assert value(COUNTY, "2025-02", "visits:routine") == 1
    # Overdue today: the 脱贫户 (registered 2024-06-01 + 92 days); not the ordinary household (visited
    # 03-04), not the recent one (2025-01-01 + 182 days), not the monitored one (its case's tier instead).
    assert value(COUNTY, "2025-03", "routine_visits_overdue") == 1
    assert value(VILLAGE_A, "2025-03", "routine_visits_overdue") == 1
    assert Visit.objects.filter(case__isnull=True).count() == 2
