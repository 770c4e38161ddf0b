"""Runs against the real database: snapshot → engine → warnings, idempotent re-runs, crash safety,
concurrency refusal, parameter versioning, status across periods and scale alerts."""

import datetime as dt
import importlib
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.apps import apps
from django.core.management import call_command

from shouwang.accounts.access import Forbidden
from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.console.models import RegionPeriodStat, StatRefresh
from shouwang.registry.models import Household
from shouwang.screening import services
from shouwang.screening.choices import RunStatusChoices
from shouwang.screening.exports import JSONL_FIELDS
from shouwang.screening.models import Parameter, ScaleAlert, ScreeningRun, Warning
from shouwang.screening.params import parameters_resolve
from shouwang.screening.services import (
    ScreeningBusy,
    parameter_set,
    screening_periods_affected,
    screening_run,
    screening_run_create,
)
from shouwang.screening.tests.lake import lake_batch, person_index, simple_household
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_user

pytestmark = pytest.mark.django_db

P = "2025-03"


def _snapshot(period: str = P) -> list[tuple]:
    return list(
        Warning.objects.filter(period=period)
        .order_by("household_no")
        .values_list(
            "household_no",
            "signals",
            "rules",
            "risk_types",
            "score",
            "status",
            "suggested_category",
            "income_per_capita",
            "threshold",
        )
    )


@pytest.fixture
def county():  # type: ignore[no-untyped-def]
    low = simple_household("H-LOW", income_per_head=5000, poverty_status="former_poor")
    simple_household("H-OK", income_per_head=20000)
    simple_household("H-SICK", income_per_head=20000)
    simple_household("H-B", VILLAGE_B, income_per_head=8000)
    lake_batch(
        "medical", P, [{"id_index": person_index("H-SICK"), "settled_on": "2025-03-03", "self_pay": "30000"}]
    )
    return low


def test_screen_stores_warnings_with_evidence(county) -> None:  # type: ignore[no-untyped-def]
    run = screening_run(user=None, period=P)
    assert run.status == RunStatusChoices.SUCCEEDED and run.progress == 100
    w = {x.household_no: x for x in Warning.objects.filter(period=P)}
    assert set(w) == {"H-LOW", "H-SICK", "H-B"}
    assert w["H-LOW"].rules == ["INC-LOW"] and w["H-LOW"].suggested_category == "unstable"
    assert w["H-LOW"].income_per_capita == Decimal("5000.00") and w["H-LOW"].threshold == Decimal("8700.00")
    assert w["H-LOW"].household_id == Household.objects.get(household_no="H-LOW").pk
    assert w["H-SICK"].rules == ["MED-SELFPAY", "MED-SELFPAY-ABS", "MED-RIGID", "MED-SHARE"]
    assert w["H-SICK"].signals[0]["evidence"]["self_pay_12m"] == 30000.0
    assert w["H-SICK"].suggested_category == "sudden"
    assert run.counts["households_screened"] == 4
    assert run.counts["warnings"] == 3 and run.counts["by_status"] == {"new": 3}
    assert run.catalogue_version and run.parameter_versions["threshold"] == ["53/2025/v1"]
    assert {"snapshot", "engine", "store", "total"} <= set(run.timings)
    snap = Path(run.snapshot_path)
    assert (snap / "persons.parquet").exists() and (snap / "manifest.json").exists()
    # No clear identifiers in the snapshot.
    assert "id_number" not in pq.read_schema(snap / "persons.parquet").names
    assert AuditEntry.objects.filter(object_type="screening_warnings", object_id=str(run.pk)).count() == 1


def test_screening_twice_gives_exactly_the_same_warnings(county) -> None:  # type: ignore[no-untyped-def]
    screening_run(user=None, period=P)
    first = _snapshot()
    run2 = screening_run(user=None, period=P)
    assert _snapshot() == first
    assert Warning.objects.filter(period=P).count() == len(first)
    assert run2.changes["added"] == 0 and run2.changes["removed"] == 0 and run2.changes["changed"] == 0


