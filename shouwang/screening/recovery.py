"""Crash recovery of screening runs (issue 13, decision 0009).

A running run records its process (``owner``) and a heartbeat (common.liveness). A run whose process is gone
is abandoned — ``failed`` with the reason in ``error`` and an ``update`` audit row — by the next start for its
period (services.screening_run_create), at once, or by the scheduler's round; a live one is left alone.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.liveness import work_abandoned
from shouwang.screening.choices import RunStatusChoices
from shouwang.screening.models import ScreeningRun


def run_dead(run: ScreeningRun, *, stale: dt.timedelta | None = None) -> bool:
    return work_abandoned(run.owner, run.heartbeat_at, stale=stale)


def screening_run_abandon(*, run: ScreeningRun, reason: str = "") -> bool:
    """Mark a ``running`` run whose process is gone ``failed``, with its audit row. False if it was no
    longer running (it finished, or another process abandoned it first)."""
    now = timezone.now()
    why = reason or f"运行进程已中断（进程{run.owner or '未知'}，最近心跳{_stamp(run.heartbeat_at)}）"
    with transaction.atomic():
        closed = ScreeningRun.objects.filter(pk=run.pk, status=RunStatusChoices.RUNNING).update(
            status=RunStatusChoices.FAILED, error=why, finished_at=now
        )
        if not closed:
            return False
        audit_record(
            actor="system:recovery",
            action=AuditActionChoices.UPDATE,
            object_type="screening_run",
            object_id=str(run.pk),
            region_code="",
            changes={
                "status": [RunStatusChoices.RUNNING.value, RunStatusChoices.FAILED.value],
                "owner": run.owner,
                "heartbeat_at": _stamp(run.heartbeat_at),
            },
            reason=why,
        )
    run.status, run.error, run.finished_at = RunStatusChoices.FAILED, why, now
    return True


def screening_runs_abandon(*, older_than: dt.timedelta | None = None) -> list[ScreeningRun]:
    """Abandon running runs whose process is gone; with ``older_than``, also those not heard of for that
    long even if their process lives (the scheduler's ``--abandon-after``)."""
    out = []
    for run in ScreeningRun.objects.filter(status=RunStatusChoices.RUNNING):
        stale = older_than is not None and timezone.now() - (run.heartbeat_at or run.created_at) > older_than
        if (stale or run_dead(run)) and screening_run_abandon(
            run=run, reason=f"运行超过{older_than}无心跳，视为进程中断" if stale else ""
        ):
            out.append(run)
    return out


def _stamp(at: dt.datetime | None) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds") if at else "无"
