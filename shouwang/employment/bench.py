"""``shouwang bench employment --labourers N [--json]`` (issue 16): a month of the 务工月监测 ledger for N
labourers — episode and plan import, roster refresh — timed stage by stage, beside the registry import of
the same people (decision 0720).

Setup (not timed, but the registry import is measured as the reference): the registry bench's synthetic
generator (exchange.bench_registry.generate) writes households and persons in the bench's own namespace
(household numbers ``BENCH-EMP-``, IDs in the fake area ``539901``), every household 脱贫 so that each
member aged 16–60 is a labourer; enough people are generated for about N labourers (the exact count is
reported). The registry files are imported with ``registry_import`` (timed: ``registry_seconds``). Then the
month's national exports are written from those people: 已外出务工信息 (an ongoing episode for about seven in
ten able labourers, an earlier ended one for some of them; places, channels, wages as a county's export has
them) and 计划外出务工信息 (the others who can work), each as XLSX (two title rows, header on row 3, the
simulator's writer) and as CSV (UTF-8 with BOM, one header row).

Timed: ``ledger_import`` of the CSV pair, its stages as it reports them (read, check, write, roster,
commit), then the post-import stages of ``POST_STAGES`` (a list, so the dispatch table slots in as one
more stage), and separately the read of the XLSX pair (the same rows; a read only, the rest is the same).
Afterwards everything the bench inserted is deleted (employment rows, registry rows, batches, audit rows).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, transaction

from shouwang.employment.layout import EPISODE_FILE, PLAN_FILE
from shouwang.employment.services import dispatch_table_compute, ledger_import
from shouwang.employment.services.ledger import EPISODES, PLANS, _read
from shouwang.exchange import bench_registry
from shouwang.exchange.registry_import import registry_import
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.simulator.employment import (
    DESTINATIONS,
    EPISODE_HEADER,
    EPISODE_TITLE,
    FIRM_KINDS,
    FIRMS,
    INDUSTRIES,
    NEEDS,
    PLAN_HEADER,
    PLAN_TITLE,
    _write_xlsx,
)

BENCH_SOURCE = "bench-employment"
BENCH_PREFIX = "BENCH-EMP-"
BENCH_AREA = "539901"
BENCH_ACTOR = "bench-employment"
COUNTY = "530326"
IN_PROVINCE = ("云南省昆明市官渡区", "云南省昆明市呈贡区", "云南省玉溪市红塔区", "云南省曲靖市麒麟区")
LABOUR_LABELS = {"skilled": "技能劳动力", "ordinary": "普通劳动力", "weak": "弱劳动力或半劳动力"}
ROSTER_MIN_AGE, ROSTER_MAX_AGE = 16, 60


@dataclass
class BenchContext:
    """What a post-import stage gets: the county and month imported, and the import's result."""

    county_code: str
    period: str
    result: Any


def _dispatch_stage(ctx: BenchContext) -> None:
    """The month's dispatch table of the county (R-EMP-04)."""
    dispatch_table_compute(county_code=ctx.county_code, period=ctx.period)


def post_stages() -> list[tuple[str, Callable[[BenchContext], Any]]]:
    """Stages timed after the import, in order: the dispatch table (R-EMP-04). Add further stages here."""
    return [("dispatch", _dispatch_stage)]


def _period(today: dt.date) -> str:
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def _labourer_mask(persons: pl.DataFrame, period: str) -> np.ndarray:
    """Members the roster counts (R-EMP-02): born after the first of the month 61 years back and on or
    before the first of the month 16 years back (roster.roster_refresh's bounds)."""
    year, month = int(period[:4]), int(period[5:])
    born_after = dt.date(year - ROSTER_MAX_AGE - 1, month, 1)
    born_before = dt.date(year - ROSTER_MIN_AGE, month, 1)
    birth = _births(persons)
    return ((birth > born_after) & (birth <= born_before)).to_numpy()


def _births(persons: pl.DataFrame) -> pl.Series:
    return persons.get_column("id_number").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d")


def registry_files(out: Path, *, labourers: int, seed: int, period: str) -> tuple[Path, Path, Path, int]:
    """The registry bench's synthetic files for about ``labourers`` labourers, every household 脱贫."""
    villages = list(
        Region.objects.filter(level=RegionLevelChoices.VILLAGE, code__startswith=COUNTY)
        .order_by("code")
        .values_list("code", flat=True)
    )
    pilot = bench_registry.generate(
        out / "pilot", persons=20_000, seed=seed, villages=villages, prefix=BENCH_PREFIX, area=BENCH_AREA
    )
    share = float(_labourer_mask(pl.read_csv(pilot.persons, infer_schema=False), period).mean())
    persons = max(4, round(labourers / max(share, 0.01)))
    files = bench_registry.generate(
        out, persons=persons, seed=seed, villages=villages, prefix=BENCH_PREFIX, area=BENCH_AREA
    )
    hh = pl.read_csv(files.households, infer_schema=False)
    exit_year = (pl.col("household_no").str.slice(-2).cast(pl.Int64) % 5 + 2016).cast(pl.Utf8)
    hh = hh.with_columns(
        pl.lit("former_poor").alias("poverty_status"),
        pl.when(pl.col("poverty_exit_year").fill_null("") == "")
        .then(exit_year)
        .otherwise(pl.col("poverty_exit_year"))
        .alias("poverty_exit_year"),
    )
    hh.write_csv(files.households)
    return files.households, files.persons, files.incomes, files.n_persons