def test_engine_crash_after_snapshot_keeps_previous_warnings(county, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    screening_run(user=None, period=P)
    before = _snapshot()
    simple_household("H-NEW", income_per_head=100)  # would be flagged by a successful re-run

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("engine died half-way")

    monkeypatch.setattr(services, "rules_execute", boom)
    with pytest.raises(RuntimeError):
        screening_run(user=None, period=P)
    failed = ScreeningRun.objects.order_by("-id").first()
    assert failed is not None and failed.status == RunStatusChoices.FAILED
    assert "engine died half-way" in failed.error
    assert Path(failed.snapshot_path, "households.parquet").exists()  # it did get past the snapshot
    assert _snapshot() == before
    # A failed run does not block the next one.
    monkeypatch.undo()
    screening_run(user=None, period=P)
    assert "H-NEW" in {h for h, *_ in _snapshot()}


def test_second_start_while_running_is_refused(county) -> None:  # type: ignore[no-untyped-def]
    run = screening_run_create(user=None, period=P)
    with pytest.raises(ScreeningBusy):
        screening_run_create(user=None, period=P)
    with pytest.raises(SystemExit) as exc:
        call_command("screen", period=P, quiet=True)
    assert exc.value.code == 2
    run.status = RunStatusChoices.FAILED
    run.save()
    screening_run_create(user=None, period=P)  # allowed again


def test_bad_period_refused() -> None:
    with pytest.raises(InputRefused):
        screening_run_create(user=None, period="2025-13")
    with pytest.raises(SystemExit) as exc:
        call_command("screen", period="202503", quiet=True)
    assert exc.value.code == 2


def test_parameter_versions_pin_old_periods(county) -> None:  # type: ignore[no-untyped-def]
    simple_household("H-8800", income_per_head=8800)
    screening_run(user=None, period=P)
    assert not Warning.objects.filter(period=P, household_no="H-8800").exists()
    user = make_user("county", COUNTY)
    param = parameter_set(
        user=user, region_code=COUNTY, year=2025, key="threshold", value="9000", note="县定"
    )
    assert param.version == 1 and param.region_code == COUNTY
    # Re-running the old month uses the versions of its earlier run.
    again = screening_run(user=None, period=P)
    assert not Warning.objects.filter(period=P, household_no="H-8800").exists()
    assert again.parameter_versions["threshold"] == ["53/2025/v1"]
    # Asked explicitly, or for a month never screened, the new version applies.
    fresh = screening_run(user=None, period=P, refresh_params=True)
    assert fresh.parameter_versions["threshold"] == [f"{COUNTY}/2025/v1"]
    assert Warning.objects.get(period=P, household_no="H-8800").threshold == Decimal("9000.00")
    screening_run(user=None, period="2025-04")
    assert Warning.objects.get(period="2025-04", household_no="H-8800").threshold == Decimal("9000.00")
    # A second setting is a new version, the first is untouched.
    p2 = parameter_set(user=user, region_code=COUNTY, year=2025, key="threshold", value="9100")
    assert p2.version == 2
    param.refresh_from_db()
    assert param.value == Decimal("9000.0000")
    entry = AuditEntry.objects.filter(object_type="screening_parameter", object_id=str(p2.pk)).get()
    assert entry.changes["value"] == ["9000.0000", "9100"] and entry.actor == user


@pytest.mark.parametrize(
    ("role", "region", "target", "allowed"),
    [
        ("county", COUNTY, VILLAGE_A, True),
        ("province", "53", COUNTY, True),
        ("county", COUNTY, "530302", False),  # another county
        ("county", COUNTY, "53", False),  # above its own level
        ("township", "530326001", VILLAGE_A, False),
        ("prefecture", "5303", COUNTY, False),
        ("village", VILLAGE_A, VILLAGE_A, False),
    ],
)
def test_who_may_set_parameters(role, region, target, allowed) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, region)
    if allowed:
        parameter_set(user=user, region_code=target, year=2026, key="water_days", value=20)
        assert AuditEntry.objects.filter(object_type="screening_parameter", actor=user).count() == 1
    else:
        with pytest.raises(Forbidden):
            parameter_set(user=user, region_code=target, year=2026, key="water_days", value=20)
        assert not AuditEntry.objects.filter(object_type="screening_parameter").exists()


