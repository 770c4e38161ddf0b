"""The run's inputs as Parquet: registry snapshot, resolved parameters, and the feed files to read.

``settings.DATA_DIR/snapshots/<period>/run-<id>/`` holds households, persons, incomes and params
Parquet files plus ``manifest.json`` (which lake batches were read, with their delivery periods).
The snapshot carries no clear personal identifiers: persons are keyed by the blind index.
"""

import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from shouwang.employment.models import LabourRecord, WorkEpisode
from shouwang.exchange.lake import feed_files
from shouwang.registry.models import Household, IncomeRecord, Person
from shouwang.screening.engines.base import ARROW_TYPES, InputFile, arrow_cast, arrow_schema
from shouwang.screening.periods import period_shift
from shouwang.screening.rules import FEED_LOOKBACK, FEED_TABLES, PARAMS_TABLE, SNAPSHOT_TABLES, Columns


def snapshot_dir(period: str, run_id: int | str) -> Path:
    return Path(settings.DATA_DIR) / "snapshots" / period / f"run-{run_id}"


# ---------------------------------------------------------------------------------------------------
# Writing typed Parquet
# ---------------------------------------------------------------------------------------------------
def _coerce(value: Any, typ: str) -> Any:
    if value is None or value == "":
        return None
    if typ in ("money", "dec"):
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if typ == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if typ == "int":
        return int(value)
    if typ == "bool" and isinstance(value, str):
        return value.strip().upper() in {"Y", "TRUE", "1", "是"}
    return value


