"""Spark (local mode by default): the same Parquet files registered as temporary views.

The session is created once per process and reused (start-up costs several seconds); each run
registers its tables, caches the derived views and drops everything when it closes.
Settings: SHOUWANG_SPARK_MASTER (default ``local[2]``), SHOUWANG_SPARK_PARTITIONS (shuffle
partitions, default 4), SHOUWANG_SPARK_DRIVER_MEMORY (default ``4g``; only before the JVM starts),
SHOUWANG_SPARK_CONF (``key=value;key=value`` added to the session builder), SHOUWANG_SPARK_CACHE=0.
"""

import importlib.util
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyarrow as pa

from shouwang.screening.engines.base import (
    SOURCE,
    Engine,
    InputFile,
    conform,
    empty_select,
    normalised_select,
    parquet_columns,
    transpile,
)
from shouwang.screening.rules import Columns

_lock = threading.Lock()
_session: Any = None


def spark_available() -> bool:
    """Spark needs pyspark (the ``spark`` extra) and a Java runtime."""
    if importlib.util.find_spec("pyspark") is None:
        return False
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


def spark_session() -> Any:
    global _session  # noqa: PLW0603 - one JVM per process, created lazily
    with _lock:
        if _session is None:
            # pyspark is optional (the ``spark`` extra) and slow to import: loaded with the first session.
            from pyspark.sql import SparkSession  # noqa: PLC0415

            builder = (
                SparkSession.builder.master(os.environ.get("SHOUWANG_SPARK_MASTER", "local[2]"))
                .appName("shouwang-screening")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", os.environ.get("SHOUWANG_SPARK_PARTITIONS", "4"))
                .config("spark.driver.memory", os.environ.get("SHOUWANG_SPARK_DRIVER_MEMORY", "4g"))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.ansi.enabled", "true")
            )
            for item in os.environ.get("SHOUWANG_SPARK_CONF", "").split(";"):
                if "=" in item:
                    key, value = item.split("=", 1)
                    builder = builder.config(key.strip(), value.strip())
            _session = builder.getOrCreate()
            _session.sparkContext.setLogLevel("ERROR")
        return _session


def _path_ref(path: str) -> str:
    return "parquet.`" + path.replace("`", "``") + "`"


class SparkEngine(Engine):
    name = "spark"
    dialect = "spark"

    def __init__(
        self, *, cache: bool | None = None, parallel: int = 2, shuffle_partitions: int | None = None
    ) -> None:
        # Caching the inputs and derived views pays off on large data and costs a job per view on
        # small data (SHOUWANG_SPARK_CACHE=0 turns it off).
        self.cache = os.environ.get("SHOUWANG_SPARK_CACHE", "1") != "0" if cache is None else cache
        self.parallel = parallel
        self.shuffle_partitions = shuffle_partitions
        self.spark: Any = None
        self.views: list[str] = []
        self.cached: list[Any] = []

    def open(self) -> None:
        self.spark = spark_session()
        if self.shuffle_partitions:
            self.spark.conf.set("spark.sql.shuffle.partitions", str(self.shuffle_partitions))

    def close(self) -> None:
        for df in self.cached:
            df.unpersist()
        if self.spark is not None:
            for name in self.views:
                self.spark.catalog.dropTempView(name)
        self.views, self.cached = [], []

    def _view(self, name: str, df: Any, *, cache: bool) -> None:
        if cache and self.cache:
            df = df.cache()
            self.cached.append(df)
        df.createOrReplaceTempView(name)
        self.views.append(name)

    def load_table(self, name: str, columns: Columns, files: list[InputFile]) -> None:
        if not files:
            sql = transpile(empty_select(columns), "spark")
        else:
            parts = [
                transpile(
                    normalised_select(columns, parquet_columns(f.path), dict(f.consts)), "spark"
                ).replace(SOURCE, _path_ref(f.path))
                for f in files
            ]
            sql = "\nUNION ALL\n".join(parts)
        self._view(name, self.spark.sql(sql), cache=bool(files))

    def materialize(self, name: str, sql: str) -> None:
        self._view(name, self.spark.sql(sql), cache=True)

    def fetch(self, sql: str, schema: pa.Schema) -> pa.Table:
        return conform(self.spark.sql(sql).toArrow(), schema)

    def fetch_many(self, queries: list[tuple[str, pa.Schema]]) -> list[pa.Table]:
        # Small jobs are dominated by scheduling latency; submitted together they overlap.
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            return list(pool.map(lambda q: self.fetch(*q), queries))
