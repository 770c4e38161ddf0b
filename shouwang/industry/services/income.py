"""Paid payouts become household income by source (POLICY R-IND-03, R-INC-02; decision 0803).

The registry holds a household's income as 12-month records (``registry.IncomeRecord``: wages, business,
property, transfers, … for the 12 months ending with ``period``). The payouts paid inside the window of the
household's newest record are added to it by source (收购款 → 生产经营性, 工资 → 工资性, 租金/分红/保底收益
→ 财产性) through the registry's own audited write (``income_record_write``), so the per-capita figure and
the screening's income test see them. ``PayoutIncome`` remembers what was added per record, so importing
the ledger again, or a corrected file, adds only the difference (never twice).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from shouwang.accounts.actors import Actor
from shouwang.industry.choices import PAYOUT_INCOME_SOURCE
from shouwang.industry.models import Payout, PayoutIncome
from shouwang.registry.models import Household, IncomeRecord
from shouwang.registry.services import income_record_write

SOURCES = ("wage", "business", "property")


def _window_start(period: str) -> str:
    """The first month of the 12 months ending with ``period`` (YYYY-MM)."""
    year, month = int(period[:4]), int(period[5:])
    total = year * 12 + month - 1 - 11
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def payout_sums(*, household: Household, period: str) -> dict[str, Decimal]:
    """Paid payouts of the 12 months ending with ``period``, by income source."""
    first = _window_start(period)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    paid = Payout.objects.filter(household=household, paid_on__isnull=False, paid_amount__gt=0)
    for ptype, paid_on, amount in paid.values_list("payout_type", "paid_on", "paid_amount"):
        if paid_on is None:
            continue
        month = paid_on.strftime("%Y-%m")
        if first <= month <= period:
            sums[PAYOUT_INCOME_SOURCE[ptype]] += amount
    return {s: sums[s] for s in SOURCES}


@transaction.atomic(savepoint=False)
def payout_income_apply(*, household: Household, actor: Actor) -> IncomeRecord | None:
    """Bring the household's newest income record in line with its paid payouts (module doc). Returns the
    record when it changed; None when there is no record or nothing to add."""
    record = IncomeRecord.objects.filter(household=household).order_by("-period").first()
    if record is None:
        return None
    sums = payout_sums(household=household, period=record.period)
    applied, _ = PayoutIncome.objects.get_or_create(household=household, period=record.period)
    delta = {s: sums[s] - getattr(applied, s) for s in SOURCES}
    if not any(delta.values()):
        return None
    updated = income_record_write(
        household=household,
        period=record.period,
        wage=record.wage + delta["wage"],
        business=record.business + delta["business"],
        property=record.property + delta["property"],
        transfer=record.transfer,
        business_cost=record.business_cost,
        compliant_self_pay=record.compliant_self_pay,
        insurance_claims=record.insurance_claims,
        actor=actor,
        reason="联农带农兑现计入家庭收入（R-IND-03）",
    )
    for s in SOURCES:
        setattr(applied, s, sums[s])
    applied.save()
    return updated
