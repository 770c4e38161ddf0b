"""People: deaths, births, registrations moving out (marriage, settling elsewhere, university) and
brides moving in. Draws from the "demography" stream of the month."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt, names
from shouwang.simulator.codes import NO_RISK, Difficulty, Feed, Health, Labour, Rel, Risk
from shouwang.simulator.month import Month
from shouwang.simulator.population import assign_id_numbers
from shouwang.simulator.rng import choice_index, stream
from shouwang.simulator.world import World


def demography(world: World, month: Month) -> None:
    """Deaths, births, registrations moving out and brides moving in, in that order (each sees the
    persons the previous one left)."""
    ps, hh, led = world.ps, world.hh, world.ledger
    t = month.t
    rng = stream(world.seed, "demography", t)
    n = ps.n
    live = ps.counted()
    age = month.age
    # Deaths (Gompertz, higher for serious illness).
    q = np.minimum(0.6, A.GOMPERTZ_A * np.exp(A.GOMPERTZ_B * age))
    q = np.where(ps.health[:n] == Health.SERIOUS, np.minimum(0.8, q * A.SERIOUS_MORTALITY_FACTOR), q)
    q = 1 - (1 - q) ** (1 / 12)
    dead = np.flatnonzero(live & (rng.random(n) < q))
    if len(dead):
        day = month.random_days(rng, len(dead))
        accidental = (age[dead] < 60) & (rng.random(len(dead)) < A.ACCIDENTAL_DEATH_SHARE_UNDER_60)
        serious = ps.health[dead] == Health.SERIOUS
        risk = np.where(accidental, Risk.ACCIDENT, np.where(serious, Risk.ILLNESS, NO_RISK))
        ps.alive[dead] = False
        h = ps.hh[dead]
        led.emit(
            t,
            event="death",
            risk=risk,
            hh=h,
            day=day,
            person_key=ps.key[dead],
            feed=Feed.POLICE,
            columns={"event": np.full(len(dead), "death")},
            delivered=rng.random(len(dead)) < A.DEATH_POLICE_DELIVERED,
        )
        hh.mark_event(h[accidental], Risk.ACCIDENT, t)
        earner = (age[dead] >= 18) & (age[dead] < 60)
        month.reports.add(
            h[earner], Difficulty.LIVING, True, day[earner], month.representatives(ps, hh)[h[earner]]
        )

    # Births to married women 20–42 (not within 15 months of the previous birth).
    live = ps.counted()
    head_male = ps.male[hh.head] & ps.counted()[hh.head]
    mother_ok = live & ~ps.male[:n] & (ps.last_birth[:n] < t - 15)
    mother_ok &= ((ps.rel[:n] == Rel.SPOUSE) & head_male[ps.hh[:n]]) | (ps.rel[:n] == Rel.CHILD_IN_LAW)
    rate = np.zeros(n)
    for lo, hi, r in A.FERTILITY_BY_AGE:
        rate = np.where((age >= lo) & (age < hi), r, rate)
    mothers = np.flatnonzero(mother_ok & (rng.random(n) < 1 - (1 - rate) ** (1 / 12)))
    if len(mothers):
        k = len(mothers)
        sl = ps.append(k)
        new = np.arange(sl.start, sl.stop)
        ps.hh[new] = ps.hh[mothers]
        ps.rel[new] = np.where(ps.rel[mothers] == Rel.SPOUSE, Rel.CHILD, Rel.GRANDCHILD)
        ps.male[new] = rng.random(k) < A.MALE_BIRTH_SHARE
        ps.birth[new] = month.random_days(rng, k)
        ps.area[new] = world.county_code[ps.hh[mothers]]
        ps.eth[new] = hh.eth[ps.hh[mothers]]
        ps.joined[new] = t
        ps.last_birth[mothers] = t
        head_names = ps.name[hh.head[ps.hh[mothers]]]
        given = names.given_names(rng, ps.male[new]).to_numpy()
        ps.name[new] = np.array([s[:1] + g for s, g in zip(head_names, given, strict=True)], dtype="<U3")
        assign_id_numbers(ps, new)
        led.add_keys(ps.key[new])
        led.emit(t, event="birth", risk=NO_RISK, hh=ps.hh[new], day=ps.birth[new], person_key=ps.key[new])
        month.age = np.concatenate([month.age, np.zeros(k, dtype=np.int64)])
    month.forget_representatives()
    n = ps.n
    live = ps.counted()
    age = month.age

    # Registrations moving out: daughters marrying out, adult children settling elsewhere.
    p_out = np.where(
        (ps.rel[:n] == Rel.CHILD) & ~ps.male[:n] & (age >= 20) & (age <= 30),
        A.monthly(A.MARRY_OUT_ANNUAL),
        0.0,
    )
    p_out = np.where(
        (ps.rel[:n] == Rel.CHILD) & (age >= 22) & (age <= 40),
        p_out + A.monthly(A.MIGRATE_OUT_ANNUAL),
        p_out,
    )
    out = np.flatnonzero(live & (ps.joined[:n] < t) & (rng.random(n) < p_out))
    move_out(world, month, out, rng)

    # Brides moving in: unmarried sons and single male heads 22–40.
    has_in_law = np.bincount(ps.hh[:n], weights=live & (ps.rel[:n] == Rel.CHILD_IN_LAW), minlength=hh.n) > 0
    has_spouse = np.bincount(ps.hh[:n], weights=live & (ps.rel[:n] == Rel.SPOUSE), minlength=hh.n) > 0
    groom = live & ps.male[:n] & (age >= 22) & (age <= 40)
    groom &= ((ps.rel[:n] == Rel.CHILD) & ~has_in_law[ps.hh[:n]]) | (
        (ps.rel[:n] == Rel.HEAD) & ~has_spouse[ps.hh[:n]]
    )
    grooms = np.flatnonzero(groom & (rng.random(n) < A.monthly(A.MARRY_IN_ANNUAL)))
    grooms = grooms[np.unique(ps.hh[grooms], return_index=True)[1]]  # one wedding per household
    if len(grooms):
        _move_in(world, month, grooms, rng)


def move_out(world: World, month: Month, out: np.ndarray, rng: np.random.Generator) -> None:
    """Persons ``out`` leave the household's registration (reported by the police)."""
    if not len(out):
        return
    ps = world.ps
    t = month.t
    ps.present[out] = False
    month.forget_representatives()
    world.ledger.emit(
        t,
        event="moved_out",
        risk=NO_RISK,
        hh=ps.hh[out],
        day=month.random_days(rng, len(out)),
        person_key=ps.key[out],
        feed=Feed.POLICE,
        columns={"event": np.full(len(out), "moved_out")},
    )