def _month_text(index: np.ndarray) -> pl.Series:
    """Month indexes (year * 12 + month - 1) -> ``2026年03月``; a negative index is blank."""
    y, m = index // 12, index % 12 + 1
    text = np.char.add(np.char.add(np.char.add(y.astype(str), "年"), np.char.zfill(m.astype(str), 2)), "月")
    return pl.Series(np.where(index >= 0, text, ""), dtype=pl.Utf8)


def ledger_frames(
    persons: pl.DataFrame, households: pl.DataFrame, *, period: str, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """The month's 已外出务工信息 and 计划外出务工信息 rows (national headers, every cell text) for the
    labourers among ``persons``; also returns the number of labourers."""
    rng = np.random.default_rng(seed + 1)
    labourer = _labourer_mask(persons, period)
    n_labourers = int(labourer.sum())
    able = (
        labourer
        & persons.get_column("labour").is_in(list(LABOUR_LABELS)).to_numpy()
        & (persons.get_column("school_status").to_numpy() == "none")
    )
    ps = persons.filter(pl.Series(able))
    n = ps.height
    p_idx = int(period[:4]) * 12 + int(period[5:]) - 1
    birth = _births(ps).to_numpy().astype("datetime64[M]").astype(np.int64) + 1970 * 12
    earliest = birth + 16 * 12 + 1  # a start at 16 and a month: never "before 16" (R-EMP-10, 5_16_010)
    working = rng.random(n) < 0.7
    start = np.maximum(p_idx - rng.integers(0, 11, n), earliest)
    working &= start <= p_idx
    earlier = working & (rng.random(n) < 0.15) & (start - 14 >= earliest)
    county_full, villages = _places()
    hh = households.select("household_no", "village_code")
    ident = ps.join(hh, on="household_no", how="left", maintain_order="left")
    village = ident.get_column("village_code").to_list()
    key = np.arange(n, dtype=np.int64)

    def identity(rows: np.ndarray) -> dict[str, pl.Series]:
        sub = ident.filter(pl.Series(rows))
        vil = [villages.get(v, ("", "")) for v in np.array(village, dtype=object)[rows]]
        return {
            "县": pl.Series(["会泽县"] * sub.height, dtype=pl.Utf8),
            "乡": pl.Series([v[0] for v in vil], dtype=pl.Utf8),
            "行政村": pl.Series([v[1] for v in vil], dtype=pl.Utf8),
            "户编号": sub.get_column("household_no"),
            "人编号": sub.get_column("id_number").str.slice(10, 8),
            "证件号码": sub.get_column("id_number"),
            "户类型": pl.Series(["脱贫户"] * sub.height, dtype=pl.Utf8),
            "监测对象类别": pl.Series([""] * sub.height, dtype=pl.Utf8),
            "劳动技能": sub.get_column("labour").replace_strict(LABOUR_LABELS),
        }

    def episodes(rows: np.ndarray, st: np.ndarray, en: np.ndarray) -> pl.DataFrame:
        k = key[rows]
        m = int(rows.sum())
        draw = rng.random(m)
        abroad, province = draw < 0.55, (draw >= 0.55) & (draw < 0.75)
        post, workshop = (draw >= 0.75) & (draw < 0.82), (draw >= 0.82) & (draw < 0.88)
        where = np.where(
            abroad,
            np.array(DESTINATIONS)[k % len(DESTINATIONS)],
            np.where(province, np.array(IN_PROVINCE)[k % len(IN_PROVINCE)], county_full),
        )
        channel = np.where(
            post,
            "公益性岗位",
            np.where(workshop, "帮扶车间", np.where(abroad | province, "外出务工", "就近就业")),
        )
        firm = np.char.add(np.array(FIRMS)[(k // 3) % len(FIRMS)], np.array(FIRM_KINDS)[k % len(FIRM_KINDS)])
        ended = en >= 0
        months_out = np.where(ended, en, p_idx) - st + 1
        return pl.DataFrame(
            {
                **identity(rows),
                "是否已务工": pl.Series(["是"] * m, dtype=pl.Utf8),
                "开始时间": _month_text(st),
                "结束时间": _month_text(en),
                "务工所在县": pl.Series(where, dtype=pl.Utf8),
                "务工月收入": pl.Series(rng.integers(1500, 9000, m)).cast(pl.Utf8),
                "务工企业名称": pl.Series(np.where(post, "村委会", firm), dtype=pl.Utf8),
                "所属行业": pl.Series(
                    np.where(post, "公共管理和社会组织", np.array(INDUSTRIES)[(k // 13) % len(INDUSTRIES)]),
                    dtype=pl.Utf8,
                ),
                "就业渠道": pl.Series(channel, dtype=pl.Utf8),
                "是否点对点输送": pl.Series(np.where(abroad & (k % 10 < 3), "是", "否"), dtype=pl.Utf8),
                "年度交通费补助": pl.Series(np.where(abroad & (months_out >= 3), "500", ""), dtype=pl.Utf8),
            }
        ).select(EPISODE_HEADER)

    current = episodes(working, start[working], np.full(int(working.sum()), -1))
    before = episodes(earlier, start[earlier] - 14, start[earlier] - 4)
    episode_rows = pl.concat([before, current]).sort("户编号", "证件号码", "开始时间")
    idle = ~working
    planned = rng.random(int(idle.sum())) < 0.6
    k = key[idle]
    plans = pl.DataFrame(
        {
            **identity(idle),
            "是否计划务工": pl.Series(np.where(planned, "是", "否"), dtype=pl.Utf8),
            "计划务工所在县": pl.Series(
                np.where(planned, np.array(DESTINATIONS)[k % len(DESTINATIONS)], ""), dtype=pl.Utf8
            ),
            "就业服务需求": pl.Series(np.where(planned, np.array(NEEDS)[k % len(NEEDS)], ""), dtype=pl.Utf8),
        }
    ).select(PLAN_HEADER)
    return episode_rows, plans, n_labourers


def _places() -> tuple[str, dict[str, tuple[str, str]]]:
    county = Region.objects.get(code=COUNTY)
    names = dict(
        Region.objects.filter(code__startswith=COUNTY, level=RegionLevelChoices.TOWNSHIP).values_list(
            "code", "name"
        )
    )
    villages = {
        code: (names.get(code[:9], ""), name)
        for code, name in Region.objects.filter(
            code__startswith=COUNTY, level=RegionLevelChoices.VILLAGE
        ).values_list("code", "name")
    }
    return county.full_name, villages


def write_ledger_files(
    out: Path, episodes: pl.DataFrame, plans: pl.DataFrame, *, period: str
) -> dict[str, Path]:
    """XLSX as the national system writes them (the simulator's writer) and CSV (UTF-8 BOM, one header)."""
    month_no = int(period[:4]) * 12 + int(period[5:]) - 1  # the simulator's month number
    paths: dict[str, Path] = {}
    for stem, title, frame in ((EPISODE_FILE, EPISODE_TITLE, episodes), (PLAN_FILE, PLAN_TITLE, plans)):
        xlsx, csv = out / "xlsx" / f"{stem}.xlsx", out / "csv" / f"{stem}.csv"
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        csv.parent.mkdir(parents=True, exist_ok=True)
        _write_xlsx(xlsx, title, frame, region="云南省曲靖市会泽县", month_no=month_no)
        with csv.open("wb") as fh:
            fh.write(b"\xef\xbb\xbf")
            frame.write_csv(fh)
        paths[f"{stem}.xlsx"], paths[f"{stem}.csv"] = xlsx, csv
    return paths


def bench_cleanup() -> None:
    """Delete the employment rows and audit rows of a bench run, then (the registry bench's cleanup) the
    registry rows, the batches of the bench's source and their archived files."""
    like = BENCH_PREFIX + "%"
    hh = "SELECT id FROM registry_household WHERE household_no LIKE %s"
    with transaction.atomic(), connection.cursor() as cur:
        for table in (
            "employment_labourrecord",
            "employment_workepisode",
            "employment_workplan",
            "employment_zeroemploymenttask",
            "employment_transportsubsidy",
        ):
            cur.execute(f"DELETE FROM {table} WHERE household_id IN ({hh})", [like])
        cur.execute("DELETE FROM audit_auditentry WHERE actor_label = %s", [BENCH_ACTOR])
    bench_registry.bench_cleanup(source=BENCH_SOURCE, prefix=BENCH_PREFIX)


def bench_employment(
    *, labourers: int, seed: int = 20240601, keep: bool = False, today: dt.date | None = None
) -> dict[str, Any]:
    """Set up, time and clean up (module doc); return the figures."""
    today = today or dt.date.today()
    period = _period(today)
    bench_cleanup()  # a previous interrupted run
    figures: dict[str, Any] = {"database": connection.vendor, "period": period}
    with tempfile.TemporaryDirectory(prefix="shouwang-bench-emp-") as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        households, persons, incomes, n_persons = registry_files(
            out / "registry", labourers=labourers, seed=seed, period=period
        )
        figures["generate_registry_seconds"] = round(time.perf_counter() - t0, 2)
        try:
            t0, cpu0 = time.perf_counter(), bench_registry._cpu_seconds()
            registry_import(
                paths=[households, persons, incomes], source=BENCH_SOURCE, actor=BENCH_ACTOR, progress=False
            )
            figures["registry_seconds"] = round(time.perf_counter() - t0, 2)
            figures["registry_cpu_seconds"] = round(bench_registry._cpu_seconds() - cpu0, 2)
            t0 = time.perf_counter()
            ps = pl.read_csv(persons, infer_schema=False)
            hh = pl.read_csv(households, infer_schema=False)
            episodes, plans, n_labourers = ledger_frames(ps, hh, period=period, seed=seed)
            paths = write_ledger_files(out / "ledger", episodes, plans, period=period)
            figures["generate_ledger_seconds"] = round(time.perf_counter() - t0, 2)
            figures.update(
                persons=n_persons,
                households=hh.height,
                labourers=n_labourers,
                episode_rows=episodes.height,
                plan_rows=plans.height,
            )
            del ps, hh, episodes, plans
            t0, cpu0 = time.perf_counter(), bench_registry._cpu_seconds()
            result = ledger_import(
                paths=[paths[f"{EPISODE_FILE}.csv"], paths[f"{PLAN_FILE}.csv"]],
                period=period,
                source=BENCH_SOURCE,
                actor=BENCH_ACTOR,
                today=today,
            )
            import_seconds = time.perf_counter() - t0
            import_cpu = bench_registry._cpu_seconds() - cpu0
            stages = dict(result.stages)
            ctx = BenchContext(county_code=COUNTY, period=period, result=result)
            for name, run in post_stages():
                t1 = time.perf_counter()
                run(ctx)
                stages[name] = time.perf_counter() - t1
            total = import_seconds + sum(v for k, v in stages.items() if k not in result.stages)
            t0 = time.perf_counter()
            for kind, stem in ((EPISODES, EPISODE_FILE), (PLANS, PLAN_FILE)):
                _read(paths[f"{stem}.xlsx"], kind)
            xlsx_read = time.perf_counter() - t0
            figures.update(
                roster_rows=result.roster_rows,
                stages={k: round(v, 2) for k, v in stages.items()},
                seconds=round(total, 2),
                import_cpu_seconds=round(import_cpu, 2),
                read_csv_seconds=round(result.stages.get("read", 0.0), 2),
                read_xlsx_seconds=round(xlsx_read, 2),
                ratio_to_registry=round(total / figures["registry_seconds"], 2),
                labourers_per_second=round(n_labourers / total, 1) if total else None,
                csv_mb=round(
                    sum(p.stat().st_size for n, p in paths.items() if n.endswith(".csv")) / 2**20, 1
                ),
                xlsx_mb=round(
                    sum(p.stat().st_size for n, p in paths.items() if n.endswith(".xlsx")) / 2**20, 1
                ),
            )
        finally:
            if not keep:
                bench_cleanup()
    figures["peak_rss_mb"] = bench_registry._peak_rss_mb()
    figures["load_average"] = round(os.getloadavg()[0], 2)
    return figures


def bench_employment_cli(options: dict[str, Any], stdout: Any) -> None:
    """``shouwang bench employment`` (commands/bench.py)."""
    figures = bench_employment(labourers=options["labourers"], seed=options["seed"], keep=options["keep"])
    if options["json"]:
        stdout.write(json.dumps(figures, ensure_ascii=False))
        return
    rows = [
        ("数据库", figures["database"]),
        ("统计月份", figures["period"]),
        ("劳动力（人）", f"{figures['labourers']:,}"),
        ("务工经历行", f"{figures['episode_rows']:,}"),
        ("计划务工行", f"{figures['plan_rows']:,}"),
        ("花名册行", f"{figures['roster_rows']:,}"),
        *[(f"  {k}（秒）", f"{v:.2f}") for k, v in figures["stages"].items()],
        ("合计（秒）", f"{figures['seconds']:.2f}"),
        ("XLSX读取（秒）", f"{figures['read_xlsx_seconds']:.2f}"),
        ("户籍导入（秒）", f"{figures['registry_seconds']:.2f}"),
        ("与户籍导入之比", f"{figures['ratio_to_registry']:.2f}"),
        ("峰值内存（MB）", f"{figures['peak_rss_mb']:.0f}"),
    ]
    width = max(len(k) for k, _ in rows) + 2
    for k, v in rows:
        stdout.write(f"{k:<{width}}{v}")
