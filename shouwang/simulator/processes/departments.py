"""What departments do in reaction to the month: 民政 cancels, grants and refuses 低保, records 低收入
边缘 households, enrols 特困 and gives 临时救助 (with 住建 appraising the houses of new low-income
households); banks find loans overdue, cure them and report every overdue loan. Draw from the "civil"
and "credit" streams of the month."""

from __future__ import annotations

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import EVENT_RISKS, HOUSE_GRADES, NO_RISK, Feed, Health, Labour, Risk
from shouwang.simulator.month import Month
from shouwang.simulator.rng import stream
from shouwang.simulator.state import Households
from shouwang.simulator.world import World

BANKS = ("YNRCC", "ABC", "PSBC")  # 农信社 (脱贫人口小额信贷), 农业银行, 邮储银行


def civil(world: World, month: Month) -> None:
    """民政 for the month: 低保 cancelled, applied for and granted or refused, 低收入边缘 recorded, 特困
    enrolled, 临时救助 for this month's severe shocks. Reads the truth test's per-capita income."""
    ps, hh, led = world.ps, world.hh, world.ledger
    t, m = month.t, month.number
    rng = stream(world.seed, "civil", t)
    n = ps.n
    counted = ps.counted()
    idx = ps.hh[:n]
    std = A.DIBAO_STANDARD
    # Members who died or moved out leave 低保.
    gone = np.flatnonzero(ps.dibao[:n] & ~counted)
    _civil_rows(
        world, month, rng, "dibao_cancelled", persons=gone, amount=ps.dibao_amt[gone].astype(np.int64)
    )
    ps.dibao[gone] = False
    ps.dibao_amt[gone] = 0

    on_dibao = np.bincount(idx, weights=counted & (ps.dibao[:n] | ps.tekun[:n]), minlength=hh.n) > 0
    dibao_pc = (
        np.bincount(idx, weights=np.where(counted & ps.dibao[:n], ps.dibao_amt[:n], 0) * 12, minlength=hh.n)
        / np.maximum(world.members, 1)
        / 100
    )
    pc_without = world.pc_ref - dibao_pc
    # Cancellations when income recovered.
    cancel_hh = (
        on_dibao & (pc_without > std * A.DIBAO_CANCEL_FACTOR) & (rng.random(hh.n) < A.DIBAO_CANCEL_MONTHLY)
    )
    cancel = np.flatnonzero(counted & ps.dibao[:n] & cancel_hh[idx])
    _civil_rows(
        world, month, rng, "dibao_cancelled", persons=cancel, amount=ps.dibao_amt[cancel].astype(np.int64)
    )
    ps.dibao[cancel] = False
    ps.dibao_amt[cancel] = 0

    # Applications after a shock (or slowly, for structural hardship); once a year at most.
    alive = world.members > 0
    recent = hh.recent(t, 3)
    structural = (
        np.bincount(
            idx,
            weights=counted & ((ps.health[:n] >= Health.SERIOUS) | (ps.labour[:n] == Labour.LOST)),
            minlength=hh.n,
        )
        > 0
    )
    p = np.where(recent, A.DIBAO_APPLY_AFTER_SHOCK, np.where(structural, A.DIBAO_APPLY_STRUCTURAL, 0.0))
    apply = (
        alive & ~on_dibao & (hh.dibao_applied < t - 12) & (world.pc_ref < std * 1.8) & (rng.random(hh.n) < p)
    )
    hh.dibao_applied[apply] = t
    r = rng.random(hh.n)
    enrol = apply & (world.pc_ref < std) & (r < A.DIBAO_APPROVED)
    margin = (
        apply & ~enrol & ~hh.low_income_margin & (world.pc_ref < std * A.LOW_INCOME_MARGIN_FACTOR) & (r < 0.9)
    )
    reject = apply & ~enrol & ~margin
    monthly = np.clip((std - world.pc_ref) / 12, A.DIBAO_MIN_MONTHLY, std / 12)
    members = np.flatnonzero(counted & enrol[idx])
    amount = np.round(monthly[idx[members]] * 100).astype(np.int64)
    ps.dibao[members] = True
    ps.dibao_amt[members] = amount
    _civil_rows(world, month, rng, "dibao_enrolled", persons=members, amount=amount)
    rep = month.representatives(ps, hh)
    rej = np.flatnonzero(reject)
    _civil_rows(
        world, month, rng, "dibao_rejected", persons=rep[rej], amount=np.zeros(len(rej), dtype=np.int64)
    )
    mar = np.flatnonzero(margin)
    hh.low_income_margin[mar] = True
    # 民政 reports the assessed per-capita income, never below zero (rigid spending can exceed income).
    _civil_rows(
        world,
        month,
        rng,
        "low_income_margin",
        persons=rep[mar],
        amount=np.round(np.maximum(world.pc_ref[mar], 0) * 100).astype(np.int64),
    )
    # 住建 appraises the houses of newly enrolled low-income households the month after (routine).
    new_low = np.flatnonzero((enrol | margin) & world.registered)
    if len(new_low):
        led.queue_rows(
            t + 1,
            Feed.HOUSING,
            {
                "id_number": fmt.id_series(ps.key[rep[new_low]]),
                "appraised_on": fmt.date_series(fmt.first_day(m + 1) + rng.integers(0, 20, len(new_low))),
                "grade": fmt.lookup(HOUSE_GRADES, hh.house[new_low]),
            },
        )

    # 特困: old or severely disabled people living alone without labour.
    single = world.members == 1
    person_alone = counted & single[idx] & ~ps.tekun[:n] & ~ps.dibao[:n]
    person_alone &= ((month.age >= 60) | ((ps.grade[:n] > 0) & (ps.grade[:n] <= 2))) & (
        ps.labour[:n] >= Labour.WEAK
    )
    tk = np.flatnonzero(person_alone & (rng.random(n) < 0.01) & (world.pc_ref[idx] < std * 2))
    ps.tekun[tk] = True
    _civil_rows(
        world,
        month,
        rng,
        "tekun_enrolled",
        persons=tk,
        amount=np.full(len(tk), A.TEKUN_MONTHLY * 100, dtype=np.int64),
    )

    # 临时救助 after a severe shock this month (one-off: not income, POLICY R-INC-02 decision).
    if month.aid.h:
        ah = np.concatenate(month.aid.h)
        ap = np.concatenate(month.aid.person)
        ah, first = np.unique(ah, return_index=True)
        ap = ap[first]
        give = rng.random(len(ah)) < A.TEMP_AID_SHARE
        amount = np.round(rng.uniform(*A.TEMP_AID_AMOUNT, int(give.sum())), -2).astype(np.int64) * 100
        _civil_rows(world, month, rng, "temp_aid", persons=ap[give], amount=amount)


