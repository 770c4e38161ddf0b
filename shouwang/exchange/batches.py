"""The life cycle of an import batch, one for every delivered file (registry files and department feeds).

A batch is identified by (kind, source, period, region, checksum) (CONTRACT §2, STYLE 9); its stream is
(kind, source, period, region). The region is a registry file's county (``batch_region``, decision 0009), so
the files of two counties never supersede each other; a department feed's is its pusher's (empty from
the command line).

* ``batch_same_file``: the same file again is a no-op; the caller reports the existing batch.
* ``batch_start`` (inside the import's transaction): locks the stream, finds the batches in force for it and
  creates the new batch ``running`` (owned by this process, common.liveness), superseding the newest of them.
  A batch of the stream still ``running`` in a live process refuses the start, loudly (``BatchBusy``); one
  whose process is gone is abandoned first (``batch_abandon``: ``failed``, with an audit row), no wait.
* ``batch_progress``: the percentage shown while it runs, and the heartbeat.
* ``batch_succeed``: counts, report, ``succeeded``; the batches it replaces become ``superseded`` (they stay
  on record).
* ``batch_audit_entry``: its ``import`` audit entry, written by the caller in the same transaction.

A refused file leaves no batch at all: refusals happen before ``batch_start``, and a failure after it rolls
the whole transaction back (CONTRACT §1: "nothing written").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.liveness import owner_token, work_abandoned
from shouwang.exchange.choices import BatchStatusChoices
from shouwang.exchange.models import ImportBatch
from shouwang.regions.choices import CODE_LENGTH, RegionLevelChoices

# A registry batch's region is at most a county: the county is the unit that delivers registry files.
_REGION_LENGTHS = tuple(
    CODE_LENGTH[level]
    for level in (RegionLevelChoices.COUNTY, RegionLevelChoices.PREFECTURE, RegionLevelChoices.PROVINCE)
)


class BatchBusy(InputRefused):
    """Refusal: another live process is importing a file of the same stream right now."""


def batch_region(village_codes: Iterable[str | None]) -> str:
    """The region of a file from its rows' village codes: their county, or for a file spanning several
    counties their smallest common region (prefecture, province), or "" if they share none."""
    codes = {c for c in village_codes if c}
    for n in _REGION_LENGTHS:
        prefixes = {c[:n] for c in codes}
        if len(prefixes) == 1:
            return prefixes.pop()
    return ""


def batch_same_file(
    *, kind: str, source: str, period: str, checksum: str, region: str | None = None
) -> ImportBatch | None:
    """The batch that already imported this very file, if any. A ``running`` one left by a dead process
    is abandoned (and so is not the same file any more); one running in a live process is ``BatchBusy``."""
    batches = ImportBatch.objects.filter(kind=kind, source=source, period=period, checksum=checksum).exclude(
        status=BatchStatusChoices.FAILED
    )
    if region is not None:
        batches = batches.filter(region=region)
    for batch in batches.order_by("-id"):
        if batch.status != BatchStatusChoices.RUNNING:
            return batch
        _refuse_or_abandon(batch)
    return None


def batch_abandon(batch: ImportBatch, *, reason: str = "") -> bool:
    """Mark a ``running`` batch whose process is gone ``failed``, with its audit row. False if it was no
    longer running (another process closed or abandoned it first)."""
    with transaction.atomic():
        return _abandon(batch, reason)


def _abandon(batch: ImportBatch, reason: str) -> bool:
    now = timezone.now()
    why = reason or f"导入进程已中断（进程{batch.owner or '未知'}，最近心跳{_stamp(batch.heartbeat_at)}）"
    report = {**(batch.report or {}), "abandoned": why}
    closed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatusChoices.RUNNING).update(
        status=BatchStatusChoices.FAILED, finished_at=now, report=report
    )
    if not closed:
        return False
    batch.status, batch.finished_at, batch.report = BatchStatusChoices.FAILED, now, report
    audit_record(
        actor="system:recovery",
        action=AuditActionChoices.UPDATE,
        object_type="import_batch",
        object_id=str(batch.pk),
        region_code=batch.region,
        changes={
            "status": [BatchStatusChoices.RUNNING.value, BatchStatusChoices.FAILED.value],
            "owner": batch.owner,
            "heartbeat_at": _stamp(batch.heartbeat_at),
        },
        reason=why,
    )
    return True


def batches_abandon_dead(*, kind: str | None = None) -> list[ImportBatch]:
    """Abandon every ``running`` batch (of ``kind``) whose process is gone; the live ones are left alone."""
    running = ImportBatch.objects.filter(status=BatchStatusChoices.RUNNING)
    if kind:
        running = running.filter(kind=kind)
    return [b for b in running if work_abandoned(b.owner, b.heartbeat_at) and batch_abandon(b)]


def _refuse_or_abandon(batch: ImportBatch) -> None:
    if not work_abandoned(batch.owner, batch.heartbeat_at):
        raise BatchBusy(
            f"同一批次正在导入（批次#{batch.pk}，{batch.get_kind_display()}，期间{batch.period}），"
            "请等待完成后再试",
            [RowError(None, "", batch.filename, f"批次#{batch.pk}正在由进程{batch.owner or '未知'}导入")],
        )
    batch_abandon(batch)


def _stamp(at: dt.datetime | None) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds") if at else "无"


def batch_start(
    *,
    kind: str,
    source: str,
    period: str,
    checksum: str,
    filename: str,
    encoding: str,
    actor: Actor,
    region: str = "",
    started_at: dt.datetime | None = None,
    **fields: Any,
) -> tuple[ImportBatch, list[ImportBatch]]:
    """Create the ``running`` batch of a delivery and return it with the batches in force it replaces
    (newest first). Must run inside the import's transaction: the stream stays locked until commit."""
    _stream_lock(kind, source, period, region)
    stream = ImportBatch.objects.filter(kind=kind, source=source, period=period, region=region)
    for running in stream.filter(status=BatchStatusChoices.RUNNING).order_by("id"):
        _refuse_or_abandon(running)
    replaces = list(stream.select_for_update().filter(status=BatchStatusChoices.SUCCEEDED).order_by("-id"))
    now = timezone.now()
    batch = ImportBatch.objects.create(
        kind=kind,
        source=source,
        period=period,
        region=region,
        owner=owner_token(),
        heartbeat_at=now,
        checksum=checksum,
        filename=filename[:255],
        encoding=encoding,
        status=BatchStatusChoices.RUNNING,
        supersedes=replaces[0] if replaces else None,
        created_by=actor if isinstance(actor, User) else None,
        started_at=started_at or now,
        **fields,
    )
    return batch, replaces


