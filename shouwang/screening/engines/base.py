"""What every engine does: load the input tables, materialise the derived views, run each rule.

An engine only knows tables and SQL. The rules are written in DuckDB SQL (shouwang.screening.rules)
and transpiled here with sqlglot for the engine's dialect, so one definition serves all engines.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

from shouwang.screening.periods import PeriodContext, sql_render
from shouwang.screening.rules import (
    BASE_COLUMNS,
    BASE_SQL,
    RULES,
    SQL_DIALECT,
    Columns,
    Rule,
    derived_views,
    input_tables,
)

SQL_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "money": "DECIMAL(14, 2)",
    "dec": "DECIMAL(18, 4)",
    "float": "DOUBLE",
    "date": "DATE",
    "bool": "BOOLEAN",
}
ARROW_TYPES = {
    "text": pa.string(),
    "int": pa.int64(),
    "money": pa.decimal128(14, 2),
    "dec": pa.decimal128(18, 4),
    "float": pa.float64(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}
# Evidence leaves the engine in these types; shares are rounded by the assembly step.
EVIDENCE_SQL_TYPES = {
    "money": "DECIMAL(18, 2)",
    "amount": "DOUBLE",
    "share": "DOUBLE",
    "int": "BIGINT",
    "text": "VARCHAR",
    "date": "DATE",
    "bool": "BOOLEAN",
}
EVIDENCE_ARROW_TYPES = {
    "money": pa.decimal128(18, 2),
    "amount": pa.float64(),
    "share": pa.float64(),
    "int": pa.int64(),
    "text": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
}
SOURCE = "__src__"


@dataclass(frozen=True)
class InputFile:
    """One Parquet file of an input table, with columns set to constants (e.g. the delivery period)."""

    path: str
    consts: tuple[tuple[str, str], ...] = ()
    # Written by shouwang.screening.snapshot.table_write: exactly the table's columns and types, blank
    # text already NULL, so an engine may read it as it is.
    normalised: bool = False


@dataclass
class RuleOutput:
    base: pa.Table
    rules: dict[str, pa.Table]
    timings: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=512)
def transpile(sql: str, dialect: str) -> str:
    if dialect == SQL_DIALECT:
        return sql
    return sqlglot.transpile(sql, read=SQL_DIALECT, write=dialect)[0]


def arrow_cast(arr: pa.Array | pa.ChunkedArray, typ: str) -> pa.Array | pa.ChunkedArray:
    """Cast a column to a catalogue type. Floating money goes through its shortest text form, so
    1234.56 stays 1234.56 (a direct float → decimal cast refuses or truncates)."""
    target = ARROW_TYPES[typ]
    if arr.type == target:
        return arr
    if typ in ("money", "dec") and pa.types.is_floating(arr.type):
        return arr.cast(pa.string()).cast(target)
    return arr.cast(target)


def arrow_schema(columns: Columns, types: dict[str, pa.DataType] | None = None) -> pa.Schema:
    types = types or ARROW_TYPES
    return pa.schema([(name, types[typ]) for name, typ in columns])


def parquet_columns(path: str) -> set[str]:
    return set(pq.read_schema(path).names)


def normalised_select(columns: Columns, available: Iterable[str], consts: dict[str, str]) -> str:
    """DuckDB SQL reading ``__src__`` into exactly ``columns``: typed, blank text as NULL, absent as NULL.

    Blank text becomes NULL everywhere so that the engines (PostgreSQL's CSV load cannot keep an
    unquoted empty string) see the same values.
    """
    have = set(available)
    parts = []
    for name, typ in columns:
        t = SQL_TYPES[typ]
        if name in consts:
            value = consts[name].replace("'", "''")
            parts.append(f"CAST('{value}' AS {t}) AS \"{name}\"")
        elif name in have and typ == "text":
            parts.append(f'NULLIF(TRIM(CAST("{name}" AS VARCHAR)), \'\') AS "{name}"')
        elif name in have:
            parts.append(f'CAST("{name}" AS {t}) AS "{name}"')
        else:
            parts.append(f'CAST(NULL AS {t}) AS "{name}"')
    return f"SELECT {', '.join(parts)} FROM {SOURCE}"


def empty_select(columns: Columns) -> str:
    cols = ", ".join(f'CAST(NULL AS {SQL_TYPES[t]}) AS "{n}"' for n, t in columns)
    return f"SELECT {cols} WHERE 1 = 0"


def rule_output_sql(rule: Rule) -> str:
    casts = ", ".join(f"CAST(r.{n} AS {EVIDENCE_SQL_TYPES[t]}) AS {n}" for n, t in rule.evidence)
    return f"SELECT CAST(r.household_no AS VARCHAR) AS household_no, {casts}\nFROM ({rule.sql}) AS r"


def rule_output_columns(rule: Rule) -> list[tuple[str, pa.DataType]]:
    return [("household_no", pa.string()), *((n, EVIDENCE_ARROW_TYPES[t]) for n, t in rule.evidence)]


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The same Arrow schema whatever the engine returned (names, order, types)."""
    arrays = []
    for f in schema:
        col = table.column(f.name)
        arrays.append(col if col.type == f.type else col.cast(f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class Engine:
    """Subclasses implement open/close, load_table, materialize and fetch."""

    name = ""
    dialect = "duckdb"

    def open(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def load_table(self, name: str, columns: Columns, files: list[InputFile]) -> None:  # pragma: no cover
        raise NotImplementedError

    def materialize(self, name: str, sql: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def fetch(self, sql: str, schema: pa.Schema) -> pa.Table:  # pragma: no cover - interface
        raise NotImplementedError

    def fetch_many(self, queries: list[tuple[str, pa.Schema]]) -> list[pa.Table]:
        """Run several queries; engines that gain from concurrent jobs override this."""
        return [self.fetch(sql, schema) for sql, schema in queries]

    def __enter__(self) -> "Engine":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, duck_sql: str, ctx: PeriodContext | None = None) -> str:
        return transpile(sql_render(duck_sql, ctx) if ctx else duck_sql, self.dialect)


def rules_execute(
    engine: Engine,
    *,
    inputs: dict[str, list[InputFile]],
    ctx: PeriodContext,
    rules: tuple[Rule, ...] = RULES,
    progress: Callable[[str, float], None] | None = None,
) -> RuleOutput:
    """Run the catalogue on one engine. ``progress(step, fraction)`` is called as work completes."""
    timings: dict[str, float] = {}
    note = progress or (lambda step, frac: None)
    t0 = time.perf_counter()
    for name, columns in input_tables().items():
        engine.load_table(name, columns, inputs.get(name, []))
    timings["load"] = time.perf_counter() - t0
    note("load", 0.3)

    t0 = time.perf_counter()
    for name, sql in derived_views():
        engine.materialize(name, engine.sql(sql, ctx))
    timings["derive"] = time.perf_counter() - t0
    note("derive", 0.4)

    t0 = time.perf_counter()
    queries = [(engine.sql(BASE_SQL, ctx), arrow_schema(BASE_COLUMNS))]
    queries += [(engine.sql(rule_output_sql(r), ctx), pa.schema(rule_output_columns(r))) for r in rules]
    tables: list[pa.Table] = []
    # In chunks, so that progress moves while the rules run.
    step = max(1, len(queries) // 5)
    for i in range(0, len(queries), step):
        tables += engine.fetch_many(queries[i : i + step])
        note("rules", 0.4 + 0.6 * len(tables) / len(queries))
    base, out = tables[0], {r.code: t for r, t in zip(rules, tables[1:], strict=True)}
    timings["rules"] = time.perf_counter() - t0
    return RuleOutput(base=base, rules=out, timings=timings)
