"""Disasters and failed farm projects: villages and townships hit by hazards (应急), crops lost and
houses damaged, agricultural insurance; village industries failing. Draw from the "disaster" and
"industry" streams of the month."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import Difficulty, Feed, Risk
from shouwang.simulator.month import Month
from shouwang.simulator.processes.housing import house_change
from shouwang.simulator.rng import choice_index, lognormal, stream
from shouwang.simulator.world import World


def disasters(world: World, month: Month) -> None:
    """Villages and whole townships hit by a hazard of the season: crops lost, houses damaged, the
    repair counted as a loss, agricultural insurance claims filed for next month."""
    hh, ps, places = world.hh, world.ps, world.places
    t = month.t
    rng = stream(world.seed, "disaster", t)
    calendar_month = month.of_year + 1
    weights = next(w for months, w in A.HAZARD_SEASONS if calendar_month in months)
    season = 2.0 if calendar_month in (6, 7, 8, 9) else (1.2 if calendar_month in (3, 4, 5) else 0.5)
    v_hit = rng.random(places.n_villages) < A.VILLAGE_DISASTER_MONTHLY * season
    t_hit = rng.random(places.n_townships) < A.TOWNSHIP_DISASTER_MONTHLY * season
    v_hazard = choice_index(rng, weights, places.n_villages)
    t_hazard = choice_index(rng, weights, places.n_townships)
    v_share = rng.uniform(*A.VILLAGE_AFFECTED_SHARE, places.n_villages)
    t_share = rng.uniform(*A.TOWNSHIP_AFFECTED_SHARE, places.n_townships)
    v_day = month.random_days(rng, places.n_villages)
    t_day = month.random_days(rng, places.n_townships)
    town = world.township
    by_town = t_hit[town]
    hazard = np.where(by_town, t_hazard[town], v_hazard[hh.village])
    share = np.where(by_town, t_share[town], v_share[hh.village])
    day = np.where(by_town, t_day[town], v_day[hh.village])
    struck = (by_town | v_hit[hh.village]) & (rng.random(hh.n) < share)
    struck &= world.members > 0
    h = np.flatnonzero(struck)
    k = len(h)
    if not k:
        return
    hz = hazard[h]
    crop_share = np.where(A.HAZARDS.index("地震") == hz, 0.05, 1.0) * rng.uniform(*A.CROP_LOSS_SHARE, k)
    crop_loss = np.round(hh.farm[h] * crop_share * 0.5).astype(np.int64)
    active = t < hh.biz_until[h]
    hh.biz_mult[h] = np.where(active, np.minimum(hh.biz_mult[h], 1 - crop_share), 1 - crop_share)
    hh.biz_until[h] = np.maximum(hh.biz_until[h], t + 6)
    p_damage = np.array([A.HOUSE_DAMAGE_SHARE[z] for z in A.HAZARDS])[hz]
    damaged = rng.random(k) < p_damage
    repair = np.where(damaged, np.round(lognormal(rng, A.HOUSE_REPAIR_MEDIAN, 0.6, k) * 100), 0).astype(
        np.int64
    )
    month.loss[h] += repair
    loss = crop_loss + repair
    rep = month.representatives(ps, hh)[h]
    world.ledger.emit(
        t,
        event="disaster",
        risk=Risk.DISASTER,
        hh=h,
        day=day[h],
        amount=loss,
        feed=Feed.DISASTER,
        id_key=ps.key[rep],
        columns={
            "hazard": fmt.lookup(A.HAZARDS, hz),
            "loss_amount": fmt.money_series(loss),
            "house_damaged": np.where(damaged, "Y", "N"),
        },
        delivered=rng.random(k) < A.DISASTER_DELIVERED,
    )
    hh.mark_event(h, Risk.DISASTER, t)
    insured = rng.random(k) < A.AGRI_INSURANCE_SHARE
    np.add.at(
        month.claims_next,
        h,
        np.where(insured, np.round(crop_loss * A.AGRI_INSURANCE_RATE), 0).astype(np.int64),
    )
    dh = h[damaged]
    new_grade = np.where(rng.random(len(dh)) < 0.7, 2, 3).astype(np.int8)
    worse = new_grade > hh.house[dh]
    house_change(world, month, rng, dh[worse], grade=new_grade[worse], event="house_damaged")
    month.reports.add(dh, Difficulty.HOUSING, True, day[dh], rep[damaged])
    month.reports.add(h[~damaged], Difficulty.LIVING, False, day[h[~damaged]], rep[~damaged])
    month.aid.add(dh, rep[damaged])


def industry(world: World, month: Month) -> None:
    """A village's farm project fails: the farm receipts of part of its households fall for a few
    months (no department delivers it)."""
    hh, ps, places = world.hh, world.ps, world.places
    t = month.t
    rng = stream(world.seed, "industry", t)
    hit = rng.random(places.n_villages) < A.INDUSTRY_FAILURE_VILLAGE_MONTHLY
    if not hit.any():
        return
    share = rng.uniform(*A.INDUSTRY_FAILURE_AFFECTED, places.n_villages)
    factor = rng.uniform(*A.INDUSTRY_FAILURE_FACTOR, places.n_villages)
    length = rng.integers(A.INDUSTRY_FAILURE_MONTHS[0], A.INDUSTRY_FAILURE_MONTHS[1] + 1, places.n_villages)
    day = month.random_days(rng, places.n_villages)
    v = hh.village
    h = np.flatnonzero(hit[v] & (hh.farm > 0) & (rng.random(hh.n) < share[v]) & (world.members > 0))
    f = factor[v[h]]
    months = length[v[h]]
    lost = np.round(hh.farm[h] * (1 - f) * months / 12).astype(np.int64)
    active = t < hh.biz_until[h]
    hh.biz_mult[h] = np.where(active, np.minimum(hh.biz_mult[h], f), f)
    hh.biz_until[h] = np.maximum(hh.biz_until[h], t + months)
    world.ledger.emit(
        t, event="industry_failure", risk=Risk.INDUSTRY_FAILURE, hh=h, day=day[v[h]], amount=lost
    )
    hh.mark_event(h, Risk.INDUSTRY_FAILURE, t)
    month.reports.add(h, Difficulty.LIVING, False, day[v[h]], month.representatives(ps, hh)[h])
