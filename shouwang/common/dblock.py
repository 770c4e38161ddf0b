"""The embedded default's one writer at a time (SQLite), made visible: bounded waits and Chinese errors.

SQLite in WAL mode lets any number of readers run beside one writer, but only one connection may write at
a time; the others wait ``busy_timeout`` and then fail with ``OperationalError: database is locked``.
This module is the project's answer to that (docs/decisions/0010):

- ``write_transaction`` is ``transaction.atomic()`` for the long writers (registry and feed imports,
  storing a screening's warnings). On SQLite it takes the write lock in short tries, reports the wait
  (``on_wait``) and gives up after a bound with ``DatabaseBusy`` — a Chinese message with a retry hint —
  instead of a traceback. On PostgreSQL it is exactly ``transaction.atomic()``.
- ``short_busy_timeout`` lets a writer that must not queue (the audit row of a page view,
  ``audit.services``) fail fast instead of waiting for an import.
- ``is_locked`` tells a lock error from any other ``OperationalError``; the web middleware
  (``common.middleware``) and the CLI (``shouwang.cli``) map it to 503 / exit code 75.
- ``pause_point`` is a test hook: with ``SHOUWANG_PAUSE_AT=<name>`` and ``SHOUWANG_PAUSE_DIR`` set, the
  process stops at that point (holding whatever it holds) until the test releases it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from django.db import OperationalError, connection, transaction

# How long the long writers wait for the write lock before giving up (seconds); SHOUWANG_LOCK_WAIT.
DEFAULT_LOCK_WAIT = float(os.environ.get("SHOUWANG_LOCK_WAIT", "600"))
# One try at the lock; between tries the wait is reported.
LOCK_TRY_MS = 2000
# What a connection normally waits (settings: PRAGMA busy_timeout) — restored after a short wait.
NORMAL_BUSY_MS = int(os.environ.get("SHOUWANG_SQLITE_BUSY_MS", "30000"))
RETRY_AFTER_SECONDS = 30
BUSY_MESSAGE = "数据库正忙：另一个导入或筛查正在写入数据，请稍后重试"

_LOCK_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")


class DatabaseBusy(Exception):
    """The write lock could not be taken within the bound. Nothing was written."""

    def __init__(self, waited: float) -> None:
        self.waited = waited
        super().__init__(f"{BUSY_MESSAGE}（已等待{waited:.0f}秒，未写入任何数据）")


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (and its table / schema forms)."""
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in _LOCK_MESSAGES)


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


@contextmanager
def short_busy_timeout(ms: int) -> Iterator[None]:
    """Within the block this connection waits at most ``ms`` for a lock (SQLite; elsewhere a no-op)."""
    if not _sqlite():
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA busy_timeout = {NORMAL_BUSY_MS}")


@contextmanager
def write_transaction(
    *, wait: float | None = None, on_wait: Callable[[float], None] | None = None
) -> Iterator[None]:
    """``transaction.atomic()`` whose write lock (SQLite) is awaited at most ``wait`` seconds.

    ``on_wait(seconds_waited)`` is called after each failed try, so a command can say it is waiting.
    Raises ``DatabaseBusy`` when the bound passes. Nested in another atomic block, or on PostgreSQL,
    it is plain ``transaction.atomic()``.
    """
    if not _sqlite() or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    bound = DEFAULT_LOCK_WAIT if wait is None else wait
    started = time.monotonic()
    with ExitStack() as stack:
        while True:
            try:
                with short_busy_timeout(LOCK_TRY_MS):
                    # transaction_mode IMMEDIATE (settings): BEGIN takes the write lock or fails.
                    stack.enter_context(transaction.atomic())
                break
            except OperationalError as exc:
                if not is_locked(exc):
                    raise
                waited = time.monotonic() - started
                if waited >= bound:
                    raise DatabaseBusy(waited) from None
                if on_wait is not None:
                    on_wait(waited)
        yield


def pause_point(name: str) -> None:
    """Test hook: stop here while a test looks at what the rest of the system sees (see module doc)."""
    if os.environ.get("SHOUWANG_PAUSE_AT") != name:
        return
    folder = Path(os.environ["SHOUWANG_PAUSE_DIR"])
    (folder / f"{name}.reached").touch()
    deadline = time.monotonic() + 120
    while not (folder / f"{name}.release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
