"""The data lake's department deliveries: one immutable Parquet file per feed batch.

Layout: ``settings.DATA_DIR/lake/feeds/<kind>/<period>/batch-<id>.parquet``. A file is written once (to a
temporary name, then hard-linked into place, which never replaces an existing file), made read-only and
never changed; a corrected delivery is a new batch and a new file, the old one stays. Clear ID numbers never
reach the lake: rows carry the keyed blind index ``id_index`` and the masked form ``id_masked``.

The screening engine reads feeds only through ``feed_files`` (effective batches: imported, not superseded).

A write goes through ``.incoming-<pid>.<start>-<random>.parquet``, named by its writing process
(common.liveness); a process killed mid-write leaves that file behind, and ``lake_sweep_incoming`` (run at
the start of every feed import and by the scheduler) removes those older than a few minutes whose writer
is gone.
"""

import datetime as dt
import logging
import os
import re
import tempfile
import time
from pathlib import Path

import polars as pl
from django.conf import settings

from shouwang.common.liveness import owner_alive, process_start, this_host
from shouwang.exchange.selectors import feed_batch_effective_list

logger = logging.getLogger(__name__)

FEEDS_ROOT = Path("lake") / "feeds"
INCOMING_PREFIX = ".incoming-"
# A partial file younger than this is left alone whatever its name says (a write in progress elsewhere).
INCOMING_GRACE = dt.timedelta(minutes=5)
_INCOMING_NAME = re.compile(r"^\.incoming-(\d+)\.(\d+)-")


def feed_lake_relpath(kind: str, period: str, batch_id: int) -> str:
    """A batch's Parquet path relative to ``settings.DATA_DIR``, as stored in ``ImportBatch.lake_path``."""
    return str(FEEDS_ROOT / kind / period / f"batch-{batch_id}.parquet")


def lake_abspath(relpath: str) -> Path:
    path = Path(relpath)
    return path if path.is_absolute() else Path(settings.DATA_DIR) / path


def lake_write_once(frame: pl.DataFrame, relpath: str) -> Path:
    """Write ``frame`` at ``relpath`` exactly once; readers never see a partial file."""
    dest = lake_abspath(relpath)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        # The batch id is fresh (its row is being created in the caller's transaction), so an existing file
        # is the leftover of an attempt that crashed before committing. Keep it aside rather than replace it.
        aside = dest.with_name(f"{dest.stem}.orphan-{time.time_ns()}{dest.suffix}")
        logger.warning("lake file %s exists without a committed batch; moved to %s", dest, aside.name)
        dest.rename(aside)
    pid = os.getpid()
    prefix = f"{INCOMING_PREFIX}{pid}.{process_start(pid) or 0}-"
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=prefix, suffix=".parquet")
    os.close(fd)
    try:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        os.chmod(tmp, 0o444)
        os.link(tmp, dest)  # atomic, and fails instead of overwriting
    finally:
        os.unlink(tmp)
    return dest


def lake_discard(relpath: str) -> None:
    """Remove a file written for a batch whose transaction rolled back (it was never visible)."""
    path = lake_abspath(relpath)
    if path.exists():
        path.unlink()


def lake_sweep_incoming(*, older_than: dt.timedelta = INCOMING_GRACE) -> list[Path]:
    """Remove partial files (``.incoming-*``) that a killed import left in the lake: older than
    ``older_than`` and not being written by a live process of this host. Returns the removed paths."""
    root = lake_abspath(str(FEEDS_ROOT))
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in root.rglob(f"{INCOMING_PREFIX}*"):
        try:
            if path.stat().st_mtime > cutoff or _writer_alive(path.name):
                continue
            path.unlink()
        except FileNotFoundError:  # its writer finished (or another sweep was quicker)
            continue
        except OSError as exc:  # not ours to remove (permissions): say so, never fail the import for it
            logger.warning("could not remove partial lake file %s: %s", path, exc)
            continue
        logger.warning("removed partial lake file %s left by an interrupted import", path)
        removed.append(path)
    return removed


def _writer_alive(name: str) -> bool:
    """The process named in a partial file's name is still running here (a long write, keep it)."""
    m = _INCOMING_NAME.match(name)
    if m is None:
        return False
    return bool(owner_alive(f"{this_host()}:{m.group(1)}:{m.group(2)}"))


def feed_files(
    kind: str | None = None, period_from: str | None = None, period_to: str | None = None
) -> list[tuple[str, str, int, Path]]:
    """``(kind, period, batch_id, path)`` of the effective feed deliveries, ordered by kind, period, batch.

    Effective: status ``succeeded`` (a superseded batch is replaced by its correction). Periods are the
    delivery periods (``YYYY-MM``, inclusive bounds); a delivery may hold late rows of the two months before
    its period, so a screening of month M reads deliveries of M..M+2 when they exist.
    """
    batches = feed_batch_effective_list(kind=kind, period_from=period_from, period_to=period_to)
    return [(b.kind, b.period, b.pk, lake_abspath(b.lake_path)) for b in batches]
