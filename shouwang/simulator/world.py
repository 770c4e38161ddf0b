"""The simulated county and everything that carries over from one month to the next. The processes
(``simulator/processes``) read it and change it in place; what lasts only a month is in ``Month``."""

from __future__ import annotations

import numpy as np
import polars as pl

from shouwang.simulator import fmt
from shouwang.simulator.deliveries import Ledger
from shouwang.simulator.income import IncomeBook
from shouwang.simulator.month import Month
from shouwang.simulator.places import Places
from shouwang.simulator.population import Population


class World:
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
        # Months first..-1 are the warm-up: simulated, not written (docs/simulator.md "Warm-up").
        self.first = first
        self.places = places
        self.hh = population.households
        self.ps = population.persons
        self.seed = seed
        self.start = start_month
        self.months = months
        self.book = book
        self.ledger = ledger
        self.household_no = household_no
        hh = self.hh
        self.county_code = np.array([int(c) for c in places.county_codes], dtype=np.int64)[
            places.village_county[hh.village]
        ]
        self.township = places.village_township[hh.village]
        # Village groups are contiguous runs of households (sorted by village, then group).
        offsets = np.concatenate(([0], np.cumsum(places.village_groups.astype(np.int64))))
        self.group_id = offsets[hh.village] + hh.group - 1
        self.n_groups = int(offsets[-1])
        self.group_village = np.repeat(np.arange(places.n_villages), places.village_groups)
        self.group_number = np.arange(self.n_groups) - offsets[self.group_village] + 1
        self.group_first = np.searchsorted(self.group_id, np.arange(self.n_groups), side="left")
        self.group_last = np.searchsorted(self.group_id, np.arange(self.n_groups), side="right")
        # Water: per group the last issue that puts its households at risk (days; -1 = none), and the
        # issues reported open-ended whose closing row is still to be delivered.
        self.water_from = np.full(self.n_groups, -1, dtype=np.int64)
        self.water_to = np.full(self.n_groups, -1, dtype=np.int64)
        self.open_water: list[dict[str, np.ndarray]] = []
        # Insurance claims filed in the month just simulated, paid in the next.
        self.claims_next = np.zeros(hh.n, dtype=np.int64)
        # ID keys given to people moving in from elsewhere (their sequence codes must not repeat).
        self.mover_keys: set[int] = set()
        # The truth test's view of the last month (processes in the next month read them).
        self.pc_ref = np.zeros(hh.n)  # per-capita reference income, yuan
        self.members = np.zeros(hh.n, dtype=np.int64)
        self.low_risk = np.zeros(hh.n, dtype=bool)  # below the line with a risk besides low income
        self.sudden = np.zeros(hh.n, dtype=bool)  # sudden severe hardship
        # The registry's 务工时间: months worked in the 12 months before the start.
        self.registry_work_months = np.zeros(0, dtype=np.int64)
        self.farm_units_ref = np.zeros(hh.n)
        # Households written to the output (set after the warm-up; see services.simulation_run).
        self.registered = np.ones(hh.n, dtype=bool)
        self._birth_year = np.zeros(0, dtype=np.int64)
        self._birth_md = np.zeros(0, dtype=np.int64)

    def ages(self, day: int) -> np.ndarray:
        """Completed years of every person on ``day`` (birth year and month-day cached per person)."""
        ps = self.ps
        have = len(self._birth_year)
        if have < ps.n:
            y, m, d = fmt.ymd(ps.birth[have : ps.n])
            self._birth_year = np.concatenate([self._birth_year, y])
            self._birth_md = np.concatenate([self._birth_md, m * 100 + d])
        oy, om, od = (int(v[0]) for v in fmt.ymd(np.array([day])))
        return oy - self._birth_year[: ps.n] - (self._birth_md[: ps.n] > om * 100 + od)

    def month_begin(self, t: int) -> Month:
        """Month ``t`` before anything happens in it: the claims filed last month fall due, ages are
        taken in mid-month."""
        month = Month.begin(t, start_month=self.start, households=self.hh.n, claims=self.claims_next)
        month.age = self.ages(month.mid_day)
        return month

    def month_end(self, month: Month) -> None:
        """Keep what the month passes on to the next."""
        self.claims_next = month.claims_next
