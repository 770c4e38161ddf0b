"""Screening actions (STYLE 3, 4): parameters, runs, warnings. Each state change is atomic and audited.

A run goes queued → running → succeeded | failed. The engine works outside any transaction; only
when it has finished are the period's warnings, tallies and scale alerts replaced, in one
transaction, so a crash at any earlier point leaves the previous warnings untouched.

A running run records its process (``owner``) and a heartbeat, refreshed with its progress. A run whose
process died is abandoned by the next start for its period (``failed``, with an audit row), at once;
a run whose process lives refuses the start, loudly (common.liveness, decision 0009).
"""

import datetime as dt
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from shouwang.accounts.access import Forbidden
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.audit.spool import spool_flush
from shouwang.common.dblock import write_transaction
from shouwang.common.dbstats import analyze_stale
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.limits import max_length
from shouwang.common.liveness import owner_token
from shouwang.exchange.choices import FEED_KINDS, BatchStatusChoices
from shouwang.exchange.models import ImportBatch
from shouwang.regions.models import Region
from shouwang.screening.assemble import risk_tallies, warnings_assemble, warnings_classify
from shouwang.screening.choices import (
    ACTIVE_RUN_STATUSES,
    PARAMETER_SETTER_ROLES,
    RUN_STARTER_ROLES,
    EngineChoices,
    ParameterKeyChoices,
    RunSourceChoices,
    RunStatusChoices,
)
from shouwang.screening.engines import InputFile, engine_build, rules_execute
from shouwang.screening.models import Parameter, ScreeningRun, Warning
from shouwang.screening.params import ResolvedParams, parameters_max_id, parameters_resolve, params_table_rows
from shouwang.screening.periods import PeriodContext, period_parse, period_range, period_shift
from shouwang.screening.recovery import run_dead, screening_run_abandon
from shouwang.screening.rules import FEED_LOOKBACK, catalogue_version
from shouwang.screening.scale import scale_alerts_replace
from shouwang.screening.snapshot import (
    feed_inputs,
    manifest_write,
    params_write,
    registry_snapshot_write,
    snapshot_dir,
    snapshot_inputs,
)

Progress = Callable[[int, str], None]
REQUIRED_KEYS = (ParameterKeyChoices.THRESHOLD, ParameterKeyChoices.RURAL_INCOME)
SNAPSHOTS_KEPT = 2  # per period: the latest successful run's snapshot and the one before
CHANGE_SAMPLE = 200


class ScreeningBusy(InputRefused):
    """Refusal: the period already has a queued or running run."""


def _refuse(message: str, column: str, value: str, reason: str) -> InputRefused:
    return InputRefused(message, [RowError(None, column, value, reason)])


def _actor_region(user: User | None) -> str:
    return user.region_code if user is not None else ""


# ---------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------
@transaction.atomic
def parameter_set(
    *, user: User, region_code: str, year: int, key: str, value: Decimal | str | float, note: str = ""
) -> Parameter:
    """A new version of one parameter for a region and year. Never edits an existing row.

    Only county and province officials may set parameters, and only for their own region or a
    region inside it.
    """
    if user.role not in PARAMETER_SETTER_ROLES or not _actor_region(user):
        raise Forbidden("只有县级或省级用户可以设置筛查参数")
    if not region_code or not region_code.startswith(_actor_region(user)):
        raise Forbidden("只能设置本级及下辖区划的筛查参数")
    if not Region.objects.filter(code=region_code).exists():
        raise _refuse("区划不存在", "region_code", region_code, "区划代码不存在")
    if key not in ParameterKeyChoices.values:
        raise _refuse("参数名称错误", "key", key, "未知的筛查参数")
    if not 2000 <= int(year) <= 2100:
        raise _refuse("年度错误", "year", str(year), "年度应为四位数字")
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise _refuse("参数取值错误", "value", str(value), "取值应为数字") from exc
    if amount < 0:
        raise _refuse("参数取值错误", "value", str(value), "取值不能为负数")
    previous = (
        Parameter.objects.select_for_update()
        .filter(region_code=region_code, year=year, key=key)
        .order_by("-version")
        .first()
    )
    param = Parameter.objects.create(
        region_code=region_code,
        year=year,
        key=key,
        value=amount,
        version=(previous.version + 1) if previous else 1,
        note=note,
        created_by=user,
    )
    audit_record(
        actor=user,
        action=AuditActionChoices.CREATE,
        object_type="screening_parameter",
        object_id=str(param.pk),
        region_code=region_code,
        changes={
            "key": key,
            "year": year,
            "version": param.version,
            "value": [str(previous.value) if previous else None, str(amount)],
        },
        reason=note,
    )
    return param


