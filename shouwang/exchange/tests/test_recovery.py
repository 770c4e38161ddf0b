"""Crash recovery of imports (issue 13): batches left ``running`` by a dead process, partial lake files,
and registry batches that carry their region (two counties never supersede each other)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.common.liveness import owner_token
from shouwang.exchange.batches import BatchBusy, batch_region
from shouwang.exchange.choices import BatchStatusChoices
from shouwang.exchange.files import sha256_file
from shouwang.exchange.lake import FEEDS_ROOT, lake_abspath, lake_sweep_incoming
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.services import feed_batch_ingest
from shouwang.exchange.tests import regfiles as rf
from shouwang.exchange.tests.test_feeds_support import PERIOD, county_people, headers, valid_row, write_csv

pytestmark = pytest.mark.django_db

OTHER_COUNTY_VILLAGE = "530302001001"  # 麒麟区潇湘社区: same prefecture (5303), another county
OTHER_HH = "5303020010010001"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def dead_owner() -> str:
    """The owner token of a real process that was killed with SIGKILL."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        token = owner_token(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return token


@pytest.fixture
def live_owner():  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield owner_token(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _feed_file(tmp_path: Path, name: str, people, n: int | None = None) -> Path:  # type: ignore[no-untyped-def]
    rows = [valid_row("housing", pid) for _, pid in people][:n]
    return write_csv(tmp_path / name, headers("housing"), rows)


def _left_running(path: Path, owner: str, *, heartbeat: dt.datetime | None = None) -> ImportBatch:
    """A batch row as a process killed mid-import would leave it (committed ``running``)."""
    now = timezone.now()
    return ImportBatch.objects.create(
        kind="housing",
        source="housing",
        period=PERIOD,
        checksum=sha256_file(path),
        filename=path.name,
        status=BatchStatusChoices.RUNNING,
        owner=owner,
        heartbeat_at=heartbeat or now,
        started_at=now,
    )


def _recovery_audit(batch: ImportBatch) -> AuditEntry:
    return AuditEntry.objects.get(object_type="import_batch", object_id=str(batch.pk), action="update")


# --- Batches left running -----------------------------------------------------------------------------


def test_same_file_left_running_by_a_killed_import_is_imported_at_once(tmp_path, dead_owner):
    people = county_people(3)
    path = _feed_file(tmp_path, "h.csv", people)
    stuck = _left_running(path, dead_owner)

    batch = feed_batch_ingest(kind="housing", path=path, period=PERIOD, actor="test")

    assert not batch.duplicate and batch.pk != stuck.pk
    assert batch.status == BatchStatusChoices.SUCCEEDED and batch.matched == len(people) == 9
    assert batch.owner == owner_token() and batch.heartbeat_at is not None
    stuck.refresh_from_db()
    assert stuck.status == BatchStatusChoices.FAILED and "中断" in stuck.report["abandoned"]
    audit = _recovery_audit(stuck)
    assert audit.actor_label == "system:recovery" and audit.changes["status"] == ["running", "failed"]
    assert audit.changes["owner"] == dead_owner


def test_another_file_of_a_stream_left_running_is_not_blocked(tmp_path, dead_owner):
    people = county_people(3)
    stuck = _left_running(_feed_file(tmp_path, "old.csv", people, 1), dead_owner)

    batch = feed_batch_ingest(
        kind="housing", path=_feed_file(tmp_path, "new.csv", people), period=PERIOD, actor="test"
    )

    stuck.refresh_from_db()
    assert batch.status == BatchStatusChoices.SUCCEEDED and batch.supersedes_id is None
    assert stuck.status == BatchStatusChoices.FAILED
    _recovery_audit(stuck)


def test_a_live_import_of_the_same_stream_is_refused_loudly_and_nothing_changes(tmp_path, live_owner):
    people = county_people(3)
    running = _left_running(_feed_file(tmp_path, "old.csv", people, 1), live_owner)
    before = (list(ImportBatch.objects.values_list("id", "status")), AuditEntry.objects.count())

    with pytest.raises(BatchBusy) as exc:
        feed_batch_ingest(
            kind="housing", path=_feed_file(tmp_path, "new.csv", people), period=PERIOD, actor="t"
        )

    assert f"批次#{running.pk}" in str(exc.value) and "正在导入" in str(exc.value)
    assert (list(ImportBatch.objects.values_list("id", "status")), AuditEntry.objects.count()) == before
    lake = lake_abspath(str(FEEDS_ROOT))
    assert not lake.exists() or not [p for p in lake.rglob("*") if p.is_file()]


def test_a_live_import_is_refused_however_old_its_heartbeat(tmp_path):
    """This very process owns it (a long phase on this host): alive, so never abandoned."""
    people = county_people(2)
    path = _feed_file(tmp_path, "h.csv", people)
    _left_running(path, owner_token(), heartbeat=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(BatchBusy):
        feed_batch_ingest(kind="housing", path=path, period=PERIOD, actor="test")


def test_another_hosts_batch_is_judged_by_its_heartbeat(tmp_path, settings):
    settings.WORK_STALE_AFTER = dt.timedelta(minutes=3)
    people = county_people(2)
    path = _feed_file(tmp_path, "h.csv", people)
    fresh = _left_running(path, "elsewhere:4242:1", heartbeat=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(BatchBusy):
        feed_batch_ingest(kind="housing", path=path, period=PERIOD, actor="test")
    ImportBatch.objects.filter(pk=fresh.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=4))

    batch = feed_batch_ingest(kind="housing", path=path, period=PERIOD, actor="test")

    fresh.refresh_from_db()
    assert batch.status == BatchStatusChoices.SUCCEEDED and fresh.status == BatchStatusChoices.FAILED


def test_a_reused_pid_is_a_dead_owner(tmp_path):
    host, pid, start = owner_token().split(":")
    people = county_people(2)
    path = _feed_file(tmp_path, "h.csv", people)
    stuck = _left_running(path, f"{host}:{pid}:{int(start) + 1}")  # this pid, another start time
    batch = feed_batch_ingest(kind="housing", path=path, period=PERIOD, actor="test")
    stuck.refresh_from_db()
    assert batch.status == BatchStatusChoices.SUCCEEDED and stuck.status == BatchStatusChoices.FAILED


# --- Partial lake files -------------------------------------------------------------------------------


def _incoming(directory: Path, name: str, *, age: dt.timedelta) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"PAR1 half a parquet file")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))
    return path


