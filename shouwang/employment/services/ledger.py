"""Services of the employment app: the 务工月监测 import and export, and the monthly labour roster.

* ``ledger_import`` (``shouwang import employment PATH... --period YYYY-MM``, CONTRACT §4): any number
  of 已外出务工信息 / 计划外出务工信息 files (XLSX with two title rows and the header on row 3, or CSV in
  UTF-8 or GB18030), told apart by their headers. Every file is read and checked first (``checks``,
  POLICY R-EMP-10); any error in any file refuses the whole invocation with every reason and writes
  nothing (no batch, no row, no audit entry). Then, in one transaction, each file becomes an
  ``ImportBatch`` (exchange.batches: the same file again is a no-op; another file for the same kind,
  source, period and county supersedes the earlier batch), its rows are upserted by (person, start
  month) / (person, period), the month's roster is derived again for the counties concerned, and one
  ``import`` audit row per batch is written.
* ``ledger_export``: the same layout back, from what Shouwang holds.
* ``roster_refresh``: the month's 劳动力花名册 derived from the registry, the episodes and the plans
  (R-EMP-02); a status recorded by a visit, a phone call, 人社 or the person is kept.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.audit.services import audit_record_many
from shouwang.common import crypto
from shouwang.common.dblock import write_transaction
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.checks import Checked, check_episodes, check_plans
from shouwang.employment.choices import (
    StatusSourceChoices,
)
from shouwang.employment.layout import (
    EPISODE_COLUMNS,
    HEADER_ROW,
    PLAN_COLUMNS,
)
from shouwang.employment.models import WorkEpisode, WorkPlan
from shouwang.employment.services.roster import roster_refresh
from shouwang.exchange.batches import (
    batch_audit_entry,
    batch_region,
    batch_same_file,
    batch_start,
    batch_succeed,
)
from shouwang.exchange.bulk import (
    bulk_load,
    cents_text,
    db_now,
    large_page_cache,
    select_in,
    with_defaults,
)
from shouwang.exchange.choices import BatchKindChoices
from shouwang.exchange.files import Table, archive_file, read_leading_rows, read_table, sha256_file
from shouwang.regions.models import Region

DEFAULT_SOURCE = "national"
EPISODES, PLANS = BatchKindChoices.WORK_EPISODES.value, BatchKindChoices.WORK_PLANS.value
KIND_LABELS = {EPISODES: "已外出务工信息", PLANS: "计划外出务工信息"}
SPECS = {EPISODES: EPISODE_COLUMNS, PLANS: PLAN_COLUMNS}
_NATIONAL_KEPT = (
    "county",
    "township",
    "village",
    "person_no",
    "household_type",
    "monitoring_category",
    "labour",
)


@dataclass
class LedgerFileResult:
    path: str
    kind: str
    period: str
    rows: int = 0
    batch_id: int | None = None
    supersedes_id: int | None = None
    duplicate: bool = False
    created: int = 0
    updated: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class LedgerImportResult:
    files: list[LedgerFileResult]
    roster_rows: int = 0
    seconds: float = 0.0
    # Seconds per stage (read, check, write, roster, commit): the bench reports them.
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class _Plan:
    path: Path
    kind: str
    checksum: str
    table: Table | None = None
    checked: Checked | None = None
    region: str = ""


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def ledger_kind(path: Path) -> str | None:
    """已外出务工信息 or 计划外出务工信息, from the headers of the first rows (None: neither)."""
    for row in read_leading_rows(path, 5):
        names = {c.replace(" ", "") for c in row}
        if names & {"开始时间", "start_month", "务工开始时间"}:
            return EPISODES
        if names & {"是否计划务工", "是否计划外出务工", "planned"}:
            return PLANS
    return None


PERSONS_SCHEMA = {
    "id_number": pl.Utf8,
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "reg_household_no": pl.Utf8,
    "birth_date": pl.Date,
    "school_status": pl.Utf8,
    "reg_labour": pl.Utf8,
    "tekun": pl.Boolean,
    "county_code": pl.Utf8,
    "township_code": pl.Utf8,
    "home_county": pl.Utf8,
}


def _persons_frame(ids: list[str]) -> pl.DataFrame:
    """The registry facts the checks need for these IDs, in one bulk read (exchange.bulk.select_in), typed
    on whole columns (SQLite returns dates as text and booleans as integers)."""
    keys = pl.DataFrame({"id_index": crypto.blind_index_many(ids), "id_number": ids}).unique(
        subset=["id_index"], keep="first", maintain_order=True
    )
    rows = select_in(
        "SELECT p.id_index, p.id, p.household_id, h.household_no, p.birth_date, p.school_status, p.labour,"
        " p.tekun, h.county_code, h.township_code FROM registry_person p"
        " JOIN registry_household h ON h.id = p.household_id",
        "p.id_index",
        keys.get_column("id_index").sort().to_list(),
    )
    names = [
        "id_index",
        "person_id",
        "household_id",
        "reg_household_no",
        "birth_date",
        "school_status",
        "reg_labour",
        "tekun",
        "county_code",
        "township_code",
    ]
    # Typed by the driver (SQLite: dates as text, booleans as integers; PostgreSQL: date and bool), made
    # uniform below on whole columns.
    raw = pl.DataFrame(rows or None, schema=names, orient="row", infer_schema_length=None)
    raw = raw.with_columns(
        pl.col("birth_date").cast(pl.Utf8),
        pl.col("tekun").cast(pl.Utf8).str.to_lowercase(),
        *[pl.col(c).cast(pl.Utf8) for c in ("id_index", "reg_household_no", "school_status", "reg_labour")],
        *[pl.col(c).cast(pl.Utf8) for c in ("county_code", "township_code", "person_id", "household_id")],
    )
    counties = raw.get_column("county_code").unique().drop_nulls().to_list()
    home = dict(Region.objects.filter(code__in=counties).values_list("code", "full_name"))
    typed = raw.select(
        "id_index",
        pl.col("person_id").cast(pl.Int64),
        pl.col("household_id").cast(pl.Int64),
        "reg_household_no",
        pl.col("birth_date").str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d"),
        "school_status",
        "reg_labour",
        pl.col("tekun").str.to_lowercase().is_in(["true", "1", "t"]),
        "county_code",
        "township_code",
        pl.col("county_code").replace_strict(home, default="", return_dtype=pl.Utf8).alias("home_county"),
    )
    joined = typed.join(keys, on="id_index", how="inner").select(list(PERSONS_SCHEMA))
    return joined.cast(PERSONS_SCHEMA)  # type: ignore[arg-type]


def _read(path: Path, kind: str) -> Table:
    return read_table(
        path,
        columns=SPECS[kind],
        kind_label=KIND_LABELS[kind],
        allow_empty=True,
        header_search=HEADER_ROW + 2,
        keep_unknown=True,
    )


def _check(plan: _Plan, period: str, today: dt.date) -> None:
    assert plan.table is not None
    ids = [i for i in plan.table.frame.get_column("id_number").drop_nulls().str.to_uppercase().to_list()]
    persons = _persons_frame(ids)
    if plan.kind == EPISODES:
        pids = persons.get_column("person_id").unique().sort().to_list()
        stored = pl.DataFrame(
            select_in(
                "SELECT person_id, start_month, end_month FROM employment_workepisode", "person_id", pids
            ),
            schema={"person_id": pl.Int64, "start_month": pl.Utf8, "end_month": pl.Utf8},
            orient="row",
        )
        plan.checked = check_episodes(plan.table, period=period, persons=persons, stored=stored, today=today)
    else:
        plan.checked = check_plans(plan.table, persons=persons)
    plan.region = batch_region(persons.get_column("county_code").to_list())


def ledger_import(
    *,
    paths: Sequence[str | Path],
    period: str,
    source: str = DEFAULT_SOURCE,
    actor: Actor | None = None,
    today: dt.date | None = None,
    progress: Callable[[int, str], None] | None = None,
    lock_wait: float | None = None,
) -> LedgerImportResult:
    """Import 务工月监测 files for ``period`` (module doc). Raises ``InputRefused`` with every reason of
    every file; nothing is written then."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    actor = actor if actor is not None else f"cli:{_os_user()}"
    source = source or DEFAULT_SOURCE
    step = progress or (lambda pct, stage: None)
    clock = _Clock()
    errors: list[RowError] = []
    if not _valid_period(period):
        raise InputRefused(
            "--period 参数格式应为YYYY-MM", [RowError(None, "--period", period, "期间格式应为YYYY-MM")]
        )
    if period > today.strftime("%Y-%m"):
        raise InputRefused("统计月份晚于当月", [RowError(None, "--period", period, "统计月份不能晚于当月")])
    plans: list[_Plan] = []
    for raw in paths:
        path = Path(raw)
        try:
            kind = ledger_kind(path) if path.is_file() else None
        except InputRefused as exc:
            errors += [RowError(e.row, e.column, e.value, f"{path.name}：{e.reason}") for e in exc.errors]
            continue
        if kind is None:
            reason = (
                "文件不存在"
                if not path.is_file()
                else "不是已外出务工信息或计划外出务工信息（表头前5行中没有“开始时间”或“是否计划务工”列）"
            )
            errors.append(RowError(None, "", path.name, reason))
            continue
        plans.append(_Plan(path=path, kind=kind, checksum=sha256_file(path)))
    kinds = [p.kind for p in plans]
    for k in set(kinds):
        if kinds.count(k) > 1:
            errors.append(
                RowError(None, "", KIND_LABELS[k], "同一次导入中有多个同类文件，请合并为一个文件或分次导入")
            )
    step(5, "读取")
    for plan in plans:
        try:
            plan.table = _read(plan.path, plan.kind)
        except InputRefused as exc:
            errors += [_named(plan.path, e) for e in exc.errors]
    clock.lap("read")
    step(20, "校验")
    with write_transaction(wait=lock_wait), large_page_cache():
        for plan in plans:
            if plan.table is not None:
                _check(plan, period, today)
                assert plan.checked is not None
                errors += [_named(plan.path, e) for e in plan.checked.errors]
        if errors:
            raise InputRefused(f"务工月监测数据导入被拒绝：共{len(errors)}处错误，未写入任何数据", errors)
        clock.lap("check")
        step(50, "写入")
        results = [_write(plan, period=period, source=source, actor=actor) for plan in plans]
        clock.lap("write")
        step(80, "花名册")
        counties = sorted(
            {
                c
                for p in plans
                if p.checked is not None
                for c in p.checked.rows.get_column("county_code").drop_nulls()
            }
        )
        written = not all(r.duplicate for r in results)
        roster = roster_refresh(period=period, counties=counties, today=today) if written and counties else 0
        clock.lap("roster")
    clock.lap("commit")
    step(100, "完成")
    return LedgerImportResult(
        files=results, roster_rows=roster, seconds=time.perf_counter() - started, stages=clock.laps
    )


