"""Crash recovery of screening runs (issue 13): a run whose process was killed does not block the next run
of its period, which proceeds at once; a live one still refuses it, loudly."""

from __future__ import annotations

import datetime as dt
import io
import signal
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.common.liveness import owner_token
from shouwang.screening import services
from shouwang.screening.choices import RunStatusChoices
from shouwang.screening.models import ScreeningRun, Warning
from shouwang.screening.services import ScreeningBusy, screening_run, screening_run_create
from shouwang.screening.tests.lake import simple_household

pytestmark = pytest.mark.django_db

P = "2025-03"


@pytest.fixture
def county() -> None:
    simple_household("H-LOW", income_per_head=5000, poverty_status="former_poor")
    simple_household("H-OK", income_per_head=20000)


@pytest.fixture
def worker():  # type: ignore[no-untyped-def]
    """A real process standing in for a screening worker; the test kills it with SIGKILL."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _running(owner: str, *, heartbeat: dt.datetime | None = None) -> ScreeningRun:
    """The run row as the worker left it: claimed, owned, heard of at ``heartbeat``."""
    run = screening_run_create(user=None, period=P)
    now = timezone.now()
    ScreeningRun.objects.filter(pk=run.pk).update(
        status=RunStatusChoices.RUNNING,
        owner=owner,
        started_at=now,
        heartbeat_at=heartbeat or now,
        progress=15,
    )
    run.refresh_from_db()
    return run


def _state() -> tuple[list[tuple[int, str]], int, int]:
    return (
        list(ScreeningRun.objects.order_by("id").values_list("id", "status")),
        AuditEntry.objects.count(),
        Warning.objects.count(),
    )


def test_a_killed_screening_is_rerun_at_once(county, worker) -> None:  # type: ignore[no-untyped-def]
    stuck = _running(owner_token(worker.pid))
    before = _state()
    with pytest.raises(ScreeningBusy):  # the worker lives: refused, loudly, and nothing changes
        screening_run(user=None, period=P)
    assert _state() == before

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    run = screening_run(user=None, period=P)  # at once: no scheduler, no wait

    assert run.status == RunStatusChoices.SUCCEEDED
    assert set(Warning.objects.filter(period=P).values_list("household_no", flat=True)) == {"H-LOW"}
    stuck.refresh_from_db()
    assert stuck.status == RunStatusChoices.FAILED and "中断" in stuck.error and stuck.finished_at
    audit = AuditEntry.objects.get(object_type="screening_run", object_id=str(stuck.pk), action="update")
    assert audit.actor_label == "system:recovery" and audit.changes["status"] == ["running", "failed"]
    assert audit.changes["owner"] == stuck.owner


def test_the_cli_reruns_a_killed_screening_at_once(county, worker) -> None:  # type: ignore[no-untyped-def]
    stuck = _running(owner_token(worker.pid))
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    call_command("screen", period=P, quiet=True, no_stats=True)
    assert ScreeningRun.objects.filter(period=P, status=RunStatusChoices.SUCCEEDED).count() == 1
    stuck.refresh_from_db()
    assert stuck.status == RunStatusChoices.FAILED


def test_a_run_records_its_owner_and_heartbeat(county) -> None:  # type: ignore[no-untyped-def]
    started = timezone.now()
    run = screening_run(user=None, period=P)
    run.refresh_from_db()
    assert run.owner == owner_token()
    assert run.heartbeat_at is not None and run.heartbeat_at >= started


def test_a_live_run_is_refused_however_old_its_heartbeat(county) -> None:  # type: ignore[no-untyped-def]
    _running(owner_token(), heartbeat=timezone.now() - dt.timedelta(days=1))  # this very process
    before = _state()
    with pytest.raises(ScreeningBusy) as exc:
        screening_run_create(user=None, period=P)
    assert "正在进行" in str(exc.value)
    assert _state() == before


def test_another_hosts_run_is_judged_by_its_heartbeat(county, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WORK_STALE_AFTER = dt.timedelta(minutes=3)
    stuck = _running("elsewhere:4242:1", heartbeat=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ScreeningBusy):
        screening_run_create(user=None, period=P)
    ScreeningRun.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=4))
    assert screening_run(user=None, period=P).status == RunStatusChoices.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == RunStatusChoices.FAILED


def test_a_run_from_before_owners_is_judged_by_its_start(county) -> None:  # type: ignore[no-untyped-def]
    stuck = _running("", heartbeat=timezone.now() - dt.timedelta(hours=1))
    assert screening_run(user=None, period=P).status == RunStatusChoices.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == RunStatusChoices.FAILED


def test_a_queued_run_still_refuses_a_second_start(county) -> None:  # type: ignore[no-untyped-def]
    screening_run_create(user=None, period=P)  # waiting for the scheduler: not abandoned
    with pytest.raises(ScreeningBusy):
        screening_run_create(user=None, period=P)


def test_an_abandoned_run_that_wakes_up_does_not_overwrite_results(county, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run failed by recovery (its heartbeat went stale on another host) must not store its results."""
    run = screening_run_create(user=None, period=P)
    real_store = services._store

    def abandoned_meanwhile(run_, *args, **kwargs):  # type: ignore[no-untyped-def]
        ScreeningRun.objects.filter(pk=run_.pk).update(status=RunStatusChoices.FAILED, error="中断")
        return real_store(run_, *args, **kwargs)

    monkeypatch.setattr(services, "_store", abandoned_meanwhile)
    with pytest.raises(InputRefused) as exc:
        services.screening_run_execute(run=run)
    assert "已被标记为中断" in str(exc.value)
    assert not Warning.objects.filter(period=P).exists()


def test_scheduler_abandons_dead_runs_and_keeps_its_abandon_after_option(county, worker) -> None:  # type: ignore[no-untyped-def]
    stuck = _running(owner_token(worker.pid))
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    out = io.StringIO()
    call_command("screening_schedule", once=True, no_rescreen=True, stdout=out)
    stuck.refresh_from_db()
    assert stuck.status == RunStatusChoices.FAILED and f"运行#{stuck.pk}" in out.getvalue()
    assert AuditEntry.objects.filter(
        object_type="screening_run", object_id=str(stuck.pk), action="update"
    ).exists()

    # A live run is left alone by a plain round, and failed by --abandon-after once silent that long.
    live = _running(owner_token(), heartbeat=timezone.now() - dt.timedelta(minutes=5))
    call_command("screening_schedule", once=True, no_rescreen=True, stdout=io.StringIO())
    live.refresh_from_db()
    assert live.status == RunStatusChoices.RUNNING
    call_command("screening_schedule", once=True, no_rescreen=True, abandon_after=10, stdout=io.StringIO())
    live.refresh_from_db()
    assert live.status == RunStatusChoices.RUNNING
    call_command("screening_schedule", once=True, no_rescreen=True, abandon_after=2, stdout=io.StringIO())
    live.refresh_from_db()
    assert live.status == RunStatusChoices.FAILED and "无心跳" in live.error
