"""``shouwang bench console --households N [--json]``: server time of the console's pages at scale.

``bench_console_cli(options)`` (wired into the ``bench`` command) makes sure the configured database holds
N bench households, refreshes the statistics, then measures with Django's test client in-process — the
median of 20 requests per page after two warm-up requests, and the number of queries — for the household
list (county and province scope, filtered, sorted by income), a household page, the county and province
dashboards, the warning and case lists and the work queue. Target: < 300 ms each at 1,000,000 households
on PostgreSQL (docs/performance.md).

Data (decision 0454): households, members and incomes come from the registry bench's vectorised generator
(valid exchange files, GB 11643 IDs with the fake area code ``539901``, household numbers ``CB-…``) spread
over the villages of 曲靖市 (5303: 9 counties, 1,688 villages, a province-like spread), with ~5.5 % of them
monitoring objects (categories by R-OBJ-01, half eliminated), written through the registry import. Twelve
months of screening results (≈ 4 % of households warned each month) and a few thousand cases are inserted
directly as rows marked as bench data (a run's ``reason``, a case's ``risk_remark``): the pages read them
like any other, and running the real engines over a million simulated households is the screening bench's
job. Existing bench data is reused: run it against its own database (``SHOUWANG_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.models import Case, Clue
from shouwang.common.dbstats import analyze_all
from shouwang.console.stats import stats_refresh
from shouwang.exchange.bench_registry import generate
from shouwang.exchange.registry_import import registry_import
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Household
from shouwang.screening.models import ScreeningRun, Warning

PREFIX = "CB-"
AREA = "539901"
SOURCE = "bench-console"
ACTOR = "bench-console"
PREFECTURE = "5303"
COUNTY = "530326"
RUNS = 20
WARMUP = 2
WARNING_SHARE = 0.04
MONTHS = 12
BENCH_MARK = "控制台性能测试（合成数据）"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- data


def _villages() -> list[str]:

    return list(
        Region.objects.filter(level=RegionLevelChoices.VILLAGE, code__startswith=PREFECTURE)
        .order_by("code")
        .values_list("code", flat=True)
    )


def _month(day: dt.date, shift: int = 0) -> str:
    n = day.year * 12 + day.month - 1 + shift
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _monitoring(households: Path, *, seed: int, today: dt.date) -> None:
    """Make ~5.5 % of the generated households monitoring objects (R-OBJ-01: unstable only 脱贫户, marginal
    only 一般农户, sudden either), identified in the last two years, half of them eliminated since."""
    rng = np.random.default_rng(seed + 1)
    frame = pl.read_csv(households, infer_schema=False)
    n = frame.height
    pick = rng.random(n) < 0.055
    former = (frame.get_column("poverty_status") == "former_poor").to_numpy()
    sudden = rng.random(n) < 0.37
    category = np.where(~pick, "", np.where(sudden, "sudden", np.where(former, "unstable", "marginal")))
    base = np.datetime64(today) - np.timedelta64(1, "D")
    identified = base - rng.integers(30, 730, n).astype("timedelta64[D]")
    eliminated = identified + rng.integers(183, 540, n).astype("timedelta64[D]")
    done = pick & (rng.random(n) < 0.5) & (eliminated < base)
    frame = frame.with_columns(
        pl.Series("monitoring_category", category),
        pl.Series("identified_on", np.where(pick, np.datetime_as_string(identified, unit="D"), "")),
        pl.Series("risk_eliminated_on", np.where(done, np.datetime_as_string(eliminated, unit="D"), "")),
        pl.Series(
            "elimination_mode", np.where(done, np.where(rng.random(n) < 0.85, "assisted", "natural"), "")
        ),
    )
    frame.write_csv(households)


def _build(households: int, *, seed: int, today: dt.date) -> dict[str, float]:

    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="shouwang-console-bench-") as tmp:
        t0 = time.perf_counter()
        files = generate(
            Path(tmp),
            persons=round(households * 3.7),
            seed=seed,
            villages=_villages(),
            period=_month(today, -1),
            prefix=PREFIX,
            area=AREA,
            today=today,
        )
        _monitoring(files.households, seed=seed, today=today)
        timings["generate"] = round(time.perf_counter() - t0, 1)
        _say(f"生成{files.n_households:,}户、{files.n_persons:,}人，导入中……")
        t1 = time.perf_counter()
        registry_import(
            paths=[files.households, files.persons, files.incomes], source=SOURCE, actor=ACTOR, progress=True
        )
        timings["import"] = round(time.perf_counter() - t1, 1)
    t2 = time.perf_counter()
    _screening_results(seed=seed, today=today)
    _cases(seed=seed, today=today)
    timings["warnings_cases"] = round(time.perf_counter() - t2, 1)
    return timings


def _copy(table: str, columns: list[str], rows: Any) -> None:
    """Bulk insert (COPY on PostgreSQL, executemany elsewhere)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[Any] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 20_000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)


