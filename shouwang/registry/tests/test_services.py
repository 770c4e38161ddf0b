"""household_update / income_record_write: only changed fields saved, one audit row per changed row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.audit.models import AuditEntry
from shouwang.registry.models import Household, IncomeRecord
from shouwang.registry.services import household_update, income_record_write
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db

AMOUNTS = {
    "wage": Decimal("24000"),
    "business": Decimal("0"),
    "property": Decimal("0"),
    "transfer": Decimal("1200"),
    "business_cost": Decimal("0"),
    "compliant_self_pay": Decimal("0"),
    "insurance_claims": Decimal("0"),
}


def test_household_update_saves_and_audits_only_changes() -> None:
    hh = make_household("5303260010010001")
    user = make_user("township")
    household_update(
        household=hh, changes={"identified_on": dt.date(2025, 3, 1)}, actor=user, reason="案件#1录入系统"
    )
    entry = AuditEntry.objects.get(object_type="household")
    assert entry.changes == {"identified_on": [None, "2025-03-01"]}
    assert entry.actor_label == user.username and entry.reason == "案件#1录入系统"
    assert Household.objects.get(pk=hh.pk).identified_on == dt.date(2025, 3, 1)
    household_update(household=hh, changes={"identified_on": dt.date(2025, 3, 1)}, actor=user, reason="again")
    assert AuditEntry.objects.filter(object_type="household").count() == 1


def test_income_record_write_creates_then_updates_with_the_registry_formula() -> None:
    hh = make_household("5303260010010001")  # four counted members
    income_record_write(household=hh, period="2025-06", **AMOUNTS, actor="system", reason="走访#1更新收入")
    record = IncomeRecord.objects.get(household=hh, period="2025-06")
    assert record.net_income == Decimal("25200") and record.per_capita_net == Decimal("6300.00")
    hh.refresh_from_db()
    assert (hh.income_period, hh.income_per_capita) == ("2025-06", Decimal("6300.00"))
    created = AuditEntry.objects.get(object_type="income_record")
    assert created.action == "create" and created.actor_label == "system"

    income_record_write(
        household=hh, period="2025-06", **{**AMOUNTS, "wage": Decimal("28000")}, actor="system", reason="r"
    )
    updated = AuditEntry.objects.filter(object_type="income_record").latest("id")
    assert updated.action == "update" and updated.changes["wage"] == ["24000.00", "28000"]


def test_an_older_period_leaves_the_latest_income_alone() -> None:
    hh = make_household("5303260010010001", income={"wage": Decimal("20000")}, income_period="2025-06")
    before = (hh.income_period, hh.income_per_capita)
    income_record_write(household=hh, period="2024-06", **AMOUNTS, actor="system", reason="r")
    hh.refresh_from_db()
    assert (hh.income_period, hh.income_per_capita) == before