def rows_to_arrow(columns: Columns, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Literal rows (dicts) as a typed Arrow table; missing keys are NULL."""
    data: dict[str, list[Any]] = {name: [] for name, _ in columns}
    for row in rows:
        for name, typ in columns:
            data[name].append(_coerce(row.get(name), typ))
    return pa.Table.from_pydict(data, schema=arrow_schema(columns))


def normalise_table(table: pa.Table, columns: Columns) -> pa.Table:
    """Exactly ``columns``, typed; blank text as NULL (what every engine sees)."""
    arrays = []
    for name, typ in columns:
        target = ARROW_TYPES[typ]
        if name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, target))
            continue
        arr = table.column(name)
        if typ == "text":
            arr = pc.utf8_trim_whitespace(arr.cast(pa.string()))
            arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
        else:
            arr = arrow_cast(arr, typ)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=arrow_schema(columns))


def table_write(path: Path, columns: Columns, data: pa.Table | Sequence[Mapping[str, Any]]) -> Path:
    table = data if isinstance(data, pa.Table) else rows_to_arrow(columns, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(normalise_table(table, columns), path, compression="zstd")
    return path


def params_write(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    return table_write(path, PARAMS_TABLE, rows)


# ---------------------------------------------------------------------------------------------------
# Registry snapshot from the database
# ---------------------------------------------------------------------------------------------------
def _registry_queries(period: str) -> dict[str, str]:
    h, p, i = Household._meta.db_table, Person._meta.db_table, IncomeRecord._meta.db_table
    e, lr = WorkEpisode._meta.db_table, LabourRecord._meta.db_table
    first = period_shift(period, -12)
    return {
        "households": (
            f"SELECT h.id AS household_id, h.household_no, h.village_id AS village_code, "
            f"h.group_id AS group_code, h.group_name, h.township_code, h.county_code, h.poverty_status, "
            f"h.monitoring_category, h.identified_on, h.risk_eliminated_on, h.member_count "
            f"FROM {h} h WHERE h.status = 'active'"
        ),
        "persons": (
            f"SELECT p.id AS person_id, h.household_no, p.id_index, p.birth_date, p.sex, p.relation, "
            f"p.school_status, p.health, p.disability_grade, p.labour, p.work_months, p.work_place, "
            f"p.dibao, p.tekun, p.residence FROM {p} p JOIN {h} h ON h.id = p.household_id "
            f"WHERE h.status = 'active'"
        ),
        "incomes": (
            f"SELECT h.household_no, i.period, i.wage, i.business, i.property, i.transfer, i.business_cost, "
            f"i.compliant_self_pay, i.insurance_claims, i.net_income, i.members_counted, i.per_capita_net, "
            f"i.per_capita_reference FROM {i} i JOIN {h} h ON h.id = i.household_id "
            f"WHERE h.status = 'active' AND i.period <= '{period}'"
        ),
        "work_episodes": (
            f"SELECT e.person_id, h.household_no, e.start_month, "
            f"CASE WHEN e.end_month > '{period}' THEN '' ELSE e.end_month END AS end_month, e.channel, "
            f"e.place_type, e.wage FROM {e} e JOIN {h} h ON h.id = e.household_id "
            f"WHERE h.status = 'active' AND e.worked AND e.start_month <= '{period}'"
        ),
        "labour_records": (
            f"SELECT r.person_id, h.household_no, r.period, r.status, r.source FROM {lr} r "
            f"JOIN {h} h ON h.id = r.household_id "
            f"WHERE h.status = 'active' AND r.period BETWEEN '{first}' AND '{period}'"
        ),
    }


def _export_postgres(sql: str, columns: Columns) -> pa.Table:
    buf = io.BytesIO()
    with connection.cursor() as c:
        raw = c.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buf.write(chunk)
    if not buf.getvalue():
        return arrow_schema(columns).empty_table()
    return pacsv.read_csv(
        io.BytesIO(buf.getvalue()),
        convert_options=pacsv.ConvertOptions(
            column_types={n: ARROW_TYPES[t] for n, t in columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def _export_cursor(sql: str, columns: Columns, batch: int = 100_000) -> pa.Table:
    chunks: list[pa.Table] = []
    with connection.cursor() as c:
        c.execute(sql)
        while True:
            rows = c.fetchmany(batch)
            if not rows:
                break
            cols = list(zip(*rows, strict=True))
            arrays = []
            for (_name, typ), values in zip(columns, cols, strict=True):
                if typ in ("money", "dec"):
                    arrays.append(pa.array([None if v is None else str(v) for v in values], pa.string()))
                elif typ == "date":
                    arrays.append(pa.array([None if v is None else str(v)[:10] for v in values], pa.string()))
                else:
                    arrays.append(pa.array(values))
            chunks.append(pa.Table.from_arrays(arrays, names=[n for n, _ in columns]))
    if not chunks:
        return arrow_schema(columns).empty_table()
    return normalise_table(pa.concat_tables([normalise_table(t, columns) for t in chunks]), columns)


def registry_snapshot_write(*, period: str, directory: Path) -> dict[str, int]:
    """Export households, persons and incomes (≤ period) to Parquet: one query per table."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    export = _export_postgres if connection.vendor == "postgresql" else _export_cursor
    for name, sql in _registry_queries(period).items():
        columns = SNAPSHOT_TABLES[name]
        table = export(sql, columns)
        table_write(directory / f"{name}.parquet", columns, table)
        counts[name] = table.num_rows
    return counts


# ---------------------------------------------------------------------------------------------------
# Feed files (the data lake)
# ---------------------------------------------------------------------------------------------------
def feed_listing(kind: str, period_from: str, period_to: str) -> list[tuple[str, str, int]]:
    """``(path, delivery period, batch id)`` of the effective (not superseded) lake batches of one feed kind
    delivered in [period_from, period_to], by period and batch."""
    items = feed_files(kind=kind, period_from=period_from, period_to=period_to)
    return [(str(path), period, batch_id) for _, period, batch_id, path in items]


def feed_inputs(period: str) -> tuple[dict[str, list[InputFile]], list[dict[str, Any]]]:
    """Input files of every feed table for screening ``period``, and the manifest entries."""
    inputs: dict[str, list[InputFile]] = {}
    manifest: list[dict[str, Any]] = []
    for kind in FEED_TABLES:
        first = period_shift(period, -(FEED_LOOKBACK.get(kind, 1) - 1))
        files = []
        for path, delivered, batch_id in feed_listing(kind, first, period):
            consts = (("period", delivered), ("batch_id", str(batch_id)))
            files.append(InputFile(path=path, consts=consts))
            manifest.append({"kind": kind, "period": delivered, "batch_id": batch_id, "path": path})
        inputs[f"feed_{kind}"] = files
    return inputs, manifest


def snapshot_inputs(directory: Path) -> dict[str, list[InputFile]]:
    """The snapshot tables and params of a run directory as engine inputs."""
    out = {}
    for name in (*SNAPSHOT_TABLES, "params"):
        path = directory / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(str(path))
        out[name] = [InputFile(path=str(path), normalised=True)]
    return out


def manifest_write(directory: Path, data: Mapping[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))