def test_stale_partial_lake_files_are_swept_at_the_next_import(tmp_path, dead_owner):
    lake = Path(django_settings.DATA_DIR) / FEEDS_ROOT / "housing" / PERIOD
    _, pid, start = dead_owner.split(":")
    old = dt.timedelta(minutes=30)
    killed = _incoming(lake, f".incoming-{pid}.{start}-abc123.parquet", age=old)
    legacy = _incoming(lake / ".." / "2024-01", ".incoming-k2j3h4.parquet", age=old)  # the old naming
    fresh = _incoming(lake, f".incoming-{pid}.{start}-fresh.parquet", age=dt.timedelta(seconds=5))
    _, my_pid, my_start = owner_token().split(":")
    long_write = _incoming(lake, f".incoming-{my_pid}.{my_start}-long.parquet", age=old)  # writer alive

    batch = feed_batch_ingest(
        kind="housing", path=_feed_file(tmp_path, "h.csv", county_people(2)), period=PERIOD, actor="test"
    )

    assert batch.status == BatchStatusChoices.SUCCEEDED
    assert not killed.exists() and not legacy.exists()
    assert fresh.exists() and long_write.exists()
    assert lake_abspath(batch.lake_path).exists()  # the import's own file, written after the sweep


def test_sweep_without_a_lake_is_a_no_op():
    assert lake_sweep_incoming() == []


