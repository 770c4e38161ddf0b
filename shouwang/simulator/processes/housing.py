"""Houses: decay (A→B unnoticed, to C or D appraised by 住建), damage from disasters, and 危房改造
renovations. Draws from the "housing" stream of the month (and the caller's for disaster damage)."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import HOUSE_GRADES, NO_RISK, Difficulty, Feed, Risk
from shouwang.simulator.month import Month
from shouwang.simulator.rng import stream
from shouwang.simulator.world import World


def house_change(
    world: World, month: Month, rng: np.random.Generator, h: np.ndarray, *, grade: np.ndarray, event: str
) -> None:
    """A house becomes C or D; 住建 appraises most of them 1–3 months later."""
    ps, hh = world.ps, world.hh
    k = len(h)
    if not k:
        return
    t = month.t
    hh.house[h] = grade
    delay = rng.integers(A.APPRAISAL_DELAY_MONTHS[0], A.APPRAISAL_DELAY_MONTHS[1] + 1, k)
    feed_day = np.array([fmt.first_day(month.number + int(d)) for d in delay], dtype=np.int64)
    feed_day += rng.integers(0, 28, k)
    world.ledger.emit(
        t,
        event=event,
        risk=Risk.HOUSING,
        hh=h,
        day=month.random_days(rng, k),
        feed=Feed.HOUSING,
        id_key=ps.key[month.representatives(ps, hh)[h]],
        columns={"grade": fmt.lookup(HOUSE_GRADES, grade)},
        delivered=rng.random(k) < A.HOUSING_APPRAISED_SHARE,
        delay=delay,
        feed_day=feed_day,
    )


def housing(world: World, month: Month) -> None:
    """Houses decay a grade at a time; C/D houses are renovated (危房改造)."""
    ps, hh = world.ps, world.hh
    t = month.t
    rng = stream(world.seed, "housing", t)
    r = rng.random(hh.n)
    alive = world.members > 0
    p = np.select([hh.house == 0, hh.house == 1, hh.house == 2], list(A.HOUSE_DETERIORATION_MONTHLY), 0.0)
    worse = np.flatnonzero(alive & (r < p))
    new_grade = hh.house[worse] + 1
    to_cd = new_grade >= 2
    hh.house[worse[~to_cd]] = new_grade[~to_cd]  # A→B goes unnoticed
    house_change(
        world, month, rng, worse[to_cd], grade=new_grade[to_cd].astype(np.int8), event="house_deteriorated"
    )
    month.reports.add(
        worse[to_cd],
        Difficulty.HOUSING,
        False,
        month.random_days(rng, int(to_cd.sum())),
        month.representatives(ps, hh)[worse[to_cd]],
    )
    # 危房改造: C/D houses are renovated (grade A) and re-appraised.
    fixed = np.flatnonzero(alive & (hh.house >= 2) & (rng.random(hh.n) < A.HOUSE_RENOVATION_MONTHLY))
    fixed = fixed[~np.isin(fixed, worse)]
    hh.house[fixed] = 0
    k = len(fixed)
    world.ledger.emit(
        t,
        event="house_renovated",
        risk=NO_RISK,
        hh=fixed,
        day=month.random_days(rng, k),
        feed=Feed.HOUSING,
        id_key=ps.key[month.representatives(ps, hh)[fixed]],
        columns={"grade": np.full(k, "A")},
    )