class _Clock:
    """Seconds per stage of an import, for the bench (``LedgerImportResult.stages``)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._t
        self._t = now


def _named(path: Path, e: RowError) -> RowError:
    return RowError(e.row, f"{path.name}：{e.column}" if e.column else path.name, e.value, e.reason)


def _valid_period(period: str) -> bool:
    return (
        len(period) == 7
        and period[4] == "-"
        and period[:4].isdigit()
        and period[5:].isdigit()
        and 1 <= int(period[5:]) <= 12
    )


def _national(table: Table, index: pl.Series) -> pl.Series:
    """The columns kept as written, as JSON text per row (``WorkEpisode.national``): the identity texts
    and the unknown columns (R-EMP-03), empty cells left out. Encoded by polars, one column at a time."""
    frame = table.frame
    names = [(name, name) for name in _NATIONAL_KEPT] + [(f"+{h}", f"+{h}") for h in table.extra_columns]
    picked = frame.select([pl.col(col).gather(index).alias(key) for key, col in names])
    parts = [
        pl.when(pl.col(key).is_not_null()).then(
            pl.struct(pl.col(key)).struct.json_encode().str.slice(1).str.strip_suffix("}")
        )
        for key, _ in names
    ]
    encoded = picked.select(pl.concat_str(parts, separator=", ", ignore_nulls=True).alias("j"))
    return encoded.select(pl.concat_str([pl.lit("{"), pl.col("j").fill_null(""), pl.lit("}")])).to_series()


def _write_frame(plan: _Plan, rows: pl.DataFrame, *, period: str, batch_id: int) -> pl.DataFrame:
    """The checked rows as the table's columns (money as decimal text, the national columns as JSON)."""
    assert plan.table is not None
    national = _national(plan.table, rows.get_column("_row"))
    common = [
        pl.col("person_id").cast(pl.Int64),
        pl.col("household_id").cast(pl.Int64),
        pl.col("county_code").cast(pl.Utf8),
        pl.col("township_code").cast(pl.Utf8),
        pl.lit(national).alias("national"),
        pl.lit(batch_id, dtype=pl.Int64).alias("source_batch_id"),
    ]
    if plan.kind == EPISODES:
        frame = rows.select(
            *common,
            pl.col("start_month").cast(pl.Utf8),
            pl.col("end_month").cast(pl.Utf8),
            pl.col("worked").cast(pl.Boolean),
            pl.col("work_county").cast(pl.Utf8),
            pl.col("place_type").cast(pl.Utf8),
            pl.col("wage").cast(pl.Int64),
            pl.col("employer").cast(pl.Utf8),
            pl.col("industry").cast(pl.Utf8),
            pl.col("channel").cast(pl.Utf8),
            pl.col("channel_text").cast(pl.Utf8),
            pl.col("point_to_point").cast(pl.Boolean),
            pl.col("transport_subsidy").cast(pl.Int64),
            pl.lit(StatusSourceChoices.LEDGER.value).alias("source"),
        )
        return cents_text(frame, ["wage", "transport_subsidy"])
    return rows.select(
        *common,
        pl.lit(period).alias("period"),
        pl.col("planned").cast(pl.Boolean),
        pl.col("planned_county").cast(pl.Utf8),
        pl.col("service_need").cast(pl.Utf8),
    )


