"""Planner statistics after bulk writes (PostgreSQL).

A table loaded in one go has no planner statistics until autovacuum analyses it (a minute later at best;
never where autovacuum is off), and PostgreSQL then plans for a few rows: the warnings API took 3.7 s instead
of 57 ms (issue 13). ``analyze_stale(...)`` does right away what autovacuum would do: ``ANALYZE`` each named
table whose rows changed since its last analysis by more than ``share`` of its size (or that was never
analysed). It runs outside any transaction block (``ANALYZE`` inside the writer's transaction would not see
rows committed by others, and would hold its lock until the end).

SQLite keeps no change counts, and its planner without ``sqlite_stat1`` guesses too: the work queue's case
query walked a county's households by index instead of the few open cases (26.9 → 19.7 ms a page, the case
list 22.1 → 15.9 ms, 20,000 households, docs/performance.md). There the named tables are always analysed,
sampled (``PRAGMA analysis_limit``) so the cost stays a few milliseconds per index whatever the size;
statistics are an optimisation, so a database busy with another writer skips them with a log line instead
of failing.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

MIN_CHANGED_ROWS = 1000
SQLITE_ANALYSIS_LIMIT = 1000  # rows sampled per index (SQLite's recommended range: 100 to 1000)


def _sqlite_analyze(tables: list[str] | tuple[str, ...] | None) -> list[str]:
    """``ANALYZE`` the named tables (or all, ``None``) on SQLite, sampled; [] if the database is busy."""
    t0 = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            if tables is None:
                cur.execute("ANALYZE")
            for name in tables or ():
                cur.execute(f'ANALYZE "{name}"')
    except OperationalError as exc:  # "database is locked": another writer; the next bulk write analyses
        logger.warning("ANALYZE skipped: %s", exc)
        return []
    done = list(tables) if tables is not None else ["*"]
    logger.info("ANALYZE %s (%.2f s)", ", ".join(done), time.perf_counter() - t0)
    return done


def analyze_stale(
    tables: list[str] | tuple[str, ...], *, share: float = 0.1, deferred: bool = False
) -> list[str]:
    """ANALYZE the given tables whose statistics are stale (on SQLite: all of them, sampled); return the names
    analysed."""
    if connection.vendor not in ("postgresql", "sqlite") or not tables:
        return []
    if connection.in_atomic_block and not deferred:
        # The writer's transaction: analyse once it has committed (the rows are visible then). The deferred
        # call never defers again: where on-commit callbacks run inside an outer transaction (a test's
        # captureOnCommitCallbacks), re-deferring would register itself forever.
        connection.on_commit(lambda: analyze_stale(tables, share=share, deferred=True))
        return []
    if connection.vendor == "sqlite":
        return _sqlite_analyze(tables)
    t0 = time.perf_counter()
    done: list[str] = []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT s.relname, s.n_mod_since_analyze, c.reltuples, s.last_analyze, s.last_autoanalyze "
            "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = ANY(%s)",
            [list(tables)],
        )
        for name, changed, size, last, last_auto in cur.fetchall():
            never = last is None and last_auto is None
            if never or (changed >= MIN_CHANGED_ROWS and changed > share * max(size, 0)):
                cur.execute(f'ANALYZE "{name}"')
                done.append(name)
    if done:
        logger.info("ANALYZE %s (%.2f s)", ", ".join(done), time.perf_counter() - t0)
    return done


def analyze_all() -> bool:
    """``ANALYZE`` every table of the database (after the demo's and the benches' loads; sampled on SQLite).
    False where it could not run (another vendor, or SQLite busy with another writer)."""
    if connection.vendor == "sqlite":
        return bool(_sqlite_analyze(None))
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return True
