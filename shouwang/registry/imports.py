"""Registry import (CONTRACT §1 ``shouwang import registry``, §2 "Registry"; issue 2 §4).

One invocation takes any number of households / persons / incomes files and processes them in that kind
order **in one transaction**: every file is read and validated against the database *and* the other files
of the invocation first; if any file has any invalid row, every error of every file is reported and
nothing at all is written (CONTRACT: all-or-nothing, exit 2). Only then are the rows written, with bulk
statements (PostgreSQL: COPY into a temporary table, then ``INSERT … ON CONFLICT … DO UPDATE``; SQLite:
``executemany`` of the same upsert), audited (one ``import`` row per batch and one ``update`` row, old →
new, per existing record that changed) and checked for data quality (warnings stored per batch).

Batches (CONTRACT §2): each file is one ImportBatch identified by (kind, source, period, checksum). The
same file again changes nothing. Another file for the same (kind, source, period) supersedes the earlier
batch, which stays on record as ``superseded``; its rows are upserted by household_no, id_number
(through the blind index) and (household_no, period). Rows are never deleted by an import: people leave
a household through ``residence`` (moved_out / deceased) — see docs/registry.md.
"""

from __future__ import annotations

import datetime as dt
import getpass
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record_many
from shouwang.common import crypto, idnumber
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.choices import BatchKindChoices, BatchStatusChoices
from shouwang.exchange.files import (
    REGISTRY_COLUMNS,
    Table,
    TableValidator,
    archive_file,
    cents_to_str,
    read_header,
    read_table,
    sha256_file,
)
from shouwang.exchange.models import ImportBatch
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.regions.services import village_groups_ensure
from shouwang.registry import quality
from shouwang.registry.choices import (
    COUNTED_RESIDENCE,
    EliminationModeChoices,
    HealthChoices,
    LabourChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RelationChoices,
    ResidenceChoices,
    SchoolStatusChoices,
    SexChoices,
    WorkPlaceChoices,
)
from shouwang.registry.income import members_counted
from shouwang.registry.models import DataQualityIssue, Household, IncomeRecord, Person

log = logging.getLogger(__name__)

KIND_ORDER = ("households", "persons", "incomes")
KIND_LABELS = {k: str(BatchKindChoices(k).label) for k in KIND_ORDER}
DEFAULT_SOURCE = "registry"
# Hints in file names (the headers decide; a name only breaks ties).
NAME_HINTS = {
    "households": ("household", "户信息", "农户"),
    "persons": ("person", "member", "成员", "人员"),
    "incomes": ("income", "收支", "收入"),
}
SQLITE_CHUNK = 20_000
IN_CHUNK = 5_000


# --- Results and refusals --------------------------------------------------------------------------------


@dataclass
class FileRowError(RowError):
    """A RowError that also names its file (one invocation may refuse several files)."""

    file: str = ""

    def __str__(self) -> str:
        return f"{self.file}：{super().__str__()}" if self.file else super().__str__()


@dataclass
class FileResult:
    path: str
    kind: str
    period: str
    checksum: str
    duplicate: bool = False
    batch_id: int | None = None
    supersedes_id: int | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    quality: dict[str, int] = field(default_factory=dict)
    duplicate_status: str = ""


@dataclass
class RegistryImportResult:
    files: list[FileResult]
    seconds: float = 0.0

    @property
    def persons(self) -> int:
        return sum(f.rows for f in self.files if f.kind == "persons" and not f.duplicate)


# --- Kind detection ----------------------------------------------------------------------------------------


def detect_kind(path: str | Path) -> str:
    """households / persons / incomes from the headers (the file name only breaks ties)."""
    p = Path(path)
    headers = read_header(p)
    scores = {}
    for kind, specs in REGISTRY_COLUMNS.items():
        names = {}
        for s in specs:
            for h in (s.name, s.label, *s.aliases):
                names[h.strip().lower()] = s
        found = {names[h.strip().lower()].name for h in headers if h and h.strip().lower() in names}
        required = {s.name for s in specs if s.required}
        scores[kind] = (len(required & found) == len(required), len(found - {"household_no", "phone"}))
    complete = [k for k, (ok, _) in scores.items() if ok]
    if len(complete) == 1:
        return complete[0]
    candidates = complete or [k for k in KIND_ORDER if scores[k][1] > 0]
    lower = p.name.lower()
    hinted = [k for k in candidates if any(h in lower for h in NAME_HINTS[k])]
    if len(hinted) == 1:
        return hinted[0]
    if candidates:
        return max(candidates, key=lambda k: scores[k][1])
    raise InputRefused(
        f"{p.name}：无法识别文件类型（农户、家庭成员或家庭收支）",
        [
            FileRowError(
                1,
                "",
                "、".join(h for h in headers if h)[:200],
                "表头中没有找到户信息、家庭成员或家庭收支文件的必填列",
                file=p.name,
            )
        ],
    )


# --- Database helpers (bulk paths) ---------------------------------------------------------------------


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _select_in(
    sql: str, column: str, keys: Sequence[Any], params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """``sql`` + ``WHERE column IN keys`` (``= ANY`` on PostgreSQL, chunks on SQLite)."""
    keys = list(keys)
    if not keys:
        return []
    where = " AND " if " where " in sql.lower() else " WHERE "
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute(f"{sql}{where}{column} = {_pg_any(keys)}", [*params, *_pg_any_params(keys)])
            return list(cur.fetchall())
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(keys), IN_CHUNK):
            chunk = keys[i : i + IN_CHUNK]
            cur.execute(f"{sql}{where}{column} IN ({','.join(['%s'] * len(chunk))})", [*params, *chunk])
            out.extend(cur.fetchall())
        return out


def _execute_in(sql: str, column: str, keys: Sequence[Any], params: Sequence[Any] = ()) -> None:
    keys = list(keys)
    if not keys:
        return
    where = " AND " if " where " in sql.lower() else " WHERE "
    with connection.cursor() as cur:
        if _is_pg():
            cur.execute(f"{sql}{where}{column} = {_pg_any(keys)}", [*params, *_pg_any_params(keys)])
            return
        for i in range(0, len(keys), IN_CHUNK):
            chunk = keys[i : i + IN_CHUNK]
            cur.execute(f"{sql}{where}{column} IN ({','.join(['%s'] * len(chunk))})", [*params, *chunk])


_SEP = "\x1f"  # unit separator: never part of a household number, ID index or integer


def _pg_any(keys: Sequence[Any]) -> str:
    """``ANY(...)`` over one text parameter split server-side: adapting a million-element list
    parameter element by element costs seconds in psycopg; one joined string costs milliseconds."""
    if isinstance(keys[0], int):
        return "ANY(string_to_array(%s, %s)::bigint[])"
    return "ANY(string_to_array(%s, %s))"


def _pg_any_params(keys: Sequence[Any]) -> list[str]:
    return [_SEP.join(str(k) for k in keys), _SEP]


_tmp_counter = itertools.count(1)


def _db_now() -> tuple[dt.datetime, Any]:
    now = timezone.now()
    return now, (now.isoformat() if _is_pg() else connection.ops.adapt_datetimefield_value(now))


