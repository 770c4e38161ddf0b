"""Household income rules, pure functions (R-INC-02, R-INC-04, R-OBJ-02). Used by the import, the
console and the screening snapshot so that every part of the system computes the same figure."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl

from shouwang.registry.choices import COUNTED_RESIDENCE

CENT = Decimal("0.01")
# The seven money columns of an income record (R-INC-02, R-INC-04), in the order of the exchange file.
INCOME_MONEY = (
    "wage",
    "business",
    "property",
    "transfer",
    "business_cost",
    "compliant_self_pay",
    "insurance_claims",
)


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


# --- Vectorised on cents (identical results to income_compute) ------------------------------------------


def div_round_half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Integer cents ÷ members rounded to the cent, ties away from zero (Decimal ROUND_HALF_UP)."""
    num = numerator.astype(np.int64)
    den = np.where(denominator > 0, denominator, 1).astype(np.int64)
    q, r = np.divmod(np.abs(num), den)
    q = q + (2 * r >= den)
    return np.sign(num) * q


def income_figures(frame: pl.DataFrame) -> pl.DataFrame:
    """R-INC-02 / R-INC-04 on cents: adds ``net_income``, ``per_capita_net``, ``per_capita_reference``
    (null when no member counts) to a frame with the seven money columns and ``members_counted``."""
    get = lambda c: frame.get_column(c).fill_null(0).to_numpy().astype(np.int64)  # noqa: E731
    net = get("wage") + get("business") + get("property") + get("transfer") - get("business_cost")
    reference = net + get("insurance_claims") - get("compliant_self_pay")
    members = get("members_counted")
    has = members > 0
    pc_net = pl.Series("per_capita_net", div_round_half_up(net, members)).zip_with(
        pl.Series(has), pl.Series([None] * frame.height, dtype=pl.Int64)
    )
    pc_ref = pl.Series("per_capita_reference", div_round_half_up(reference, members)).zip_with(
        pl.Series(has), pl.Series([None] * frame.height, dtype=pl.Int64)
    )
    return frame.with_columns(pl.Series("net_income", net), pc_net, pc_ref)
