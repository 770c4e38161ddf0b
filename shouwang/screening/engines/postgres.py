"""PostgreSQL: the same inputs copied into temporary tables with COPY, the same SQL run inside.

Temporary tables belong to this engine's own connection (never Django's), are not WAL-logged and
disappear when it closes, so a run leaves nothing behind in the database.
"""

import io
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import connection

from shouwang.screening.engines.base import ARROW_TYPES, Engine, InputFile, arrow_cast, conform
from shouwang.screening.rules import Columns

PG_TYPES = {
    "text": "TEXT",
    "int": "BIGINT",
    "money": "NUMERIC(14, 2)",
    "dec": "NUMERIC(18, 4)",
    "float": "DOUBLE PRECISION",
    "date": "DATE",
    "bool": "BOOLEAN",
}
BATCH_ROWS = 200_000


def django_pg_conninfo() -> str | None:
    """The Django database as a libpq conninfo when it is PostgreSQL, else None."""
    if connection.vendor != "postgresql":
        return None
    s = connection.settings_dict
    parts = {
        "dbname": s.get("NAME"),
        "user": s.get("USER"),
        "password": s.get("PASSWORD"),
        "host": s.get("HOST"),
        "port": s.get("PORT"),
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


def _normalise_batch(batch: pa.RecordBatch, columns: Columns, consts: dict[str, str]) -> pa.Table:
    """The same normalisation as the SQL engines: typed, trimmed, blank text as NULL."""
    arrays = []
    n = batch.num_rows
    names = batch.schema.names
    for name, typ in columns:
        target = ARROW_TYPES[typ]
        if name in consts:
            arr = pa.array([consts[name]] * n, pa.string()).cast(target)
        elif name in names:
            arr = batch.column(names.index(name))
            if typ == "text":
                arr = pc.utf8_trim_whitespace(arr.cast(pa.string()))
                arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
            else:
                arr = arrow_cast(arr, typ)
        else:
            arr = pa.nulls(n, target)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=[c for c, _ in columns])


class PostgresEngine(Engine):
    name = "postgres"
    dialect = "postgres"

    def __init__(self, *, conninfo: str, work_mem: str = "256MB") -> None:
        self.conninfo = conninfo
        self.work_mem = work_mem
        self.conn: psycopg.Connection[Any] | None = None

    def open(self) -> None:
        self.conn = psycopg.connect(self.conninfo, autocommit=True)
        self.conn.execute(f"SET work_mem = '{self.work_mem}'")
        self.conn.execute("SET temp_buffers = '512MB'")
        self.conn.execute("SET application_name = 'shouwang-screening'")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    @property
    def backend_pid(self) -> int | None:
        return self.conn.info.backend_pid if self.conn is not None else None

    def _c(self) -> psycopg.Connection[Any]:
        assert self.conn is not None, "engine not open"
        return self.conn

    def load_table(self, name: str, columns: Columns, files: list[InputFile]) -> None:
        conn = self._c()
        cols_ddl = ", ".join(f'"{c}" {PG_TYPES[t]}' for c, t in columns)
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        conn.execute(f'CREATE TEMP TABLE "{name}" ({cols_ddl})')
        col_list = ", ".join(f'"{c}"' for c, _ in columns)
        wanted = {c for c, _ in columns}
        with conn.cursor() as cur:
            for f in files:
                pf = pq.ParquetFile(f.path)
                read = [c for c in pf.schema_arrow.names if c in wanted]
                with cur.copy(f'COPY "{name}" ({col_list}) FROM STDIN (FORMAT csv)') as copy:
                    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=read):
                        buf = io.BytesIO()
                        table = _normalise_batch(batch, columns, dict(f.consts))
                        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
                        copy.write(buf.getvalue())
        conn.execute(f'ANALYZE "{name}"')

    def materialize(self, name: str, sql: str) -> None:
        conn = self._c()
        conn.execute(f'DROP TABLE IF EXISTS "{name}"')
        conn.execute(f'CREATE TEMP TABLE "{name}" AS {sql}')
        conn.execute(f'ANALYZE "{name}"')

    def fetch(self, sql: str, schema: pa.Schema) -> pa.Table:
        buf = io.BytesIO()
        with self._c().cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for chunk in copy:
                buf.write(chunk)
        data = buf.getvalue()
        if not data:
            return schema.empty_table()
        table = pacsv.read_csv(
            io.BytesIO(data),
            convert_options=pacsv.ConvertOptions(
                column_types={f.name: f.type for f in schema},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t", "true"],
                false_values=["f", "false"],
            ),
        )
        return conform(table, schema)
