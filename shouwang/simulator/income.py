"""Monthly household income flows and their rolling 12-month sums (POLICY R-INC-01 window,
R-INC-02 components, R-INC-04 self-pay and claims), in integer cents."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator.state import Households, Persons

COMPONENTS = ("wage", "business", "property", "transfer", "cost", "self_pay", "claims", "loss")
C = {name: i for i, name in enumerate(COMPONENTS)}


class IncomeBook:
    """A ring of the last 12 monthly flows per component and household, and their running sums."""

    def __init__(self, n: int) -> None:
        self.ring = np.zeros((len(COMPONENTS), 12, n), dtype=np.int32)
        self.sums = np.zeros((len(COMPONENTS), n), dtype=np.int64)
        # Per-capita net income of each of the last 12 windows (for the sharp-drop test).
        self.pc_net_hist = np.zeros((12, n), dtype=np.float32)
        self.pc_net_start = np.zeros(n, dtype=np.float64)

    def record(self, t: int, flows: dict[str, np.ndarray]) -> None:
        slot = t % 12
        for name, i in C.items():
            new = np.asarray(flows.get(name, 0), dtype=np.int64)
            new = np.broadcast_to(new, self.sums[i].shape)
            self.sums[i] += new - self.ring[i, slot]
            self.ring[i, slot] = new

    def window(self, name: str) -> np.ndarray:
        return self.sums[C[name]]

    def net(self) -> np.ndarray:
        s = self.sums
        return s[C["wage"]] + s[C["business"]] + s[C["property"]] + s[C["transfer"]] - s[C["cost"]]

    def reference(self) -> np.ndarray:
        """R-INC-04 as the registry computes it: net income + claims − compliant self-pay."""
        return self.net() + self.sums[C["claims"]] - self.sums[C["self_pay"]]


def monthly_flows(
    ps: Persons,
    hh: Households,
    *,
    t: int,
    month_of_year: int,
    age: np.ndarray,
    extra: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """One month of income in cents per household from the current state."""
    n = ps.n
    idx = ps.hh[:n]
    counted = ps.counted()
    in_season = ((month_of_year - ps.sched[:n].astype(np.int64)) % 12) < ps.work_len[:n]
    off = (ps.off_from[:n] <= t) & (t < ps.off_until[:n])
    working = counted & in_season & ~off & (ps.work_len[:n] > 0)
    wage = np.bincount(idx, weights=np.where(working, ps.wage[:n], 0), minlength=hh.n)

    pension = counted & ps.pension[:n] & (age >= 60)
    allowance = counted & (ps.grade[:n] > 0) & (ps.grade[:n] <= 2) & ps.certified[:n]
    per_person = (
        pension * (A.PENSION_MONTHLY * 100)
        + allowance * (A.DISABILITY_ALLOWANCE_MONTHLY * 100)
        + np.where(counted & ps.dibao[:n], ps.dibao_amt[:n], 0)
        + (counted & ps.tekun[:n]) * (A.TEKUN_MONTHLY * 100)
    )
    transfer = np.bincount(idx, weights=per_person, minlength=hh.n) + (hh.subsidy + hh.support) / 12.0

    mult = np.where(t < hh.biz_until, hh.biz_mult, 1.0)
    business = hh.farm * A.FARM_SEASON[month_of_year] * mult
    cost = hh.farm * A.FARM_COST_RATIO * A.COST_SEASON[month_of_year]
    flows = {
        "wage": np.round(wage).astype(np.int64),
        "business": np.round(business).astype(np.int64),
        "property": np.round(hh.prop / 12.0).astype(np.int64),
        "transfer": np.round(transfer).astype(np.int64),
        "cost": np.round(cost).astype(np.int64),
    }
    for name in ("self_pay", "claims", "loss"):
        flows[name] = extra.get(name, np.zeros(hh.n, dtype=np.int64))
    return flows
