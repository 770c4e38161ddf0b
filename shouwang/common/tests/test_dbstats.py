"""``analyze_stale``: planner statistics right after a bulk write (PostgreSQL), nothing on SQLite."""

import pytest
from django.db import connection, transaction

from shouwang.common.dbstats import analyze_all, analyze_stale
from shouwang.testing.builders import VILLAGE_A, make_household

pg_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (SHOUWANG_DATABASE_URL)"
)


def _analysed(table: str) -> object:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cur.fetchone()[0]


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_table_without_statistics_is_analysed_once():
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE dbstats_probe (n integer)")
        cur.execute("INSERT INTO dbstats_probe SELECT generate_series(1, 5000)")
    try:
        assert _analysed("dbstats_probe") is None
        assert analyze_stale(["dbstats_probe"]) == ["dbstats_probe"]
        assert _analysed("dbstats_probe") is not None
        assert analyze_stale(["dbstats_probe"]) == []  # fresh statistics: nothing to do
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE dbstats_probe")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_it_waits_for_the_commit():
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE dbstats_probe (n integer)")
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("INSERT INTO dbstats_probe SELECT generate_series(1, 5000)")
            assert analyze_stale(["dbstats_probe"]) == []  # deferred
            assert _analysed("dbstats_probe") is None
        assert _analysed("dbstats_probe") is not None  # ran at commit
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE dbstats_probe")


def _sqlite_stats(table: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cur.fetchone():
            return []
        cur.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return [row[0] for row in cur.fetchall()]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite case")
@pytest.mark.django_db
def test_sqlite_gets_sampled_statistics_after_the_commit(django_capture_on_commit_callbacks):
    make_household("H_STAT", VILLAGE_A)
    assert _sqlite_stats("registry_household") == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        assert analyze_stale(["registry_household"]) == []  # deferred to the commit
        assert _sqlite_stats("registry_household") == []
    assert len(callbacks) == 1
    stats = _sqlite_stats("registry_household")
    assert stats and all(s.split()[0] == "1" for s in stats)  # the one row, per index
    assert analyze_all() is True


@pg_only
@pytest.mark.django_db
def test_callbacks_run_inside_an_outer_transaction_analyse_once(django_capture_on_commit_callbacks):
    # A test's transaction never commits: the captured callback runs inside it and must not defer again.
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE dbstats_probe (n integer)")
        cur.execute("INSERT INTO dbstats_probe SELECT generate_series(1, 5000)")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        assert analyze_stale(["dbstats_probe"]) == []  # deferred
    assert len(callbacks) == 1
    assert _analysed("dbstats_probe") is not None
