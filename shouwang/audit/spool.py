"""Audit rows of looks that could not wait: a durable spool for page-view audits on the embedded default.

On SQLite a long import holds the one write lock. A page view must still answer at once, and it must still
be audited (no look at personal data goes unrecorded). So ``audit.services.audit_record`` writes a *look*
(view, reveal, refused or missing object) outside any transaction with a short busy timeout, and when the
lock is taken it appends the entry here instead: one JSON line, flushed and fsync'ed before the page is
shown. The spool is moved into the audit table, with each entry's original time, by the next look that
finds the lock free and by every import and screening when it commits (``spool_flush``).

Flushing claims the spool by renaming it (atomic; concurrent flushers never take the same lines), inserts
its lines in one transaction and then deletes the claimed file. A crash between the commit and the delete
can record a look twice; it can never lose one. State changes never come here: their audit row is written
in the same transaction as the change (docs/decisions/0010).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.common.dblock import is_locked, short_busy_timeout

log = logging.getLogger(__name__)

SPOOL_NAME = "audit-spool.jsonl"
FLUSH_BUSY_MS = 200
STALE_FLUSH_SECONDS = 300


def spool_dir() -> Path:
    return Path(settings.VAR_DIR) / "audit-spool"


def spool_append(fields: Mapping[str, Any], at: dt.datetime) -> None:
    """Append one entry (the ``AuditEntry`` fields, ``actor`` as its id) durably."""
    folder = spool_dir()
    folder.mkdir(parents=True, exist_ok=True)
    row = {**fields, "at": at.isoformat()}
    line = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(folder / SPOOL_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)  # one write with O_APPEND: lines of concurrent processes never interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def spool_pending() -> bool:
    folder = spool_dir()
    return folder.is_dir() and any(folder.iterdir())


def spool_flush(*, busy_ms: int | None = FLUSH_BUSY_MS) -> int:
    """Move spooled entries into the audit table; returns how many. Outside any transaction only.

    With ``busy_ms`` the flush gives up quietly (entries stay spooled) when the lock is not free within it;
    ``None`` waits the connection's normal busy timeout.
    """
    if not spool_pending():
        return 0
    folder = spool_dir()
    stale = timezone.now().timestamp() - STALE_FLUSH_SECONDS
    candidates = [folder / SPOOL_NAME, *sorted(folder.glob("claimed-*.jsonl"))]
    # A flush that died half-way (process killed) is taken back after a while.
    candidates += [p for p in folder.glob("flushing-*.jsonl") if _mtime(p) < stale]
    moved = 0
    for candidate in candidates:
        mine = folder / f"flushing-{uuid.uuid4().hex}.jsonl"
        try:
            candidate.rename(mine)  # atomic: of concurrent flushers exactly one gets each file
        except FileNotFoundError:
            continue
        os.utime(mine)
        try:
            moved += _flush_file(mine, busy_ms)
        except OperationalError as exc:
            mine.rename(folder / f"claimed-{uuid.uuid4().hex}.jsonl")
            if not is_locked(exc):
                raise
            log.info("audit spool flush postponed: database busy")
            break
    return moved


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")


def _flush_file(path: Path, busy_ms: int | None) -> int:
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if busy_ms is None:
        _insert(rows)
    else:
        with short_busy_timeout(busy_ms):
            _insert(rows)
    path.unlink(missing_ok=True)
    return len(rows)


def _insert(rows: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        for row in rows:
            at = dt.datetime.fromisoformat(row.pop("at"))
            entry = AuditEntry.objects.create(**row)
            # ``at`` is auto_now_add: set the time of the look itself afterwards.
            AuditEntry.objects.filter(pk=entry.pk).update(at=at)
