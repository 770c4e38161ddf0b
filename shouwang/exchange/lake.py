"""The data lake's department deliveries: one immutable Parquet file per feed batch.

Layout: ``settings.DATA_DIR/lake/feeds/<kind>/<period>/batch-<id>.parquet``. A file is written once (to a
temporary name, then hard-linked into place, which never replaces an existing file), made read-only and
never changed; a corrected delivery is a new batch and a new file, the old one stays. Clear ID numbers never
reach the lake: rows carry the keyed blind index ``id_index`` and the masked form ``id_masked``.

The screening engine reads feeds only through ``feed_files`` (effective batches: imported, not superseded).
"""

import logging
import os
import tempfile
import time
from pathlib import Path

import polars as pl
from django.conf import settings

from shouwang.exchange.selectors import feed_batch_effective_list

logger = logging.getLogger(__name__)

FEEDS_ROOT = Path("lake") / "feeds"


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
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-", suffix=".parquet")
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