def batch_progress(batch: ImportBatch, pct: int) -> None:
    """The percentage and the heartbeat: one single-row UPDATE (cheap; it holds no lock of its own)."""
    batch.progress, batch.heartbeat_at = pct, timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(progress=pct, heartbeat_at=batch.heartbeat_at)


def batch_succeed(batch: ImportBatch, *, replaces: list[ImportBatch], **fields: Any) -> None:
    """Close the batch with its counts and report; the batches it replaces become ``superseded``."""
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.status = BatchStatusChoices.SUCCEEDED
    batch.progress = 100
    batch.finished_at = timezone.now()
    batch.save()
    if replaces:
        ImportBatch.objects.filter(pk__in=[b.pk for b in replaces]).update(
            status=BatchStatusChoices.SUPERSEDED
        )


def batch_audit_entry(
    batch: ImportBatch, *, changes: Mapping[str, Any], reason: str, region_code: str = ""
) -> dict[str, Any]:
    """The batch's ``import`` audit entry (for ``audit_record`` / ``audit_record_many``)."""
    return {
        "action": AuditActionChoices.IMPORT,
        "object_type": "import_batch",
        "object_id": str(batch.pk),
        "region_code": region_code,
        "changes": dict(changes),
        "reason": reason,
    }


def _stream_lock(kind: str, source: str, period: str, region: str) -> None:
    """Serialise deliveries of one stream (kind, source, period, region) until commit, so two different
    files arriving at once cannot both find nothing to supersede. SQLite already serialises writers
    (IMMEDIATE transactions)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(
        hashlib.sha256(f"feed:{kind}:{source}:{period}:{region}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
