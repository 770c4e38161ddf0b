"""``shouwang bench screening --households N [--engines duckdb,postgres,spark] [--json]`` (CONTRACT §1).

1. Simulate N households with 12 months of history (the simulator in process; the files are kept
   under ``VAR_DIR/bench/`` and reused by the next bench of the same size and seed).
2. Build the registry snapshot and the lake Parquet *directly from the simulated files* (blind index
   for every ID, the lake's layout): this is not timed — the bench measures screening, not imports.
3. For each engine, in its own process (so that memory is measured per engine): a bench-source
   ScreeningRun on the last month, from snapshot to warnings stored in the configured database.
   ``seconds`` is that wall time; ``peak_rss_mb`` the peak resident memory of the process tree (the
   JVM included for Spark; a PostgreSQL server's own backend memory is not in it). Spark's session
   start-up is done before the clock starts and reported apart.
4. The bench's warnings and runs are deleted afterwards (source ``bench``), so a demo database keeps
   only its own screening.
5. End to end (``end_to_end``): the same simulated county loaded the way a county loads it — ``import
   registry`` of the registry files and ``import feed`` of every month's deliveries (plus the yearly
   income updates) — into a database of the bench's own (a SQLite file under the bench directory, or
   ``e2e_url``), not timed and kept for the next bench of the same size and seed; then, timed, a real
   DuckDB screening run of the last month: registry snapshot from that database, parameters, lake
   feeds, rules, warnings stored. The configured database is never filled with simulated households.

Extra options read when the ``bench`` command passes them (else environment variables):
``months`` (SHOUWANG_BENCH_MONTHS, 12), ``seed`` (SHOUWANG_BENCH_SEED, 7), ``pg_url``
(SHOUWANG_SCREENING_PG_URL), ``fresh`` (SHOUWANG_BENCH_FRESH=1: simulate again), ``e2e_url``
(SHOUWANG_BENCH_E2E_DATABASE_URL: the end-to-end database, disposable), ``end_to_end`` (False with
``--no-end-to-end``).
"""

import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shouwang.common.crypto import blind_index_many
from shouwang.common.errors import InputRefused
from shouwang.exchange.registry_import import registry_import
from shouwang.exchange.services import feed_batch_ingest
from shouwang.registry.income import income_figures
from shouwang.registry.models import Household
from shouwang.screening.bench_child import bench_child_run
from shouwang.screening.choices import RunSourceChoices
from shouwang.screening.engines.base import InputFile
from shouwang.screening.engines.spark import spark_session
from shouwang.screening.models import ScreeningRun, Warning
from shouwang.screening.params import parameters_resolve, params_table_rows
from shouwang.screening.periods import period_shift
from shouwang.screening.rules import FEED_LOOKBACK, FEED_TABLES, SNAPSHOT_TABLES
from shouwang.screening.services import screening_run_create, screening_run_execute
from shouwang.screening.snapshot import params_write, table_write
from shouwang.simulator.fmt import month_number
from shouwang.simulator.services import simulation_run, simulation_validate

DONE = "bench-inputs.json"


# ---------------------------------------------------------------------------------------------------
# Inputs from simulated files
# ---------------------------------------------------------------------------------------------------
def _read_csv(path: Path) -> pl.DataFrame:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return pl.read_csv(text.encode(), infer_schema_length=0)


def _flag(col: str) -> pl.Expr:
    return pl.col(col).is_in(["Y", "是", "y", "true", "1"])


