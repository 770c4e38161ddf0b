"""Household income rules, pure functions (R-INC-02, R-INC-04, R-OBJ-02). Used by the import, the
console and the screening snapshot so that every part of the system computes the same figure."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shouwang.registry.choices import COUNTED_RESIDENCE

CENT = Decimal("0.01")


@dataclass(frozen=True)
class IncomeFigures:
    net_income: Decimal
    members_counted: int
    per_capita_net: Decimal | None
    per_capita_reference: Decimal | None


def members_counted(residences: Iterable[str]) -> int:
    """R-OBJ-02: registered members who live in and share income and spending with the household.

    Members away for work still share income (they send money home) and count; members who moved
    out, died, or are excluded under the civil-affairs rule (≥3 years in prison, clergy, missing)
    do not. See docs/registry.md.
    """
    return sum(1 for r in residences if r in COUNTED_RESIDENCE)


def income_compute(
    *,
    wage: Decimal,
    business: Decimal,
    property: Decimal,
    transfer: Decimal,
    business_cost: Decimal,
    compliant_self_pay: Decimal,
    insurance_claims: Decimal,
    members: int,
) -> IncomeFigures:
    """R-INC-02: net income = wages + business + property + transfers − business costs.

    R-INC-04 (inferred, documented in docs/registry.md): the reference income compared with the
    threshold is net income + insurance claims − compliant self-paid spending, so a medical bill
    reimbursed by a claim is not deducted twice.
    """
    net = wage + business + property + transfer - business_cost
    if members <= 0:
        return IncomeFigures(net, 0, None, None)
    reference = net + insurance_claims - compliant_self_pay
    return IncomeFigures(
        net_income=net,
        members_counted=members,
        per_capita_net=(net / members).quantize(CENT, ROUND_HALF_UP),
        per_capita_reference=(reference / members).quantize(CENT, ROUND_HALF_UP),
    )
