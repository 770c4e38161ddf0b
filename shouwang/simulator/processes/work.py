"""Work: wages and farm receipts growing each January, migrant and local jobs lost (人社) and found
again, workless households sending someone out to work, school leavers starting work. Draws from the
"employment" stream of the month (and from the caller's stream when school leavers start work)."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import NO_RISK, Difficulty, Feed, Health, Labour, Place, Risk, School
from shouwang.simulator.month import Month
from shouwang.simulator.population import farm_units
from shouwang.simulator.rng import choice_index, stream
from shouwang.simulator.state import FOREVER, Persons
from shouwang.simulator.world import World


def new_year(world: World, month: Month) -> None:
    """January: wages and farm receipts grow; farm receipts follow the labour now at home."""
    ps, hh = world.ps, world.hh
    n = ps.n
    ps.wage[:n] = np.round(ps.wage[:n] * (1 + A.WAGE_GROWTH)).astype(np.int32)
    units = farm_units(ps, hh.n, month.first_day)
    old_units = np.maximum(world.farm_units_ref, 0.05)
    ratio = np.clip(units / old_units, 0.3, 1.5)
    hh.farm = np.round(hh.farm * (1 + A.FARM_GROWTH) * np.where(world.farm_units_ref > 0, ratio, 1.0)).astype(
        np.int64
    )
    world.farm_units_ref = units


def working_now(ps: Persons, month: Month) -> np.ndarray:
    """Persons at work this month (in their season, not off work)."""
    n = ps.n
    t = month.t
    in_season = ((month.of_year - ps.sched[:n].astype(np.int64)) % 12) < ps.work_len[:n]
    off = (ps.off_from[:n] <= t) & (t < ps.off_until[:n])
    return ps.counted() & in_season & ~off & (ps.work_len[:n] > 0)


def employment(world: World, month: Month) -> None:
    """Jobs lost (one by one, or a factory closure in a township), jobs found again, and workless
    households sending someone out to work."""
    ps, hh, led = world.ps, world.hh, world.ledger
    t, m = month.t, month.number
    rng = stream(world.seed, "employment", t)
    n = ps.n
    working = working_now(ps, month) & ~ps.public_job[:n] & ~ps.unemployed[:n]
    place = ps.place[:n]
    hazard = np.select(
        [place == Place.IN_COUNTY, place == Place.IN_PROVINCE, place == Place.OUT_OF_PROVINCE],
        [
            A.JOB_LOSS_MONTHLY["in_county"],
            A.JOB_LOSS_MONTHLY["in_province"],
            A.JOB_LOSS_MONTHLY["out_of_province"],
        ],
        0.0,
    )
    lost = working & (rng.random(n) < hazard)
    # A factory closure sends home a share of one township's migrants at once.
    if rng.random() < A.LAYOFF_EVENT_MONTHLY:
        town = int(rng.integers(0, world.places.n_townships))
        in_town = world.township[ps.hh[:n]] == town
        migrant = (place == Place.IN_PROVINCE) | (place == Place.OUT_OF_PROVINCE)
        lost |= working & in_town & migrant & (rng.random(n) < A.LAYOFF_SHARE)
    lost_idx = np.flatnonzero(lost)
    k = len(lost_idx)
    if k:
        ps.unemployed[lost_idx] = True
        ps.off_from[lost_idx] = t
        ps.off_until[lost_idx] = FOREVER
        formal = ps.formal[lost_idx]
        registered = rng.random(k) < A.UNEMPLOYMENT_REGISTERED_SHARE
        h = ps.hh[lost_idx]
        wage = ps.wage[lost_idx].astype(np.int64)
        led.emit(
            t,
            event="job_loss",
            risk=Risk.UNSTABLE_EMPLOYMENT,
            hh=h,
            day=month.random_days(rng, k),
            person_key=ps.key[lost_idx],
            amount=wage,
            feed=Feed.EMPLOYMENT,
            columns={
                "month": np.full(k, fmt.period(m)),
                "status": np.where(formal, "contribution_stopped", "unemployed_registered"),
                "monthly_wage": fmt.money_series(np.where(formal, wage, 0)),
            },
            delivered=formal | registered,
        )
        hh.mark_event(h, Risk.UNSTABLE_EMPLOYMENT, t)
        month.reports.add(h, Difficulty.JOBS, False, month.random_days(rng, k), lost_idx)

    # Re-employment (not while still ill).
    back = np.flatnonzero(
        ps.unemployed[:n]
        & ps.counted()
        & (ps.off_from[:n] < t)
        & (t - ps.serious_since[:n] > 6)
        & (ps.labour[:n] <= Labour.WEAK)
        & (rng.random(n) < A.REEMPLOYMENT_MONTHLY)
    )
    k = len(back)
    if k:
        ps.unemployed[back] = False
        ps.off_until[back] = t
        ps.wage[back] = np.round(ps.wage[back] * rng.uniform(0.85, 1.1, k)).astype(np.int32)
        share = np.select(
            [ps.place[back] == Place.IN_COUNTY, ps.place[back] == Place.IN_PROVINCE],
            [A.FORMAL_CONTRIBUTION_SHARE["in_county"], A.FORMAL_CONTRIBUTION_SHARE["in_province"]],
            A.FORMAL_CONTRIBUTION_SHARE["out_of_province"],
        )
        ps.formal[back] = rng.random(k) < share
        led.emit(
            t,
            event="reemployed",
            risk=NO_RISK,
            hh=ps.hh[back],
            day=month.random_days(rng, k),
            person_key=ps.key[back],
            amount=ps.wage[back].astype(np.int64),
            feed=Feed.EMPLOYMENT,
            columns={
                "month": np.full(k, fmt.period(m)),
                "status": np.full(k, "employed"),
                "monthly_wage": fmt.money_series(ps.wage[back].astype(np.int64)),
            },
            delivered=ps.formal[back],
        )
    _find_work(world, month, rng)


def _find_work(world: World, month: Month, rng: np.random.Generator) -> None:
    """Households left without any job: an able member starts work (local, or migrant)."""
    ps, hh = world.ps, world.hh
    t, m = month.t, month.number
    n = ps.n
    counted = ps.counted()
    off = (ps.off_from[:n] <= t) & (t < ps.off_until[:n])
    has_job = counted & (ps.work_len[:n] > 0) & ~ps.unemployed[:n] & ~off
    jobless = np.bincount(ps.hh[:n], weights=has_job, minlength=hh.n) == 0
    able = (
        counted
        & jobless[ps.hh[:n]]
        & (ps.labour[:n] <= Labour.ORDINARY)
        & (month.age >= 16)
        & (month.age <= 59)
        & (ps.school[:n] == School.NONE)
        & ~off
        & ~ps.unemployed[:n]
    )
    cand = np.flatnonzero(able)
    first = cand[np.unique(ps.hh[cand], return_index=True)[1]]
    take = first[rng.random(len(first)) < A.WORKLESS_HOUSEHOLD_FINDS_WORK_MONTHLY]
    k = len(take)
    if not k:
        return
    start_work(world, month, rng, take, certain=True)
    world.ledger.emit(
        t,
        event="started_work",
        risk=NO_RISK,
        hh=ps.hh[take],
        day=month.random_days(rng, k),
        person_key=ps.key[take],
        amount=ps.wage[take].astype(np.int64),
        feed=Feed.EMPLOYMENT,
        columns={
            "month": np.full(k, fmt.period(m)),
            "status": np.full(k, "employed"),
            "monthly_wage": fmt.money_series(ps.wage[take].astype(np.int64)),
        },
        delivered=ps.formal[take],
    )


def start_work(
    world: World, month: Month, rng: np.random.Generator, persons: np.ndarray, certain: bool = False
) -> None:
    """School leavers of working age: ordinary labour, most of them leave to work."""
    ps = world.ps
    k = len(persons)
    if not k:
        return
    adult = world.ages(month.first_day + month.n_days)[persons] >= 16
    ps.labour[persons] = np.where(
        adult & (ps.health[persons] == Health.HEALTHY), Labour.ORDINARY, ps.labour[persons]
    )
    share = 1.0 if certain else A.WORKER_SHARE
    work = persons[adult & (ps.labour[persons] <= Labour.ORDINARY) & (rng.random(k) < share)]
    w = len(work)
    place = choice_index(rng, A.WORK_PLACE_SHARES, w) + 1
    ps.place[work] = place
    ps.work_len[work] = rng.integers(8, 13, w)
    moy = month.of_year
    ps.sched[work] = moy if certain else (moy + 1) % 12
    ps.unemployed[work] = False
    median = np.array([0, *A.MONTHLY_WAGE_MEDIAN.values()])[place]
    ps.wage[work] = np.round(median * 0.85 * np.exp(A.MONTHLY_WAGE_SIGMA * rng.standard_normal(w)) * 100)
    ps.formal[work] = rng.random(w) < 0.4
