"""Health: chronic and serious illness, hospital stays and their settlements (医保), recovery, new
disabilities (残联) and accidents. Draws from the "health" stream of the month."""

from __future__ import annotations

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import SCHOOL_STATUSES, Difficulty, Feed, Health, Labour, Place, Risk, School
from shouwang.simulator.month import Month
from shouwang.simulator.rng import choice_index, lognormal, stream
from shouwang.simulator.state import FOREVER, Households, Persons
from shouwang.simulator.world import World


def prestart_medical(
    ps: Persons, hh: Households, t: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Self-pay (and claims) of a month before the start, at the same rates as during the run, so
    the 12-month window at the start is already in its steady state."""
    n = ps.n
    since = t - ps.serious_since[:n]
    chronic = (ps.health[:n] == Health.CHRONIC) | ((ps.health[:n] == Health.SERIOUS) & (since > 6))
    r = rng.random(n)
    outpatient = np.where(
        chronic & (r < A.CHRONIC_OUTPATIENT_PROB),
        np.clip(lognormal(rng, A.CHRONIC_OUTPATIENT_MEDIAN, 0.6, n), 80, 6_000)
        * rng.uniform(*A.OUTPATIENT_SELF_PAY_SHARE, n),
        0.0,
    )
    stay = (
        chronic
        & (r >= A.CHRONIC_OUTPATIENT_PROB)
        & (r < A.CHRONIC_OUTPATIENT_PROB + A.CHRONIC_INPATIENT_PROB)
    )
    stay |= (since >= 1) & (since <= A.FOLLOW_UP_MONTHS) & (rng.random(n) < A.FOLLOW_UP_PROB)
    inpatient = np.where(stay, np.clip(lognormal(rng, A.FOLLOW_UP_COST_MEDIAN, 0.6, n), 1_000, 200_000), 0.0)
    onset = since == 0
    inpatient += np.where(
        onset,
        np.clip(lognormal(rng, A.SERIOUS_COST_MEDIAN, A.SERIOUS_COST_SIGMA, n), 5_000, 400_000),
        0.0,
    )
    self_pay_p = np.round((outpatient + inpatient * rng.uniform(*A.SELF_PAY_SHARE, n)) * 100)
    self_pay = np.bincount(ps.hh[:n], weights=self_pay_p, minlength=hh.n).astype(np.int64)
    protected = hh.former | ((hh.category > 0) & (hh.eliminated < 0))
    claims = np.where(protected, np.maximum(0, self_pay - A.ANTI_POVERTY_INSURANCE_DEDUCTIBLE * 100), 0)
    claims = np.round(claims * A.ANTI_POVERTY_INSURANCE_RATE * A.ANTI_POVERTY_INSURANCE_TAKE_UP).astype(
        np.int64
    )
    return self_pay, claims


def _medical(
    world: World,
    month: Month,
    rng: np.random.Generator,
    *,
    event: str,
    risk: Risk,
    persons: np.ndarray,
    cost_yuan: np.ndarray,
    share: tuple[float, float],
    inpatient: bool,
    hidden: np.ndarray | None = None,
) -> np.ndarray:
    """One settlement per person: cost, what insurance pays, the self-pay that counts as 合规自付
    (R-INC-04), 防贫保 claims next month; delivered to 医保 unless treated out of province."""
    ps, hh = world.ps, world.hh
    k = len(persons)
    if not k:
        return np.zeros(0, dtype=np.int64)
    t = month.t
    total = np.round(cost_yuan * 100).astype(np.int64)
    insured = ps.med_ins[persons]
    self_pay = np.where(insured, np.round(total * rng.uniform(*share, k)), total).astype(np.int64)
    fund = total - self_pay
    h = ps.hh[persons]
    np.add.at(month.self_pay, h, self_pay)
    protected = hh.former[h] | ((hh.category[h] > 0) & (hh.eliminated[h] < 0))
    deductible = A.ANTI_POVERTY_INSURANCE_DEDUCTIBLE * 100
    claim = np.where(
        protected & (rng.random(k) < A.ANTI_POVERTY_INSURANCE_TAKE_UP),
        np.maximum(0, self_pay - deductible) * A.ANTI_POVERTY_INSURANCE_RATE,
        np.where(rng.random(k) < A.COMMERCIAL_INSURANCE_SHARE, self_pay * 0.5 * (self_pay > deductible), 0),
    )
    np.add.at(month.claims_next, h, np.round(claim).astype(np.int64))
    day = month.random_days(rng, k)
    delivered = np.ones(k, dtype=bool) if hidden is None else ~hidden
    world.ledger.emit(
        t,
        event=event,
        risk=risk,
        hh=h,
        day=day,
        person_key=ps.key[persons],
        amount=self_pay,
        feed=Feed.MEDICAL,
        columns={
            "total_cost": fmt.money_series(total),
            "fund_paid": fmt.money_series(fund),
            "self_pay": fmt.money_series(self_pay),
            "inpatient": np.full(k, "Y" if inpatient else "N"),
        },
        delivered=delivered,
    )
    return self_pay


def health(world: World, month: Month) -> None:
    """Illness onsets and stays, chronic care, recovery, new disabilities and accidents; their
    settlements add to the month's self-pay and next month's claims."""
    ps, hh = world.ps, world.hh
    t = month.t
    rng = stream(world.seed, "health", t)
    n = ps.n
    live = ps.counted()
    age = month.age
    former = hh.former[ps.hh[:n]]
    band = np.select([age < 40, age < 60], [0, 1], 2)

    # Chronic disease onset (no settlement yet: diagnosis only).
    p = np.array(A.CHRONIC_ONSET)[band]
    onset = np.flatnonzero(
        live & (ps.health[:n] == Health.HEALTHY) & (age >= 18) & (rng.random(n) < 1 - (1 - p) ** (1 / 12))
    )
    ps.health[onset] = Health.CHRONIC
    weaken = onset[
        np.isin(ps.labour[onset], (Labour.SKILLED, Labour.ORDINARY)) & (rng.random(len(onset)) < 0.3)
    ]
    ps.labour[weaken] = Labour.WEAK
    world.ledger.emit(
        t,
        event="chronic_illness",
        risk=Risk.ILLNESS,
        hh=ps.hh[onset],
        day=month.random_days(rng, len(onset)),
        person_key=ps.key[onset],
    )

    # Serious illness onset: an inpatient episode, work stops, a carer may come home.
    p = np.array(A.SERIOUS_ONSET)[band] * np.where(former, A.SERIOUS_FORMER_POOR_FACTOR, 1.0)
    cand = live & (ps.health[:n] != Health.SERIOUS) & (age >= 1)
    onset = np.flatnonzero(cand & (rng.random(n) < 1 - (1 - p) ** (1 / 12)))
    k = len(onset)
    if k:
        ps.out_of_province[onset] = rng.random(k) < A.OUT_OF_PROVINCE_TREATMENT
        ps.serious_since[onset] = t
        ps.health[onset] = np.where(ps.health[onset] == Health.DISABLED, Health.DISABLED, Health.SERIOUS)
        able = np.isin(ps.labour[onset], (Labour.SKILLED, Labour.ORDINARY))
        ps.labour[onset] = np.where(
            able, np.where(rng.random(k) < 0.5, Labour.WEAK, Labour.LOST), ps.labour[onset]
        )
        ps.off_from[onset] = t
        ps.off_until[onset] = np.maximum(ps.off_until[onset], t + rng.integers(*A.SERIOUS_OFF_WORK_MONTHS, k))
        cost = np.clip(lognormal(rng, A.SERIOUS_COST_MEDIAN, A.SERIOUS_COST_SIGMA, k), 5_000, 400_000)
        self_pay = _medical(
            world,
            month,
            rng,
            event="serious_illness",
            risk=Risk.ILLNESS,
            persons=onset,
            cost_yuan=cost,
            share=A.SELF_PAY_SHARE,
            inpatient=True,
            hidden=ps.out_of_province[onset],
        )
        h = ps.hh[onset]
        hh.mark_event(h, Risk.ILLNESS, t)
        _carer(world, month, rng, onset)
        day = month.random_days(rng, k)
        month.reports.add(h, Difficulty.MEDICAL, True, day, onset)
        big = self_pay >= 1_000_000
        month.aid.add(h[big], onset[big])
        # A seriously ill student suspends school.
        student = np.isin(
            ps.school[onset],
            (
                School.JUNIOR,
                School.SENIOR,
                School.VOCATIONAL_SECONDARY,
                School.VOCATIONAL_HIGHER,
                School.UNDERGRADUATE,
            ),
        )
        st = onset[student]
        world.ledger.emit(
            t,
            event="school_suspended",
            risk=Risk.EDUCATION,
            hh=ps.hh[st],
            day=day[student],
            person_key=ps.key[st],
            feed=Feed.EDUCATION,
            columns={
                "stage": fmt.lookup(SCHOOL_STATUSES, ps.school[st]),
                "status": np.full(len(st), "suspended"),
            },
        )

    # Follow-up stays during the first months of a serious episode.
    since = t - ps.serious_since[:n]
    follow = np.flatnonzero(
        live & (since >= 1) & (since <= A.FOLLOW_UP_MONTHS) & (rng.random(n) < A.FOLLOW_UP_PROB)
    )
    cost = np.clip(lognormal(rng, A.FOLLOW_UP_COST_MEDIAN, 0.6, len(follow)), 1_000, 200_000)
    _medical(
        world,
        month,
        rng,
        event="inpatient",
        risk=Risk.ILLNESS,
        persons=follow,
        cost_yuan=cost,
        share=A.SELF_PAY_SHARE,
        inpatient=True,
        hidden=ps.out_of_province[follow],
    )

    # Chronic patients: outpatient (门诊慢特病) and the occasional inpatient stay.
    chronic = live & ((ps.health[:n] == Health.CHRONIC) | ((ps.health[:n] == Health.SERIOUS) & (since > 6)))
    r = rng.random(n)
    outp = np.flatnonzero(chronic & (r < A.CHRONIC_OUTPATIENT_PROB))
    cost = np.clip(lognormal(rng, A.CHRONIC_OUTPATIENT_MEDIAN, 0.6, len(outp)), 80, 6_000)
    _medical(
        world,
        month,
        rng,
        event="outpatient",
        risk=Risk.ILLNESS,
        persons=outp,
        cost_yuan=cost,
        share=A.OUTPATIENT_SELF_PAY_SHARE,
        inpatient=False,
    )
    inp = np.flatnonzero(
        chronic
        & (r >= A.CHRONIC_OUTPATIENT_PROB)
        & (r < A.CHRONIC_OUTPATIENT_PROB + A.CHRONIC_INPATIENT_PROB)
    )
    cost = np.clip(lognormal(rng, A.CHRONIC_INPATIENT_MEDIAN, 0.6, len(inp)), 1_000, 100_000)
    _medical(
        world,
        month,
        rng,
        event="inpatient",
        risk=Risk.ILLNESS,
        persons=inp,
        cost_yuan=cost,
        share=A.SELF_PAY_SHARE,
        inpatient=True,
    )

    # Recovery from serious illness to a chronic condition.
    rec = np.flatnonzero(
        live & (ps.health[:n] == Health.SERIOUS) & (since > 6) & (rng.random(n) < A.SERIOUS_RECOVERY_MONTHLY)
    )
    ps.health[rec] = Health.CHRONIC
    ps.out_of_province[rec] = False

    # New disability (illness, ageing) and accidents.
    p = np.array(A.DISABILITY_ONSET)[band]
    onset = np.flatnonzero(
        live & (ps.health[:n] != Health.DISABLED) & (rng.random(n) < 1 - (1 - p) ** (1 / 12))
    )
    _disable(
        world,
        month,
        rng,
        onset,
        grade=choice_index(rng, A.DISABILITY_GRADE_SHARES, len(onset)) + 1,
        dis_type=choice_index(rng, A.DISABILITY_TYPE_SHARES, len(onset)),
    )

    p_acc = np.where((age >= 16) & (age <= 70), A.monthly(A.ACCIDENT_ANNUAL), 0.0)
    acc = np.flatnonzero(live & (rng.random(n) < p_acc))
    k = len(acc)
    if k:
        disabled = rng.random(k) < A.ACCIDENT_DISABILITY_SHARE
        day = month.random_days(rng, k)
        h = ps.hh[acc]
        world.ledger.emit(
            t,
            event="accident",
            risk=Risk.ACCIDENT,
            hh=h,
            day=day,
            person_key=ps.key[acc],
            feed=Feed.POLICE,
            columns={"event": np.where(disabled, "accident_disability", "accident_injury")},
            delivered=rng.random(k) < A.ACCIDENT_POLICE_DELIVERED,
        )
        hh.mark_event(h, Risk.ACCIDENT, t)
        ps.off_from[acc] = t
        ps.off_until[acc] = np.maximum(ps.off_until[acc], t + rng.integers(*A.ACCIDENT_OFF_WORK_MONTHS, k))
        cost = np.clip(lognormal(rng, A.ACCIDENT_COST_MEDIAN, 0.7, k), 1_000, 300_000)
        _medical(
            world,
            month,
            rng,
            event="accident_treatment",
            risk=Risk.ACCIDENT,
            persons=acc,
            cost_yuan=cost,
            share=A.SELF_PAY_SHARE,
            inpatient=True,
        )
        month.reports.add(h, Difficulty.MEDICAL, True, day, acc)
        dis = acc[disabled]
        _disable(
            world,
            month,
            rng,
            dis,
            grade=rng.integers(2, 5, len(dis)).astype(np.int8),
            dis_type=np.zeros(len(dis), np.int8),
        )


def _carer(world: World, month: Month, rng: np.random.Generator, patients: np.ndarray) -> None:
    """Someone comes home from migrant work to look after a seriously ill relative."""
    ps = world.ps
    t = month.t
    n = ps.n
    h_patient = np.zeros(world.hh.n, dtype=bool)
    h_patient[ps.hh[patients]] = True
    migrant = np.isin(ps.place[:n], (Place.IN_PROVINCE, Place.OUT_OF_PROVINCE)) & ps.counted()
    cand = np.flatnonzero(migrant & h_patient[ps.hh[:n]] & (ps.serious_since[:n] != t))
    first = cand[np.unique(ps.hh[cand], return_index=True)[1]]
    carers = first[rng.random(len(first)) < A.CAREGIVER_STOPS_WORK]
    ps.off_from[carers] = np.where(ps.off_until[carers] > t, ps.off_from[carers], t)
    ps.off_until[carers] = np.maximum(ps.off_until[carers], t + rng.integers(3, 9, len(carers)))


def _disable(
    world: World,
    month: Month,
    rng: np.random.Generator,
    persons: np.ndarray,
    *,
    grade: np.ndarray,
    dis_type: np.ndarray,
) -> None:
    """New disability; 残联 certifies most of them a few months later (the feed row's date)."""
    ps, hh = world.ps, world.hh
    k = len(persons)
    if not k:
        return
    t = month.t
    ps.health[persons] = Health.DISABLED
    ps.grade[persons] = grade
    ps.dis_type[persons] = dis_type
    adult = month.age[persons] >= 16
    ps.labour[persons] = np.where(adult, np.where(grade <= 2, Labour.LOST, Labour.WEAK), Labour.NONE)
    # Work stops except light local work for grades 3–4.
    stop = (grade <= 2) | (ps.place[persons] != Place.IN_COUNTY)
    ps.off_from[persons[stop]] = np.where(ps.off_until[persons[stop]] > t, ps.off_from[persons[stop]], t)
    ps.off_until[persons[stop]] = FOREVER
    certified = rng.random(k) < A.DISABILITY_CERTIFIED_SHARE
    ps.certified[persons] = certified
    delay = rng.integers(A.CERTIFICATION_DELAY_MONTHS[0], A.CERTIFICATION_DELAY_MONTHS[1] + 1, k)
    feed_day = np.array([fmt.first_day(month.number + int(d)) for d in delay], dtype=np.int64)
    feed_day += rng.integers(0, 28, k)
    h = ps.hh[persons]
    world.ledger.emit(
        t,
        event="disability",
        risk=Risk.DISABILITY,
        hh=h,
        day=month.random_days(rng, k),
        person_key=ps.key[persons],
        feed=Feed.DISABILITY,
        columns={
            "disability_type": fmt.lookup(A.DISABILITY_TYPES, np.maximum(dis_type, 0)),
            "grade": np.asarray(grade, dtype=np.int64),
        },
        delivered=certified,
        delay=delay,
        feed_day=feed_day,
    )
    hh.mark_event(h, Risk.DISABILITY, t)
