"""One rule definition, three engines: DuckDB, PostgreSQL and Spark give identical warnings (same
households, same rule codes, same evidence to the cent) on the same literal data."""

import os
from pathlib import Path

import polars as pl
import psycopg
import pytest

from shouwang.screening.assemble import warnings_assemble
from shouwang.screening.engines import pg_conninfo
from shouwang.screening.engines.duck import DuckDBEngine
from shouwang.screening.engines.postgres import PostgresEngine
from shouwang.screening.engines.spark import SparkEngine, spark_available
from shouwang.screening.tests.dataset import PERIOD, dataset_inputs
from shouwang.screening.tests.tables import run_rules


def _pg_ok() -> str | None:
    try:
        info = pg_conninfo()
        with psycopg.connect(info, connect_timeout=2):
            return info
    except (psycopg.Error, Exception):
        return None


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    d: Path = tmp_path_factory.mktemp("engines")
    return dataset_inputs(d)


@pytest.fixture(scope="module")
def duck(inputs):  # type: ignore[no-untyped-def]
    return run_rules(DuckDBEngine(threads=1), inputs, PERIOD)


def _comparable(out) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    # Signals carry every rule's evidence as JSON (money to the cent, shares to 4 places).
    return warnings_assemble(out).drop("household_id")


def _assert_same(a, b) -> None:  # type: ignore[no-untyped-def]
    for code, table in a.rules.items():
        left = sorted(table.to_pylist(), key=lambda r: r["household_no"])
        right = sorted(b.rules[code].to_pylist(), key=lambda r: r["household_no"])
        assert [r["household_no"] for r in left] == [r["household_no"] for r in right], code
    wa, wb = _comparable(a), _comparable(b)
    assert wa.height > 20
    assert wa.equals(wb), (wa, wb)


@pytest.mark.django_db
def test_duckdb_and_postgres_identical(inputs, duck) -> None:  # type: ignore[no-untyped-def]
    info = _pg_ok()
    if info is None:
        pytest.skip("PostgreSQL is not reachable (SHOUWANG_DATABASE_URL or 127.0.0.1:5432)")
    _assert_same(duck, run_rules(PostgresEngine(conninfo=info), inputs, PERIOD))


@pytest.mark.slow
def test_duckdb_and_spark_identical(inputs, duck) -> None:  # type: ignore[no-untyped-def]
    if not spark_available():
        pytest.skip("Java runtime missing")
    # Tiny data: code generation and adaptive planning cost more than they save (same results).
    os.environ.setdefault(
        "SHOUWANG_SPARK_CONF", "spark.sql.codegen.wholeStage=false;spark.sql.adaptive.enabled=false"
    )
    _assert_same(duck, run_rules(SparkEngine(cache=False, shuffle_partitions=1, parallel=6), inputs, PERIOD))
