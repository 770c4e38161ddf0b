"""The truth: which households really meet the monitoring criteria this month (docs/simulator.md
"Truth"), the figure the screening is scored against. No random draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import EVENT_RISKS, RISKS, Health, Labour, Risk, School
from shouwang.simulator.month import Month
from shouwang.simulator.world import World


@dataclass
class Truth:
    """The truth test's result for a month; the engine keeps all but ``at_risk`` on the world for the
    processes of the month after (and for choosing the monitoring objects at the start)."""

    at_risk: pl.DataFrame  # household_no, period, risk_types (empty before the start)
    members: np.ndarray  # counted members per household
    pc_ref: np.ndarray  # per-capita reference income (R-INC-04), yuan
    low_risk: np.ndarray  # below the line with a risk besides low income
    sudden: np.ndarray  # sudden severe hardship


def truth_test(world: World, month: Month) -> Truth:
    """Households that meet the monitoring criteria this month (docs/simulator.md "Truth"). Also
    moves the income book's per-capita history on by one month."""
    ps, hh, book = world.ps, world.hh, world.book
    t, m, d0, nd = month.t, month.number, month.first_day, month.n_days
    n = ps.n
    counted = ps.counted()
    idx = ps.hh[:n]
    members = np.bincount(idx, weights=counted, minlength=hh.n).astype(np.int64)
    size = np.maximum(members, 1)
    thr = A.threshold_for(m // 12) * 100
    net = book.net()
    ref = book.reference()
    pc_ref = ref / size
    pc_net = net / size
    low = pc_ref < thr

    mask = np.zeros(hh.n, dtype=np.int64)
    last = hh.last_event.astype(np.int64)
    for r in EVENT_RISKS:
        mask |= np.where(last[:, r] > t - A.RISK_WINDOW_MONTHS, 1 << int(r), 0)
    # Structural risks from the members' current state.
    health = ps.health[:n]
    age = month.age
    serious = np.bincount(idx, weights=counted & (health == Health.SERIOUS), minlength=hh.n) > 0
    chronic = np.bincount(idx, weights=counted & (health == Health.CHRONIC), minlength=hh.n) > 0
    self_pay = book.window("self_pay")
    illness = serious | (chronic & (self_pay >= A.CHRONIC_SELF_PAY_RISK * 100))
    mask |= np.where(illness, 1 << Risk.ILLNESS, 0)
    severe = counted & (health == Health.DISABLED) & (ps.grade[:n] <= 2)
    mask |= np.where(np.bincount(idx, weights=severe, minlength=hh.n) > 0, 1 << Risk.DISABILITY, 0)
    school = ps.school[:n]
    non_compulsory = counted & (school >= School.SENIOR)
    out_of_school = counted & (school == School.NONE) & (age >= 7) & (age <= 15)
    edu = np.bincount(idx, weights=non_compulsory | out_of_school, minlength=hh.n) > 0
    mask |= np.where(edu, 1 << Risk.EDUCATION, 0)
    capable = counted & (ps.labour[:n] <= Labour.WEAK)
    labour_share = np.bincount(idx, weights=capable, minlength=hh.n) / size
    mask |= np.where(labour_share <= A.LABOUR_SHORTAGE_SHARE, 1 << Risk.LABOUR_SHORTAGE, 0)
    mask |= np.where(hh.house >= 2, 1 << Risk.HOUSING, 0)
    g = world.group_id
    water = (world.water_from[g] >= 0) & (world.water_from[g] < d0 + nd) & (world.water_to[g] >= d0)
    mask |= np.where(water, 1 << Risk.WATER, 0)

    event_mask = 0
    for r in EVENT_RISKS:
        event_mask |= 1 << int(r)
    rigid = self_pay - book.window("claims") + book.window("loss")
    heavy = (rigid >= A.RIGID_MIN * 100) & (rigid >= A.RIGID_SHARE_OF_NET * np.maximum(net, 0))
    before = book.pc_net_hist[t % 12] if t >= world.first + 12 else book.pc_net_start
    drop = pc_net <= A.SHARP_DROP_RATIO * before
    sudden = ~low & (heavy | drop) & ((mask & event_mask) != 0)
    at_risk = (members > 0) & ((low & (mask != 0)) | sudden) & world.registered
    mask = np.where(low, mask | (1 << Risk.LOW_INCOME), mask)
    book.pc_net_hist[t % 12] = pc_net.astype(np.float32)
    return Truth(
        at_risk=_at_risk_frame(world, m, at_risk, mask) if t >= 0 else pl.DataFrame(),
        members=members,
        pc_ref=pc_ref / 100.0,
        low_risk=(members > 0) & low & (mask != (1 << Risk.LOW_INCOME)),
        sudden=(members > 0) & sudden,
    )


def _at_risk_frame(world: World, m: int, at_risk: np.ndarray, mask: np.ndarray) -> pl.DataFrame:
    """The truth/at_risk.csv rows of the month: households at risk and their risk types."""
    h = np.flatnonzero(at_risk)
    masks = mask[h]
    uniq, inv = np.unique(masks, return_inverse=True)
    labels = [";".join(sorted(RISKS[r] for r in range(len(RISKS)) if u >> r & 1)) for u in uniq.tolist()]
    return pl.DataFrame(
        {
            "household_no": world.household_no.gather(h),
            "period": pl.Series([fmt.period(m)] * len(h), dtype=pl.String),
            "risk_types": pl.Series(labels, dtype=pl.String).gather(inv)
            if len(h)
            else pl.Series([], dtype=pl.String),
        }
    )
