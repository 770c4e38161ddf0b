"""Drinking water: village groups hit by outages, bad water or a distant source (水利), each issue
reported by place, open-ended issues closed by a later row. Draws from the "water" stream of the
month."""

from __future__ import annotations

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import Difficulty, Feed, Risk
from shouwang.simulator.month import Month
from shouwang.simulator.rng import choice_index, lognormal, stream
from shouwang.simulator.world import World


def water(world: World, month: Month) -> None:
    """Close the issues that end this month, then draw new ones per village group; each household of
    a hit group gets a truth event, the place gets the feed row."""
    ps, hh = world.ps, world.hh
    t, d0, nd, moy = month.t, month.first_day, month.n_days, month.of_year
    rng = stream(world.seed, "water", t)
    g = world.n_groups
    led = world.ledger
    # Issues that end this month and were first reported open-ended: the closing row.
    still_open = []
    for issue in world.open_water:
        ends = (issue["to"] >= d0) & (issue["to"] < d0 + nd)
        if ends.any():
            led.queue_rows(t, Feed.WATER, _water_columns(world, issue, ends, closed=True))
        keep = issue["to"] >= d0 + nd
        if keep.any():
            still_open.append({k: v[keep] for k, v in issue.items()})
    world.open_water = still_open

    p = A.WATER_ISSUE_MONTHLY * (A.WATER_DRY_SEASON_FACTOR if moy in (2, 3, 4) else 1.0)
    # Only groups where somebody lives report problems (small runs leave many groups empty).
    occupied = np.bincount(world.group_id, weights=world.registered & (world.members > 0), minlength=g) > 0
    hit = np.flatnonzero((rng.random(g) < p) & occupied)
    k = len(hit)
    if not k:
        return
    kind = choice_index(rng, A.WATER_ISSUE_SHARES, k)
    days = np.where(
        kind == 0,
        np.clip(np.round(lognormal(rng, A.WATER_OUTAGE_DAYS_MEDIAN, A.WATER_OUTAGE_DAYS_SIGMA, k)), 1, 120),
        rng.integers(*A.WATER_OTHER_DAYS, k),
    ).astype(np.int64)
    start = month.random_days(rng, k)
    end = start + days - 1
    issue = {"group": hit, "from": start, "to": end, "kind": kind.astype(np.int64)}
    qualifies = (kind != 0) | (days > A.WATER_OUTAGE_RISK_DAYS)
    world.water_from[hit[qualifies]] = start[qualifies]
    world.water_to[hit[qualifies]] = end[qualifies]
    delivered = rng.random(k) < A.WATER_DELIVERED
    late = rng.random(k) < A.LATE_SHARE
    closed_now = end < d0 + nd
    when = np.where(delivered, t + late, -1)
    when = np.where(when >= world.months, -1, when)
    for delivery in (t, t + 1):
        sel = when == delivery
        if sel.any():
            both = sel & closed_now
            opened = sel & ~closed_now
            if both.any():
                led.queue_rows(delivery, Feed.WATER, _water_columns(world, issue, both, closed=True))
            if opened.any():
                led.queue_rows(delivery, Feed.WATER, _water_columns(world, issue, opened, closed=False))
    reported_open = delivered & ~closed_now
    if reported_open.any():
        world.open_water.append({key: v[reported_open] for key, v in issue.items()})
    # Truth: one event per household of the group.
    counts = world.group_last[hit] - world.group_first[hit]
    h = np.concatenate(
        [np.arange(a, b) for a, b in zip(world.group_first[hit], world.group_last[hit], strict=True)]
    )
    rows = np.repeat(np.arange(k), counts)
    names_ = np.array(["water_outage", "water_quality", "water_distance"])
    for code in range(3):
        sel = kind[rows] == code
        if sel.any():
            # The feed row is per place; each household's truth row shares its delivery month.
            led.emit(
                t,
                event=str(names_[code]),
                risk=Risk.WATER,
                hh=h[sel],
                day=start[rows[sel]],
                reported_by=Feed.WATER,
                reported_in=when[rows[sel]],
            )
    q = qualifies[rows]
    month.reports.add(h[q], Difficulty.WATER, False, start[rows[q]], month.representatives(ps, hh)[h[q]])


def _water_columns(
    world: World, issue: dict[str, np.ndarray], sel: np.ndarray, *, closed: bool
) -> dict[str, pl.Series | np.ndarray]:
    """The 水利 rows for the issues selected by ``sel`` (open-ended unless ``closed``)."""
    groups = issue["group"][sel]
    village = world.group_village[groups]
    to = issue["to"][sel] if closed else np.full(int(sel.sum()), -1)
    return {
        "village_code": fmt.lookup(world.places.village_codes, village),
        "group_name": pl.Series([f"第{int(x)}村民小组" for x in world.group_number[groups]], dtype=pl.String),
        "from_on": fmt.date_series(issue["from"][sel]),
        "to_on": fmt.date_series(to),
        "issue": fmt.lookup(("outage", "quality", "distance"), issue["kind"][sel]),
    }