def test_status_persisting_resolved_and_monitored(county) -> None:  # type: ignore[no-untyped-def]
    simple_household(
        "H-MON", income_per_head=6000, monitoring_category="marginal", identified_on=dt.date(2024, 6, 1)
    )
    lake_batch(
        "housing", "2025-02", [{"id_index": person_index("H-OK"), "appraised_on": "2025-02-10", "grade": "D"}]
    )
    lake_batch(
        "police",
        P,
        [{"id_index": person_index("H-MON"), "event_on": "2025-03-02", "event": "accident_injury"}],
    )
    screening_run(user=None, period="2025-02")
    screening_run(user=None, period=P)
    feb = {w.household_no: w for w in Warning.objects.filter(period="2025-02")}
    mar = {w.household_no: w for w in Warning.objects.filter(period=P)}
    assert feb["H-OK"].status == "new" and "H-OK" not in mar
    assert feb["H-OK"].resolved_period == P and feb["H-LOW"].resolved_period == ""
    assert mar["H-LOW"].status == "persisting"
    assert mar["H-SICK"].status == "new"
    assert mar["H-MON"].status == "already_monitored"
    assert mar["H-MON"].new_risk_types == ["accident"]  # low_income was already there in February
    # Re-running February clears nothing March decided; re-running March recomputes it.
    screening_run(user=None, period=P)
    assert Warning.objects.get(period="2025-02", household_no="H-OK").resolved_period == P


def test_scale_alert_on_village_wide_disaster_not_on_noise() -> None:
    for i in range(12):
        simple_household(f"V{i:02d}", income_per_head=20000)
    for i in range(3):
        simple_household(f"T{i:02d}", VILLAGE_B, income_per_head=20000)

    def disaster(period: str, households: list[str]) -> None:
        rows = [
            {
                "id_index": person_index(h),
                "occurred_on": f"{period}-05",
                "hazard": "flood",
                "loss_amount": "15000",
                "house_damaged": True,
            }
            for h in households
        ]
        lake_batch("disaster", period, rows)

    disaster("2025-01", ["V00"])
    for p in ("2024-12", "2025-01", "2025-02"):
        screening_run(user=None, period=p)
    assert not ScaleAlert.objects.exists()
    disaster("2025-03", [f"V{i:02d}" for i in range(8)])
    run = screening_run(user=None, period="2025-03")
    alert = ScaleAlert.objects.get(risk_type="disaster")
    assert (alert.level, alert.region_code, alert.risk_type, alert.count) == (
        "village",
        VILLAGE_A,
        "disaster",
        8,
    )
    assert alert.share == Decimal("0.6667") and alert.baseline["months"] == 3
    # The same 8 houses were damaged: housing safety is a village-wide risk too (HOUSE-DAMAGED).
    housing = ScaleAlert.objects.get(risk_type="housing")
    assert (housing.level, housing.region_code, housing.count) == ("village", VILLAGE_A, 8)
    assert run.counts["scale_alerts"] == 2
    # Ordinary noise: one household the next month.
    disaster("2025-04", ["V01"])
    screening_run(user=None, period="2025-04")
    assert not ScaleAlert.objects.filter(period="2025-04").exists()


def test_rescreen_reports_changes_for_a_late_batch(county) -> None:  # type: ignore[no-untyped-def]
    screening_run(user=None, period=P)
    batch = lake_batch(
        "housing",
        P,
        [{"id_index": person_index("H-OK"), "appraised_on": "2025-03-20", "grade": "C"}],
        source="late",
    )
    assert screening_periods_affected(kind="housing", period=P) == [P]
    assert screening_periods_affected(kind="medical", period="2025-02") == [P]
    queued = services.screening_rescreen_queue(user=None)
    assert [r.period for r in queued] == [P] and f"#{batch.pk}" in queued[0].reason
    run = services.screening_run_execute(run=queued[0])
    assert run.changes["added"] == 1 and run.changes["added_households"] == ["H-OK"]
    assert run.changes["removed"] == 0


