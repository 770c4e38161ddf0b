"""Screening engines: one rule catalogue, three ways to run it (docs/screening.md "Engines")."""

import os

from shouwang.common.errors import InputRefused, RowError
from shouwang.screening.engines.base import Engine, InputFile, RuleOutput, rules_execute
from shouwang.screening.engines.duck import DuckDBEngine
from shouwang.screening.engines.postgres import PostgresEngine, django_pg_conninfo
from shouwang.screening.engines.spark import SparkEngine, spark_available

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"

__all__ = ["Engine", "InputFile", "RuleOutput", "engine_build", "pg_conninfo", "rules_execute"]


def pg_conninfo(pg_url: str | None = None) -> str:
    """Where the PostgreSQL engine keeps its scratch tables: the Django database when it is
    PostgreSQL, else ``pg_url`` (or SHOUWANG_SCREENING_PG_URL, or the local default)."""
    return pg_url or django_pg_conninfo() or os.environ.get("SHOUWANG_SCREENING_PG_URL") or DEFAULT_PG_URL


def engine_build(name: str, *, pg_url: str | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        if not spark_available():
            raise InputRefused(
                "无法使用Spark引擎", [RowError(None, "engine", name, "未安装pyspark或Java运行环境")]
            )
        return SparkEngine()
    if name == "postgres":
        return PostgresEngine(conninfo=pg_conninfo(pg_url))
    raise InputRefused("未知的筛查引擎", [RowError(None, "engine", name, "可选：duckdb、spark、postgres")])
