"""Month-by-month evolution of the county: people are born, die, move, fall ill, lose jobs, drop out;
villages are hit by disasters, water fails, houses decay, loans go overdue; departments react. Every
step is vectorised over persons or households; each step draws from its own random stream.

This module only drives the months: the processes are in ``simulator/processes``, what lasts from
month to month in ``World``, what lasts a month in ``Month``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shouwang.simulator import fmt
from shouwang.simulator.codes import Feed, Place, Risk
from shouwang.simulator.deliveries import Ledger
from shouwang.simulator.income import IncomeBook, monthly_flows
from shouwang.simulator.places import Places
from shouwang.simulator.population import Population, annual_income, farm_units
from shouwang.simulator.processes.departments import civil, credit
from shouwang.simulator.processes.disasters import disasters, industry
from shouwang.simulator.processes.health import health, prestart_medical
from shouwang.simulator.processes.housing import housing
from shouwang.simulator.processes.people import demography
from shouwang.simulator.processes.school import education
from shouwang.simulator.processes.self_reports import self_reports
from shouwang.simulator.processes.truth import truth_test
from shouwang.simulator.processes.water import water
from shouwang.simulator.processes.work import employment, new_year, working_now
from shouwang.simulator.rng import stream
from shouwang.simulator.state import FOREVER, NEVER
from shouwang.simulator.world import World


@dataclass
class MonthResult:
    feeds: dict[Feed, pl.DataFrame]
    reports: pl.DataFrame
    truth_events: pl.DataFrame
    at_risk: pl.DataFrame
    incomes: pl.DataFrame | None  # the December income survey (动态调整), else None


class Simulation:
    def __init__(
        self,
        *,
        places: Places,
        population: Population,
        seed: int,
        start_month: int,
        months: int,
        book: IncomeBook,
        ledger: Ledger,
        household_no: pl.Series,
        first: int = 0,
    ) -> None:
        self.world = World(
            places=places,
            population=population,
            seed=seed,
            start_month=start_month,
            months=months,
            book=book,
            ledger=ledger,
            household_no=household_no,
            first=first,
        )

    # ---------------------------------------------------------------- the month

    def run_month(self, t: int) -> MonthResult | None:
        world = self.world
        world.ledger.begin_month(t)
        month = world.month_begin(t)
        if month.of_year == 0 and t > world.first:
            new_year(world, month)
        demography(world, month)
        health(world, month)
        employment(world, month)
        education(world, month)
        disasters(world, month)
        industry(world, month)
        housing(world, month)
        water(world, month)
        flows = monthly_flows(
            world.ps,
            world.hh,
            t=t,
            month_of_year=month.of_year,
            age=month.age,
            extra={"self_pay": month.self_pay, "claims": month.claims, "loss": month.loss},
        )
        world.book.record(t, flows)
        if -12 <= t < 0:
            # The registry's 务工时间: months actually worked in the 12 months before the start.
            working = working_now(world.ps, month).astype(np.int64)
            have = world.registry_work_months
            if len(have) < len(working):
                have = np.concatenate([have, np.zeros(len(working) - len(have), np.int64)])
            world.registry_work_months = have + working
        truth = truth_test(world, month)
        world.members = truth.members
        world.pc_ref = truth.pc_ref
        world.low_risk = truth.low_risk
        world.sudden = truth.sudden
        civil(world, month)
        credit(world, month)
        self_reports(world, month)
        world.month_end(month)
        if t < 0:
            return None
        incomes = self.income_frame(month.number) if month.of_year == 11 else None
        return MonthResult(
            feeds=world.ledger.flush_feeds(t),
            reports=world.ledger.flush_reports(t),
            truth_events=world.ledger.flush_truth(t),
            at_risk=truth.at_risk,
            incomes=incomes,
        )

    def prepare(self) -> None:
        """Fill the 12 months before the warm-up into the income book in a steady state (the population
        was generated for the first warm-up month), so every 12-month window is complete."""
        world = self.world
        ps, hh, book = world.ps, world.hh, world.book
        first = world.first
        world.farm_units_ref = farm_units(ps, hh.n, fmt.first_day(world.start + first))
        world.members = np.bincount(ps.hh[: ps.n], weights=ps.counted(), minlength=hh.n).astype(np.int64)
        rng = stream(world.seed, "prestart")
        n = ps.n
        # The population module counts illness onsets in months before its own first month.
        had = ps.serious_since[:n] != NEVER
        ps.serious_since[:n] = np.where(had, ps.serious_since[:n] + first, NEVER)
        # Some migrants were already out of work at the start (the steady state of job loss and
        # re-employment), since 1–4 months.
        working = (ps.work_len[:n] > 0) & ~ps.public_job[:n] & (ps.place[:n] > Place.IN_COUNTY)
        idle = np.flatnonzero(working & (rng.random(n) < 0.015) & (ps.off_until[:n] <= 0))
        ps.unemployed[idle] = True
        ps.off_from[idle] = first - rng.integers(1, 5, len(idle))
        ps.off_until[idle] = FOREVER
        for t in range(first - 12, first):
            m = world.start + t
            age = world.ages(fmt.first_day(m) + 14)
            self_pay, claims = prestart_medical(ps, hh, t, rng)
            flows = monthly_flows(
                ps, hh, t=t, month_of_year=m % 12, age=age, extra={"self_pay": self_pay, "claims": claims}
            )
            book.record(t, flows)
        world.registry_work_months = np.zeros(0, dtype=np.int64)
        # Risks of events before the warm-up that are still inside the 12-month window.
        recent_ill = np.flatnonzero((ps.serious_since[:n] >= first - 11) & (ps.serious_since[:n] < first))
        np.maximum.at(hh.last_event[:, Risk.ILLNESS], ps.hh[recent_ill], ps.serious_since[recent_ill])
        np.maximum.at(hh.last_event[:, Risk.UNSTABLE_EMPLOYMENT], ps.hh[idle], ps.off_from[idle])
        size = np.maximum(world.members, 1)
        # The sharp-drop test compares with the window 12 months earlier; for the first year that
        # window lies before the start, when the pre-start shocks had not happened yet: use the
        # household's income without them (full work seasons).
        baseline = annual_income(ps, hh, fmt.first_day(world.start + first))
        before = (
            baseline["wage"]
            + baseline["business"]
            + baseline["property"]
            + baseline["transfer"]
            - baseline["cost"]
        )
        book.pc_net_start = np.maximum(before, book.net()) / size
        world.pc_ref = book.reference() / size / 100.0

    # ---------------------------------------------------------------- outputs

    def income_frame(self, month_no: int) -> pl.DataFrame:
        """CONTRACT §2 incomes for the 12 months ending with ``month_no`` (the registry at the start and
        the yearly 动态调整 survey)."""
        world = self.world
        book = world.book
        alive = np.flatnonzero((world.members > 0) & world.registered)
        return pl.DataFrame(
            {
                "household_no": world.household_no.gather(alive),
                "period": pl.Series([fmt.period(month_no)] * len(alive), dtype=pl.String),
                "wage": fmt.money_series(book.window("wage")[alive]),
                "business": fmt.money_series(book.window("business")[alive]),
                "property": fmt.money_series(book.window("property")[alive]),
                "transfer": fmt.money_series(book.window("transfer")[alive]),
                "business_cost": fmt.money_series(book.window("cost")[alive]),
                "compliant_self_pay": fmt.money_series(book.window("self_pay")[alive]),
                "insurance_claims": fmt.money_series(book.window("claims")[alive]),
            }
        )