def _screening_results(*, seed: int, today: dt.date) -> None:
    """Twelve months of stored warnings (persisting warnings carry over from one month to the next)."""

    rng = np.random.default_rng(seed + 2)
    base = list(
        Household.objects.filter(household_no__startswith=PREFIX)
        .order_by("id")
        .values_list("id", "household_no", "village_id", "monitoring_category", "risk_eliminated_on")
    )
    n = len(base)
    risks = np.array(
        ["low_income", "illness", "labour_shortage", "education", "housing", "water", "disaster"]
    )
    weights = np.array([0.45, 0.2, 0.12, 0.08, 0.06, 0.05, 0.04])
    previous = rng.random(n) < WARNING_SHARE  # the month before the window
    now = timezone.now()
    for m in range(MONTHS, 0, -1):
        period = _month(today, -m)
        run = ScreeningRun.objects.create(
            period=period,
            engine="duckdb",
            status="succeeded",
            progress=100,
            reason=BENCH_MARK,
            counts={"households_screened": n},
            started_at=now,
            finished_at=now,
        )
        keep = previous & (rng.random(n) < 0.7)
        fresh = ~previous & (rng.random(n) < WARNING_SHARE * 0.3)
        flagged = keep | fresh
        chosen = rng.choice(len(risks), size=n, p=weights)
        second = rng.choice(len(risks), size=n, p=weights)

        picked = (chosen, second, rng.random(n))
        _copy(
            Warning._meta.db_table,
            [
                "run_id",
                "source",
                "period",
                "household_id",
                "household_no",
                "village_code",
                "signals",
                "rules",
                "risk_types",
                "new_risk_types",
                "income_per_capita",
                "threshold",
                "suggested_category",
                "score",
                "status",
                "needs_asset_check",
                "exclusion_evidence",
                "resolved_period",
                "created_at",
            ],
            _warning_rows(
                base=base,
                flagged=flagged,
                previous=previous,
                picked=picked,
                risks=risks,
                run_id=run.pk,
                period=period,
                now=now,
            ),
        )
        previous = flagged
        _say(f"  {period}：预警{int(flagged.sum()):,}户")


def _warning_rows(
    *,
    base: list[tuple[Any, ...]],
    flagged: np.ndarray,
    previous: np.ndarray,
    picked: tuple[np.ndarray, np.ndarray, np.ndarray],
    risks: np.ndarray,
    run_id: int,
    period: str,
    now: dt.datetime,
) -> Any:
    """Warning rows as the screening service stores them (status from last month's flag)."""
    chosen, second, score = picked
    for i in np.flatnonzero(flagged):
        hid, no, village, category, eliminated = base[i]
        monitored = bool(category) and eliminated is None
        status = "already_monitored" if monitored else ("persisting" if previous[i] else "new")
        types = sorted({str(risks[chosen[i]]), str(risks[second[i]])})
        signals = [
            {"rule": f"BENCH-{t}", "policy": ["R-WARN-01"], "risk_type": t, "evidence": {}} for t in types
        ]
        yield (
            run_id,
            "screening",
            period,
            hid,
            no,
            village,
            json.dumps(signals, ensure_ascii=False),
            json.dumps([x["rule"] for x in signals]),
            json.dumps(types),
            "[]",
            "7000.00",
            "8700.00",
            "",
            f"{0.5 + 0.4 * score[i]:.4f}",
            status,
            False,
            "{}",
            "",
            now,
        )


