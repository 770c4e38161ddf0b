"""``analyze_stale``: planner statistics right after a bulk write (PostgreSQL), nothing on SQLite."""

import pytest
from django.db import connection, transaction

from shouwang.common.dbstats import analyze_all, analyze_stale

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


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite case")
@pytest.mark.django_db
def test_sqlite_needs_nothing():
    assert analyze_stale(["registry_household"]) == []
    assert analyze_all() is False


@pg_only
@pytest.mark.django_db
def test_callbacks_run_inside_an_outer_transaction_analyse_once(django_capture_on_commit_callbacks):
    # A test's transaction never commits: the captured callback runs inside it and must not defer again.
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE dbstats_probe (n integer)")
        cur.execute("INSERT INTO dbstats_probe SELECT generate_series(1, 5000)")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            assert analyze_stale(["dbstats_probe"]) == []  # deferred
    assert len(callbacks) == 1
    assert _analysed("dbstats_probe") is not None
