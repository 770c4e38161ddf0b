"""The spool of looks audited while the database was busy (audit.spool). The real lock is exercised in
commands/tests/test_sqlite_busy.py; here the spool's own promises: durable lines, original time and actor,
nothing lost when the flush itself finds the database busy."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from shouwang.audit import spool
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.testing.builders import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def _look(user, household_no: str) -> dict:
    return {
        "actor_id": user.pk,
        "actor_label": user.username,
        "actor_role": user.role,
        "action": AuditActionChoices.VIEW,
        "object_type": "household",
        "object_id": household_no,
        "region_code": "530326001001",
        "changes": {},
        "reason": "view",
    }


def test_spooled_looks_enter_the_log_with_their_own_time_and_actor():
    user = make_user("county", "530326")
    at = timezone.now() - dt.timedelta(minutes=7)
    spool.spool_append(_look(user, "5303260010010001"), at)
    spool.spool_append(_look(user, "5303261020010001"), at + dt.timedelta(seconds=1))
    assert AuditEntry.objects.count() == 0
    assert spool.spool_pending()

    assert spool.spool_flush() == 2

    rows = list(AuditEntry.objects.order_by("id"))
    assert [(r.object_id, r.actor, r.at) for r in rows] == [
        ("5303260010010001", user, at),
        ("5303261020010001", user, at + dt.timedelta(seconds=1)),
    ]
    assert not spool.spool_pending()
    assert spool.spool_flush() == 0
    assert AuditEntry.objects.count() == 2


def test_a_flush_that_finds_the_database_busy_keeps_every_entry(monkeypatch):
    user = make_user("county", "530326")
    spool.spool_append(_look(user, "5303260010010001"), timezone.now())

    def busy(rows):
        raise OperationalError("database is locked")

    with monkeypatch.context() as m:
        m.setattr(spool, "_insert", busy)
        assert spool.spool_flush() == 0
    assert AuditEntry.objects.count() == 0
    assert spool.spool_pending()

    assert spool.spool_flush() == 1
    assert AuditEntry.objects.get().object_id == "5303260010010001"
    assert not spool.spool_pending()
