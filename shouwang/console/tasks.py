"""Background work started from a page (DESIGN: "job rows in the database + a worker command; no broker").

The row (``ExportJob``, ``ScreeningRun``) is written first; the work itself runs in a daemon thread of the
web process once the transaction that created the row has committed, so the page can show the row and poll
its progress. If the process stops first, the row stays queued and ``shouwang export --run-queued`` (exports)
or ``shouwang screening_schedule`` (screening runs) picks it up: the row, not the thread, is the record.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

logger = logging.getLogger(__name__)

# Tests set this to False: the work then runs inline at commit, in the test's own thread and connection.
IN_THREAD = True


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # the job row carries the error; the log gets the traceback
        logger.exception("background task %s failed", getattr(fn, "__name__", fn))
    finally:
        if IN_THREAD:
            connection.close()


def run_after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` after the current transaction commits (at once outside one)."""

    def start() -> None:
        if not IN_THREAD:
            _run(fn, args, kwargs)
            return
        threading.Thread(target=_run, args=(fn, args, kwargs), daemon=True, name="shouwang-task").start()

    transaction.on_commit(start)