def test_scheduler_round_recovers_batches_and_lake_files(tmp_path, dead_owner):
    path = _feed_file(tmp_path, "h.csv", county_people(1))
    stuck = _left_running(path, dead_owner)
    _, pid, start = dead_owner.split(":")
    killed = _incoming(
        Path(django_settings.DATA_DIR) / FEEDS_ROOT / "housing" / PERIOD,
        f".incoming-{pid}.{start}-x.parquet",
        age=dt.timedelta(hours=1),
    )
    out = io.StringIO()
    call_command("screening_schedule", once=True, no_rescreen=True, stdout=out)
    stuck.refresh_from_db()
    assert stuck.status == BatchStatusChoices.FAILED and not killed.exists()
    assert f"导入批次#{stuck.pk}" in out.getvalue() and "临时文件" in out.getvalue()


# --- Registry batches carry their region -------------------------------------------------------------


def _import(*paths: Path, period: str = "2024-12") -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            call_command("import", "registry", *map(str, paths), "--period", period, stdout=out)
        except SystemExit as exc:
            raise AssertionError(err.getvalue()) from exc
    return out.getvalue()


def _other_county_row(address: str = "潇湘社区8号") -> list[str]:
    row = list(rf.households()[1])
    row[0], row[1], row[3] = OTHER_HH, OTHER_COUNTY_VILLAGE, address
    return row


def test_batch_region_is_the_county_or_the_smallest_common_region():
    assert batch_region([rf.VILLAGE_A, rf.VILLAGE_B]) == "530326"
    assert batch_region([rf.VILLAGE_A, OTHER_COUNTY_VILLAGE]) == "5303"
    assert batch_region([rf.VILLAGE_A, "530102001001"]) == "53"
    assert batch_region([rf.VILLAGE_A, "110101001001"]) == ""
    assert batch_region([None, rf.VILLAGE_A]) == "530326"


def test_two_counties_files_do_not_supersede_each_other_and_a_correction_still_does(tmp_path):
    county_a = rf.write_csv(tmp_path / "a.csv", rf.HOUSEHOLD_HEADER, rf.households())
    county_b = rf.write_csv(tmp_path / "b.csv", rf.HOUSEHOLD_HEADER, [_other_county_row()])

    _import(county_a)
    _import(county_b)

    a, b = ImportBatch.objects.filter(kind="households").order_by("id")
    assert (a.region, b.region) == ("530326", "530302")
    assert a.status == b.status == BatchStatusChoices.SUCCEEDED and b.supersedes_id is None

    # County A corrects its file: it replaces A's batch only.
    rows = rf.households()
    rows[0][3] = "堂琅社区99号"
    _import(rf.write_csv(tmp_path / "a2.csv", rf.HOUSEHOLD_HEADER, rows))
    a2 = ImportBatch.objects.filter(kind="households").latest("id")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a2.region == "530326" and a2.supersedes_id == a.pk
    assert a.status == BatchStatusChoices.SUPERSEDED
    assert b.status == BatchStatusChoices.SUCCEEDED  # the other county stays in force

    # A persons file takes its region from its households (already in the database).
    _import(rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rf.persons()))
    assert ImportBatch.objects.get(kind="persons").region == "530326"


def test_one_invocation_may_carry_two_counties_files_of_one_kind(tmp_path):
    county_a = rf.write_csv(tmp_path / "a.csv", rf.HOUSEHOLD_HEADER, rf.households())
    county_b = rf.write_csv(tmp_path / "b.csv", rf.HOUSEHOLD_HEADER, [_other_county_row()])
    _import(county_a, county_b)
    assert sorted(ImportBatch.objects.filter(kind="households").values_list("region", "status")) == [
        ("530302", "succeeded"),
        ("530326", "succeeded"),
    ]


def test_a_file_spanning_two_counties_is_a_batch_of_their_prefecture(tmp_path):
    both = rf.write_csv(tmp_path / "both.csv", rf.HOUSEHOLD_HEADER, [*rf.households(), _other_county_row()])
    _import(both)
    assert ImportBatch.objects.get(kind="households").region == "5303"
