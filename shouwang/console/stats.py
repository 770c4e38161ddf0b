"""Pre-aggregated region statistics (decision 0450): ``stats_refresh`` rebuilds ``RegionPeriodStat`` from the
operational tables; the dashboard reads only that table.

The computation is split in two (STYLE 11): ``stats_load`` reads the operational tables into small frames
(one GROUP BY over the households table, then only the rows that matter: monitoring objects, warnings,
clues, cases, alerts, self-reports), and ``stats_compute`` — pure polars, tested with literal tables —
turns them into village rows and rolls them up to every ancestor. ``stats_refresh`` is the service: it
times the phases, replaces the table in one transaction and writes one audit row.

What each figure means (docs/console.md "Dashboard"):
* ``monitored`` (and ``:category``, ``monitored_persons``, ``monitored_risk:<type>``): households
  whose 识别监测时间 is on or before the month's end and whose 风险消除时间 is not (R-OBJ-01; R-ELIM).
  The risk types are those of the household's latest decided identification case (``unknown`` when it
  has none, e.g. a monitoring object imported from the national system).
* ``identified`` / ``eliminated`` (``:mode``) / ``eliminated_cum``: by the month of those dates.
* ``warnings`` = new + persisting warnings of the month (``warnings:<status>`` for each status, including
  ``already_monitored``); ``warning_risk:<type>`` over new + persisting; ``warning_new_risk:<type>`` over
  new warnings only (first flagged this month: the risk-type trend).
* ``identified_risk:<type>``: households identified in the month by the risk types of their latest decided
  identification case (``unknown`` without one), as ``monitored_risk`` reads them.
* The funnel (R-WARN, R-ID-01): a new or persisting warning of month P is *verified* when its household has a
  clue (any channel) reported on or after the first day of P — someone checked it and opened or joined a case
  — and *identified* when such a clue's identification case was decided (entered monitoring).
* Timeliness (R-ID-03): identification cases decided in the month (``cases_decided``) and those decided by
  their due date (first clue + 15 days, the region's ``limit_days``; ``cases_decided_in_time``).
* ``cases_open`` / ``cases_overdue`` (snapshot): identification cases still in the procedure (not yet
  monitoring) and those past their due date today.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from shouwang.accounts.access import region_q
from shouwang.accounts.actors import Actor, actor_user
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case, Clue, Visit
from shouwang.cases.parameters import params_by_village
from shouwang.cases.selectors import routine_visits_overdue_by_village
from shouwang.channels.models import SelfReport
from shouwang.common.dbstats import analyze_stale
from shouwang.console.choices import UNKNOWN_RISK, StatMetricChoices, StatRefreshStatusChoices
from shouwang.console.models import RegionPeriodStat, StatRefresh
from shouwang.regions.choices import LEVEL_BY_LENGTH
from shouwang.registry.choices import HouseholdStatusChoices, PovertyStatusChoices
from shouwang.registry.models import Household
from shouwang.screening.choices import RunSourceChoices, RunStatusChoices
from shouwang.screening.models import ScaleAlert, ScreeningRun, Warning
from shouwang.screening.periods import period_of, period_range, period_shift

M = StatMetricChoices
# The window: from the earliest month with data, at most this many months before the current one.
MAX_MONTHS = 36
LEVEL_LENGTHS = (2, 4, 6, 9, 12)
PARENT_LENGTH = {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}
WRITE_CHUNK = 20_000

_STAT_SCHEMA = {"code": pl.Utf8, "period": pl.Utf8, "metric": pl.Utf8, "value": pl.Int64}


def period_start(period: str) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:7]), 1)


@dataclass
class StatInputs:
    """What ``stats_compute`` needs, as frames (every code a string, every date a ``pl.Date``)."""

    today: dt.date
    # village, former_poor (bool), households, persons
    households: pl.DataFrame
    # household_id, village, category, identified_on, eliminated_on, mode, members
    monitored: pl.DataFrame
    # household_id, risk_types (list[str]): the latest decided identification case of each household
    case_risks: pl.DataFrame
    # household_id, village, period, status, risk_types (list[str])
    warnings: pl.DataFrame
    # household_id (nullable), village, reported_on, channel, decided (bool: its identification case decided)
    clues: pl.DataFrame
    # village, opened_on, decided_on, due_on
    decided_cases: pl.DataFrame
    # village, overdue (bool): identification cases still in the procedure
    open_cases: pl.DataFrame
    # region_code (village or township), period
    scale_alerts: pl.DataFrame
    # village, submitted_on
    self_reports: pl.DataFrame
    # village: one row per monitored household whose visit is overdue today (R-ID-06 tiers)
    visits_overdue: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={"village": pl.Utf8}))
    # village, value: households without an open case whose routine visit is overdue today (常态化走访)
    routine_overdue: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"village": pl.Utf8, "value": pl.Int64})
    )
    # village, visited_on, routine (bool): visits in the window, follow-up and routine
    visits: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"village": pl.Utf8, "visited_on": pl.Date, "routine": pl.Boolean}
        )
    )


def stats_window(inputs: StatInputs) -> list[str]:
    """Months covered: from the earliest month with a warning or an identification (not more than
    MAX_MONTHS back) to the current month."""
    current = period_of(inputs.today)
    floor = period_shift(current, -(MAX_MONTHS - 1))
    candidates = [current]
    if inputs.warnings.height:
        candidates.append(str(inputs.warnings.get_column("period").min()))
    ident = inputs.monitored.get_column("identified_on").drop_nulls()
    if ident.len():
        candidates.append(period_of(ident.min()))  # type: ignore[arg-type]
    first = max(min(candidates), floor)
    return period_range(first, current)


def _month(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%Y-%m")


def _counted(frame: pl.DataFrame, metric: pl.Expr, *, value: pl.Expr | None = None) -> pl.DataFrame:
    """Group ``frame`` (with ``village`` and ``period``) by village, period and the metric expression."""
    if frame.height == 0:
        return pl.DataFrame(schema=_STAT_SCHEMA)
    agg = (value if value is not None else pl.len()).cast(pl.Int64).alias("value")
    return (
        frame.with_columns(metric.alias("metric"))
        .group_by(pl.col("village").alias("code"), "period", "metric")
        .agg(agg)
        .select("code", "period", "metric", "value")
    )


def _with_risks(frame: pl.DataFrame, case_risks: pl.DataFrame) -> pl.DataFrame:
    """One row per (row of ``frame``, risk type of the household's latest decided identification case);
    ``unknown`` when it has none (decision 0451: never guessed)."""
    return (
        frame.join(case_risks, on="household_id", how="left")
        .with_columns(
            pl.when(pl.col("risk_types").is_null() | (pl.col("risk_types").list.len() == 0))
            .then(pl.lit([UNKNOWN_RISK]))
            .otherwise(pl.col("risk_types"))
            .alias("risk_types")
        )
        .explode("risk_types")
    )


def stats_compute(inputs: StatInputs) -> tuple[pl.DataFrame, list[str]]:
    """Village-level figures rolled up to every level: ``(code, parent, level, period, metric, value)``
    (non-zero values only) and the window's months."""
    months = stats_window(inputs)
    first, current = months[0], months[-1]
    month_frame = pl.DataFrame({"period": months})
    parts: list[pl.DataFrame] = []

    # --- the register now (snapshot, current month) ------------------------------------------------
    hh = inputs.households.with_columns(pl.lit(current).alias("period"))
    parts += [
        _counted(hh, pl.lit(M.HOUSEHOLDS.value), value=pl.col("households").sum()),
        _counted(hh, pl.lit(M.PERSONS.value), value=pl.col("persons").sum()),
        _counted(
            hh.filter(pl.col("former_poor")),
            pl.lit(M.HOUSEHOLDS_FORMER_POOR.value),
            value=pl.col("households").sum(),
        ),
    ]
    open_cases = inputs.open_cases.with_columns(pl.lit(current).alias("period"))
    parts += [
        _counted(open_cases, pl.lit(M.CASES_OPEN.value)),
        _counted(open_cases.filter(pl.col("overdue")), pl.lit(M.CASES_OVERDUE.value)),
        _counted(
            inputs.visits_overdue.with_columns(pl.lit(current).alias("period")),
            pl.lit(M.VISITS_OVERDUE.value),
        ),
        _counted(
            inputs.routine_overdue.with_columns(pl.lit(current).alias("period")),
            pl.lit(M.ROUTINE_VISITS_OVERDUE.value),
            value=pl.col("value").sum(),
        ),
    ]
    visits = inputs.visits.with_columns(_month("visited_on").alias("period")).filter(
        pl.col("period") >= first
    )
    parts += [
        _counted(visits, pl.lit(M.VISITS.value)),
        _counted(
            visits,
            pl.lit("visits:")
            + pl.when(pl.col("routine")).then(pl.lit("routine")).otherwise(pl.lit("follow_up")),
        ),
    ]

    # --- monitoring objects, month by month --------------------------------------------------------
    mon = inputs.monitored.with_columns(
        pl.when(pl.col("identified_on").is_null())
        .then(pl.lit(first))
        .otherwise(_month("identified_on"))
        .alias("start"),
        pl.when(pl.col("eliminated_on").is_null())
        .then(pl.lit("9999-12"))
        .otherwise(_month("eliminated_on"))
        .alias("end"),
    )
    stock = mon.join(month_frame, how="cross").filter(
        (pl.col("start") <= pl.col("period")) & (pl.col("period") < pl.col("end"))
    )
    parts += [
        _counted(stock, pl.lit(M.MONITORED.value)),
        _counted(stock, pl.lit("monitored:") + pl.col("category")),
        _counted(stock, pl.lit(M.MONITORED_PERSONS.value), value=pl.col("members").sum()),
    ]
    parts.append(
        _counted(_with_risks(stock, inputs.case_risks), pl.lit("monitored_risk:") + pl.col("risk_types"))
    )
    in_window = pl.col("period").is_between(pl.lit(first), pl.lit(current))
    identified = mon.filter(pl.col("identified_on").is_not_null()).with_columns(
        _month("identified_on").alias("period")
    )
    identified = identified.filter(in_window)
    parts += [
        _counted(identified, pl.lit(M.IDENTIFIED.value)),
        _counted(identified, pl.lit("identified:") + pl.col("category")),
        _counted(
            _with_risks(identified, inputs.case_risks), pl.lit("identified_risk:") + pl.col("risk_types")
        ),
    ]
    eliminated = mon.filter(pl.col("eliminated_on").is_not_null()).with_columns(
        _month("eliminated_on").alias("period")
    )
    parts += [
        _counted(eliminated.filter(in_window), pl.lit(M.ELIMINATED.value)),
        _counted(
            eliminated.filter(in_window & (pl.col("mode") != "")),
            pl.lit("eliminated:") + pl.col("mode"),
        ),
    ]
    cumulative = (
        eliminated.select("village", pl.col("period").alias("end"))
        .join(month_frame, how="cross")
        .filter(pl.col("end") <= pl.col("period"))
    )
    parts.append(_counted(cumulative, pl.lit(M.ELIMINATED_CUM.value)))

    # --- warnings and the funnel -------------------------------------------------------------------
    warnings = inputs.warnings.filter(in_window)
    parts.append(_counted(warnings, pl.lit("warnings:") + pl.col("status")))
    active = warnings.filter(pl.col("status").is_in(["new", "persisting"]))
    parts.append(_counted(active, pl.lit(M.WARNINGS.value)))
    parts.append(
        _counted(
            active.explode("risk_types").drop_nulls("risk_types"),
            pl.lit("warning_risk:") + pl.col("risk_types"),
        )
    )
    parts.append(
        _counted(
            warnings.filter(pl.col("status") == "new").explode("risk_types").drop_nulls("risk_types"),
            pl.lit("warning_new_risk:") + pl.col("risk_types"),
        )
    )
    clues = inputs.clues.filter(pl.col("household_id").is_not_null())
    funnel = (
        active.select("household_id", "village", "period")
        .with_columns(pl.col("period").str.to_date("%Y-%m").alias("from"))
        .join(clues.select("household_id", "reported_on", "decided"), on="household_id", how="inner")
        .filter(pl.col("reported_on") >= pl.col("from"))
        .group_by("household_id", "village", "period")
        .agg(pl.col("decided").any().alias("decided"))
    )
    parts += [
        _counted(funnel, pl.lit(M.WARNINGS_VERIFIED.value)),
        _counted(funnel.filter(pl.col("decided")), pl.lit(M.WARNINGS_IDENTIFIED.value)),
    ]
    all_clues = inputs.clues.with_columns(_month("reported_on").alias("period")).filter(in_window)
    parts += [
        _counted(all_clues, pl.lit(M.CLUES.value)),
        _counted(all_clues, pl.lit("clues:") + pl.col("channel")),
    ]

    # --- timeliness (R-ID-03) ------------------------------------------------------------------------
    decided = inputs.decided_cases.with_columns(_month("decided_on").alias("period")).filter(in_window)
    due = pl.coalesce(pl.col("due_on"), pl.col("opened_on") + pl.duration(days=15))
    parts += [
        _counted(decided, pl.lit(M.CASES_DECIDED.value)),
        _counted(decided.filter(pl.col("decided_on") <= due), pl.lit(M.CASES_DECIDED_IN_TIME.value)),
    ]

    # --- channels ----------------------------------------------------------------------------------
    reports = inputs.self_reports.with_columns(_month("submitted_on").alias("period")).filter(in_window)
    parts.append(_counted(reports, pl.lit(M.SELF_REPORTS.value)))

    village_rows = (
        pl.concat([p for p in parts if p.height], how="vertical")
        if any(p.height for p in parts)
        else pl.DataFrame(schema=_STAT_SCHEMA)
    )
    rolled = _rollup(village_rows, LEVEL_LENGTHS)
    alerts = inputs.scale_alerts.filter(in_window)
    if alerts.height:
        alert_rows = alerts.group_by(pl.col("region_code").alias("code"), "period").agg(
            pl.len().cast(pl.Int64).alias("value")
        )
        alert_rows = alert_rows.with_columns(pl.lit(M.SCALE_ALERTS.value).alias("metric")).select(
            "code", "period", "metric", "value"
        )
        rolled = pl.concat([rolled, _rollup(alert_rows, LEVEL_LENGTHS)], how="vertical")
    rolled = (
        rolled.filter(pl.col("value") != 0)
        .with_columns(pl.col("code").str.len_chars().alias("n"))
        .filter(pl.col("n").is_in(list(LEVEL_LENGTHS)))
        .with_columns(
            pl.col("n").replace_strict(LEVEL_BY_LENGTH, return_dtype=pl.Utf8).alias("level"),
            pl.col("code")
            .str.slice(0, pl.col("n").replace_strict(PARENT_LENGTH, return_dtype=pl.Int64))
            .alias("parent"),
        )
        .select("code", "parent", "level", "period", "metric", "value")
        .sort("code", "period", "metric")
    )
    return rolled, months


def _rollup(rows: pl.DataFrame, lengths: Iterable[int]) -> pl.DataFrame:
    """Each row counted for its own region and every ancestor (codes are hierarchical by prefix)."""
    if rows.height == 0:
        return pl.DataFrame(schema=_STAT_SCHEMA)
    frames = [
        rows.filter(pl.col("code").str.len_chars() >= n).with_columns(pl.col("code").str.slice(0, n))
        for n in lengths
    ]
    return (
        pl.concat(frames, how="vertical")
        .group_by("code", "period", "metric")
        .agg(pl.col("value").sum().cast(pl.Int64))
        .select("code", "period", "metric", "value")
    )


# ---------------------------------------------------------------------------------------------- loading


def _frame(rows: Iterable[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _risk_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def stats_load(*, today: dt.date) -> StatInputs:
    """Read what the statistics need. The only query over the whole households table is one GROUP BY."""

    active = Household.objects.filter(status=HouseholdStatusChoices.ACTIVE)
    households = _frame(
        (
            (r["village_id"], r["poverty_status"] == PovertyStatusChoices.FORMER_POOR, r["n"], r["p"] or 0)
            for r in active.order_by()
            .values("village_id", "poverty_status")
            .annotate(n=Count("id"), p=Sum("registered_count"))
        ),
        {"village": pl.Utf8, "former_poor": pl.Boolean, "households": pl.Int64, "persons": pl.Int64},
    )
    monitored = _frame(
        active.exclude(monitoring_category="")
        .order_by()
        .values_list(
            "id",
            "village_id",
            "monitoring_category",
            "identified_on",
            "risk_eliminated_on",
            "elimination_mode",
            "member_count",
        )
        .iterator(chunk_size=20_000),
        {
            "household_id": pl.Int64,
            "village": pl.Utf8,
            "category": pl.Utf8,
            "identified_on": pl.Date,
            "eliminated_on": pl.Date,
            "mode": pl.Utf8,
            "members": pl.Int64,
        },
    )
    latest_risks: dict[int, list[str]] = {}
    for household_id, risk_types in (
        Case.objects.filter(kind=CaseKindChoices.IDENTIFICATION, decided_on__isnull=False)
        .order_by("household_id", "decided_on", "id")
        .values_list("household_id", "risk_types")
    ):
        latest_risks[household_id] = _risk_list(risk_types)  # the last one per household wins
    case_risks = pl.DataFrame(
        {"household_id": list(latest_risks), "risk_types": list(latest_risks.values())},
        schema={"household_id": pl.Int64, "risk_types": pl.List(pl.Utf8)},
    )
    floor = period_shift(period_of(today), -(MAX_MONTHS - 1))
    warnings = _frame(
        (
            (h, v, p, s, _risk_list(r))
            for h, v, p, s, r in Warning.objects.filter(
                source=RunSourceChoices.SCREENING, period__gte=floor, household__isnull=False
            )
            .order_by()
            .values_list("household_id", "village_code", "period", "status", "risk_types")
            .iterator(chunk_size=20_000)
        ),
        {
            "household_id": pl.Int64,
            "village": pl.Utf8,
            "period": pl.Utf8,
            "status": pl.Utf8,
            "risk_types": pl.List(pl.Utf8),
        },
    )
    clues = _frame(
        (
            (h, v, r, c, bool(d) and k == CaseKindChoices.IDENTIFICATION)
            for h, v, r, c, d, k in Clue.objects.order_by().values_list(
                "household_id", "village_id", "reported_on", "channel", "case__decided_on", "case__kind"
            )
        ),
        {
            "household_id": pl.Int64,
            "village": pl.Utf8,
            "reported_on": pl.Date,
            "channel": pl.Utf8,
            "decided": pl.Boolean,
        },
    )
    identification = Case.objects.filter(kind=CaseKindChoices.IDENTIFICATION).order_by()
    decided_cases = _frame(
        identification.filter(decided_on__isnull=False).values_list(
            "household__village_id", "opened_on", "decided_on", "due_on"
        ),
        {"village": pl.Utf8, "opened_on": pl.Date, "decided_on": pl.Date, "due_on": pl.Date},
    )
    open_cases = _frame(
        (
            (v, due is not None and due < today)
            for v, due in identification.filter(is_open=True)
            .exclude(state=CaseStateChoices.MONITORING)
            .values_list("household__village_id", "due_on")
        ),
        {"village": pl.Utf8, "overdue": pl.Boolean},
    )
    visits_overdue = _visits_overdue(today)
    routine_overdue = _frame(
        routine_visits_overdue_by_village(today=today).items(), {"village": pl.Utf8, "value": pl.Int64}
    )
    visits = _frame(
        Visit.objects.filter(visited_on__gte=period_start(floor))
        .order_by()
        .values_list("household__village_id", "visited_on", "case_id")
        .iterator(chunk_size=20_000),
        {"village": pl.Utf8, "visited_on": pl.Date, "case_id": pl.Int64},
    ).select("village", "visited_on", pl.col("case_id").is_null().alias("routine"))
    scale_alerts = _frame(
        ScaleAlert.objects.filter(period__gte=floor).order_by().values_list("region_code", "period"),
        {"region_code": pl.Utf8, "period": pl.Utf8},
    )
    self_reports = _frame(
        SelfReport.objects.filter(submitted_on__gte=period_start(floor))
        .order_by()
        .values_list("village_id", "submitted_on"),
        {"village": pl.Utf8, "submitted_on": pl.Date},
    )
    return StatInputs(
        today=today,
        households=households,
        monitored=monitored,
        case_risks=case_risks,
        warnings=warnings,
        clues=clues,
        decided_cases=decided_cases,
        open_cases=open_cases,
        scale_alerts=scale_alerts,
        self_reports=self_reports,
        visits_overdue=visits_overdue,
        routine_overdue=routine_overdue,
        visits=visits,
    )


def _visits_overdue(today: dt.date) -> pl.DataFrame:
    """Monitored households whose visit is overdue today (last visit, or identification, + the tier's
    interval of the village's parameters, R-ID-06): the supervisors' figure (their work queue shows it)."""

    rows = list(
        Case.objects.filter(kind="identification", state="monitoring", is_open=True)
        .annotate(since=Coalesce(Max("visits__visited_on"), F("decided_on"), F("opened_on")))
        .order_by()
        .values_list("household__village_id", "risk_level", "since")
    )
    params = params_by_village(villages={v for v, _, _ in rows}, year=today.year)
    late = [v for v, level, since in rows if since + dt.timedelta(days=params[v].visit_days(level)) < today]
    return pl.DataFrame({"village": late}, schema={"village": pl.Utf8})


# ---------------------------------------------------------------------------------------------- writing


def _write(rows: pl.DataFrame, progress: Callable[[int], None] | None) -> None:
    table = RegionPeriodStat._meta.db_table
    columns = ("region_code", "parent_code", "level", "period", "metric", "value")
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            # COPY: a full rebuild is hundreds of thousands of rows at province scale.
            raw = cur.cursor  # the psycopg cursor behind Django's wrapper
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for chunk in rows.iter_slices(WRITE_CHUNK):
                    for row in chunk.iter_rows():
                        copy.write_row(row)
                    if progress:
                        progress(chunk.height)
            analyze_stale([table])  # after the refresh commits: the dashboard's plans (issue 13)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        for chunk in rows.iter_slices(WRITE_CHUNK):
            cur.executemany(sql, chunk.rows())
            if progress:
                progress(chunk.height)


def _analyze() -> None:
    """Fresh planner statistics for the rebuilt table (PostgreSQL): the table was just emptied and
    refilled, and the dashboard's two index scans should not be planned on stale estimates."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {RegionPeriodStat._meta.db_table}")


def _lock() -> None:
    """Serialise refreshes: PostgreSQL advisory lock for this transaction (SQLite transactions are
    already serialised by the IMMEDIATE transaction mode)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [0x53574353])  # "SWCS"


def stats_refresh(
    *,
    actor: Actor = "system",
    reason: str = "",
    today: dt.date | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> StatRefresh:
    """Rebuild every region's statistics from the operational tables (one transaction for the table swap;
    readers see the old figures until it commits). Returns the ``StatRefresh`` row."""

    today = today or clock.today()
    refresh = StatRefresh.objects.create(reason=reason[:255], as_of=today, created_by=actor_user(actor))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        inputs = stats_load(today=today)
        timings["load"] = round(time.perf_counter() - t0, 3)
        if progress:
            progress("load", 0)
        t1 = time.perf_counter()
        rows, months = stats_compute(inputs)
        timings["compute"] = round(time.perf_counter() - t1, 3)
        latest = (
            ScreeningRun.objects.filter(source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        ) or (str(inputs.warnings.get_column("period").max()) if inputs.warnings.height else "")
        t2 = time.perf_counter()
        with transaction.atomic():
            _lock()
            _write(rows, (lambda n: progress("write", n)) if progress else None)
            refresh.status = StatRefreshStatusChoices.SUCCEEDED
            refresh.first_period, refresh.last_period = months[0], months[-1]
            refresh.latest_screened = latest
            refresh.rows = rows.height
            refresh.finished_at = timezone.now()
            timings["write"] = round(time.perf_counter() - t2, 3)
            timings["total"] = round(time.perf_counter() - t0, 3)
            refresh.timings = timings
            refresh.save()
            audit_record(
                actor=actor,
                action=AuditActionChoices.UPDATE,
                object_type="region_stats",
                object_id=str(refresh.pk),
                changes={"rows": rows.height, "periods": [months[0], months[-1]]},
                reason=(reason or "刷新区域统计")[:255],
            )
        _analyze()
    except Exception as exc:
        StatRefresh.objects.filter(pk=refresh.pk).update(
            status=StatRefreshStatusChoices.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    return refresh


def stat_refresh_latest() -> StatRefresh | None:
    return StatRefresh.objects.filter(status=StatRefreshStatusChoices.SUCCEEDED).order_by("-id").first()


def stats_check(*, region_code: str, today: dt.date) -> list[str]:
    """Differences between the statistics and a direct count over the households table for one region
    (households now; monitoring objects at the end of the current month). For ``refresh-stats --check``
    and the tests — never for a page."""

    current = period_of(today)
    stored = dict(
        RegionPeriodStat.objects.filter(
            region_code=region_code, period=current, metric__in=[M.HOUSEHOLDS, M.MONITORED]
        ).values_list("metric", "value")
    )
    qs = Household.objects.filter(region_q(region_code), status=HouseholdStatusChoices.ACTIVE)
    month_end = dt.date(today.year + today.month // 12, today.month % 12 + 1, 1) - dt.timedelta(days=1)
    monitored = (
        qs.exclude(monitoring_category="")
        .filter(Q(identified_on__isnull=True) | Q(identified_on__lte=month_end))
        .filter(Q(risk_eliminated_on__isnull=True) | Q(risk_eliminated_on__gt=month_end))
    )
    direct = {M.HOUSEHOLDS.value: qs.count(), M.MONITORED.value: monitored.count()}
    return [
        f"{region_code} {current} {StatMetricChoices(k).label}：统计表 {stored.get(k, 0)}，直接计数 {v}"
        for k, v in direct.items()
        if stored.get(k, 0) != v
    ]