# ---------------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------------
def screening_run_create(
    *,
    user: User | None,
    period: str,
    engine: str = EngineChoices.DUCKDB,
    source: str = RunSourceChoices.SCREENING,
    reason: str = "",
) -> ScreeningRun:
    """Queue a run for ``user`` (None: the command line or the scheduler). A second run for a period that
    has one queued or running is refused, loudly."""
    period_parse(period)
    if engine not in EngineChoices.values:
        raise _refuse("未知的筛查引擎", "engine", engine, "可选：duckdb、spark、postgres")
    if len(reason) > (limit := max_length(ScreeningRun, "reason")):
        raise _refuse(f"原因不超过{limit}字", "reason", "", f"不超过{limit}字")
    if user is not None and user.role not in RUN_STARTER_ROLES:
        raise Forbidden("只有县级及以上用户可以发起筛查")
    try:
        with transaction.atomic():
            active = ScreeningRun.objects.filter(
                period=period, source=source, status__in=ACTIVE_RUN_STATUSES
            ).first()
            if active is not None and active.status == RunStatusChoices.RUNNING and run_dead(active):
                screening_run_abandon(run=active)
                active = None
            if active is not None:
                raise ScreeningBusy(
                    f"{period} 的筛查正在进行（运行#{active.pk}，{active.get_status_display()}），"
                    "请等待完成后再试",
                    [RowError(None, "period", period, f"已有运行#{active.pk}")],
                )
            run = ScreeningRun.objects.create(
                period=period,
                source=source,
                engine=engine,
                reason=reason,
                created_by=user,
            )
            audit_record(
                actor=user if user is not None else "cli",
                action=AuditActionChoices.CREATE,
                object_type="screening_run",
                object_id=str(run.pk),
                region_code=_actor_region(user),
                changes={"period": period, "engine": engine, "source": source},
                reason=reason,
            )
    except IntegrityError as exc:  # a concurrent start won the race (one_active_run_per_period)
        raise ScreeningBusy(
            f"{period} 的筛查正在进行，请等待完成后再试", [RowError(None, "period", period, "已有运行")]
        ) from exc
    return run


def _heartbeat(run: ScreeningRun) -> None:
    """One autocommitted single-row UPDATE (the engine works outside any transaction): no lock is held."""
    ScreeningRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())


def _set_progress(run: ScreeningRun, percent: int, step: str, progress: Progress | None) -> None:
    run.progress = max(0, min(100, percent))
    ScreeningRun.objects.filter(pk=run.pk).update(progress=run.progress, heartbeat_at=timezone.now())
    if progress:
        progress(run.progress, step)


@dataclass
class _Phase:
    timings: dict[str, float]

    def __call__(self, name: str) -> "_Timer":
        return _Timer(self.timings, name)


class _Timer:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = round(self.timings.get(self.name, 0.0) + time.perf_counter() - self.t0, 3)


def _previous_success(run: ScreeningRun) -> ScreeningRun | None:
    return (
        ScreeningRun.objects.filter(period=run.period, source=run.source, status=RunStatusChoices.SUCCEEDED)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-id")
        .first()
    )


