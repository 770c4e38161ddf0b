"""School: graduation in July, the new school year in September (with registrations moving to the
university), young people coming of working age, and dropouts during term (教育). Draws from the
"education" stream of the month."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import (
    EDU_BY_SCHOOL,
    NO_RISK,
    SCHOOL_STATUSES,
    Difficulty,
    Feed,
    Health,
    Labour,
    Risk,
    School,
)
from shouwang.simulator.month import Month
from shouwang.simulator.processes.people import move_out
from shouwang.simulator.processes.work import start_work
from shouwang.simulator.rng import stream
from shouwang.simulator.world import World


def education(world: World, month: Month) -> None:
    """Graduations (July), the new school year (September), coming of working age, dropouts."""
    ps, hh, led = world.ps, world.hh, world.ledger
    t, m, d0, nd, moy = month.t, month.number, month.first_day, month.n_days, month.of_year
    rng = stream(world.seed, "education", t)
    n = ps.n
    live = ps.counted()
    school = ps.school[:n]
    year = m // 12
    if moy == 6:  # July: final-year students graduate
        age_last_sep = world.ages(fmt.first_day(fmt.month_number(year - 1, 9)))
        final = (
            ((school == School.JUNIOR) & (age_last_sep >= 14))
            | (np.isin(school, (School.SENIOR, School.VOCATIONAL_SECONDARY)) & (age_last_sep >= 17))
            | ((school == School.VOCATIONAL_HIGHER) & (age_last_sep >= 20))
            | ((school == School.UNDERGRADUATE) & (age_last_sep >= 21))
            | ((school == School.POSTGRADUATE) & (age_last_sep >= 24))
        )
        grads = np.flatnonzero(live & final)
        higher = np.isin(
            ps.school[grads], (School.VOCATIONAL_HIGHER, School.UNDERGRADUATE, School.POSTGRADUATE)
        )
        led.emit(
            t,
            event="graduated",
            risk=NO_RISK,
            hh=ps.hh[grads],
            day=month.random_days(rng, len(grads)),
            person_key=ps.key[grads],
            feed=Feed.EDUCATION,
            columns={
                "stage": fmt.lookup(SCHOOL_STATUSES, ps.school[grads]),
                "status": np.full(len(grads), "graduated"),
            },
            delivered=~higher | (rng.random(len(grads)) < A.HIGHER_EDUCATION_DELIVERED),
        )
        ps.edu[grads] = np.array([EDU_BY_SCHOOL.get(School(s), 0) for s in range(9)], dtype=np.int8)[
            ps.school[grads]
        ]
        ps.school[grads] = np.where(higher, School.NONE, -ps.school[grads])  # negative: awaiting September
        leavers = grads[higher]
        start_work(world, month, rng, leavers)
    elif moy == 8:  # September: the new school year
        age = world.ages(d0)
        r = rng.random(n)
        new = school.copy()
        prev = np.abs(school)
        new[live & (age >= 3) & (age <= 5) & (prev == School.NONE) & (r < A.PRESCHOOL_SHARE)] = (
            School.PRESCHOOL
        )
        new[live & (age >= 6) & (age <= 8) & (prev <= School.PRESCHOOL)] = School.PRIMARY
        new[live & (age >= 12) & (age <= 13) & (prev == School.PRIMARY) & (r < 0.995)] = School.JUNIOR
        from_junior = live & (school == -School.JUNIOR)
        cont = from_junior & (r < A.SENIOR_CONTINUATION)
        general = rng.random(n) < A.SENIOR_GENERAL_SHARE
        new[cont & general] = School.SENIOR
        new[cont & ~general] = School.VOCATIONAL_SECONDARY
        from_senior = live & (school == -School.SENIOR)
        from_voc = live & (school == -School.VOCATIONAL_SECONDARY)
        to_higher = (from_senior & (r < A.HIGHER_CONTINUATION_FROM_SENIOR)) | (
            from_voc & (r < A.HIGHER_CONTINUATION_FROM_VOCATIONAL)
        )
        undergrad = from_senior & (rng.random(n) < A.UNDERGRADUATE_SHARE)
        new[to_higher & undergrad] = School.UNDERGRADUATE
        new[to_higher & ~undergrad] = School.VOCATIONAL_HIGHER
        # Anyone still awaiting or past a stage's age leaves school.
        new[new < 0] = School.NONE
        new[(new == School.PRIMARY) & (age > 14)] = School.NONE
        leave = np.flatnonzero(live & (school != School.NONE) & (new == School.NONE) & (age >= 15))
        entering = (
            live
            & (new != school)
            & np.isin(
                new,
                (
                    School.SENIOR,
                    School.VOCATIONAL_SECONDARY,
                    School.VOCATIONAL_HIGHER,
                    School.UNDERGRADUATE,
                ),
            )
        )
        ps.school[:n] = new
        ent = np.flatnonzero(entering)
        higher = np.isin(new[ent], (School.VOCATIONAL_HIGHER, School.UNDERGRADUATE))
        led.emit(
            t,
            event="enrolled",
            risk=NO_RISK,
            hh=ps.hh[ent],
            day=np.full(len(ent), d0) + rng.integers(0, 10, len(ent)),
            person_key=ps.key[ent],
            feed=Feed.EDUCATION,
            columns={
                "stage": fmt.lookup(SCHOOL_STATUSES, new[ent]),
                "status": np.full(len(ent), "enrolled"),
            },
            delivered=~higher | (rng.random(len(ent)) < A.HIGHER_EDUCATION_DELIVERED),
        )
        ps.labour[ent] = Labour.NONE
        start_work(world, month, rng, leave)

        # Some new undergraduates move their registration to the university.
        uni = ent[(new[ent] == School.UNDERGRADUATE) & (rng.random(len(ent)) < A.UNIVERSITY_HUKOU_OUT_SHARE)]
        move_out(world, month, uni, rng)
    # Young people out of school come of working age at 16 (by the first day of next month, the
    # day the registry snapshot at the start is taken).
    age_next = world.ages(d0 + nd)
    of_age = np.flatnonzero(
        ps.counted()
        & (age_next >= 16)
        & (age_next < 60)
        & (ps.school[:n] == School.NONE)
        & (ps.labour[:n] == Labour.NONE)
        & (ps.health[:n] == Health.HEALTHY)
    )
    start_work(world, month, rng, of_age)
    # Dropouts during term (not in the summer holidays).
    if moy not in (6, 7):
        school = ps.school[:n]
        p = np.select(
            [
                school == School.JUNIOR,
                school == School.SENIOR,
                school == School.VOCATIONAL_SECONDARY,
                np.isin(school, (School.VOCATIONAL_HIGHER, School.UNDERGRADUATE)),
            ],
            [
                A.DROPOUT_MONTHLY["junior"],
                A.DROPOUT_MONTHLY["senior"],
                A.DROPOUT_MONTHLY["vocational_secondary"],
                A.DROPOUT_MONTHLY["higher"],
            ],
            0.0,
        )
        shocked = hh.recent(t, 6)[ps.hh[:n]]
        p = np.where(shocked, p * A.DROPOUT_SHOCK_FACTOR, p)
        drop = np.flatnonzero(ps.counted() & (rng.random(n) < p))
        k = len(drop)
        if k:
            stage = ps.school[drop].copy()
            ps.school[drop] = School.NONE
            h = ps.hh[drop]
            day = month.random_days(rng, k)
            led.emit(
                t,
                event="dropout",
                risk=Risk.EDUCATION,
                hh=h,
                day=day,
                person_key=ps.key[drop],
                feed=Feed.EDUCATION,
                columns={
                    "stage": fmt.lookup(SCHOOL_STATUSES, stage),
                    "status": np.full(k, "dropped_out"),
                },
                delivered=rng.random(k) < A.DROPOUT_DELIVERED,
            )
            hh.mark_event(h, Risk.EDUCATION, t)
            month.reports.add(h, Difficulty.SCHOOLING, False, day, drop)
            start_work(world, month, rng, drop[month.age[drop] >= 16])