def _write(plan: _Plan, *, period: str, source: str, actor: Actor) -> LedgerFileResult:
    assert plan.table is not None and plan.checked is not None
    table, rows = plan.table, plan.checked.rows
    result = LedgerFileResult(
        path=str(plan.path),
        kind=plan.kind,
        period=period,
        rows=table.frame.height,
        warnings=list(table.warnings),
    )
    same = batch_same_file(
        kind=plan.kind, source=source, period=period, checksum=plan.checksum, region=plan.region
    )
    if same is not None:
        result.duplicate, result.batch_id = True, same.pk
        return result
    batch, replaces = batch_start(
        kind=plan.kind,
        source=source,
        period=period,
        region=plan.region,
        checksum=plan.checksum,
        filename=plan.path.name,
        encoding=table.encoding,
        actor=actor,
        stored_path=archive_file(plan.path, plan.checksum),
        rows_total=table.frame.height,
        warnings=list(table.warnings),
        periods=[period],
        progress=60,
    )
    result.batch_id, result.supersedes_id = batch.pk, batch.supersedes_id
    model: Any = WorkEpisode if plan.kind == EPISODES else WorkPlan
    key = "start_month" if plan.kind == EPISODES else "period"
    frame = _write_frame(plan, rows, period=period, batch_id=batch.pk)
    # Which keys are stored already (updates) and which are new (decision 0722: one bulk upsert, the
    # new rows straight in on PostgreSQL).
    stored = pl.DataFrame(
        select_in(
            f"SELECT person_id, {key} FROM {model._meta.db_table}",
            "person_id",
            frame.get_column("person_id").unique().sort().to_list(),
        ),
        schema={"person_id": pl.Int64, key: pl.Utf8},
        orient="row",
    )
    known = frame.select("person_id", key).join(
        stored.with_columns(pl.lit(True).alias("_stored")),
        on=["person_id", key],
        how="left",
        maintain_order="left",
    )
    is_new = known.get_column("_stored").is_null()
    _, now_db = db_now()
    frame = with_defaults(frame, model, now_db, {"checked_on": pl.Utf8, "point_to_point": pl.Boolean})
    update = [c for c in frame.columns if c not in ("person_id", key, "created_at")]
    bulk_load(model._meta.db_table, frame, conflict=["person_id", key], update=update, known_new=is_new)
    result.created = int(is_new.sum())
    result.updated = frame.height - result.created
    batch_succeed(
        batch,
        replaces=replaces,
        rows_created=result.created,
        rows_updated=result.updated,
        matched=frame.height,
        report={"unknown_columns": list(table.extra_columns), "encoding": table.encoding},
    )
    audit_record_many(
        actor=actor,
        entries=[
            batch_audit_entry(
                batch,
                changes={
                    "kind": plan.kind,
                    "source": source,
                    "period": period,
                    "file": plan.path.name,
                    "checksum": plan.checksum,
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "supersedes": result.supersedes_id,
                },
                reason=f"导入务工月监测{KIND_LABELS[plan.kind]}",
                region_code=plan.region,
            )
        ],
    )
    return result