class _Index:
    """Blind index of ID numbers with a cache (an ID appears in many feeds and months)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def frame(self, ids: pl.Series) -> pl.Series:
        new = [i for i in ids.unique().to_list() if i is not None and i not in self.cache]
        if new:
            self.cache.update(zip(new, blind_index_many(new), strict=True))
        return ids.replace_strict(self.cache, default=None, return_dtype=pl.String)


def bench_inputs_build(*, sim: Path, out: Path, period: str) -> dict[str, list[InputFile]]:
    """Snapshot and lake Parquet for screening ``period`` from a simulator output directory."""
    idx = _Index()
    hh = _read_csv(sim / "registry" / "households.csv")
    households = hh.select(
        pl.lit(None, pl.Int64).alias("household_id"),
        "household_no",
        "village_code",
        pl.lit(None, pl.String).alias("group_code"),
        "group_name",
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        "poverty_status",
        "monitoring_category",
        pl.col("identified_on").str.to_date(strict=False),
        pl.col("risk_eliminated_on").str.to_date(strict=False),
    )
    ps = _read_csv(sim / "registry" / "persons.csv")
    persons = ps.select(
        pl.int_range(1, ps.height + 1, dtype=pl.Int64).alias("person_id"),
        "household_no",
        idx.frame(ps.get_column("id_number")).alias("id_index"),
        pl.col("id_number").str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("birth_date"),
        "sex",
        "relation",
        "school_status",
        "health",
        pl.col("disability_grade").cast(pl.Int64, strict=False),
        "labour",
        pl.col("work_months").cast(pl.Int64, strict=False),
        "work_place",
        _flag("dibao").alias("dibao"),
        _flag("tekun").alias("tekun"),
        pl.lit("present").alias("residence"),
    )
    members = persons.group_by("household_no").agg(pl.len().cast(pl.Int64).alias("member_count"))
    households = households.join(members, on="household_no", how="left")
    inc_files = [sim / "registry" / "incomes.csv"]
    upd = sim / "registry" / "updates"
    if upd.exists():
        inc_files += sorted(
            p / "incomes.csv" for p in upd.iterdir() if p.name <= period and (p / "incomes.csv").exists()
        )
    inc = pl.concat([_read_csv(p) for p in inc_files], how="diagonal")
    money = [
        "wage",
        "business",
        "property",
        "transfer",
        "business_cost",
        "compliant_self_pay",
        "insurance_claims",
    ]
    # The registry's own income rules on cents (R-INC-02/04, ties rounded half up), as the import stores them.
    cents = inc.select(
        "household_no",
        "period",
        *((pl.col(c).cast(pl.Float64).fill_null(0) * 100).round(0).cast(pl.Int64).alias(c) for c in money),
    ).join(members.rename({"member_count": "members_counted"}), on="household_no", how="left")
    figures = ["net_income", "per_capita_net", "per_capita_reference"]
    incomes = (
        income_figures(cents)
        .select(
            "household_no",
            "period",
            *((pl.col(c) / 100).round(2).alias(c) for c in (*money, *figures)),
            "members_counted",
        )
        .unique(["household_no", "period"], keep="last")
    )

    snap = out / "snapshot"
    inputs: dict[str, list[InputFile]] = {}
    for name, frame in (("households", households), ("persons", persons), ("incomes", incomes)):
        path = table_write(snap / f"{name}.parquet", SNAPSHOT_TABLES[name], frame.to_arrow())
        inputs[name] = [InputFile(str(path), normalised=True)]
    villages = households.get_column("village_code").unique().sort().to_list()
    resolved = parameters_resolve(region_codes=villages, year=int(period[:4]))
    inputs["params"] = [
        InputFile(str(params_write(snap / "params.parquet", params_table_rows(resolved))), normalised=True)
    ]

    for kind, columns in FEED_TABLES.items():
        files = []
        for k in range(FEED_LOOKBACK.get(kind, 1) - 1, -1, -1):
            month = period_shift(period, -k)
            src = sim / "feeds" / month / f"{kind}.csv"
            if not src.exists():
                continue
            df = _read_csv(src)
            if "id_number" in df.columns:
                df = df.with_columns(idx.frame(df.get_column("id_number")).alias("id_index")).drop(
                    "id_number"
                )
            for name, typ in columns:
                if name in df.columns and typ == "date":
                    df = df.with_columns(pl.col(name).str.to_date(strict=False))
                elif name in df.columns and typ == "bool":
                    df = df.with_columns(_flag(name).alias(name))
                elif name in df.columns and typ in ("money", "int"):
                    df = df.with_columns(
                        pl.col(name).cast(pl.Float64 if typ == "money" else pl.Int64, strict=False)
                    )
            df = df.with_columns(pl.int_range(2, df.height + 2, dtype=pl.Int64).alias("row_no"))
            own = tuple(c for c in columns if c[0] != "period")
            path = table_write(out / "lake" / kind / month / "batch-1.parquet", own, df.to_arrow())
            files.append(InputFile(str(path), consts=(("period", month),)))
        inputs[f"feed_{kind}"] = files
    return inputs


def _params_refresh(snap: Path, period: str) -> None:
    villages = pl.read_parquet(snap / "households.parquet", columns=["village_code"]).get_column(
        "village_code"
    )
    resolved = parameters_resolve(region_codes=villages.unique().sort().to_list(), year=int(period[:4]))
    params_write(snap / "params.parquet", params_table_rows(resolved))


def _inputs_json(inputs: dict[str, list[InputFile]]) -> dict[str, Any]:
    return {k: [[f.path, list(map(list, f.consts)), f.normalised] for f in v] for k, v in inputs.items()}


def _inputs_from_json(data: dict[str, Any]) -> dict[str, list[InputFile]]:
    return {
        k: [InputFile(f[0], tuple(tuple(c) for c in f[1]), bool(f[2:] and f[2])) for f in v]
        for k, v in data.items()
    }


def bench_root(*, households: int, months: int, seed: int) -> Path:
    return Path(settings.VAR_DIR) / "bench" / f"screening-{households}-m{months}-s{seed}"


def bench_prepare(
    *, households: int, months: int, seed: int, fresh: bool = False
) -> tuple[str, dict[str, Any]]:
    """Simulate (or reuse) and build the inputs; returns the screened period and the inputs manifest."""
    root = bench_root(households=households, months=months, seed=seed)
    marker = root / DONE
    if marker.exists() and not fresh:
        data = json.loads(marker.read_text())
        _params_refresh(root / "snapshot", data["period"])  # the catalogue may know new parameters
        return data["period"], data["inputs"]
    shutil.rmtree(root, ignore_errors=True)
    sim = root / "sim"
    today = dt.date.today()
    params = simulation_validate(
        households=households,
        months=months,
        seed=seed,
        out=sim,
        today_month=month_number(today.year, today.month),
    )
    summary = simulation_run(params=params, progress=sys.stderr.isatty())
    period = period_shift(params.start, months - 1)
    inputs = bench_inputs_build(sim=sim, out=root, period=period)
    data = {"period": period, "households": summary.households, "persons": summary.persons,
            "inputs": _inputs_json(inputs)}  # fmt: skip
    marker.write_text(json.dumps(data))
    return period, data["inputs"]


# ---------------------------------------------------------------------------------------------------
# One engine in its own process
# ---------------------------------------------------------------------------------------------------
def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(parts[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def _bench_rows_delete() -> None:
    """The bench's own runs and warnings (source ``bench``); a demo or county database keeps the rest."""
    Warning.objects.filter(source=RunSourceChoices.BENCH).delete()  # in bulk, before the runs' cascade
    ScreeningRun.objects.filter(source=RunSourceChoices.BENCH).delete()


