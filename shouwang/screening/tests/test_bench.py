"""`shouwang bench screening`'s end-to-end part: the simulated county loaded through the real importers into
a database of its own, then a real DuckDB run from registry snapshot to warnings stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import override_settings

from shouwang.screening import bench
from shouwang.screening.choices import RunSourceChoices
from shouwang.screening.models import ScreeningRun, Warning
from shouwang.screening.services import screening_run_create, screening_run_execute

pytestmark = pytest.mark.django_db

HOUSEHOLDS, MONTHS, SEED = 300, 3, 5


def test_end_to_end_matches_the_engines_inputs_and_reuses_its_load(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path / "var", DATA_DIR=tmp_path / "var" / "data"):
        period, manifest = bench.bench_prepare(households=HOUSEHOLDS, months=MONTHS, seed=SEED)
        root = bench.bench_root(households=HOUSEHOLDS, months=MONTHS, seed=SEED)
        first = bench.bench_end_to_end(root=root, period=period, e2e_url=None)
        again = bench.bench_end_to_end(root=root, period=period, e2e_url=None)
        # The engines' run on the bench's directly built inputs, here in the test database.
        run = screening_run_create(user=None, period=period, engine="duckdb", source=RunSourceChoices.BENCH,
                                   reason="test")  # fmt: skip
        run = screening_run_execute(run=run, inputs=bench._inputs_from_json(manifest))
        direct = bench._digest(run)

    assert "error" not in first, first
    assert first["database"] == "sqlite"
    assert first["households_screened"] == HOUSEHOLDS
    assert first["warnings"] == run.counts["warnings"] > 0
    assert first["feed_batches_read"] > 0 and first["load"]["feed_batches"] >= first["feed_batches_read"]
    assert {"snapshot", "params", "engine", "store"} <= set(first["phases"])
    assert first["peak_rss_mb"] > 0
    # Importers + snapshot give exactly the warnings of the directly built inputs.
    assert first["digest"] == direct
    # The loaded database is kept: the second call did not import again, and screened the same.
    assert again["load"] == first["load"] and again["digest"] == direct
    # Nothing of the bench stays in the end-to-end database's runs, nor in the configured one's.
    assert (root / "e2e" / "loaded-sqlite.json").exists()
    Warning.objects.filter(source=RunSourceChoices.BENCH).delete()
    assert not ScreeningRun.objects.filter(source=RunSourceChoices.BENCH, status="running").exists()


def test_end_to_end_refuses_a_database_it_did_not_load(tmp_path: Path) -> None:
    with override_settings(VAR_DIR=tmp_path / "var", DATA_DIR=tmp_path / "var" / "data"):
        period, _ = bench.bench_prepare(households=HOUSEHOLDS, months=MONTHS, seed=SEED)
        root = bench.bench_root(households=HOUSEHOLDS, months=MONTHS, seed=SEED)
        bench.bench_end_to_end(root=root, period=period, e2e_url=None)
        (root / "e2e" / "loaded-sqlite.json").unlink()  # as if someone else had filled that database
        result = bench.bench_end_to_end(root=root, period=period, e2e_url=None)
    assert "error" in result and "空的数据库" in result["error"]


def test_bench_reports_end_to_end_in_json_and_table(tmp_path: Path) -> None:
    # No engine here: the engines' workers use the configured database, which a test cannot share.
    with override_settings(VAR_DIR=tmp_path / "var", DATA_DIR=tmp_path / "var" / "data"):
        result = bench.bench_screening(households=HOUSEHOLDS, engines=[], months=MONTHS, seed=SEED)
    e2e = result["end_to_end"]
    assert e2e["warnings"] > 0 and "digest" not in e2e
    json.dumps(result)  # the --json output
    table = bench._table(result)
    assert "端到端（DuckDB，sqlite库" in table and f"预警{e2e['warnings']:,}户" in table
