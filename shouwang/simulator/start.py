"""The registry at the start, after the warm-up: households whose head died or left get a new head
(户主变更), and the monitoring objects identified before the start are chosen from the households' true
state (POLICY R-OBJ-07)."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import Rel
from shouwang.simulator.rng import stream
from shouwang.simulator.state import Households, Persons


def select_monitored(
    hh: Households,
    *,
    low_risk: np.ndarray,
    sudden: np.ndarray,
    pc: np.ndarray,
    members: np.ndarray,
    seed: int,
    start_month: int,
) -> None:
    """Monitoring objects identified before the start (POLICY R-OBJ-07 shares), chosen after the
    warm-up from the households' true state in the month before the start: active 脱贫不稳定 / 边缘易致贫
    objects among households below the line with a risk, active 突发严重困难 objects among the sudden
    cases (topped up with households hit by an event if there are too few), eliminated ones among
    households now comfortably above the line. Eligible households left over are the 应纳未纳 cases the
    screening has to find."""
    rng = stream(seed, "population.monitored")
    start_day = fmt.first_day(start_month)
    thr = A.threshold_for((start_month - 1) // 12)
    live = members > 0
    total = round(int(live.sum()) * A.MONITORED_SHARE)
    taken = ~live.copy()
    first_id_day = fmt.first_day(fmt.month_number(A.FIRST_IDENTIFICATION_YEAR, 1))
    last_event = hh.last_event.max(axis=1).astype(np.int64)

    def pick(mask: np.ndarray, k: int, weight: np.ndarray) -> np.ndarray:
        cand = np.flatnonzero(mask & ~taken)
        if k <= 0 or len(cand) == 0:
            return cand[:0]
        k = min(k, len(cand))
        w = weight[cand] / weight[cand].sum()
        chosen = np.sort(rng.choice(cand, size=k, replace=False, p=w))
        taken[chosen] = True
        return chosen

    low_weight = np.exp(-np.clip(pc / thr, 0, 5) * 3)
    flat = np.ones(hh.n)
    comfortable = (pc >= thr * 1.15) & ~low_risk & ~sudden
    for code, (category, share) in enumerate(A.CATEGORY_SHARES.items(), start=1):
        k = round(total * share)
        k_active = round(k * (1 - A.ELIMINATED_SHARE))
        k_elim = k - k_active
        if category == "sudden":
            k_f = round(k_active * A.SUDDEN_FORMER_POOR_SHARE)
            recent = last_event > -A.RISK_WINDOW_MONTHS
            active_f = pick(sudden & hh.former, k_f, flat)
            active_f = np.concatenate(
                [active_f, pick(recent & hh.former & ~low_risk, k_f - len(active_f), flat)]
            )
            active_o = pick(sudden & ~hh.former, k_active - k_f, flat)
            active_o = np.concatenate(
                [active_o, pick(recent & ~hh.former & ~low_risk, k_active - k_f - len(active_o), flat)]
            )
            active = np.sort(np.concatenate([active_f, active_o]))
            e_f = round(k_elim * A.SUDDEN_FORMER_POOR_SHARE)
            elim = np.sort(
                np.concatenate(
                    [
                        pick(comfortable & hh.former, e_f, flat),
                        pick(comfortable & ~hh.former, k_elim - e_f, flat),
                    ]
                )
            )
        else:
            status = hh.former if category == "unstable" else ~hh.former
            active = pick(status & low_risk, k_active, low_weight)
            elim = pick(status & comfortable & (pc < thr * 3), k_elim, flat)
        hh.category[active] = code
        hh.category[elim] = code
        if category == "sudden":
            # Identified within a month of the event that made them eligible.
            event_day = np.array(
                [fmt.first_day(start_month + int(max(e, -A.RISK_WINDOW_MONTHS))) for e in last_event[active]],
                dtype=np.int64,
            )
            ident = event_day + rng.integers(15, 45, len(active))
        else:
            ident = rng.integers(first_id_day, start_day - 20, len(active))
        hh.identified[active] = np.minimum(ident, start_day - 1)
        latest = start_day - 31 * (A.MIN_MONTHS_BEFORE_ELIMINATION + 1)
        e_ident = rng.integers(first_id_day, max(first_id_day + 1, latest), len(elim))
        hh.identified[elim] = e_ident
        earliest = e_ident + 31 * A.MIN_MONTHS_BEFORE_ELIMINATION
        hh.eliminated[elim] = earliest + (rng.random(len(elim)) * (start_day - 1 - earliest)).astype(np.int64)
        hh.elim_mode[elim] = np.where(rng.random(len(elim)) < A.ASSISTED_ELIMINATION_SHARE, 1, 2)


def rehead(ps: Persons, hh: Households, day: int) -> None:
    """Households whose registered head died (or left) during the warm-up get a new head before the
    registry is written (户主变更): the spouse, else the eldest adult child, else the eldest member.
    The others' relations are restated relative to the new head."""
    n = ps.n
    counted = ps.counted()
    orphan = np.flatnonzero(~counted[hh.head])
    if not len(orphan):
        return
    is_orphan = np.zeros(hh.n, dtype=bool)
    is_orphan[orphan] = True
    members = np.flatnonzero(counted & is_orphan[ps.hh[:n]])
    if not len(members):
        return
    rel = ps.rel[members]
    # Priority: spouse, then adult children by age, then anybody by age (older first).
    adult_child = (rel == Rel.CHILD) & (fmt.age_years(ps.birth[members], day) >= 18)
    rank = np.select([rel == Rel.SPOUSE, adult_child], [0, 1], 2)
    order = np.lexsort((members, ps.birth[members], rank, ps.hh[members]))
    first = order[np.unique(ps.hh[members][order], return_index=True)[1]]
    new_heads = members[first]
    households = ps.hh[new_heads]
    from_rel = np.full(hh.n, -1, dtype=np.int64)
    from_rel[households] = ps.rel[new_heads]
    new_head_of = np.full(hh.n, -1, dtype=np.int64)
    new_head_of[households] = new_heads
    for p_rel in (Rel.CHILD, Rel.OTHER, Rel.PARENT, Rel.SIBLING, Rel.GRANDPARENT, Rel.CHILD_IN_LAW):
        # Members of households whose new head had relation p_rel (spouse-headed: nothing changes).
        sel = members[from_rel[ps.hh[members]] == p_rel]
        old = ps.rel[sel].copy()
        if p_rel == Rel.CHILD:
            mapping = {
                Rel.SPOUSE: Rel.PARENT,
                Rel.CHILD: Rel.SIBLING,
                Rel.CHILD_IN_LAW: Rel.SPOUSE,
                Rel.GRANDCHILD: Rel.CHILD,
                Rel.PARENT: Rel.GRANDPARENT,
            }
        else:
            mapping = {}
        new = np.full(len(sel), Rel.OTHER, dtype=np.int8)
        for a, b in mapping.items():
            new[old == a] = b
        ps.rel[sel] = new
    # A second in-law in a child-headed household is not the new head's spouse.
    ps.rel[new_heads] = Rel.HEAD
    spouse_count = np.bincount(ps.hh[members], weights=ps.rel[members] == Rel.SPOUSE, minlength=hh.n)
    extra = members[(ps.rel[members] == Rel.SPOUSE) & (spouse_count[ps.hh[members]] > 1)]
    keep = extra[np.unique(ps.hh[extra], return_index=True)[1]]
    ps.rel[np.setdiff1d(extra, keep)] = Rel.OTHER
    # A spouse must be of the other sex.
    wrong = members[
        (ps.rel[members] == Rel.SPOUSE) & (ps.male[members] == ps.male[new_head_of[ps.hh[members]]])
    ]
    ps.rel[wrong] = Rel.OTHER
    hh.head[households] = new_heads