def _resolve_params(run: ScreeningRun, villages: list[str], *, refresh: bool) -> tuple[ResolvedParams, int]:
    previous = _previous_success(run)
    if previous is not None and previous.params_max_id is not None and not refresh:
        max_id = previous.params_max_id
    else:
        max_id = parameters_max_id()
    year = period_parse(run.period)[0]
    resolved = parameters_resolve(region_codes=villages, year=year, max_id=max_id)
    if resolved.missing and max_id != parameters_max_id():
        # A key the pinned run did not know (added with a newer catalogue): its current value is used,
        # the rest stays pinned.
        latest = parameters_resolve(region_codes=villages, year=year)
        for key in list(resolved.missing):
            if key in latest.missing:
                continue
            for code in resolved.missing.pop(key):
                resolved.values[code][key] = latest.values[code][key]
            resolved.used[key] = latest.used.get(key, set())
            resolved.notes.append(f"参数“{key}”在上次运行时尚不存在，使用当前版本")
    errors = [
        RowError(
            None, key, ",".join(regions[:5]) + ("…" if len(regions) > 5 else ""), "这些行政村没有可用的参数值"
        )
        for key, regions in resolved.missing.items()
        if key in REQUIRED_KEYS
    ]
    if errors:
        raise InputRefused("筛查参数缺失，请先设置监测范围等参数", errors)
    return resolved, max_id


def screening_run_execute(
    *,
    run: ScreeningRun,
    progress: Progress | None = None,
    pg_url: str | None = None,
    refresh_params: bool = False,
    inputs: dict[str, list[InputFile]] | None = None,
) -> ScreeningRun:
    """Run a queued run to the end. On any failure the run is marked failed (with the error) and the
    exception propagates; the period's stored warnings are untouched.

    ``inputs`` replaces the registry snapshot and lake listing (the bench builds them from
    simulated files); parameters are then read from ``inputs["params"]``.
    """
    now = timezone.now()
    claimed = ScreeningRun.objects.filter(pk=run.pk, status=RunStatusChoices.QUEUED).update(
        status=RunStatusChoices.RUNNING, started_at=now, progress=0, owner=owner_token(), heartbeat_at=now
    )
    if not claimed:
        raise _refuse("该筛查运行不在排队状态", "run", str(run.pk), "只能执行排队中的运行")
    run.refresh_from_db()
    timings: dict[str, float] = {}
    phase = _Phase(timings)
    t_start = time.perf_counter()
    try:
        ctx = PeriodContext(run.period)
        run.catalogue_version = catalogue_version()
        previous = _previous_success(run)
        if (
            previous is not None
            and previous.catalogue_version
            and previous.catalogue_version != run.catalogue_version
        ):
            run.notes.append(
                f"规则目录已由 {previous.catalogue_version} 变为 {run.catalogue_version}，"
                "结果差异可能来自规则修改"
            )
        if inputs is None:
            directory = snapshot_dir(run.period, run.pk)
            with phase("snapshot"):
                counts = registry_snapshot_write(period=run.period, directory=directory)
            _set_progress(run, 10, "snapshot", progress)
            with phase("params"):
                villages = sorted(
                    set(
                        pq.read_table(directory / "households.parquet", columns=["village_code"])
                        .column("village_code")
                        .drop_null()
                        .to_pylist()
                    )
                )
                resolved, max_id = _resolve_params(run, villages, refresh=refresh_params)
                params_write(directory / "params.parquet", params_table_rows(resolved))
                run_inputs = snapshot_inputs(directory)
                feeds, manifest = feed_inputs(run.period)
                run_inputs.update(feeds)
            run.snapshot_path = str(directory)
            run.params_max_id = max_id
            run.parameter_versions = resolved.versions_json()
            run.notes.extend(resolved.notes)
            run.inputs = {"registry": counts, "feed_batches": manifest}
            manifest_write(
                directory,
                {
                    "run": run.pk,
                    "period": run.period,
                    "catalogue_version": run.catalogue_version,
                    "params_max_id": max_id,
                    "parameter_versions": run.parameter_versions,
                    "registry": counts,
                    "feed_batches": manifest,
                },
            )
        else:
            run_inputs = inputs
        run.save(
            update_fields=[
                "catalogue_version",
                "snapshot_path",
                "params_max_id",
                "parameter_versions",
                "notes",
                "inputs",
            ]
        )
        _set_progress(run, 15, "params", progress)

        engine = engine_build(run.engine, pg_url=pg_url)
        with phase("engine"), engine:
            output = rules_execute(
                engine,
                inputs=run_inputs,
                ctx=ctx,
                progress=lambda step, frac: _set_progress(run, 15 + int(70 * frac), step, progress),
            )
        for k, v in output.timings.items():
            timings[f"engine_{k}"] = round(v, 3)

        with phase("assemble"):
            frame = warnings_assemble(output)
            previous_period = Warning.objects.filter(source=run.source, period=period_shift(run.period, -1))
            prev = pl.DataFrame(
                list(previous_period.values_list("household_no", "risk_types")),
                schema={"household_no": pl.String, "risk_types": pl.List(pl.String)},
                orient="row",
            )
            frame = warnings_classify(frame, prev)
            base = pl.from_arrow(output.base)
            assert isinstance(base, pl.DataFrame)
        _set_progress(run, 88, "assemble", progress)

        with phase("store"):
            _heartbeat(run)
            _store(run, frame, base, previous=previous, timings=timings, t_start=t_start)
        _set_progress(run, 100, "done", progress)
        _prune_snapshots(run)
        spool_flush()  # page views audited while the warnings were being stored (audit.spool)
        return run
    except BaseException as exc:
        run.status = RunStatusChoices.FAILED
        run.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"[:20000]
        run.finished_at = timezone.now()
        timings["total"] = round(time.perf_counter() - t_start, 3)
        run.timings = timings
        ScreeningRun.objects.filter(pk=run.pk).update(
            status=run.status, error=run.error, finished_at=run.finished_at, timings=timings, notes=run.notes
        )
        raise


