"""Feed ingest throughput. Small by default (part of the suite); scale it to a county's month with

    FEED_BENCH_ROWS=200000 FEED_BENCH_HOUSEHOLDS=50000 .venv/bin/pytest -q -s -k bench \\
        shouwang/exchange/tests/test_feeds_bench.py

which prints one JSON line with the timings (docs/exchange.md "Performance").
"""

import datetime as dt
import itertools
import json
import os
import resource
import time

import numpy as np
import polars as pl
import pytest

from shouwang.common import crypto, idnumber
from shouwang.exchange.lake import lake_abspath
from shouwang.exchange.services import feed_batch_ingest
from shouwang.exchange.tests.test_feeds_support import headers
from shouwang.regions.models import Region
from shouwang.registry.models import Household, Person
from shouwang.testing.builders import VILLAGE_A

pytestmark = pytest.mark.django_db

ROWS = int(os.environ.get("FEED_BENCH_ROWS", "5000"))
HOUSEHOLDS = int(os.environ.get("FEED_BENCH_HOUSEHOLDS", "1500"))
MEMBERS = 4


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


def _registry(households: int) -> list[str]:
    """``households`` households of four members, bulk-created; returns every member's ID."""
    village = Region.objects.get(code=VILLAGE_A)
    hhs = Household.objects.bulk_create(
        [
            Household(
                household_no=f"B{i:07d}",
                village=village,
                province_code=VILLAGE_A[:2],
                prefecture_code=VILLAGE_A[:4],
                county_code=VILLAGE_A[:6],
                township_code=VILLAGE_A[:9],
                poverty_status="former_poor",
            )
            for i in range(households)
        ],
        batch_size=5000,
    )
    ids = []
    for i in range(households * MEMBERS):
        # Distinct IDs: the birth date walks through 50 years, the sequence through 1000 values.
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 1000)
        ids.append(idnumber.make("530326", birth, i % 1000))
    sealed = crypto.seal_many(ids)
    index = crypto.blind_index_many(ids)
    Person.objects.bulk_create(
        [
            Person(
                household=hhs[i // MEMBERS],
                id_sealed=sealed[i],
                id_index=index[i],
                id_masked=idnumber.mask(n),
                name="某",
                sex="M",
                birth_date=dt.date(1950, 1, 1),
                relation="head",
                labour="ordinary",
            )
            for i, n in enumerate(ids)
        ],
        batch_size=5000,
    )
    return ids


def test_bench_medical_ingest(tmp_path):
    t0 = time.perf_counter()
    ids = _registry(HOUSEHOLDS)
    registry_seconds = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    # 90% of rows are registered persons, 10% unknown; dates in the period and two late months.
    known = rng.choice(np.array(ids), size=ROWS)
    unknown = np.array([idnumber.make("530381", dt.date(1980, 1, 1), i % 1000) for i in range(ROWS // 10)])
    people = np.where(np.arange(ROWS) % 10 == 9, np.resize(unknown, ROWS), known)
    months = rng.choice(np.array(["2024-03", "2024-03", "2024-03", "2024-02", "2024-01"]), size=ROWS)
    days = rng.integers(1, 29, size=ROWS)
    total = rng.integers(100, 500_000, size=ROWS)
    fund = total * 6 // 10
    frame = pl.DataFrame(
        {
            "证件号码": people,
            "结算日期": [f"{m}-{d:02d}" for m, d in zip(months, days, strict=True)],
            "总费用": [f"{t / 100:.2f}" for t in total],
            "基金支付": [f"{f / 100:.2f}" for f in fund],
            "个人自付": [f"{(t - f) / 100:.2f}" for t, f in zip(total, fund, strict=True)],
            "是否住院": rng.choice(np.array(["Y", "N"]), size=ROWS),
        }
    )
    assert list(frame.columns) == headers("medical")
    path = tmp_path / "medical.csv"
    path.write_bytes(frame.write_csv().encode("gb18030"))

    stages: list[tuple[str, float]] = []
    t1 = time.perf_counter()
    batch = feed_batch_ingest(
        kind="medical",
        path=path,
        period="2024-03",
        actor="bench",
        progress=lambda pct, stage: stages.append((stage, time.perf_counter())),
    )
    ingest_seconds = time.perf_counter() - t1
    # Each progress call starts a stage; its time runs to the next call.
    stage_seconds = {a[0]: round(b[1] - a[1], 2) for a, b in itertools.pairwise(stages)}

    assert batch.rows_total == ROWS and batch.unmatched == ROWS // 10 and batch.matched == ROWS - ROWS // 10
    assert batch.periods == ["2024-01", "2024-02", "2024-03"]
    assert pl.scan_parquet(lake_abspath(batch.lake_path)).select(pl.len()).collect().item() == ROWS
    print(
        json.dumps(
            {
                "rows": ROWS,
                "persons": len(ids),
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "lake_mb": round(lake_abspath(batch.lake_path).stat().st_size / 1e6, 1),
                "registry_build_seconds": round(registry_seconds, 1),
                "ingest_seconds": round(ingest_seconds, 2),
                "rows_per_second": round(ROWS / ingest_seconds),
                "stages": stage_seconds,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            },
            ensure_ascii=False,
        )
    )
