"""`shouwang bench import` and a larger import through the real console script."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from shouwang.common import idnumber
from shouwang.exchange import bulk
from shouwang.exchange.bench_registry import generate, simulated
from shouwang.exchange.registry_import import registry_import
from shouwang.exchange.tests import regfiles as rf
from shouwang.registry.models import Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db


def test_generated_files_are_valid_exchange_files(tmp_path: Path) -> None:
    files = generate(tmp_path, persons=500, seed=3)
    assert files.n_persons == 500 and files.n_households == round(500 / 3.7)

    persons = pl.read_csv(files.persons, infer_schema=False)
    assert persons.height == 500 and persons.get_column("id_number").n_unique() == 500
    assert all(idnumber.is_valid(x) for x in persons.get_column("id_number").to_list())


@pytest.mark.parametrize("generator", ["simulator", "synthetic"])
def test_bench_import_reports_and_cleans_up(tmp_path: Path, generator: str) -> None:
    rf_files = rf.standard_files(tmp_path)
    call_command("import", "registry", *map(str, rf_files), stdout=io.StringIO())
    before = rf.db_state()
    raw = Path(settings.DATA_DIR) / "raw"
    archived = sorted(raw.rglob("*.*"))
    out = io.StringIO()
    call_command("bench", "import", "--persons", "2000", "--generator", generator, "--json", stdout=out)
    figures = json.loads(out.getvalue())
    if generator == "synthetic":
        assert figures["persons"] == 2000 and figures["households"] == round(2000 / 3.7)
    else:  # the simulator decides the exact numbers
        assert 1500 < figures["persons"] < 2500 and figures["households"] > 400
    assert figures["database"] == ("postgresql" if connection.vendor == "postgresql" else "sqlite")
    assert figures["seconds"] > 0 and figures["persons_per_second"] > 0 and figures["peak_rss_mb"] > 0
    # Nothing of the bench is left — rows or archived files; the demo data is untouched.
    assert rf.db_state() == before
    assert sorted(raw.rglob("*.*")) == archived


def test_simulated_bench_files_stay_in_their_namespace(tmp_path: Path) -> None:
    files = simulated(tmp_path, persons=400, seed=11)

    persons = pl.read_csv(files.persons, infer_schema=False)
    ids = persons.get_column("id_number").to_list()
    assert all(x.startswith("9") and idnumber.is_valid(x) for x in ids) and len(set(ids)) == len(ids)
    for path in (files.households, files.persons, files.incomes):
        assert (
            pl.read_csv(path, infer_schema=False).get_column("household_no").str.starts_with("BENCH-").all()
        )


def test_bulk_load_mode_rebuilds_indexes_and_foreign_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk-load mode (decision 0103) drops and rebuilds indexes (and on PostgreSQL foreign keys) inside
    the import's transaction; afterwards the schema is exactly as before and the data complete."""
    monkeypatch.setattr(bulk, "BULK_LOAD_MIN_ROWS", 10)

    def schema() -> list[tuple[str, ...]]:
        with connection.cursor() as cur:
            if connection.vendor != "postgresql":
                cur.execute(
                    "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND substr(tbl_name, 1, 9) = 'registry_' ORDER BY 1, 2"
                )
                return list(cur.fetchall())
            cur.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'registry_%%' "
                "UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype IN ('f', 'u') "
                "AND conrelid::regclass::text LIKE 'registry_%%' "
                "ORDER BY 1, 2, 3"
            )
            return list(cur.fetchall())

    before = schema()
    assert before
    files = generate(tmp_path, persons=1500, seed=5, prefix="T-", area="530326")
    result = registry_import(paths=[files.households, files.persons, files.incomes])
    assert schema() == before
    assert Person.objects.count() == 1500 and Household.objects.count() == files.n_households
    assert IncomeRecord.objects.count() == files.n_households
    assert {f.created for f in result.files} == {files.n_households, 1500}
    counted = sum(Household.objects.values_list("registered_count", flat=True))
    assert counted == 1500
    # An initial (insert-only) load also drops and rebuilds the unique indexes: they enforce again.
    twin = Person.objects.first()
    assert twin is not None
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.slow
def test_console_script_exit_codes(tmp_path: Path) -> None:
    """The installed ``shouwang`` script on a fresh SQLite database: exit 0, then 2 with every reason."""
    env = {
        **os.environ,
        "SHOUWANG_VAR_DIR": str(tmp_path / "var"),
        "SHOUWANG_DATABASE_URL": "",
        "SHOUWANG_DATA_KEY": os.environ["SHOUWANG_DATA_KEY"],
    }
    env.pop("SHOUWANG_DATABASE_URL")
    exe = str(Path(sys.executable).with_name("shouwang"))
    subprocess.run([exe, "migrate", "-v0"], env=env, check=True, timeout=300)
    files = rf.standard_files(tmp_path)
    ok = subprocess.run(
        [exe, "import", "registry", *map(str, files)], env=env, capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "新增6" in ok.stdout
    rows = rf.persons()
    rows[0][1] = "5.30326E+17"
    bad = rf.write_csv(tmp_path / "bad.csv", rf.PERSON_HEADER, rows)
    refused = subprocess.run(
        [exe, "import", "registry", str(bad)], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert "bad.csv：第2行“id_number”列" in refused.stderr and "未写入任何数据" in refused.stderr
