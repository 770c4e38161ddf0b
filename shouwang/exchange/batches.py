"""The life cycle of an import batch, one for every delivered file (registry files and department feeds).

A batch is identified by (kind, source, period, checksum) (CONTRACT §2, STYLE 9):

* ``batch_same_file``: the same file again is a no-op; the caller reports the existing batch.
* ``batch_start`` (inside the import's transaction): locks the (kind, source, period) stream, finds the
  batches in force for it and creates the new batch ``running``, superseding the newest of them.
* ``batch_progress``: the percentage shown while it runs.
* ``batch_succeed``: counts, report, ``succeeded``; the batches it replaces become ``superseded`` (they stay
  on record).
* ``batch_audit_entry``: its ``import`` audit entry, written by the caller in the same transaction.

A refused file leaves no batch at all: refusals happen before ``batch_start``, and a failure after it rolls
the whole transaction back (CONTRACT §1: "nothing written").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.exchange.choices import BatchStatusChoices
from shouwang.exchange.models import ImportBatch


def batch_same_file(*, kind: str, source: str, period: str, checksum: str) -> ImportBatch | None:
    """The batch that already imported this very file, if any."""
    return ImportBatch.objects.filter(kind=kind, source=source, period=period, checksum=checksum).first()


def batch_start(
    *,
    kind: str,
    source: str,
    period: str,
    checksum: str,
    filename: str,
    encoding: str,
    actor: Actor,
    started_at: dt.datetime | None = None,
    **fields: Any,
) -> tuple[ImportBatch, list[ImportBatch]]:
    """Create the ``running`` batch of a delivery and return it with the batches in force it replaces
    (newest first). Must run inside the import's transaction: the stream stays locked until commit."""
    _stream_lock(kind, source, period)
    replaces = list(
        ImportBatch.objects.select_for_update()
        .filter(kind=kind, source=source, period=period, status=BatchStatusChoices.SUCCEEDED)
        .order_by("-id")
    )
    batch = ImportBatch.objects.create(
        kind=kind,
        source=source,
        period=period,
        checksum=checksum,
        filename=filename[:255],
        encoding=encoding,
        status=BatchStatusChoices.RUNNING,
        supersedes=replaces[0] if replaces else None,
        created_by=actor if isinstance(actor, User) else None,
        started_at=started_at or timezone.now(),
        **fields,
    )
    return batch, replaces


def batch_progress(batch: ImportBatch, pct: int) -> None:
    batch.progress = pct
    batch.save(update_fields=["progress"])


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


def _stream_lock(kind: str, source: str, period: str) -> None:
    """Serialise deliveries of one (kind, source, period) until commit, so two different files arriving at
    once cannot both find nothing to supersede. SQLite already serialises writers (IMMEDIATE transactions)."""
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(
        hashlib.sha256(f"feed:{kind}:{source}:{period}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