def _digest(run: Any) -> str:
    """Fingerprint of a run's warnings (household, signals with evidence, score)."""
    qs = Warning.objects.filter(run=run).order_by("household_no")
    digest = hashlib.sha256()
    for h, signals, score in qs.values_list("household_no", "signals", "score").iterator(chunk_size=20000):
        digest.update(json.dumps([h, signals, str(score)], sort_keys=True).encode())
    return digest.hexdigest()[:16]


def engine_worker(engine: str, period: str, inputs: dict[str, Any], pg_url: str | None, queue: Any) -> None:
    """One engine's timed run, in a child process of its own (``bench_engine``)."""
    result: dict[str, Any] = {}
    try:
        startup = 0.0
        if engine == "spark":
            t = time.perf_counter()
            spark_session().sql("SELECT 1").collect()
            startup = time.perf_counter() - t
        _bench_rows_delete()
        run = screening_run_create(user=None, period=period, engine=engine, source=RunSourceChoices.BENCH,
                                   reason="bench screening")  # fmt: skip
        queue.put({"phase": "start"})
        t0 = time.perf_counter()
        run = screening_run_execute(run=run, inputs=_inputs_from_json(inputs), pg_url=pg_url)
        seconds = time.perf_counter() - t0
        result = {
            "seconds": round(seconds, 2),
            "warnings": run.counts.get("warnings", 0),
            "households_screened": run.counts.get("households_screened", 0),
            "phases": run.timings,
            "digest": _digest(run),
            "database": connection.vendor,
        }
        if startup:
            result["session_startup_seconds"] = round(startup, 2)
        _bench_rows_delete()
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        try:
            _bench_rows_delete()
        except Exception:  # cleanup is best effort after a failure
            result["cleanup"] = "failed"
    queue.put(result)


