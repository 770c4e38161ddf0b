"""Bulk SQL for imports, portable between PostgreSQL and SQLite (core features only).

Reads of many keys (``select_in``: one ``= ANY`` parameter on PostgreSQL, chunks of ``IN`` on SQLite), bulk
writes (``bulk_upsert`` / ``bulk_update`` / ``bulk_insert``: COPY on PostgreSQL, ``executemany`` on SQLite),
bulk-load mode for large loads (``BulkLoad``, decision 0103), and the typed reading of database rows into
polars frames (``text_frame``). Nothing here knows about files, batches or the registry: the registry import
and the department feeds both use it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

log = logging.getLogger(__name__)

SQLITE_CHUNK = 20_000
IN_CHUNK = 5_000
# Bulk-load mode is taken from this many rows on (and only when the load is large relative to the table).
BULK_LOAD_MIN_ROWS = 50_000


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def select_in(
    sql: str, column: str, keys: Sequence[Any], params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """``sql`` + ``WHERE column IN keys`` (``= ANY`` on PostgreSQL, chunks on SQLite)."""
    keys = list(keys)
    if not keys:
        return []
    where = " AND " if " where " in sql.lower() else " WHERE "
    with connection.cursor() as cur:
        if is_pg():
            cur.execute(f"{sql}{where}{column} = {_pg_any(keys)}", [*params, *_pg_any_params(keys)])
            return list(cur.fetchall())
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(keys), IN_CHUNK):
            chunk = keys[i : i + IN_CHUNK]
            cur.execute(f"{sql}{where}{column} IN ({','.join(['%s'] * len(chunk))})", [*params, *chunk])
            out.extend(cur.fetchall())
        return out


def execute_in(sql: str, column: str, keys: Sequence[Any], params: Sequence[Any] = ()) -> None:
    keys = list(keys)
    if not keys:
        return
    where = " AND " if " where " in sql.lower() else " WHERE "
    with connection.cursor() as cur:
        if is_pg():
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


def db_now() -> tuple[dt.datetime, Any]:
    now = timezone.now()
    return now, (now.isoformat() if is_pg() else connection.ops.adapt_datetimefield_value(now))


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
        if is_pg():
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
        if is_pg():
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
        if is_pg():
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


def with_defaults(
    frame: pl.DataFrame, model: type[Model], now_db: Any, schema: dict[str, Any]
) -> pl.DataFrame:
    defaults = _insert_defaults(model, now_db)
    missing = [c for c in defaults if c not in frame.columns]
    frame = frame.with_columns([pl.lit(defaults[c], dtype=schema.get(c)).alias(c) for c in missing])
    return frame.select(list(defaults))


# Column types of ``text_frame``: how a value read back from either backend is typed (cents are integers).
STR, INT, BOOL, DATE, CENTS = "str", "int", "bool", "date", "cents"
POLARS_TYPE = {STR: pl.Utf8, INT: pl.Int64, BOOL: pl.Boolean, DATE: pl.Date, CENTS: pl.Int64}


def text_frame(rows: list[tuple[Any, ...]], columns: list[str], types: dict[str, str]) -> pl.DataFrame:
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


def cents_text(frame: pl.DataFrame, columns: Iterable[str]) -> pl.DataFrame:
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


class BulkLoad:
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

    def __enter__(self) -> BulkLoad:
        if self.rows < BULK_LOAD_MIN_ROWS:
            return self
        if not is_pg():
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

    def _enter_sqlite(self) -> BulkLoad:
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
        if not is_pg():
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


def bulk_load(
    table: str,
    frame: pl.DataFrame,
    *,
    conflict: Sequence[str],
    update: Sequence[str],
    on_chunk: Callable[[int], Any] | None = None,
    known_new: pl.Series | None = None,
) -> None:
    """``bulk_upsert`` in bulk-load mode when the load is large (``BulkLoad``); logs the timings."""
    t0 = time.perf_counter()
    insert_only = known_new is not None and bool(known_new.all())
    with BulkLoad(table, frame.height, insert_only=insert_only) as bulk:
        bulk_upsert(table, frame, conflict=conflict, update=update, on_chunk=on_chunk, known_new=known_new)
        t1 = time.perf_counter()
    log.info(
        "upsert %s: %d rows in %.2fs (+%.2fs index/FK rebuild, bulk mode %s)",
        table,
        frame.height,
        t1 - t0,
        time.perf_counter() - t1,
        bulk.active,
    )


@contextmanager
def large_page_cache() -> Iterator[None]:
    """SQLite's default page cache (2 MB) thrashes when a large load updates random B-tree pages of
    several indexes; use 256 MB for the duration of the block, then restore the default."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -2000")