def _cases(*, seed: int, today: dt.date) -> None:
    """Cases as the workflow leaves them: monitoring objects' decided identification cases, and ~2,000
    open ones in every step of the procedure (some overdue) from the latest month's warnings."""

    rng = np.random.default_rng(seed + 3)
    monitored = list(
        Household.objects.filter(household_no__startswith=PREFIX, risk_eliminated_on__isnull=True)
        .exclude(monitoring_category="")
        .values_list("id", "monitoring_category", "identified_on")[:20_000]
    )
    states = [
        "clue",
        "home_check",
        "data_comparison",
        "village_review",
        "public_notice",
        "township_review",
        "county_approval",
        "announced",
    ]
    risks = ["illness", "education", "labour_shortage", "housing", "disability", "unstable_employment"]
    cases = [
        Case(
            kind="identification",
            household_id=hid,
            state="monitoring",
            version=9,
            is_open=True,
            opened_on=ident - dt.timedelta(days=14),
            due_on=ident + dt.timedelta(days=1),
            decided_on=ident,
            approved_on=ident,
            category=cat,
            risk_types=[risks[int(rng.integers(0, len(risks)))]],
            risk_level="yellow",
            risk_remark=BENCH_MARK,
        )
        for hid, cat, ident in monitored
        if ident is not None
    ]
    latest = _month(today, -1)
    warned = list(
        Warning.objects.filter(period=latest, status="new", household_no__startswith=PREFIX).values_list(
            "household_id", flat=True
        )[:2000]
    )
    for i, hid in enumerate(warned):
        opened = today - dt.timedelta(days=int(rng.integers(1, 25)))
        cases.append(
            Case(
                kind="identification",
                household_id=hid,
                state=states[i % len(states)],
                version=1 + i % 8,
                is_open=True,
                opened_on=opened,
                due_on=opened + dt.timedelta(days=15),
                overdue=opened + dt.timedelta(days=15) < today,
                risk_types=["illness"],
                risk_remark=BENCH_MARK,
            )
        )
    villages = dict(
        Household.objects.filter(
            pk__in=[c.household_id for c in cases if c.state != "monitoring"]
        ).values_list("id", "village_id")
    )
    with transaction.atomic():
        created = Case.objects.bulk_create(cases, batch_size=5000)
        Clue.objects.bulk_create(
            [
                Clue(
                    channel="warning",
                    household_id=c.household_id,
                    village_id=villages[c.household_id],
                    risk_types=c.risk_types,
                    reported_on=c.opened_on,
                    case=c,
                    description=BENCH_MARK,
                )
                for c in created
                if c.state != "monitoring"
            ],
            batch_size=5000,
        )
    _say(f"  案件{len(created):,}件")


def _analyze() -> None:
    """Planner statistics after a bulk load (what autovacuum does a little later in production): without
    them PostgreSQL estimates a freshly loaded table at a few rows and plans accordingly, and SQLite guesses
    (common/dbstats.py). The bench's rows are inserted directly, so every table is analysed."""
    analyze_all()


def bench_users() -> dict[str, Any]:

    out = {}
    for role, fixed in (("county", COUNTY), ("province", "53"), ("village", "")):
        code = fixed
        if role == "village":
            code = (
                Region.objects.filter(code__startswith=COUNTY, level="village")
                .order_by("code")
                .values_list("code", flat=True)[0]
            )
        name = f"bench_console_{role}"
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(username=name, password=None, role=role, region_id=code)
        out[role] = user
    return out


# ---------------------------------------------------------------------------------------------- timing