def _spawn(worker: str, args: tuple[Any, ...], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``<this module>.<worker>(*args, queue)`` in a fresh process (its own Django set-up, with ``env``
    added to the environment) and return its result with the peak resident memory after its "start"
    message."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=bench_child_run, args=(f"{__name__}.{worker}", *args, queue))
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        proc.start()  # a spawned child copies the environment now
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert proc.pid is not None
    peak = {"start": 0, "all": 0}
    started = threading.Event()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            rss = _tree_rss_kb(proc.pid or 0)
            peak["all"] = max(peak["all"], rss)
            if started.is_set():
                peak["start"] = max(peak["start"], rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result: dict[str, Any] = {}
    while True:
        msg = queue.get()
        if msg.get("phase") == "start":
            started.set()
            continue
        result = msg
        break
    proc.join()
    stop.set()
    sampler.join()
    result["peak_rss_mb"] = round((peak["start"] or peak["all"]) / 1024, 1)
    return result


def bench_engine(engine: str, period: str, inputs: dict[str, Any], pg_url: str | None) -> dict[str, Any]:
    return _spawn("engine_worker", (engine, period, inputs, pg_url))


# ---------------------------------------------------------------------------------------------------
# End to end: a county's database, a real screening run
# ---------------------------------------------------------------------------------------------------
def _e2e_load(sim: Path, marker: Path) -> dict[str, Any]:
    """``import registry`` and every month's ``import feed`` (and income updates), as a county would."""
    if Household.objects.exists():
        raise RuntimeError("端到端测试库已有农户数据但不是本测试导入的：请指定一个空的数据库")
    t = time.perf_counter()
    reg = sim / "registry"
    registry_import(
        paths=[reg / "households.csv", reg / "persons.csv", reg / "incomes.csv"],
        actor="bench",
        progress=sys.stderr.isatty(),
    )
    batches = refused = 0
    for month_dir in sorted(p for p in (sim / "feeds").iterdir() if p.is_dir()):
        for path in sorted(month_dir.glob("*.csv")):
            try:
                feed_batch_ingest(kind=path.stem, path=path, period=month_dir.name, source="bench",
                                  actor="bench")  # fmt: skip
                batches += 1
            except InputRefused:  # a refused delivery stays out, as it would in the county
                refused += 1
        updates = reg / "updates" / month_dir.name
        if updates.is_dir():
            registry_import(paths=sorted(updates.glob("*.csv")), actor="bench")
    loaded = {"load_seconds": round(time.perf_counter() - t, 1), "feed_batches": batches,
              "feed_batches_refused": refused}  # fmt: skip
    marker.write_text(json.dumps(loaded))
    return loaded


def end_to_end_worker(sim: str, period: str, marker: str, queue: Any) -> None:
    """The end-to-end run, in a child process of its own (``bench_end_to_end``)."""
    result: dict[str, Any] = {}
    try:
        call_command("migrate", verbosity=0)
        mark = Path(marker)
        loaded = json.loads(mark.read_text()) if mark.exists() else _e2e_load(Path(sim), mark)
        _bench_rows_delete()
        queue.put({"phase": "start"})
        t0 = time.perf_counter()
        run = screening_run_create(user=None, period=period, engine="duckdb", source=RunSourceChoices.BENCH,
                                   reason="bench screening end to end")  # fmt: skip
        run = screening_run_execute(run=run)
        seconds = time.perf_counter() - t0
        result = {
            "engine": "duckdb",
            "seconds": round(seconds, 2),
            "warnings": run.counts.get("warnings", 0),
            "households_screened": run.counts.get("households_screened", 0),
            "persons": run.inputs.get("registry", {}).get("persons"),
            "feed_batches_read": len(run.inputs.get("feed_batches", [])),
            "phases": run.timings,
            "database": connection.vendor,
            "load": loaded,
            "digest": _digest(run),
        }
        _bench_rows_delete()
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    queue.put(result)


def bench_end_to_end(*, root: Path, period: str, e2e_url: str | None) -> dict[str, Any]:
    """A real DuckDB screening of ``period`` on a database loaded through the importers (see module doc)."""
    e2e = root / "e2e"
    e2e.mkdir(parents=True, exist_ok=True)
    env = {"SHOUWANG_VAR_DIR": str(e2e / "var"), "SHOUWANG_DATA_DIR": str(e2e / "var" / "data")}
    if e2e_url:
        env["SHOUWANG_DATABASE_URL"] = e2e_url
        tag = hashlib.sha256(e2e_url.encode()).hexdigest()[:8]
    else:
        env["SHOUWANG_DATABASE_URL"] = f"sqlite:///{e2e / 'var' / 'shouwang.sqlite3'}"
        tag = "sqlite"
    (e2e / "var").mkdir(exist_ok=True)
    return _spawn("end_to_end_worker", (str(root / "sim"), period, str(e2e / f"loaded-{tag}.json")), env)


def bench_screening(
    *,
    households: int,
    engines: list[str],
    months: int = 12,
    seed: int = 7,
    pg_url: str | None = None,
    fresh: bool = False,
    end_to_end: bool = True,
    e2e_url: str | None = None,
) -> dict[str, Any]:
    t = time.perf_counter()
    period, inputs = bench_prepare(households=households, months=months, seed=seed, fresh=fresh)
    prepare = time.perf_counter() - t
    out: dict[str, Any] = {"households": households, "engines": {}}
    for engine in engines:
        out["engines"][engine] = bench_engine(engine, period, inputs, pg_url)
    digests = {r.get("digest") for r in out["engines"].values() if "digest" in r}
    if end_to_end:
        out["end_to_end"] = bench_end_to_end(
            root=bench_root(households=households, months=months, seed=seed), period=period, e2e_url=e2e_url
        )
    out["period"] = period
    out["identical_warnings"] = len(digests) == 1 if digests else None
    out["prepare_seconds"] = round(prepare, 1)
    e2e_digest = out.get("end_to_end", {}).pop("digest", None)
    if digests and e2e_digest:
        # Same warnings when the importers keep what the bench's direct Parquet build keeps.
        out["end_to_end"]["same_warnings_as_engines"] = e2e_digest in digests and len(digests) == 1
    for r in out["engines"].values():
        r.pop("digest", None)
    return out


def _table(result: dict[str, Any]) -> str:
    lines = [
        f"筛查性能测试：{result['households']:,}户，期间 {result['period']}"
        f"（数据准备 {result['prepare_seconds']}秒，不计时）"
    ]
    lines.append(f"{'引擎':<10}{'秒':>10}{'峰值内存MB':>14}{'预警户数':>10}")
    for name, r in result["engines"].items():
        if "error" in r:
            lines.append(f"{name:<10}失败：{r['error']}")
            continue
        lines.append(f"{name:<10}{r['seconds']:>10.2f}{r['peak_rss_mb']:>14.0f}{r['warnings']:>10,}")
    duck = result["engines"].get("duckdb", {}).get("seconds")
    for name, r in result["engines"].items():
        if name != "duckdb" and duck and r.get("seconds"):
            lines.append(f"DuckDB 比 {name} 快 {r['seconds'] / duck:.1f} 倍")
    e2e = result.get("end_to_end")
    if e2e:
        if "error" in e2e:
            lines.append(f"端到端（DuckDB）失败：{e2e['error']}")
        else:
            lines.append(
                f"端到端（DuckDB，{e2e['database']}库，从户籍快照到预警入库）：{e2e['seconds']:.2f}秒，"
                f"峰值内存{e2e['peak_rss_mb']:.0f}MB，预警{e2e['warnings']:,}户"
                f"（首次导入测试库 {e2e['load']['load_seconds']}秒，不计时）"
            )
    if result.get("identical_warnings") is not None:
        lines.append("各引擎预警结果一致" if result["identical_warnings"] else "警告：各引擎预警结果不一致")
    return "\n".join(lines)


def bench_screening_cli(options: dict[str, Any]) -> None:
    """Entry point of ``shouwang bench screening`` (called by the exchange app's ``bench`` command)."""
    households = int(options["households"])
    if households < 1:
        raise CommandError("--households 必须大于0")
    engines = [
        e.strip() for e in str(options.get("engines") or "duckdb,postgres,spark").split(",") if e.strip()
    ]
    unknown = [e for e in engines if e not in ("duckdb", "postgres", "spark")]
    if unknown:
        raise CommandError(f"未知的引擎：{','.join(unknown)}（可选 duckdb、postgres、spark）")
    result = bench_screening(
        households=households,
        engines=engines,
        months=int(options.get("months") or os.environ.get("SHOUWANG_BENCH_MONTHS") or 12),
        seed=int(options.get("seed") or os.environ.get("SHOUWANG_BENCH_SEED") or 7),
        pg_url=options.get("pg_url") or os.environ.get("SHOUWANG_SCREENING_PG_URL"),
        fresh=bool(options.get("fresh") or os.environ.get("SHOUWANG_BENCH_FRESH") == "1"),
        end_to_end=options.get("end_to_end", True) is not False,
        e2e_url=options.get("e2e_url") or os.environ.get("SHOUWANG_BENCH_E2E_DATABASE_URL"),
    )
    if options.get("json"):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_table(result) + "\n")


__all__ = ["bench_inputs_build", "bench_screening", "bench_screening_cli", "pa"]