def _civil_rows(
    world: World,
    month: Month,
    rng: np.random.Generator,
    event: str,
    *,
    persons: np.ndarray,
    amount: np.ndarray,
) -> None:
    """民政's rows about ``persons``, one ``event`` each."""
    k = len(persons)
    if not k:
        return
    t = month.t
    world.ledger.emit(
        t,
        event=event,
        risk=NO_RISK,
        hh=world.ps.hh[persons],
        day=month.random_days(rng, k),
        person_key=world.ps.key[persons],
        amount=amount,
        feed=Feed.CIVIL,
        columns={"event": np.full(k, event), "amount": fmt.money_series(amount)},
    )


def credit(world: World, month: Month) -> None:
    """Loans falling due go overdue (more often after a shock or below the line) or are repaid; banks
    deliver a snapshot of every overdue loan."""
    ps, hh, led = world.ps, world.hh, world.ledger
    t, m, d0, nd = month.t, month.number, month.first_day, month.n_days
    rng = stream(world.seed, "credit", t)
    end = d0 + nd - 1
    has = hh.loan_principal > 0
    due = np.flatnonzero(has & ~hh.loan_overdue & (hh.loan_due >= d0) & (hh.loan_due <= end))
    shocked = hh.recent(t, 6)[due]
    low = world.pc_ref[due] < A.threshold_for(m // 12)
    p = np.where(shocked, A.OVERDUE_AT_DUE_AFTER_SHOCK, A.OVERDUE_AT_DUE) * np.where(low, 2.0, 1.0)
    late = rng.random(len(due)) < p
    overdue = due[late]
    repaid = due[~late]
    hh.loan_overdue[overdue] = True
    last = hh.last_event[overdue][:, list(EVENT_RISKS)]
    cause = np.array(EVENT_RISKS)[last.argmax(axis=1)] if len(overdue) else np.zeros(0, dtype=np.int64)
    cause = np.where(last.max(axis=1) > t - 6, cause, Risk.OTHER) if len(overdue) else cause
    rep = month.representatives(ps, hh)
    # The monthly snapshot below reports the loan this month (the truth row's delivery).
    led.emit(
        t,
        event="loan_overdue",
        risk=cause,
        hh=overdue,
        day=hh.loan_due[overdue],
        amount=hh.loan_balance[overdue],
        reported_by=Feed.CREDIT,
        reported_in=np.full(len(overdue), t),
    )
    # Overdue loans are cured (repaid or restructured) over time.
    cured = np.flatnonzero(
        hh.loan_overdue
        & has
        & ~np.isin(np.arange(hh.n), overdue)
        & (rng.random(hh.n) < np.where(hh.recent(t, 3), 0.05, A.OVERDUE_CURED_MONTHLY))
    )
    _close_loans(hh, rng, np.concatenate([repaid, cured]), d0)
    # Banks report every overdue loan at month end (a snapshot: no late rows).
    od = np.flatnonzero(hh.loan_overdue & (hh.loan_principal > 0) & world.registered)
    if len(od):
        ids = ps.key[rep[od]]
        wrong = (hh.loan_serial[od].astype(np.int64) * 2654435761 % 100) == 0  # stable per loan
        if wrong.any():
            ids = ids.copy()
            ids[wrong] = led.mistype(ids[wrong], stream(world.seed, "credit.typo", 0))
        county = world.county_code[od]
        led.queue_rows(
            t,
            Feed.CREDIT,
            {
                "id_number": fmt.id_series(ids),
                "loan_no": pl.Series(
                    [
                        f"{BANKS[b]}{c}{s:08d}"
                        for b, c, s in zip(hh.loan_bank[od], county, hh.loan_serial[od], strict=True)
                    ],
                    dtype=pl.String,
                ),
                "principal": fmt.money_series(hh.loan_principal[od]),
                "due_on": fmt.date_series(hh.loan_due[od]),
                "overdue_days": end - hh.loan_due[od],
                "balance": fmt.money_series(hh.loan_balance[od]),
            },
        )


def _close_loans(hh: Households, rng: np.random.Generator, h: np.ndarray, d0: int) -> None:
    """Repaid loans; most households borrow again (a new loan number)."""
    hh.loan_overdue[h] = False
    again = h[rng.random(len(h)) < 0.6]
    gone = h[~np.isin(h, again)]
    hh.loan_principal[gone] = 0
    hh.loan_balance[gone] = 0
    hh.loan_due[gone] = -1
    next_serial = int(hh.loan_serial.max()) + 1
    hh.loan_serial[again] = np.arange(next_serial, next_serial + len(again))
    hh.loan_due[again] = d0 + rng.integers(360, 3 * 365, len(again))
    hh.loan_balance[again] = hh.loan_principal[again]