def _measure(client: Client, url: str) -> dict[str, Any]:
    for _ in range(WARMUP):
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        client.get(url, HTTP_HOST="127.0.0.1")
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, HTTP_HOST="127.0.0.1")
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
        "max_ms": round(times[-1], 1),
        "queries": len(queries.captured_queries),
    }


def bench_data(*, households: int, seed: int = 20240601) -> dict[str, Any]:
    """Make sure the configured database holds N bench households (built once, reused after), with fresh
    planner statistics and dashboard statistics. Also used by the load bench (``console/bench_load.py``)."""
    today = clock.today()
    existing = Household.objects.filter(household_no__startswith=PREFIX).count()
    build: dict[str, float] = {}
    if existing < households:
        if existing:
            _say(
                f"已有{existing:,}户测试数据，少于{households:,}户：请换一个空数据库（SHOUWANG_DATABASE_URL）"
            )
            raise SystemExit(2)
        build = _build(households, seed=seed, today=today)
        existing = Household.objects.filter(household_no__startswith=PREFIX).count()
    else:
        _say(f"沿用已有的{existing:,}户测试数据")
    _analyze()
    t = time.perf_counter()
    refresh = stats_refresh(actor=ACTOR, reason="控制台性能测试")
    return {
        "households": existing,
        "build_seconds": build,
        "stats_refresh_seconds": round(time.perf_counter() - t, 2),
        "stats_rows": refresh.rows,
    }


def bench_console(*, households: int, seed: int = 20240601) -> dict[str, Any]:

    data = bench_data(households=households, seed=seed)
    existing, build = data["households"], data["build_seconds"]
    refresh_seconds = data["stats_refresh_seconds"]
    users = bench_users()
    clients = {}
    for role, user in users.items():
        c = Client()
        c.force_login(user)
        clients[role] = c
    sample = (
        Household.objects.filter(
            household_no__startswith=PREFIX, county_code=COUNTY, cases__state="monitoring"
        )
        .order_by("id")
        .values_list("household_no", flat=True)
        .first()
    )
    pages = {
        "household_list_county": ("county", "/households/"),
        "household_list_county_monitored": ("county", "/households/?monitoring=monitored"),
        "household_list_county_income_sort": ("county", "/households/?sort=income&income_band=below"),
        "household_list_province": ("province", "/households/"),
        "household_page": ("county", f"/households/{sample}/"),
        "dashboard_county": ("county", "/dashboard/"),
        "dashboard_province": ("province", "/dashboard/"),
        "warning_list_county": ("county", "/warnings/"),
        "case_list_county": ("county", "/cases/"),
        "work_queue_county": ("county", "/"),
        "work_queue_village": ("village", "/"),
    }
    results = {}
    for name, (role, url) in pages.items():
        results[name] = _measure(clients[role], url)
        _say(f"  {name}: {results[name]}")
    return {
        "households": existing,
        "database": "postgresql" if connection.vendor == "postgresql" else connection.vendor,
        "build_seconds": build,
        "stats_refresh_seconds": refresh_seconds,
        "stats_rows": data["stats_rows"],
        "runs_per_page": RUNS,
        "pages": results,
    }


def bench_console_cli(options: dict[str, Any]) -> None:
    """Entry point for ``shouwang bench console --households N [--json]``."""
    households = int(options["households"])
    if households < 1:
        _say("--households 必须大于0")
        raise SystemExit(2)
    figures = bench_console(households=households)
    if options.get("json"):
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(f"数据库 {figures['database']}，农户 {figures['households']:,} 户")
    print(f"统计刷新 {figures['stats_refresh_seconds']} 秒（{figures['stats_rows']:,} 行）")
    print(f"{'页面':<36}{'中位数ms':>10}{'P90ms':>10}{'查询数':>8}")
    for name, r in figures["pages"].items():
        print(f"{name:<36}{r['median_ms']:>10}{r['p90_ms']:>10}{r['queries']:>8}")
