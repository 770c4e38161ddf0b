"""Planner statistics after bulk writes (PostgreSQL).

A table loaded in one go has no planner statistics until autovacuum analyses it (a minute later at best;
never where autovacuum is off), and PostgreSQL then plans for a few rows: the warnings API took 3.7 s instead
of 57 ms (issue 13). ``analyze_stale(...)`` does right away what autovacuum would do: ``ANALYZE`` each named
table whose rows changed since its last analysis by more than ``share`` of its size (or that was never
analysed). It runs outside any transaction block (``ANALYZE`` inside the writer's transaction would not see
rows committed by others, and would hold its lock until the end) and does nothing on SQLite, whose planner
needs no statistics for this schema's indexed look-ups.
"""

from __future__ import annotations

import logging
import time

from django.db import connection

logger = logging.getLogger(__name__)

MIN_CHANGED_ROWS = 1000


def analyze_stale(
    tables: list[str] | tuple[str, ...], *, share: float = 0.1, deferred: bool = False
) -> list[str]:
    """ANALYZE the given tables whose statistics are stale; return the names analysed."""
    if connection.vendor != "postgresql" or not tables:
        return []
    if connection.in_atomic_block and not deferred:
        # The writer's transaction: analyse once it has committed (the rows are visible then). The deferred
        # call never defers again: where on-commit callbacks run inside an outer transaction (a test's
        # captureOnCommitCallbacks), re-deferring would register itself forever.
        connection.on_commit(lambda: analyze_stale(tables, share=share, deferred=True))
        return []
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
    """``ANALYZE`` every table of the database (PostgreSQL; after the demo's loads). False on SQLite."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return True