def _move_in(world: World, month: Month, grooms: np.ndarray, rng: np.random.Generator) -> None:
    """A bride from outside the county for each of ``grooms``."""
    ps, hh = world.ps, world.hh
    t, d0 = month.t, month.first_day
    k = len(grooms)
    sl = ps.append(k)
    new = np.arange(sl.start, sl.stop)
    ps.hh[new] = ps.hh[grooms]
    ps.rel[new] = np.where(ps.rel[grooms] == Rel.HEAD, Rel.SPOUSE, Rel.CHILD_IN_LAW)
    ps.male[new] = False
    bride_age = np.maximum(20, month.age[grooms] - rng.integers(0, 6, k))
    ps.birth[new] = d0 - np.floor(bride_age * 365.2425).astype(np.int64) - rng.integers(1, 365, k)
    outside = np.array(world.places.outside_county_codes, dtype=np.int64)
    ps.area[new] = outside[rng.integers(0, len(outside), k)]
    ps.eth[new] = hh.eth[ps.hh[grooms]]
    ps.edu[new] = choice_index(rng, (0.02, 0.15, 0.55, 0.12, 0.10, 0.06), k) + 1
    ps.labour[new] = Labour.ORDINARY
    ps.pension[new] = True
    ps.joined[new] = t
    given = names.given_names(rng, ps.male[new])
    ps.name[new] = np.asarray(names.full_names(names.surname_codes(rng, k), given).to_numpy(), dtype="<U3")
    # Sequence codes for people registered elsewhere: unique within the run (they never collide
    # with residents, whose area codes differ).
    keys = np.empty(k, dtype=np.int64)
    for i, p in enumerate(new):
        base = fmt.id_key(ps.area[p : p + 1], ps.birth[p : p + 1], np.zeros(1, dtype=np.int64))[0]
        seq = 2 * int(rng.integers(0, 150)) + 2
        while base + seq in world.mover_keys:
            seq += 2
        keys[i] = base + seq
        world.mover_keys.add(int(base + seq))
    ps.key[new] = keys
    world.ledger.add_keys(keys)
    month.age = np.concatenate([month.age, bride_age.astype(np.int64)])
    world.ledger.emit(
        t,
        event="moved_in",
        risk=NO_RISK,
        hh=ps.hh[new],
        day=month.random_days(rng, k),
        person_key=keys,
        feed=Feed.POLICE,
        columns={"event": np.full(k, "moved_in")},
    )