def test_screen_cli_writes_contract_jsonl(county, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "warnings.jsonl"
    call_command("screen", period=P, out=str(out), quiet=True)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3
    for obj in lines:
        assert tuple(obj) == JSONL_FIELDS
        assert obj["period"] == P and obj["status"] in {"new", "persisting", "already_monitored"}
        assert obj["suggested_category"] in {"unstable", "marginal", "sudden", None}
        assert 0 <= obj["score"] <= 1
        for s in obj["signals"]:
            assert set(s) == {"rule", "policy", "risk_type", "evidence"}
    sick = next(o for o in lines if o["household_no"] == "H-SICK")
    assert sick["village_code"] == VILLAGE_A and sick["income_per_capita"] == 20000.0
    assert sick["signals"][0]["risk_type"] == "illness"
    assert "预警3户" in capsys.readouterr().out


def test_schedule_executes_queued_runs_and_rescreens_late_batches(county) -> None:  # type: ignore[no-untyped-def]
    run = screening_run_create(user=make_user("county", COUNTY), period=P)
    call_command("screening_schedule", once=True)
    run.refresh_from_db()
    assert run.status == RunStatusChoices.SUCCEEDED and run.created_by is not None
    lake_batch("housing", P, [{"id_index": person_index("H-OK"), "appraised_on": "2025-03-20", "grade": "C"}])
    call_command("screening_schedule", once=True)
    latest = ScreeningRun.objects.filter(period=P).order_by("-id").first()
    assert latest is not None and latest.pk != run.pk and latest.status == RunStatusChoices.SUCCEEDED
    assert latest.changes["added_households"] == ["H-OK"]
    call_command("screening_schedule", once=True)  # nothing new: nothing queued
    assert ScreeningRun.objects.filter(period=P).count() == 2


def test_screen_cli_refreshes_the_dashboard_unless_told_not_to(county, capsys) -> None:  # type: ignore[no-untyped-def]

    call_command("screen", period=P, quiet=True, no_stats=True)
    assert not StatRefresh.objects.exists()
    call_command("screen", period=P, quiet=True)
    refresh = StatRefresh.objects.get()
    assert refresh.reason.startswith("筛查运行#") and refresh.latest_screened == P
    assert RegionPeriodStat.objects.filter(region_code=COUNTY).exists()
    assert f"驾驶舱统计已刷新（{refresh.rows}行）" in capsys.readouterr().out


def test_upgrade_moves_an_untouched_near_line_ratio_to_one_and_a_half() -> None:
    """Migration 0005 (decision 0310): the seeded 1.3 gains a version 1.5; a user's own setting is kept."""
    forward = importlib.import_module(
        "shouwang.screening.migrations.0005_near_line_ratio_one_and_a_half"
    ).forward
    Parameter.objects.filter(key="near_line_ratio").delete()
    seeded = dict(region_code="53", key="near_line_ratio", assumption=True)
    Parameter.objects.create(year=2021, version=1, value=Decimal("1.3"), **seeded)
    Parameter.objects.create(year=2025, version=1, value=Decimal("1.3"), **seeded)
    Parameter.objects.create(
        year=2025, version=2, value=Decimal("1.2"), created_by=make_user("province"), **seeded
    )
    forward(apps, None)
    forward(apps, None)  # idempotent: the latest version is no longer the seeded value
    rows = Parameter.objects.filter(key="near_line_ratio").order_by("year", "version")
    assert [(r.year, r.version, r.value) for r in rows] == [
        (2021, 1, Decimal("1.3000")),
        (2021, 2, Decimal("1.5000")),
        (2025, 1, Decimal("1.3000")),
        (2025, 2, Decimal("1.2000")),
    ]
    resolved = parameters_resolve(region_codes=[VILLAGE_A], year=2024)
    assert resolved.values[VILLAGE_A]["near_line_ratio"] == Decimal("1.5000")