def _counts(frame: pl.DataFrame, base: pl.DataFrame) -> dict[str, Any]:
    by_status = dict(frame.group_by("status").len().iter_rows()) if frame.height else {}
    by_risk = (
        dict(
            frame.select(pl.col("risk_types").explode()).drop_nulls().group_by("risk_types").len().iter_rows()
        )
        if frame.height
        else {}
    )
    by_rule = (
        dict(frame.select(pl.col("rules").explode()).group_by("rules").len().iter_rows())
        if frame.height
        else {}
    )
    by_cat = dict(frame.group_by("suggested_category").len().iter_rows()) if frame.height else {}
    return {
        "households_screened": base.height,
        "warnings": frame.height,
        "by_status": dict(sorted(by_status.items())),
        "by_risk_type": dict(sorted(by_risk.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "by_category": {(k or "none"): v for k, v in sorted(by_cat.items())},
        "needs_asset_check": int(frame.get_column("needs_asset_check").sum()) if frame.height else 0,
    }


def _changes(old: dict[str, list[str]], frame: pl.DataFrame, previous: ScreeningRun | None) -> dict[str, Any]:
    if previous is None and not old:
        return {}
    new = dict(
        zip(frame.get_column("household_no").to_list(), frame.get_column("rules").to_list(), strict=True)
    )
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(h for h in set(new) & set(old) if list(new[h]) != list(old[h]))
    return {
        "previous_run": previous.pk if previous else None,
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "unchanged": len(set(new) & set(old)) - len(changed),
        "added_households": added[:CHANGE_SAMPLE],
        "removed_households": removed[:CHANGE_SAMPLE],
        "changed_households": changed[:CHANGE_SAMPLE],
    }


WARNING_COLUMNS = (
    "run_id", "source", "period", "household_id", "household_no", "village_code", "signals", "rules",
    "risk_types", "new_risk_types", "income_per_capita", "threshold", "suggested_category", "score",
    "status", "needs_asset_check", "exclusion_evidence", "resolved_period", "created_at",
)  # fmt: skip


def _json_list(col: str) -> pl.Expr:
    """A list of codes (no quotes or backslashes in them) as JSON text."""
    return (
        pl.when(pl.col(col).list.len() == 0)
        .then(pl.lit("[]"))
        .otherwise(pl.concat_str([pl.lit('["'), pl.col(col).list.join('","'), pl.lit('"]')]))
        .alias(col)
    )


def _warning_frame(run: ScreeningRun, frame: pl.DataFrame) -> pl.DataFrame:
    """The warning rows in table column order, vectorised (a million-household month has ~10⁵ rows)."""
    return frame.select(
        pl.lit(run.pk, pl.Int64).alias("run_id"),
        pl.lit(run.source).alias("source"),
        pl.lit(run.period).alias("period"),
        pl.col("household_id").cast(pl.Int64),
        "household_no",
        "village_code",
        "signals",
        _json_list("rules"),
        _json_list("risk_types"),
        _json_list("new_risk_types"),
        pl.col("income_per_capita").round(2),
        pl.col("threshold").round(2),
        pl.col("suggested_category").fill_null(""),
        pl.col("score").round(4),
        "status",
        pl.col("needs_asset_check").cast(pl.Boolean),
        "exclusion_evidence",
        pl.lit("").alias("resolved_period"),
        pl.lit(timezone.now().isoformat()).alias("created_at"),
    )


def _bulk_insert_warnings(rows: pl.DataFrame) -> None:
    """COPY (CSV) on PostgreSQL, executemany elsewhere; inside the caller's transaction."""
    if rows.height == 0:
        return
    table = Warning._meta.db_table
    cols = ", ".join(WARNING_COLUMNS)
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            data = rows.write_csv(include_header=False, quote_style="necessary").encode()
            sql = (
                f"COPY {table} ({cols}) FROM STDIN "
                "(FORMAT csv, FORCE_NOT_NULL (suggested_category, resolved_period))"
            )
            with c.cursor.copy(sql) as copy:
                copy.write(data)
        else:
            created = connection.ops.adapt_datetimefield_value(timezone.now())
            values = rows.with_columns(pl.lit(created).alias("created_at")).rows()
            marks = ", ".join(["%s"] * len(WARNING_COLUMNS))
            c.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
    analyze_stale(
        [table]
    )  # after the run's commit (issue 13: stale statistics made the warnings API 60x slower)


def _store(
    run: ScreeningRun,
    frame: pl.DataFrame,
    base: pl.DataFrame,
    *,
    previous: ScreeningRun | None,
    timings: dict[str, float],
    t_start: float,
) -> None:
    """Replace the period's warnings, tallies and alerts, and close the run: one transaction."""
    rows = _warning_frame(run, frame)
    counts = _counts(frame, base)
    tallies = risk_tallies(frame, base) if run.source == RunSourceChoices.SCREENING else None
    with write_transaction():
        # A run abandoned meanwhile (its heartbeat went stale on another host) must not overwrite the
        # outputs of the run that replaced it.
        if (
            not ScreeningRun.objects.select_for_update()
            .filter(pk=run.pk, status=RunStatusChoices.RUNNING)
            .exists()
        ):
            raise _refuse("该筛查运行已被标记为中断", "run", str(run.pk), "结果未写入，请重新筛查")
        current = Warning.objects.filter(source=run.source, period=run.period)
        old = dict(current.values_list("household_no", "rules"))
        current.delete()
        _bulk_insert_warnings(rows)
        prev_period = period_shift(run.period, -1)
        # Resolution of last month's warnings: recomputed on every run of this period.
        prev_q = Warning.objects.filter(source=run.source, period=prev_period)
        prev_q.filter(resolved_period=run.period).update(resolved_period="")
        still = Warning.objects.filter(
            source=run.source, period=run.period, household_no=OuterRef("household_no")
        )
        counts["resolved_from_previous"] = prev_q.filter(~Exists(still)).update(resolved_period=run.period)
        if tallies is not None:
            counts["scale_alerts"] = scale_alerts_replace(run, tallies)
        run.counts = counts
        run.changes = _changes(old, frame, previous)
        run.status = RunStatusChoices.SUCCEEDED
        run.finished_at = timezone.now()
        timings["total"] = round(time.perf_counter() - t_start, 3)
        run.timings = timings
        run.progress = 100
        run.save(update_fields=["counts", "changes", "status", "finished_at", "timings", "progress"])
        audit_record(
            actor=run.created_by or "cli",
            action=AuditActionChoices.IMPORT,
            object_type="screening_warnings",
            object_id=str(run.pk),
            region_code="",
            changes={
                "period": run.period,
                "warnings": counts["warnings"],
                "by_status": counts["by_status"],
                "changes": {k: v for k, v in run.changes.items() if not k.endswith("_households")},
            },
            reason=f"{run.period} 月度筛查结果写入（{run.engine}）",
        )


def _prune_snapshots(run: ScreeningRun) -> None:
    """Keep the snapshots of the latest successful runs of the period; older ones are removed."""
    keep = list(
        ScreeningRun.objects.filter(period=run.period, source=run.source, status=RunStatusChoices.SUCCEEDED)
        .exclude(snapshot_path="")
        .order_by("-finished_at", "-id")
        .values_list("snapshot_path", flat=True)[:SNAPSHOTS_KEPT]
    )
    root = Path(run.snapshot_path).parent if run.snapshot_path else None
    if root is None or not root.exists():
        return
    for d in root.iterdir():
        if d.is_dir() and d.name.startswith("run-") and str(d) not in keep:
            active = ScreeningRun.objects.filter(
                snapshot_path=str(d), status__in=ACTIVE_RUN_STATUSES
            ).exists()
            if not active:
                shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# Convenience: run now, re-screen, periods affected by a batch
# ---------------------------------------------------------------------------------------------------
def screening_run(
    *,
    user: User | None,
    period: str,
    engine: str = EngineChoices.DUCKDB,
    reason: str = "",
    progress: Progress | None = None,
    pg_url: str | None = None,
    refresh_params: bool = False,
) -> ScreeningRun:
    """Create and execute a run in this process (the CLI and tests)."""
    run = screening_run_create(user=user, period=period, engine=engine, reason=reason)
    return screening_run_execute(run=run, progress=progress, pg_url=pg_url, refresh_params=refresh_params)


def screening_periods_affected(*, kind: str, period: str) -> list[str]:
    """Screened periods whose result may change when a (late or corrected) batch of ``kind`` for
    ``period`` arrives: the periods whose look-back window contains the delivery period."""
    last = period_shift(period, FEED_LOOKBACK.get(kind, 1) - 1)
    candidates = period_range(period, last)
    screened = set(
        ScreeningRun.objects.filter(
            source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED, period__in=candidates
        ).values_list("period", flat=True)
    )
    return [p for p in candidates if p in screened]


def screening_rescreen_queue(*, user: User | None, since: dt.datetime | None = None) -> list[ScreeningRun]:
    """Queue re-runs for screened periods that a feed batch imported after their last run affects."""
    latest: dict[str, Any] = {}
    for period, finished in ScreeningRun.objects.filter(
        source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED
    ).values_list("period", "finished_at"):
        if finished and (period not in latest or finished > latest[period]):
            latest[period] = finished
    reasons: dict[str, list[int]] = {}
    batches = ImportBatch.objects.filter(kind__in=FEED_KINDS, status=BatchStatusChoices.SUCCEEDED)
    if since is not None:
        batches = batches.filter(finished_at__gte=since)
    for b in batches.only("id", "kind", "period", "finished_at", "created_at"):
        stamp = b.finished_at or b.created_at
        for p in screening_periods_affected(kind=b.kind, period=b.period):
            if p in latest and stamp > latest[p]:
                reasons.setdefault(p, []).append(b.pk)
    runs = []
    for p, ids in sorted(reasons.items()):
        if ScreeningRun.objects.filter(
            period=p, source=RunSourceChoices.SCREENING, status__in=ACTIVE_RUN_STATUSES
        ).exists():
            continue
        ids_text = ",".join(f"#{i}" for i in sorted(ids)[:10])
        runs.append(screening_run_create(user=user, period=p, reason=f"新到或更正的部门数据批次 {ids_text}"))
    return runs