def _for_db(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text (portable to both backends); everything else as is."""
    return frame.with_columns(
        [pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date]
    )


def bulk_upsert(
    table: str,
    frame: pl.DataFrame,
    *,
    conflict: Sequence[str],
    update: Sequence[str],
    on_chunk: Callable[[int], Any] | None = None,
    known_new: pl.Series | None = None,
) -> None:
    """Insert or update ``frame`` (columns = table columns) keyed by the unique ``conflict`` columns.

    PostgreSQL: COPY into a temporary table, then one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` (core
    PostgreSQL only). Rows the caller has just established do not exist (``known_new``, read inside the
    same transaction) are COPied straight into the table: half the work for an initial load, and a
    concurrent insert of the same key still fails loudly on the unique index (the import then rolls
    back) instead of being overwritten. SQLite: ``executemany`` of the same upsert in large chunks."""
    if frame.height == 0:
        return
    frame = _for_db(frame)
    cols = frame.columns
    col_sql = ", ".join(cols)
    sets = ", ".join(f"{c} = excluded.{c}" for c in update)
    action = f"DO UPDATE SET {sets}" if update else "DO NOTHING"
    on_conflict = f"ON CONFLICT ({', '.join(conflict)}) {action}"
    copy_opts = "(FORMAT csv, NULL '\\N')"
    with connection.cursor() as cur:
        if _is_pg():
            step = 200_000
            fresh = frame.filter(known_new) if known_new is not None else frame.clear()
            rest = frame.filter(~known_new) if known_new is not None else frame
            if fresh.height:
                with cur.cursor.copy(f"COPY {table} ({col_sql}) FROM STDIN {copy_opts}") as copy:
                    for i in range(0, fresh.height, step):
                        part = fresh.slice(i, step)
                        copy.write(part.write_csv(null_value="\\N", include_header=False).encode("utf-8"))
                        if on_chunk:
                            on_chunk(part.height)
            if rest.height:
                tmp = f"_imp_{table}_{next(_tmp_counter)}"
                cur.execute(
                    f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {col_sql} FROM {table} WITH NO DATA"
                )
                with cur.cursor.copy(f"COPY {tmp} ({col_sql}) FROM STDIN {copy_opts}") as copy:
                    for i in range(0, rest.height, step):
                        part = rest.slice(i, step)
                        copy.write(part.write_csv(null_value="\\N", include_header=False).encode("utf-8"))
                        if on_chunk:
                            on_chunk(part.height)
                cur.execute(f"INSERT INTO {table} ({col_sql}) SELECT {col_sql} FROM {tmp} {on_conflict}")
                cur.execute(f"DROP TABLE {tmp}")
        else:
            sql = f"INSERT INTO {table} ({col_sql}) VALUES ({', '.join(['%s'] * len(cols))}) {on_conflict}"
            for i in range(0, frame.height, SQLITE_CHUNK):
                part = frame.slice(i, SQLITE_CHUNK)
                cur.executemany(sql, part.rows())
                if on_chunk:
                    on_chunk(part.height)


def bulk_update(table: str, frame: pl.DataFrame, *, key: str = "id") -> None:
    """UPDATE the non-key columns of ``frame`` for the rows identified by ``key``."""
    if frame.height == 0:
        return
    frame = _for_db(frame)
    cols = [c for c in frame.columns if c != key]
    with connection.cursor() as cur:
        if _is_pg():
            tmp = f"_upd_{table}_{next(_tmp_counter)}"
            col_sql = ", ".join(frame.columns)
            cur.execute(
                f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {col_sql} FROM {table} WITH NO DATA"
            )
            with cur.cursor.copy(f"COPY {tmp} ({col_sql}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
                copy.write(frame.write_csv(null_value="\\N", include_header=False).encode("utf-8"))
            cur.execute(
                f"ANALYZE {tmp}"
            )  # temp tables have no statistics: without them the join plan is poor
            sets = ", ".join(f"{c} = t.{c}" for c in cols)
            cur.execute(f"UPDATE {table} SET {sets} FROM {tmp} t WHERE {table}.{key} = t.{key}")
            cur.execute(f"DROP TABLE {tmp}")
        else:
            sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in cols)} WHERE {key} = %s"
            ordered = frame.select([*cols, key])
            for i in range(0, ordered.height, SQLITE_CHUNK):
                cur.executemany(sql, ordered.slice(i, SQLITE_CHUNK).rows())


def bulk_insert(table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    frame = _for_db(frame)
    col_sql = ", ".join(frame.columns)
    with connection.cursor() as cur:
        if _is_pg():
            with cur.cursor.copy(f"COPY {table} ({col_sql}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
                copy.write(frame.write_csv(null_value="\\N", include_header=False).encode("utf-8"))
        else:
            sql = f"INSERT INTO {table} ({col_sql}) VALUES ({', '.join(['%s'] * frame.width)})"
            for i in range(0, frame.height, SQLITE_CHUNK):
                cur.executemany(sql, frame.slice(i, SQLITE_CHUNK).rows())


def _insert_defaults(model: type[Model], now_db: Any) -> dict[str, Any]:
    """Column -> value for every concrete column on insert (raw SQL does not apply Django defaults)."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            out[f.column] = now_db
        elif f.has_default():
            out[f.column] = f.get_default()
        else:
            out[f.column] = None if f.null else ""
    return out


def _with_defaults(
    frame: pl.DataFrame, model: type[Model], now_db: Any, schema: dict[str, Any]
) -> pl.DataFrame:
    defaults = _insert_defaults(model, now_db)
    missing = [c for c in defaults if c not in frame.columns]
    frame = frame.with_columns([pl.lit(defaults[c], dtype=schema.get(c)).alias(c) for c in missing])
    return frame.select(list(defaults))


# Typed comparison of old (database) and new (file) values.
STR, INT, BOOL, DATE, CENTS = "str", "int", "bool", "date", "cents"
POLARS_TYPE = {STR: pl.Utf8, INT: pl.Int64, BOOL: pl.Boolean, DATE: pl.Date, CENTS: pl.Int64}


def _text_frame(rows: list[tuple[Any, ...]], columns: list[str], types: dict[str, str]) -> pl.DataFrame:
    """Database rows -> typed polars frame, portable across backends (SQLite returns dates as text,
    booleans as 0/1 and decimals as floats)."""
    if not rows:
        return pl.DataFrame(schema={c: POLARS_TYPE[types.get(c, STR)] for c in columns})
    raw = pl.DataFrame(
        [[None if v is None else str(v) for v in col] for col in zip(*rows, strict=True)],
        schema={c: pl.Utf8 for c in columns},
        orient="col",
    )
    exprs = []
    for c in columns:
        t = types.get(c, STR)
        if t == INT:
            exprs.append(pl.col(c).cast(pl.Float64).cast(pl.Int64))
        elif t == BOOL:
            exprs.append(pl.col(c).str.to_lowercase().is_in(["true", "1", "t"]).alias(c))
        elif t == DATE:
            exprs.append(pl.col(c).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        elif t == CENTS:
            exprs.append((pl.col(c).cast(pl.Float64) * 100).round(0).cast(pl.Int64))
        else:
            exprs.append(pl.col(c))
    return raw.select(exprs)


def _audit_value(value: Any, t: str) -> Any:
    if value is None:
        return None
    if t == DATE:
        return value.isoformat()
    if t == CENTS:
        return cents_to_str(int(value))
    return value


@dataclass(frozen=True)
class Field:
    """A stored column: its type, the file column it comes from (None: always written), whether changes
    are compared and audited, and the name shown in the audit log."""

    column: str
    type: str = STR
    source: str | None = None
    compare: bool = True
    audit_as: str | None = None


def _present(fields: Sequence[Field], present: set[str]) -> list[Field]:
    return [f for f in fields if f.source is None or f.source in present]


@dataclass
class Diff:
    """The rows to write (new or changed) and the audit entries for changed existing rows."""

    write: pl.DataFrame
    new_mask: pl.Series  # aligned with ``write``: the row did not exist
    created: int
    updated: int
    unchanged: int
    audits: list[dict[str, Any]]


def _diff(
    new: pl.DataFrame,
    old: pl.DataFrame,
    *,
    key: list[str],
    fields: Sequence[Field],
    object_type: str,
    object_id: Callable[[dict[str, Any]], str],
    region: Callable[[dict[str, Any]], str],
    reason: str,
    display: dict[str, Callable[[Any], Any]] | None = None,
) -> Diff:
    """Compare new rows with the stored ones; ``old`` has ``id`` plus the key and compared columns."""
    compared = [f for f in fields if f.compare]
    old_sel = old.select(["id", *key, *[f.column for f in compared if f.column not in key]])
    renamed = old_sel.rename({f.column: f"{f.column}__old" for f in compared if f.column not in key})
    j = new.join(renamed, on=key, how="left", maintain_order="left")
    exists = j.get_column("id").is_not_null()
    change_cols = []
    for f in compared:
        if f.column in key:
            continue
        change_cols.append(pl.col(f.column).ne_missing(pl.col(f"{f.column}__old")).alias(f"{f.column}__chg"))
    flags = j.select(change_cols) if change_cols else pl.DataFrame({"_": [False] * j.height})
    any_change = (
        flags.select(pl.any_horizontal(pl.all())).to_series()
        if change_cols
        else pl.Series([False] * j.height)
    )
    changed = exists & any_change
    write_mask = ~exists | changed
    audits: list[dict[str, Any]] = []
    if changed.any():
        idx = np.flatnonzero(changed.to_numpy())
        sub = j[idx]
        sub_flags = flags[idx]
        display = display or {}
        for r, fl in zip(sub.iter_rows(named=True), sub_flags.iter_rows(named=True), strict=True):
            changes: dict[str, Any] = {}
            for f in compared:
                if f.column in key or not fl[f"{f.column}__chg"]:
                    continue
                name = f.audit_as or f.column
                show = display.get(f.column)
                if show:
                    changes[name] = [show(r[f"{f.column}__old"]), show(r[f.column])]
                else:
                    changes[name] = [
                        _audit_value(r[f"{f.column}__old"], f.type),
                        _audit_value(r[f.column], f.type),
                    ]
            audits.append(
                {
                    "action": AuditActionChoices.UPDATE,
                    "object_type": object_type,
                    "object_id": object_id(r),
                    "region_code": region(r),
                    "changes": changes,
                    "reason": reason,
                }
            )
    n_exist = int(exists.sum())
    n_changed = int(changed.sum())
    return Diff(
        write=new.filter(write_mask),
        new_mask=(~exists).filter(write_mask),
        created=new.height - n_exist,
        updated=n_changed,
        unchanged=n_exist - n_changed,
        audits=audits,
    )


# --- Vectorised income rules (identical results to registry.income.income_compute) --------------------


def div_round_half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Integer cents ÷ members rounded to the cent, ties away from zero (Decimal ROUND_HALF_UP)."""
    num = numerator.astype(np.int64)
    den = np.where(denominator > 0, denominator, 1).astype(np.int64)
    q, r = np.divmod(np.abs(num), den)
    q = q + (2 * r >= den)
    return np.sign(num) * q


def income_figures(frame: pl.DataFrame) -> pl.DataFrame:
    """R-INC-02 / R-INC-04 on cents: adds ``net_income``, ``per_capita_net``, ``per_capita_reference``
    (null when no member counts) to a frame with the seven money columns and ``members_counted``."""
    get = lambda c: frame.get_column(c).fill_null(0).to_numpy().astype(np.int64)  # noqa: E731
    net = get("wage") + get("business") + get("property") + get("transfer") - get("business_cost")
    reference = net + get("insurance_claims") - get("compliant_self_pay")
    members = get("members_counted")
    has = members > 0
    pc_net = pl.Series("per_capita_net", div_round_half_up(net, members)).zip_with(
        pl.Series(has), pl.Series([None] * frame.height, dtype=pl.Int64)
    )
    pc_ref = pl.Series("per_capita_reference", div_round_half_up(reference, members)).zip_with(
        pl.Series(has), pl.Series([None] * frame.height, dtype=pl.Int64)
    )
    return frame.with_columns(pl.Series("net_income", net), pc_net, pc_ref)


# --- The import ------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    path: Path
    kind: str
    checksum: str
    table: Table | None = None
    period: str = ""
    periods: list[str] = field(default_factory=list)
    duplicate: ImportBatch | None = None
    data: pl.DataFrame | None = None  # validated, typed rows
    present: set[str] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    result: FileResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Context:
    source: str
    period: str | None
    actor: Any
    today: dt.date
    # The date the registry describes, for ages in the quality checks: the end of --period, else of the
    # latest income period of the invocation, else today (never later than today).
    as_of: dt.date = dt.date.min
    # household_no -> village_code of households in this invocation's households files
    pending_households: dict[str, str] = field(default_factory=dict)
    progress: Callable[[int], Any] = lambda n: None


def _refuse_errors(plan: _Plan, exc: InputRefused) -> list[RowError]:
    """A file refused while reading: its headline (without the file name) then each detail."""
    name = plan.path.name
    headline = exc.message.removeprefix(f"{name}：")
    details = [FileRowError(e.row, e.column, e.value, e.reason, file=name) for e in (exc.errors or [])]
    if not details:
        return [FileRowError(None, "", "", headline, file=name)]
    if len(details) == 1 and details[0].row is None:
        details[0].reason = f"{headline}（{details[0].reason}）"
        return list(details)
    return [FileRowError(None, "", "", headline, file=name), *details]


def registry_import(
    *,
    paths: Sequence[str | Path],
    source: str = DEFAULT_SOURCE,
    period: str | None = None,
    actor: Any = None,
    today: dt.date | None = None,
    progress: bool = False,
) -> RegistryImportResult:
    """Import registry files (CONTRACT §1). Raises ``InputRefused`` (every error, nothing written)."""
    from tqdm import tqdm

    started = time.perf_counter()
    today = today or timezone.localdate()
    actor = actor if actor is not None else f"cli:{_os_user()}"
    if period is not None and not _valid_period(period):
        raise InputRefused(
            "--period 参数格式应为YYYY-MM", [RowError(None, "--period", period, "期间格式应为YYYY-MM")]
        )
    ctx = _Context(source=source or DEFAULT_SOURCE, period=period, actor=actor, today=today)

    errors: list[RowError] = []
    plans: list[_Plan] = []
    for raw in paths:
        p = Path(raw)
        plan = _Plan(path=p, kind="", checksum="")
        try:
            if not p.is_file():
                raise InputRefused(f"{p.name}：文件不存在（{p}）")
            plan.kind = detect_kind(p)
            plan.checksum = sha256_file(p)
            plan.table = read_table(
                p,
                columns=REGISTRY_COLUMNS[plan.kind],
                kind_label=KIND_LABELS[plan.kind],
                checksum=plan.checksum,
            )
        except InputRefused as exc:
            errors.extend(_refuse_errors(plan, exc))
            continue
        plans.append(plan)
    plans.sort(key=lambda pl_: KIND_ORDER.index(pl_.kind))
    ctx.as_of = _as_of(ctx, plans)
    log.info("read %d files in %.2fs", len(plans), time.perf_counter() - started)

    total_rows = sum(pl_.table.frame.height for pl_ in plans if pl_.table is not None)
    _sqlite_cache(enlarge=True)
    bar = tqdm(
        total=max(total_rows, 1) * 2, unit="行", desc="导入", disable=None if progress else True, leave=False
    )
    ctx.progress = bar.update
    try:
        with transaction.atomic():
            # Phase 1: validate everything (against the database and the other files) before any write.
            seen_batches: dict[tuple[str, str], str] = {}
            for plan in plans:
                _validate(plan, ctx)
                if not plan.errors and not plan.duplicate:
                    key = (plan.kind, plan.period)
                    if key in seen_batches:
                        plan.errors.append(
                            FileRowError(
                                None,
                                "",
                                "",
                                f"与{seen_batches[key]}属于同一批次（{KIND_LABELS[plan.kind]}、来源{ctx.source}、期间"
                                f"{plan.period}），后者会被替代；请合并为一个文件或使用不同的--source",
                                file=plan.path.name,
                            )
                        )
                    seen_batches[key] = plan.path.name
                errors.extend(plan.errors)
                ctx.progress(plan.table.frame.height if plan.table is not None else 0)
            if errors:
                raise InputRefused(
                    f"导入被拒绝：共{len(errors)}处错误，未写入任何数据", _sorted_errors(errors)
                )
            log.info("validated in %.2fs", time.perf_counter() - started)
            # Phase 2: write, in kind order.
            _write_all(plans, ctx)
            log.info("written in %.2fs", time.perf_counter() - started)
    finally:
        bar.close()
        _sqlite_cache(enlarge=False)
    log.info("committed in %.2fs", time.perf_counter() - started)
    return RegistryImportResult(
        files=[p.result for p in plans if p.result is not None], seconds=time.perf_counter() - started
    )


def _as_of(ctx: _Context, plans: list[_Plan]) -> dt.date:
    """End of the month the registry describes (see ``_Context.as_of``)."""
    period = ctx.period
    if period is None:
        found = [
            p.table.frame.get_column("period")
            .drop_nulls()
            .filter(p.table.frame.get_column("period").drop_nulls().str.contains(r"^\d{4}-(0[1-9]|1[0-2])$"))
            .max()
            for p in plans
            if p.kind == "incomes" and p.table is not None
        ]
        candidates = [str(f) for f in found if f]
        period = max(candidates) if candidates else None
    if period is None:
        return ctx.today
    year, month = int(period[:4]), int(period[5:7])
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return min(end, ctx.today)


def _sqlite_cache(*, enlarge: bool) -> None:
    """SQLite's default page cache (2 MB) thrashes when a large load updates random B-tree pages of
    several indexes; use 256 MB for the import's duration, then restore the default."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cur:
        cur.execute(f"PRAGMA cache_size = {-262144 if enlarge else -2000}")


def _sorted_errors(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (getattr(e, "file", ""), e.row or 0, e.column))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _valid_period(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        return False
    return len(value) == 7


def _current_period(today: dt.date) -> str:
    return today.strftime("%Y-%m")


def _err(plan: _Plan, index: int | None, column: str, value: Any, reason: str) -> None:
    assert plan.table is not None
    plan.errors.append(
        FileRowError(
            plan.table.row_number(index) if index is not None else None,
            plan.table.header(column) if column else "",
            "" if value is None else str(value),
            reason,
            file=plan.path.name,
        )
    )


def _take_validator_errors(plan: _Plan, v: TableValidator) -> None:
    plan.errors.extend(
        FileRowError(e.row, e.column, e.value, e.reason, file=plan.path.name) for e in v.errors
    )


def _validate(plan: _Plan, ctx: _Context) -> None:
    assert plan.table is not None
    plan.present = set(plan.table.headers)
    {"households": _validate_households, "persons": _validate_persons, "incomes": _validate_incomes}[
        plan.kind
    ](plan, ctx)
    if plan.errors or not plan.period:
        return
    plan.duplicate = ImportBatch.objects.filter(
        kind=plan.kind, source=ctx.source, period=plan.period, checksum=plan.checksum
    ).first()
    if plan.duplicate is not None:
        plan.result = FileResult(
            path=str(plan.path),
            kind=plan.kind,
            period=plan.period,
            checksum=plan.checksum,
            duplicate=True,
            batch_id=plan.duplicate.pk,
            rows=plan.table.frame.height,
            duplicate_status=plan.duplicate.status,
        )


def _duplicates(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Indexes of repeated non-null values (after the first) and the index of their first occurrence."""
    frame = pl.DataFrame({"v": series}).with_row_index("i")
    firsts = frame.filter(pl.col("v").is_not_null()).group_by("v").agg(pl.col("i").min().alias("first"))
    j = frame.join(firsts, on="v", how="inner").filter(pl.col("i") != pl.col("first")).sort("i")
    return j.get_column("i").to_numpy(), j.get_column("first").to_numpy()


def _validate_households(plan: _Plan, ctx: _Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    village = v.required("village_code")
    shaped = village.str.contains(r"^\d{12}$").fill_null(False)
    v.add_mask(village.is_not_null() & ~shaped, "village_code", "行政村代码应为12位数字")
    poverty = v.enum("poverty_status", PovertyStatusChoices, required=True)
    exit_year = v.integer("poverty_exit_year", low=2013, high=ctx.today.year)
    relocated = v.flag("relocated")
    category = v.enum("monitoring_category", MonitoringCategoryChoices)
    identified = v.date("identified_on")
    eliminated = v.date("risk_eliminated_on")
    mode = v.enum("elimination_mode", EliminationModeChoices)
    phone = v.phone("phone")
    v.add_mask(
        (eliminated < identified).fill_null(False),
        "risk_eliminated_on",
        "风险消除时间早于识别监测时间，不可能",
    )
    _take_validator_errors(plan, v)
    dup, first = _duplicates(no)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(plan, i, "household_no", no[i], f"户编号与第{t.row_number(f)}行重复")
    # Village codes must exist at village level (regions are loaded by `shouwang migrate`).
    codes = sorted(set(village.filter(shaped).to_list()))
    known = (
        set(
            Region.objects.filter(code__in=codes, level=RegionLevelChoices.VILLAGE).values_list(
                "code", flat=True
            )
        )
        if len(codes) < 30_000
        else {
            c for c in Region.objects.filter(level=RegionLevelChoices.VILLAGE).values_list("code", flat=True)
        }
    )
    unknown = shaped & ~village.is_in(list(known))
    for i in np.flatnonzero(unknown.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "village_code", village[i], "行政村代码不存在（须为区划表中的行政村）")
    plan.data = pl.DataFrame(
        {
            "household_no": no,
            "village_code": village,
            "group_name": t.frame.get_column("group_name").fill_null(""),
            "address": t.frame.get_column("address").fill_null(""),
            "poverty_status": poverty,
            "poverty_exit_year": exit_year,
            "relocated": relocated.fill_null(False),
            "monitoring_category": category.fill_null(""),
            "identified_on": identified,
            "risk_eliminated_on": eliminated,
            "elimination_mode": mode.fill_null(""),
            "phone": phone,
        }
    )
    plan.period = ctx.period or _current_period(ctx.today)
    if not plan.errors:
        for hn, vc in zip(no.to_list(), village.to_list(), strict=True):
            ctx.pending_households[hn] = vc


def _validate_persons(plan: _Plan, ctx: _Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    ids = v.id_number("id_number")
    name = v.required("name")
    sex = v.enum("sex", SexChoices)
    relation = v.enum("relation", RelationChoices, required=True)
    school = v.enum("school_status", SchoolStatusChoices)
    health = v.enum("health", HealthChoices)
    lo, hi, why = quality.IMPOSSIBLE_RANGES["disability_grade"]
    grade_raw = v.integer("disability_grade")
    labour = v.enum("labour", LabourChoices)
    months_raw = v.integer("work_months")
    place = v.enum("work_place", WorkPlaceChoices)
    flags = {
        c: v.flag(c)
        for c in ("medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun")
    }
    residence = v.enum("residence", ResidenceChoices)
    phone = v.phone("phone")
    birth_col = v.date("birth_date")
    # Impossible values are errors (quality.IMPOSSIBLE_RANGES); the rest of the quality checks only warn.
    v.add_mask((grade_raw < lo) | (grade_raw > hi), "disability_grade", why)
    mlo, mhi, mwhy = quality.IMPOSSIBLE_RANGES["work_months"]
    v.add_mask((months_raw < mlo) | (months_raw > mhi), "work_months", mwhy)
    # The sex column and an explicit birth date must agree with the ID number.
    v.add_mask(
        sex.is_not_null() & ids.get_column("sex").is_not_null() & (sex != ids.get_column("sex")),
        "sex",
        "性别与证件号码不符（证件号码第17位奇数为男、偶数为女）",
    )
    v.add_mask(
        (birth_col != ids.get_column("birth_date")).fill_null(False),
        "birth_date",
        "出生日期与证件号码中的出生日期不符",
    )
    birth = ids.get_column("birth_date")
    age = pl.DataFrame({"birth_date": birth}).select(quality.age_expr(today=ctx.as_of)).to_series()
    v.add_mask(
        labour.is_null() & (age >= 16).fill_null(False),
        "labour",
        "劳动技能不能为空（未满16周岁可留空，按无劳动力记）",
    )
    _take_validator_errors(plan, v)

    id_clean = ids.get_column("id_number")
    dup, first = _duplicates(id_clean)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(
            plan,
            i,
            "id_number",
            t.frame.get_column("id_number")[i],
            f"证件号码与第{t.row_number(f)}行重复（同一人不能登记两次）",
        )

    # The household must exist, in the database or in a households file of this invocation.
    wanted = sorted(set(no.drop_nulls().to_list()))
    db_households = dict(
        _select_in("SELECT household_no, id FROM registry_household", "household_no", wanted)
    )
    missing = no.is_not_null() & ~no.is_in(list(db_households) + list(ctx.pending_households))
    for i in np.flatnonzero(missing.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "household_no", no[i], "户编号不存在：数据库和本次导入的农户文件中都没有该户")

    # An ID already registered in another household may only move if this file also lists that
    # household (the file is then authoritative for both); otherwise it is a conflict (decision 0101).
    valid_ids = id_clean.drop_nulls().to_list()
    index = crypto.blind_index_many(valid_ids)
    by_id = dict(zip(valid_ids, index, strict=True))
    id_index = id_clean.replace_strict(by_id, default=None, return_dtype=pl.Utf8)
    existing = _select_in(
        "SELECT p.id_index, p.id, p.household_id, h.household_no FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id",
        "p.id_index",
        index,
    )
    ex = {r[0]: (r[1], r[2], r[3]) for r in existing}
    file_households = set(wanted)
    moved_from: set[str] = set()
    if ex:
        for i, (idx, hn) in enumerate(zip(id_index.to_list(), no.to_list(), strict=True)):
            hit = ex.get(idx) if idx is not None else None
            if hit is None or hn is None or hit[2] == hn:
                continue
            if hit[2] in file_households:
                moved_from.add(hit[2])
                continue
            _err(
                plan,
                i,
                "id_number",
                idnumber.mask(id_clean[i]),
                f"该证件号码已登记在户{hit[2]}，本文件未包含户{hit[2]}，无法确认迁户；"
                f"如确需迁户，请在同一文件中同时提供原户的成员",
            )

    plan.data = pl.DataFrame(
        {
            "household_no": no,
            "id_number": id_clean,
            "id_index": id_index,
            "name": name,
            "sex": ids.get_column("sex"),
            "birth_date": birth,
            "relation": relation,
            "ethnicity": t.frame.get_column("ethnicity").fill_null(""),
            "education": t.frame.get_column("education").fill_null(""),
            "school_status": school.fill_null(SchoolStatusChoices.NONE.value),
            "health": health.fill_null(HealthChoices.HEALTHY.value),
            "disability_grade": grade_raw,
            "labour": labour.fill_null(LabourChoices.NONE.value),
            "work_months": months_raw.fill_null(0),
            "work_place": place.fill_null(""),
            **{c: s for c, s in flags.items()},
            "residence": residence.fill_null(ResidenceChoices.PRESENT.value),
            "phone": phone,
        }
    )
    plan.extra["moved_from"] = moved_from
    plan.extra["existing_ids"] = {k: v[0] for k, v in ex.items()}
    plan.period = ctx.period or _current_period(ctx.today)


def _validate_incomes(plan: _Plan, ctx: _Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    period = v.period("period")
    money = {
        c: v.money(c, required=True) for c in ("wage", "business", "property", "transfer", "business_cost")
    }
    money |= {c: v.money(c).fill_null(0) for c in ("compliant_self_pay", "insurance_claims")}
    future = (period > _current_period(ctx.today)).fill_null(False)
    v.add_mask(future, "period", "收入期间晚于当前月份，不可能")
    _take_validator_errors(plan, v)
    keys = no + "|" + period
    dup, first = _duplicates(keys)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(plan, i, "period", period[i], f"同一户同一期间的收支与第{t.row_number(f)}行重复")
    wanted = sorted(set(no.drop_nulls().to_list()))
    db_households = dict(
        _select_in("SELECT household_no, id FROM registry_household", "household_no", wanted)
    )
    missing = no.is_not_null() & ~no.is_in(list(db_households) + list(ctx.pending_households))
    for i in np.flatnonzero(missing.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "household_no", no[i], "户编号不存在：数据库和本次导入的农户文件中都没有该户")
    plan.data = pl.DataFrame({"household_no": no, "period": period, **money})
    periods = sorted(set(period.drop_nulls().to_list()))
    plan.periods = periods
    plan.period = ctx.period or (periods[-1] if periods else "")


# --- Writing ---------------------------------------------------------------------------------------------
#
# Households carry figures derived from their members and incomes (registered_count, member_count,
# head_name, income_period, income_per_capita). Rewriting a household row is expensive (it has many
# indexes), so the derived figures are *projected* before anything is written — from the database state
# plus the validated files of this invocation — and each household row is written once.

BULK_LOAD_MIN_ROWS = 50_000


def _project(
    ctx: _Context, hh: _Plan | None, persons: _Plan | None, incomes: list[_Plan]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(derived household figures, stored latest income records whose per-capita figures must follow a
    new member count). Derived columns: registered_count, member_count (R-OBJ-02 via
    registry.income.members_counted), head_name (first head by person id), work_months (months worked by
    counted members), income_period and income_per_capita (cents) of the latest income record."""
    affected: set[str] = set()
    if hh is not None and hh.data is not None:
        affected |= set(hh.data.get_column("household_no").to_list())
    if persons is not None and persons.data is not None:
        affected |= set(persons.data.get_column("household_no").to_list()) | persons.extra["moved_from"]
    for ip in incomes:
        assert ip.data is not None
        affected |= set(ip.data.get_column("household_no").to_list())
    nos = sorted(affected)
    cols = ["household_no", "id", "id_index", "relation", "name", "residence", "work_months"]
    db = _text_frame(
        _select_in(
            "SELECT h.household_no, p.id, p.id_index, p.relation, p.name, p.residence, p.work_months "
            "FROM registry_person p JOIN registry_household h ON h.id = p.household_id",
            "h.household_no",
            nos,
        ),
        cols,
        {"id": INT, "work_months": INT},
    ).rename({"id": "order"})
    if persons is not None and persons.data is not None:
        data = persons.data
        db = db.filter(~pl.col("id_index").is_in(data.get_column("id_index").implode()))
        existing: dict[str, int] = persons.extra["existing_ids"]
        big = 10**15  # new persons get ids after every existing one, in file order
        file_rows = data.select(
            "household_no",
            pl.col("id_index")
            .replace_strict(existing, default=None, return_dtype=pl.Int64)
            .fill_null(pl.int_range(pl.len(), dtype=pl.Int64) + big)
            .alias("order"),
            "id_index",
            "relation",
            "name",
            "residence",
            pl.col("work_months").cast(pl.Int64),
        )
        db = pl.concat([db.select(file_rows.columns), file_rows])
    counted = [str(r) for r in COUNTED_RESIDENCE]
    members = (
        db.sort("order")
        .group_by("household_no", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("registered_count"),
            pl.col("residence").alias("_residences"),
            pl.col("name")
            .filter(pl.col("relation") == RelationChoices.HEAD.value)
            .first()
            .alias("head_name"),
            pl.col("work_months")
            .filter(pl.col("residence").is_in(counted))
            .sum()
            .cast(pl.Int64)
            .alias("work_months"),
        )
    )
    members = members.with_columns(
        pl.Series(
            "member_count",
            [members_counted(r) for r in members.get_column("_residences").to_list()],
            dtype=pl.Int64,
        )
    ).drop("_residences")
    derived = (
        pl.DataFrame({"household_no": nos}, schema={"household_no": pl.Utf8})
        .join(members, on="household_no", how="left", maintain_order="left")
        .with_columns(
            pl.col("registered_count").fill_null(0),
            pl.col("member_count").fill_null(0),
            pl.col("head_name").fill_null(""),
            pl.col("work_months").fill_null(0),
        )
    )
    # Incomes: stored records overridden by the files' (household_no, period) rows.
    inc_cols = ["household_no", "period", *INCOME_MONEY, "members_counted", "source_batch_id"]
    stored = _text_frame(
        _select_in(
            f"SELECT h.household_no, i.period, {', '.join('i.' + c for c in INCOME_MONEY)}, "
            "i.members_counted, i.source_batch_id FROM registry_incomerecord i "
            "JOIN registry_household h ON h.id = i.household_id",
            "h.household_no",
            nos,
        ),
        inc_cols,
        {"members_counted": INT, "source_batch_id": INT, **{c: CENTS for c in INCOME_MONEY}},
    ).with_columns(pl.lit(False).alias("_file"))
    parts = [stored]
    for ip in incomes:
        assert ip.data is not None
        parts.append(
            ip.data.select(
                "household_no",
                "period",
                *INCOME_MONEY,
                pl.lit(None, dtype=pl.Int64).alias("members_counted"),
                pl.lit(None, dtype=pl.Int64).alias("source_batch_id"),
                pl.lit(True).alias("_file"),
            )
        )
    allinc = pl.concat(parts).sort("_file").unique(["household_no", "period"], keep="last")
    latest = (
        allinc.sort("period")
        .group_by("household_no")
        .last()
        .join(derived.select("household_no", pl.col("member_count").alias("_members")), on="household_no")
    )
    figures = income_figures(latest.with_columns(pl.col("_members").alias("members_counted")))
    derived = derived.join(
        figures.select(
            "household_no",
            pl.col("period").alias("income_period"),
            pl.col("per_capita_net").alias("income_per_capita"),
        ),
        on="household_no",
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("income_period").fill_null(""))
    recompute = latest.filter(
        ~pl.col("_file") & pl.col("members_counted").ne_missing(pl.col("_members"))
    ).select(inc_cols)
    return derived, recompute


def _cents_text(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
    """Cents -> decimal text for DecimalFields (exact; negative allowed for net income)."""
    return frame.with_columns(
        [
            pl.when(pl.col(c).is_null())
            .then(None)
            .otherwise(
                pl.concat_str(
                    [
                        pl.when(pl.col(c) < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                        (pl.col(c).abs() // 100).cast(pl.Utf8),
                        pl.lit("."),
                        (pl.col(c).abs() % 100).cast(pl.Utf8).str.pad_start(2, "0"),
                    ]
                )
            )
            .alias(c)
            for c in columns
            if c in frame.columns
        ]
    )


class _BulkLoad:
    """PostgreSQL bulk-load mode for large loads (decision 0103): inside the import's transaction, drop
    the table's non-unique indexes and foreign keys, load, then rebuild them (one sort per index, one
    join per foreign key) — far cheaper than maintaining a dozen indexes and per-row FK triggers for
    hundreds of thousands of rows. Unique indexes stay (ON CONFLICT needs them). Taken only when the
    load is large relative to the table, and skipped if the table lock is not granted within 5 s.

    ``insert_only``: every row is known to be new (an initial load), so no ON CONFLICT runs and the
    unique indexes other than the primary key go too; they are rebuilt first on exit, and a duplicate
    (which validation has already excluded) fails the rebuild and rolls the whole import back."""

    def __init__(self, table: str, rows: int, *, insert_only: bool = False) -> None:
        self.table, self.rows, self.insert_only = table, rows, insert_only
        self.indexes: list[tuple[str, str]] = []
        self.uniques: list[tuple[str, str]] = []  # unique constraints (name, definition)
        self.fks: list[tuple[str, str]] = []
        self.active = False

    def __enter__(self) -> _BulkLoad:
        if self.rows < BULK_LOAD_MIN_ROWS:
            return self
        if not _is_pg():
            return self._enter_sqlite()
        with connection.cursor() as cur:
            # An exact count (statistics lag behind deletes); cheap next to the load it decides on.
            cur.execute(f"SELECT count(*) FROM {self.table}")
            existing = int(cur.fetchone()[0])
            if self.rows < existing / 2:
                return self
            # Unique indexes that back no constraint are dropped as indexes; unique constraints as
            # constraints (their index goes with them).
            cur.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND (NOT i.indisunique OR (%s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)))",
                [self.table, self.insert_only],
            )
            self.indexes = list(cur.fetchall())
            if self.insert_only:
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'u'",
                    [self.table],
                )
                self.uniques = list(cur.fetchall())
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [self.table],
            )
            self.fks = list(cur.fetchall())
        sid = transaction.savepoint()
        try:
            with connection.cursor() as cur:
                # Deferred FK checks already queued (e.g. by the households just inserted) must run
                # first: PostgreSQL refuses ALTER TABLE on a table with pending trigger events.
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
                cur.execute("SET LOCAL lock_timeout = '5s'")
                for name, _ in [*self.fks, *self.uniques]:
                    cur.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
                for name, _ in self.indexes:
                    cur.execute(f'DROP INDEX "{name}"')
                cur.execute("SET LOCAL lock_timeout = DEFAULT")
        except DatabaseError as exc:
            log.info("bulk-load mode not taken for %s: %s", self.table, exc)
            transaction.savepoint_rollback(sid)
            self.indexes, self.uniques, self.fks = [], [], []
            return self
        transaction.savepoint_commit(sid)
        self.active = True
        return self

    def _enter_sqlite(self) -> _BulkLoad:
        """SQLite: the same for non-unique indexes (SQLite DDL is transactional too; its deferred
        foreign-key checks are cheap parent lookups, so foreign keys stay)."""
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {self.table}")
            if self.rows < int(cur.fetchone()[0]) / 2:
                return self
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND substr(sql, 1, 13) != 'CREATE UNIQUE'",
                [self.table],
            )
            self.indexes = list(cur.fetchall())
            for name, _ in self.indexes:
                cur.execute(f'DROP INDEX "{name}"')
        self.active = True
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if not self.active or exc_type is not None:
            return  # on error the transaction rolls back and restores everything
        if not _is_pg():
            with connection.cursor() as cur:
                for _, definition in self.indexes:
                    cur.execute(definition)
            return
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for name, definition in self.uniques:
                cur.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
            for _, definition in sorted(self.indexes, key=lambda d: "UNIQUE" not in d[1]):
                cur.execute(definition)
            for name, definition in self.fks:
                cur.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute(f"ANALYZE {self.table}")


def _upsert(
    table: str,
    frame: pl.DataFrame,
    *,
    conflict: Sequence[str],
    update: Sequence[str],
    ctx: _Context,
    known_new: pl.Series | None = None,
) -> None:
    t0 = time.perf_counter()
    insert_only = known_new is not None and bool(known_new.all())
    with _BulkLoad(table, frame.height, insert_only=insert_only) as bulk:
        bulk_upsert(
            table, frame, conflict=conflict, update=update, on_chunk=ctx.progress, known_new=known_new
        )
        t1 = time.perf_counter()
    log.info(
        "upsert %s: %d rows in %.2fs (+%.2fs index/FK rebuild, bulk mode %s)",
        table,
        frame.height,
        t1 - t0,
        time.perf_counter() - t1,
        bulk.active,
    )


def _begin_batch(plan: _Plan, ctx: _Context) -> tuple[ImportBatch, ImportBatch | None]:
    assert plan.table is not None
    previous = (
        ImportBatch.objects.filter(
            kind=plan.kind, source=ctx.source, period=plan.period, status=BatchStatusChoices.SUCCEEDED
        )
        .order_by("-id")
        .first()
    )
    batch = ImportBatch.objects.create(
        kind=plan.kind,
        source=ctx.source,
        period=plan.period,
        checksum=plan.checksum,
        filename=plan.path.name[:255],
        stored_path=archive_file(plan.path, plan.checksum),
        encoding=plan.table.encoding,
        status=BatchStatusChoices.RUNNING,
        rows_total=plan.table.frame.height,
        warnings=list(plan.table.warnings),
        periods=plan.periods or [plan.period],
        supersedes=previous,
        created_by=ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None,
        started_at=timezone.now(),
        progress=5,
    )
    if previous is not None:
        previous.status = BatchStatusChoices.SUPERSEDED
        previous.save(update_fields=["status"])
    plan.result = FileResult(
        path=str(plan.path),
        kind=plan.kind,
        period=plan.period,
        checksum=plan.checksum,
        batch_id=batch.pk,
        supersedes_id=previous.pk if previous else None,
        rows=plan.table.frame.height,
        warnings=list(plan.table.warnings),
    )
    return batch, previous


def _finish_batch(
    plan: _Plan, batch: ImportBatch, issues: pl.DataFrame | None, ctx: _Context
) -> list[dict[str, Any]]:
    """Store the batch's quality findings, close it, and return its ``import`` audit entry."""
    assert plan.result is not None and plan.table is not None
    result = plan.result
    result.quality = _store_issues(issues, batch)
    batch.rows_created, batch.rows_updated, batch.rows_unchanged = (
        result.created,
        result.updated,
        result.unchanged,
    )
    batch.status = BatchStatusChoices.SUCCEEDED
    batch.progress = 100
    batch.finished_at = timezone.now()
    batch.report = {
        "quality": result.quality,
        "quality_examples": _issue_examples(issues),
        "unknown_columns": list(plan.table.warnings),
        "encoding": plan.table.encoding,
    }
    batch.save()
    return [
        {
            "action": AuditActionChoices.IMPORT,
            "object_type": "import_batch",
            "object_id": str(batch.pk),
            "region_code": "",
            "changes": {
                "kind": plan.kind,
                "source": ctx.source,
                "period": plan.period,
                "file": plan.path.name,
                "checksum": plan.checksum,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "supersedes": result.supersedes_id,
                "quality_warnings": sum(result.quality.values()),
            },
            "reason": f"导入{KIND_LABELS[plan.kind]}文件",
        }
    ]


def _issue_examples(issues: pl.DataFrame | None, per_code: int = 5) -> dict[str, list[str]]:
    if issues is None or issues.height == 0 or "household_no" not in issues.columns:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for code, no_, msg in issues.select("code", "household_no", "message").iter_rows():
        if len(out[code]) < per_code:
            out[code].append(f"{no_}：{msg}")
    return dict(out)


def _store_issues(issues: pl.DataFrame | None, batch: ImportBatch) -> dict[str, int]:
    """Insert DataQualityIssue rows (household_id, person_id, code, severity, message)."""
    if issues is None or issues.height == 0:
        return {}
    _, now_db = _db_now()
    frame = issues.select(
        pl.col("household_id").cast(pl.Int64),
        pl.col("person_id").cast(pl.Int64),
        pl.col("code"),
        pl.col("severity"),
        pl.col("message").str.slice(0, 255),
        pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
        pl.lit(now_db).alias("created_at"),
    )
    bulk_insert(DataQualityIssue._meta.db_table, frame)
    counts = frame.group_by("code").len().sort("code")
    return dict(zip(counts.get_column("code").to_list(), counts.get_column("len").to_list(), strict=True))


def _clear_issues(household_ids: Iterable[int], prefix: str) -> None:
    """Findings describe the current state: a new batch replaces earlier findings of the same family
    (H households, P persons, I incomes) for the households it covers."""
    _execute_in(
        f"DELETE FROM {DataQualityIssue._meta.db_table} WHERE substr(code, 1, 1) = %s",
        "household_id",
        sorted(set(household_ids)),
        [prefix],
    )


def _sealed_where(name: str, values: pl.Series, mask: pl.Series) -> pl.Series:
    """``values`` sealed where ``mask`` holds, empty text elsewhere (only what is written is sealed)."""
    sealed = pl.Series(name, crypto.seal_many(values.filter(mask).to_list()), dtype=pl.Utf8)
    out = pl.Series(name, [""] * values.len(), dtype=pl.Utf8)
    return out.scatter(np.flatnonzero(mask.to_numpy()), sealed) if sealed.len() else out


def _phone_columns(phone: pl.Series) -> pl.DataFrame:
    """phone -> (phone_sealed, phone_masked); empty phone -> blanks. (phone_index is computed once,
    for the comparison, by ``_phone_index``.)"""
    present = phone.fill_null("") != ""
    out = _sealed_where("phone_sealed", phone, present)
    masked = pl.select(  # crypto.mask_phone, vectorised: 11-digit phones only reach here
        pl.when(present)
        .then(pl.concat_str([phone.str.slice(0, 3), pl.lit("****"), phone.str.slice(-4, 4)]))
        .otherwise(pl.lit(""))
        .alias("phone_masked")
    ).to_series()
    return pl.DataFrame([out, masked])


def _phone_index(phone: pl.Series) -> pl.Series:
    values = phone.to_list()
    present = sorted({p for p in values if p})
    idx = dict(zip(present, crypto.blind_index_many(present), strict=True))
    return pl.Series("phone_index", [idx[p] if p else "" for p in values], dtype=pl.Utf8)


def _mask_ids(ids: pl.Series) -> pl.Series:
    """Vectorised idnumber.mask for 18-character IDs: first 4, ten asterisks, last 4."""
    return pl.select(
        pl.concat_str([ids.str.slice(0, 4), pl.lit("*" * 10), ids.str.slice(14, 4)]).alias("id_masked")
    ).to_series()


DERIVED_FIELDS = [
    Field("registered_count", INT, None),
    Field("member_count", INT, None),
    Field("head_name", STR, None),
    Field("income_period", STR, None),
    Field("income_per_capita", CENTS, None),
]
HOUSEHOLD_FIELDS = [
    Field("village_id", STR, "village_code"),
    Field("province_code", STR, "village_code", compare=False),
    Field("prefecture_code", STR, "village_code", compare=False),
    Field("county_code", STR, "village_code", compare=False),
    Field("township_code", STR, "village_code", compare=False),
    Field("group_id", STR, "group_name", compare=False),
    Field("group_name", STR, "group_name"),
    Field("address", STR, "address"),
    Field("poverty_status", STR, "poverty_status"),
    Field("poverty_exit_year", INT, "poverty_exit_year"),
    Field("relocated", BOOL, "relocated"),
    Field("monitoring_category", STR, "monitoring_category"),
    Field("identified_on", DATE, "identified_on"),
    Field("risk_eliminated_on", DATE, "risk_eliminated_on"),
    Field("elimination_mode", STR, "elimination_mode"),
    Field("phone_index", STR, "phone", audit_as="phone"),
    Field("phone_sealed", STR, "phone", compare=False),
    Field("phone_masked", STR, "phone", compare=False),
    *DERIVED_FIELDS,
    Field("source_batch_id", INT, None, compare=False),
]


def _household_masked_phones(nos: list[str]) -> dict[str, str]:
    return dict(_select_in("SELECT household_no, phone_masked FROM registry_household", "household_no", nos))


def _write_households(
    plan: _Plan, ctx: _Context, batch: ImportBatch, derived: pl.DataFrame
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    data = plan.data
    assert data is not None and plan.result is not None
    present = plan.present
    _, now_db = _db_now()
    village = data.get_column("village_code").to_list()
    group_names = data.get_column("group_name").to_list()
    groups = village_groups_ensure(pairs={(v, g) for v, g in zip(village, group_names, strict=True) if g})
    new = data.select(
        "household_no",
        pl.col("village_code").alias("village_id"),
        pl.col("village_code").str.slice(0, 2).alias("province_code"),
        pl.col("village_code").str.slice(0, 4).alias("prefecture_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.Series(
            "group_id",
            [groups.get((v, g)) if g else None for v, g in zip(village, group_names, strict=True)],
            dtype=pl.Utf8,
        ),
        "group_name",
        "address",
        "poverty_status",
        "poverty_exit_year",
        "relocated",
        "monitoring_category",
        "identified_on",
        "risk_eliminated_on",
        "elimination_mode",
    ).with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"))
    new = new.join(
        derived.select("household_no", *[f.column for f in DERIVED_FIELDS]),
        on="household_no",
        how="left",
        maintain_order="left",
    )
    if "phone" in present:
        new = new.with_columns(_phone_index(data.get_column("phone")))
    fields = _present(HOUSEHOLD_FIELDS, present)
    types = {f.column: f.type for f in HOUSEHOLD_FIELDS}
    compared = [f.column for f in fields if f.compare]
    old = _text_frame(
        _select_in(
            f"SELECT id, household_no, {', '.join(compared)} FROM registry_household",
            "household_no",
            new.get_column("household_no").to_list(),
        ),
        ["id", "household_no", *compared],
        {"id": INT, **types},
    )
    diff = _diff(
        new,
        old,
        key=["household_no"],
        fields=fields,
        object_type="household",
        object_id=lambda r: r["household_no"],
        region=lambda r: r["village_id"],
        reason=f"导入批次#{batch.pk}更新",
        display={"phone_index": lambda _: "***"},
    )
    _mask_phone_audits(diff.audits, "household_no", data, _household_masked_phones)
    write = diff.write
    if "phone" in present and write.height:
        phones = write.select("household_no").join(
            data.select("household_no", "phone"), on="household_no", how="left", maintain_order="left"
        )
        write = write.hstack(_phone_columns(phones.get_column("phone")))
    write = _cents_text(write, ["income_per_capita"])
    schema = {"poverty_exit_year": pl.Int64, "income_per_capita": pl.Utf8, "group_id": pl.Utf8}
    frame = _with_defaults(write, Household, now_db, schema)
    _upsert(
        Household._meta.db_table,
        frame,
        conflict=["household_no"],
        update=[f.column for f in fields] + ["updated_at"],
        ctx=ctx,
        known_new=diff.new_mask,
    )
    plan.result.created, plan.result.updated, plan.result.unchanged = (
        diff.created,
        diff.updated,
        diff.unchanged,
    )
    ids = dict(
        _select_in(
            "SELECT household_no, id FROM registry_household",
            "household_no",
            data.get_column("household_no").to_list(),
        )
    )
    _clear_issues(ids.values(), "H")
    issues = quality.household_issues(data)
    if issues.height:
        nos = data.get_column("household_no").gather(issues.get_column("row"))
        issues = issues.with_columns(
            nos.alias("household_no"),
            nos.replace_strict(ids, return_dtype=pl.Int64).alias("household_id"),
            pl.lit(None, dtype=pl.Int64).alias("person_id"),
        )
    return diff.audits, issues


def _mask_phone_audits(
    audits: list[dict[str, Any]],
    key: str,
    data: pl.DataFrame,
    old_masked: Callable[[list[str]], dict[str, str]],
) -> None:
    """The audit log shows masked phones (old → new), never clear ones."""
    keys = [a["object_id"] for a in audits if "phone" in a["changes"]]
    if not keys:
        return
    clear = dict(zip(data.get_column(key).to_list(), data.get_column("phone").to_list(), strict=True))
    old = old_masked(keys)
    for a in audits:
        if "phone" in a["changes"]:
            p = clear.get(a["object_id"])
            a["changes"]["phone"] = [old.get(a["object_id"], ""), crypto.mask_phone(p) if p else ""]


PERSON_FIELDS = [
    Field("household_id", INT, None, audit_as="household_no"),
    Field("name", STR, None),
    Field("sex", STR, None),
    Field("birth_date", DATE, None),
    Field("relation", STR, None),
    Field("ethnicity", STR, "ethnicity"),
    Field("education", STR, "education"),
    Field("school_status", STR, "school_status"),
    Field("health", STR, "health"),
    Field("disability_grade", INT, "disability_grade"),
    Field("labour", STR, "labour"),
    Field("work_months", INT, "work_months"),
    Field("work_place", STR, "work_place"),
    Field("medical_insurance", BOOL, "medical_insurance"),
    Field("serious_illness_insurance", BOOL, "serious_illness_insurance"),
    Field("pension_insurance", BOOL, "pension_insurance"),
    Field("dibao", BOOL, "dibao"),
    Field("tekun", BOOL, "tekun"),
    Field("residence", STR, "residence"),
    Field("phone_index", STR, "phone", audit_as="phone"),
    Field("phone_sealed", STR, "phone", compare=False),
    Field("phone_masked", STR, "phone", compare=False),
    Field("source_batch_id", INT, None, compare=False),
]
PERSON_FLAGS = ("medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun")


def _write_persons(
    plan: _Plan, ctx: _Context, batch: ImportBatch
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    data = plan.data
    assert data is not None and plan.result is not None
    present = plan.present
    _, now_db = _db_now()
    hh_rows = _select_in(
        "SELECT household_no, id, village_id FROM registry_household",
        "household_no",
        sorted(set(data.get_column("household_no").to_list()) | plan.extra["moved_from"]),
    )
    hh_id = {r[0]: r[1] for r in hh_rows}
    hh_no = {r[1]: r[0] for r in hh_rows}
    hh_village = {r[1]: r[2] for r in hh_rows}
    new = data.select(
        pl.col("household_no").replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id"),
        "id_index",
        "name",
        "sex",
        "birth_date",
        "relation",
        "ethnicity",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labour",
        "work_months",
        "work_place",
        *[pl.col(c).fill_null(False) for c in PERSON_FLAGS],
        "residence",
    ).with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"))
    if "phone" in present:
        new = new.with_columns(_phone_index(data.get_column("phone")))
    fields = _present(PERSON_FIELDS, present)
    types = {f.column: f.type for f in PERSON_FIELDS}
    compared = [f.column for f in fields if f.compare]
    existing: dict[str, int] = plan.extra["existing_ids"]
    old = _text_frame(
        _select_in(
            f"SELECT id, id_index, id_masked, {', '.join(compared)} FROM registry_person",
            "id",
            sorted(existing.values()),
        ),
        ["id", "id_index", "id_masked", *compared],
        {"id": INT, **types},
    )
    diff = _diff(
        new,
        old,
        key=["id_index"],
        fields=fields,
        object_type="person",
        object_id=lambda r: str(r["id"]),
        region=lambda r: hh_village.get(r["household_id"], ""),
        reason=f"导入批次#{batch.pk}更新",
        display={"household_id": lambda v: hh_no.get(v, v), "phone_index": lambda _: "***"},
    )
    if diff.audits:
        # Name the person by the masked ID, and show masked phones only.
        masked = dict(
            zip(
                old.get_column("id").cast(pl.Utf8).to_list(),
                old.get_column("id_masked").to_list(),
                strict=True,
            )
        )
        for a in diff.audits:
            a["changes"]["id_number"] = masked.get(a["object_id"], "")
        index_by_id = dict(
            zip(
                old.get_column("id").cast(pl.Utf8).to_list(),
                old.get_column("id_index").to_list(),
                strict=True,
            )
        )
        keyed = data.select(pl.col("id_index"), "phone")
        clear = dict(
            zip(keyed.get_column("id_index").to_list(), keyed.get_column("phone").to_list(), strict=True)
        )
        old_phone = {
            str(k): v
            for k, v in _select_in(
                "SELECT id, phone_masked FROM registry_person",
                "id",
                [int(a["object_id"]) for a in diff.audits if "phone" in a["changes"]],
            )
        }
        for a in diff.audits:
            if "phone" in a["changes"]:
                p = clear.get(index_by_id.get(a["object_id"]))
                a["changes"]["phone"] = [old_phone.get(a["object_id"], ""), crypto.mask_phone(p) if p else ""]
    write = diff.write
    # Seal only what is written: the IDs of new persons (an existing person's sealed ID never changes).
    extra = write.select("id_index").join(
        data.select("id_index", "id_number", "phone"), on="id_index", how="left", maintain_order="left"
    )
    is_new = ~write.get_column("id_index").is_in(list(existing))
    id_sealed = _sealed_where("id_sealed", extra.get_column("id_number"), is_new)
    write = write.with_columns(id_sealed, _mask_ids(extra.get_column("id_number")))
    if "phone" in present and write.height:
        write = write.hstack(_phone_columns(extra.get_column("phone")))
    frame = _with_defaults(write, Person, now_db, {"disability_grade": pl.Int64})
    _upsert(
        Person._meta.db_table,
        frame,
        conflict=["id_index"],
        update=[f.column for f in fields] + ["updated_at"],
        ctx=ctx,
        known_new=diff.new_mask,
    )
    plan.result.created, plan.result.updated, plan.result.unchanged = (
        diff.created,
        diff.updated,
        diff.unchanged,
    )

    # Quality warnings, replacing the earlier person-level findings of these households.
    _clear_issues([hh_id[n] for n in set(data.get_column("household_no").to_list())], "P")
    issues = quality.person_issues(data, today=ctx.as_of)
    if issues.height:
        rows = issues.get_column("row")
        idx = data.get_column("id_index").gather(rows)
        person_ids = dict(
            _select_in("SELECT id_index, id FROM registry_person", "id_index", sorted(set(idx.to_list())))
        )
        nos = data.get_column("household_no").gather(rows)
        issues = issues.with_columns(
            nos.alias("household_no"),
            nos.replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id"),
            idx.replace_strict(person_ids, return_dtype=pl.Int64).alias("person_id"),
        )
    return diff.audits, issues


INCOME_MONEY = (
    "wage",
    "business",
    "property",
    "transfer",
    "business_cost",
    "compliant_self_pay",
    "insurance_claims",
)
INCOME_FIELDS = [
    *[Field(c, CENTS, None) for c in INCOME_MONEY],
    Field("net_income", CENTS, None),
    Field("members_counted", INT, None),
    Field("per_capita_net", CENTS, None),
    Field("per_capita_reference", CENTS, None),
    Field("source_batch_id", INT, None, compare=False),
]


def _write_incomes(
    rows: pl.DataFrame, *, ctx: _Context, reason: str, result: FileResult | None = None
) -> list[dict[str, Any]]:
    """Upsert income records. ``rows``: household_no, period, the seven money columns (cents),
    members_counted, source_batch_id. Figures follow R-INC-02 / R-INC-04 (``income_figures``)."""
    hh_rows = _select_in(
        "SELECT household_no, id, village_id FROM registry_household",
        "household_no",
        sorted(set(rows.get_column("household_no").to_list())),
    )
    hh_id = {r[0]: r[1] for r in hh_rows}
    info = {r[1]: (r[0], r[2]) for r in hh_rows}
    new = income_figures(
        rows.with_columns(
            pl.col("household_no").replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id")
        )
    ).drop("household_no")
    types = {f.column: f.type for f in INCOME_FIELDS}
    compared = [f.column for f in INCOME_FIELDS if f.compare]
    old = _text_frame(
        _select_in(
            f"SELECT id, household_id, period, {', '.join(compared)} FROM registry_incomerecord",
            "household_id",
            sorted(hh_id.values()),
        ),
        ["id", "household_id", "period", *compared],
        {"id": INT, "household_id": INT, **types},
    )
    diff = _diff(
        new,
        old,
        key=["household_id", "period"],
        fields=INCOME_FIELDS,
        object_type="income",
        object_id=lambda r: f"{info[r['household_id']][0]}:{r['period']}",
        region=lambda r: info[r["household_id"]][1],
        reason=reason,
    )
    _, now_db = _db_now()
    money_cols = [*INCOME_MONEY, "net_income", "per_capita_net", "per_capita_reference"]
    frame = _with_defaults(_cents_text(diff.write, money_cols), IncomeRecord, now_db, {})
    _upsert(
        IncomeRecord._meta.db_table,
        frame,
        conflict=["household_id", "period"],
        update=[f.column for f in INCOME_FIELDS] + ["updated_at"],
        ctx=ctx,
        known_new=diff.new_mask,
    )
    if result is not None:
        result.created, result.updated, result.unchanged = diff.created, diff.updated, diff.unchanged
    return diff.audits


def _apply_derived(derived: pl.DataFrame, *, skip: set[str], reason: str) -> list[dict[str, Any]]:
    """Write the derived figures of affected households not written by a households file (only those
    that changed), with one ``update`` audit row each."""
    todo = derived.filter(~pl.col("household_no").is_in(list(skip)))
    if todo.height == 0:
        return []
    cols = [f.column for f in DERIVED_FIELDS]
    types = {f.column: f.type for f in DERIVED_FIELDS}
    old = _text_frame(
        _select_in(
            f"SELECT id, household_no, village_id, {', '.join(cols)} FROM registry_household",
            "household_no",
            todo.get_column("household_no").to_list(),
        ),
        ["id", "household_no", "village_id", *cols],
        {"id": INT, **types},
    )
    new = todo.select("household_no", *cols).join(old.select("household_no", "village_id"), on="household_no")
    diff = _diff(
        new,
        old,
        key=["household_no"],
        fields=DERIVED_FIELDS,
        object_type="household",
        object_id=lambda r: r["household_no"],
        region=lambda r: r["village_id"],
        reason=reason,
    )
    if diff.write.height:
        _, now_db = _db_now()
        upd = diff.write.join(old.select("household_no", "id"), on="household_no").select(
            "id", *cols, pl.lit(now_db).alias("updated_at")
        )
        bulk_update(Household._meta.db_table, _cents_text(upd, ["income_per_capita"]))
    return diff.audits


def _write_all(plans: list[_Plan], ctx: _Context) -> None:
    todo = [p for p in plans if not p.duplicate]
    for p in plans:
        if p.duplicate and p.table is not None:
            ctx.progress(p.table.frame.height)
    if not todo:
        return
    hh = next((p for p in todo if p.kind == "households"), None)
    persons = next((p for p in todo if p.kind == "persons"), None)
    incomes = [p for p in todo if p.kind == "incomes"]
    t0 = time.perf_counter()
    derived, recompute = _project(ctx, hh, persons, incomes)
    log.info("projected derived figures for %d households in %.2fs", derived.height, time.perf_counter() - t0)
    audits: list[dict[str, Any]] = []
    batches: dict[int, ImportBatch] = {}
    issues: dict[int, pl.DataFrame] = {}
    for p in todo:
        batches[id(p)], _ = _begin_batch(p, ctx)
    if hh is not None:
        batch = batches[id(hh)]
        found, issues[id(hh)] = _write_households(hh, ctx, batch, derived)
        audits += found
        _progress(batch, 60)
    if persons is not None:
        batch = batches[id(persons)]
        found, issues[id(persons)] = _write_persons(persons, ctx, batch)
        audits += found
        _progress(batch, 60)
    owner = batches[id(persons)] if persons is not None else batches[id(todo[0])]
    if recompute.height:
        # The latest stored income of a household whose member count changed follows it (R-OBJ-02).
        audits += _write_incomes(
            recompute.with_columns(
                pl.col("household_no")
                .replace_strict(
                    dict(derived.select("household_no", "member_count").iter_rows()), return_dtype=pl.Int64
                )
                .alias("members_counted")
            ),
            ctx=ctx,
            reason=f"导入批次#{owner.pk}：计算人口变化，重新计算人均收入（R-OBJ-02、R-INC-02）",
        )
    members = dict(derived.select("household_no", "member_count").iter_rows())
    months = dict(derived.select("household_no", "work_months").iter_rows())
    for ip in incomes:
        assert ip.data is not None
        batch = batches[id(ip)]
        rows = ip.data.select(
            "household_no",
            "period",
            *INCOME_MONEY,
            pl.col("household_no").replace_strict(members, return_dtype=pl.Int64).alias("members_counted"),
            pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"),
        )
        audits += _write_incomes(rows, ctx=ctx, reason=f"导入批次#{batch.pk}更新", result=ip.result)
        hh_ids = dict(
            _select_in(
                "SELECT household_no, id FROM registry_household",
                "household_no",
                sorted(set(ip.data.get_column("household_no").to_list())),
            )
        )
        _clear_issues(hh_ids.values(), "I")
        q = ip.data.select(
            "household_no",
            pl.col("wage").alias("wage_cents"),
            pl.col("household_no")
            .replace_strict(months, default=0, return_dtype=pl.Int64)
            .alias("work_months"),
        )
        found_issues = quality.income_issues(q)
        if found_issues.height:
            nos = q.get_column("household_no").gather(found_issues.get_column("row"))
            found_issues = found_issues.with_columns(
                nos.alias("household_no"),
                nos.replace_strict(hh_ids, return_dtype=pl.Int64).alias("household_id"),
                pl.lit(None, dtype=pl.Int64).alias("person_id"),
            )
        issues[id(ip)] = found_issues
    written = (
        set(hh.data.get_column("household_no").to_list()) if hh is not None and hh.data is not None else set()
    )
    ids = ", ".join(f"#{b.pk}" for b in batches.values())
    audits += _apply_derived(
        derived, skip=written, reason=f"导入批次{ids}：重新计算人口和人均纯收入（R-OBJ-02、R-INC-02）"
    )
    imports: list[dict[str, Any]] = []
    for p in todo:
        imports += _finish_batch(p, batches[id(p)], issues.get(id(p)), ctx)
    audit_record_many(actor=ctx.actor, entries=[*imports, *audits])


def _progress(batch: ImportBatch, pct: int) -> None:
    batch.progress = pct
    batch.save(update_fields=["progress"])
