"""DuckDB in process (the embedded default): reads the snapshot and lake Parquet files directly.

No DuckDB extensions are used (the 2.0 wheel cannot fetch them here); read_parquet is built in.
"""

import os

import duckdb
import pyarrow as pa

from shouwang.screening.engines.base import (
    SOURCE,
    Engine,
    InputFile,
    conform,
    empty_select,
    normalised_select,
    parquet_columns,
)
from shouwang.screening.rules import Columns


def _quote(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads or os.cpu_count() or 2
        self.memory_limit = memory_limit
        self.con: duckdb.DuckDBPyConnection | None = None

    def open(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def _exec(self, sql: str) -> duckdb.DuckDBPyConnection:
        assert self.con is not None, "engine not open"
        return self.con.execute(sql)

    def load_table(self, name: str, columns: Columns, files: list[InputFile]) -> None:
        if (
            len(files) == 1
            and files[0].normalised
            and not files[0].consts
            and {c for c, _ in columns} <= parquet_columns(files[0].path)
        ):
            # A snapshot table, already typed and normalised: copied as it is (no casts).
            cols = ", ".join(f'"{c}"' for c, _ in columns)
            source = f"read_parquet({_quote(files[0].path)})"
            self._exec(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT {cols} FROM {source}')
            return
        if not files:
            sql = empty_select(columns)
        else:
            parts = [
                normalised_select(columns, parquet_columns(f.path), dict(f.consts)).replace(
                    SOURCE, f"read_parquet({_quote(f.path)})"
                )
                for f in files
            ]
            sql = "\nUNION ALL\n".join(parts)
        self._exec(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

    def materialize(self, name: str, sql: str) -> None:
        self._exec(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}')

    def fetch(self, sql: str, schema: pa.Schema) -> pa.Table:
        assert self.con is not None, "engine not open"
        return conform(self.con.sql(sql).to_arrow_table(), schema)
