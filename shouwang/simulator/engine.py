"""Month-by-month evolution of the county: people are born, die, move, fall ill, lose jobs, drop out;
villages are hit by disasters, water fails, houses decay, loans go overdue; departments react. Every
step is vectorised over persons or households; each step draws from its own random stream."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt, names
from shouwang.simulator.codes import (
    EDU_BY_SCHOOL,
    HOUSE_GRADES,
    NO_RISK,
    RISKS,
    SCHOOL_STATUSES,
    Feed,
    Health,
    Labour,
    Place,
    Rel,
    Risk,
    School,
)
from shouwang.simulator.deliveries import Ledger
from shouwang.simulator.income import IncomeBook, monthly_flows
from shouwang.simulator.places import Places
from shouwang.simulator.population import Population, annual_income, assign_id_numbers, farm_units
from shouwang.simulator.rng import choice_index, lognormal, stream
from shouwang.simulator.state import NEVER

FOREVER = 32000
EVENT_RISKS = (
    Risk.ILLNESS,
    Risk.EDUCATION,
    Risk.DISABILITY,
    Risk.DISASTER,
    Risk.ACCIDENT,
    Risk.INDUSTRY_FAILURE,
    Risk.UNSTABLE_EMPLOYMENT,
)
DIFFICULTIES = ("生活困难", "就业困难", "教育困难", "医疗困难", "住房困难", "饮水困难")
LIVING, JOBS, SCHOOLING, MEDICAL, HOUSING, WATER = range(6)
DESCRIPTIONS = {
    LIVING: (
        "家里遭灾，庄稼没了收成，生活有困难",
        "家中主要劳动力去世，收入减少，生活困难",
        "收入低，日常开支难以维持",
    ),
    JOBS: (
        "在外务工的工厂停工，失业回家，暂时没有收入",
        "找不到工作，家里收入断了",
        "务工受伤后干不了原来的活",
    ),
    SCHOOLING: ("孩子上学费用负担不起", "孩子辍学在家，需要帮助返校", "家里有两个孩子读高中，开支大"),
    MEDICAL: (
        "家人住院治疗，自付费用高，负担不起",
        "患大病需要长期治疗，医药费压力大",
        "意外受伤住院，花费较多",
    ),
    HOUSING: ("房屋在灾害中受损，住不了人", "房子墙体开裂，担心住房安全", "住房年久失修，漏雨严重"),
    WATER: ("村里停水一个多月，吃水困难", "水质不好，饮水有困难", "水源干了，要到很远的地方挑水"),
}
CHANNELS = ("mini_program", "hotline_12317", "hotline_12345")
CHANNEL_SHARES = (0.70, 0.15, 0.15)
BANKS = ("YNRCC", "ABC", "PSBC")  # 农信社 (脱贫人口小额信贷), 农业银行, 邮储银行


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
        self.water_from = np.full(self.n_groups, -1, dtype=np.int64)  # qualifying issue interval
        self.water_to = np.full(self.n_groups, -1, dtype=np.int64)
        self.open_water: list[dict[str, np.ndarray]] = []
        self.claims_next = np.zeros(hh.n, dtype=np.int64)
        self.mover_keys: set[int] = set()
        self.pc_ref = np.zeros(hh.n)
        self.members = np.zeros(hh.n, dtype=np.int64)
        self._rep_cache: np.ndarray | None = None
        self.registry_work_months = np.zeros(0, dtype=np.int64)
        self._farm_units_ref = np.zeros(hh.n)
        # Households written to the output (set after the warm-up; see services.simulation_run).
        self.registered = np.ones(hh.n, dtype=bool)
        self._birth_year = np.zeros(0, dtype=np.int64)
        self._birth_md = np.zeros(0, dtype=np.int64)

    # ---------------------------------------------------------------- helpers

    def _ages(self, day: int) -> np.ndarray:
        """Completed years of every person on ``day`` (birth year and month-day cached per person)."""
        ps = self.ps
        have = len(self._birth_year)
        if have < ps.n:
            y, m, d = fmt.ymd(ps.birth[have : ps.n])
            self._birth_year = np.concatenate([self._birth_year, y])
            self._birth_md = np.concatenate([self._birth_md, m * 100 + d])
        oy, om, od = (int(v[0]) for v in fmt.ymd(np.array([day])))
        return oy - self._birth_year[: ps.n] - (self._birth_md[: ps.n] > om * 100 + od)

    def _month(self, t: int) -> tuple[int, int, int, int]:
        m = self.start + t
        return m, fmt.first_day(m), fmt.days_in_month(m), m % 12

    def _days(self, rng: np.random.Generator, d0: int, nd: int, k: int) -> np.ndarray:
        return d0 + rng.integers(0, nd, k)

    def _rep(self) -> np.ndarray:
        """Per household the person departments key household matters on: the registered head if
        still counted, else the first counted member (else the head)."""
        if self._rep_cache is not None:
            return self._rep_cache
        ps, hh = self.ps, self.hh
        counted = ps.counted()
        rep = hh.head.astype(np.int64)
        need = ~counted[hh.head]
        cand = np.flatnonzero(counted & need[ps.hh[: ps.n]])
        uniq, pos = np.unique(ps.hh[cand], return_index=True)
        rep[uniq] = cand[pos]
        self._rep_cache = rep
        return rep

    def _event(self, h: np.ndarray, risk: Risk, t: int) -> None:
        self.hh.last_event[h, int(risk)] = t

    def _recent(self, t: int, months: int) -> np.ndarray:
        """Households with any event-driven risk in the last ``months`` months."""
        last = self.hh.last_event[:, list(EVENT_RISKS)].max(axis=1)
        return last > t - months

    def _mark_report(
        self, h: np.ndarray, difficulty: int, severe: bool, day: np.ndarray, person: np.ndarray
    ) -> None:
        self._report_h.append(np.asarray(h, dtype=np.int64))
        self._report_d.append(np.full(len(h), difficulty, dtype=np.int64))
        self._report_s.append(np.full(len(h), severe, dtype=bool))
        self._report_day.append(np.asarray(day, dtype=np.int64))
        self._report_p.append(np.asarray(person, dtype=np.int64))

    # ---------------------------------------------------------------- the month

    def run_month(self, t: int) -> MonthResult | None:
        m, d0, nd, moy = self._month(t)
        self.ledger.begin_month(t)
        self.self_pay = np.zeros(self.hh.n, dtype=np.int64)
        self.claims = self.claims_next
        self.claims_next = np.zeros(self.hh.n, dtype=np.int64)
        self.loss = np.zeros(self.hh.n, dtype=np.int64)
        self._report_h: list[np.ndarray] = []
        self._report_d: list[np.ndarray] = []
        self._report_s: list[np.ndarray] = []
        self._report_day: list[np.ndarray] = []
        self._report_p: list[np.ndarray] = []
        self._aid_h: list[np.ndarray] = []
        self._aid_p: list[np.ndarray] = []
        self._rep_cache = None
        if moy == 0 and t > self.first:
            self._new_year(t)
        self.age = self._ages(d0 + nd // 2)
        self._demography(t)
        self._health(t)
        self._employment(t)
        self._education(t)
        self._disasters(t)
        self._industry(t)
        self._housing(t)
        self._water(t)
        flows = monthly_flows(
            self.ps,
            self.hh,
            t=t,
            month_of_year=moy,
            age=self.age,
            extra={"self_pay": self.self_pay, "claims": self.claims, "loss": self.loss},
        )
        self.book.record(t, flows)
        if -12 <= t < 0:
            # The registry's 务工时间: months actually worked in the 12 months before the start.
            working = self._working_now(t).astype(np.int64)
            if len(self.registry_work_months) < len(working):
                self.registry_work_months = np.concatenate(
                    [
                        self.registry_work_months,
                        np.zeros(len(working) - len(self.registry_work_months), np.int64),
                    ]
                )
            self.registry_work_months += working
        at_risk = self._truth(t)
        self._civil(t)
        self._credit(t)
        self._self_reports(t)
        if t < 0:
            return None
        incomes = self.income_frame(m) if moy == 11 else None
        return MonthResult(
            feeds=self.ledger.flush_feeds(t),
            reports=self.ledger.flush_reports(t),
            truth_events=self.ledger.flush_truth(t),
            at_risk=at_risk,
            incomes=incomes,
        )

    def _new_year(self, t: int) -> None:
        """January: wages and farm receipts grow; farm receipts follow the labour now at home."""
        ps, hh = self.ps, self.hh
        n = ps.n
        ps.wage[:n] = np.round(ps.wage[:n] * (1 + A.WAGE_GROWTH)).astype(np.int32)
        _, d0, _, _ = self._month(t)
        units = farm_units(ps, hh.n, d0)
        old_units = np.maximum(self._farm_units_ref, 0.05)
        ratio = np.clip(units / old_units, 0.3, 1.5)
        hh.farm = np.round(
            hh.farm * (1 + A.FARM_GROWTH) * np.where(self._farm_units_ref > 0, ratio, 1.0)
        ).astype(np.int64)
        self._farm_units_ref = units

    def prepare(self) -> None:
        """Fill the 12 months before the warm-up into the income book in a steady state (the population
        was generated for the first warm-up month), so every 12-month window is complete."""
        ps, hh = self.ps, self.hh
        first = self.first
        self._farm_units_ref = farm_units(ps, hh.n, fmt.first_day(self.start + first))
        self.members = np.bincount(ps.hh[: ps.n], weights=ps.counted(), minlength=hh.n).astype(np.int64)
        rng = stream(self.seed, "prestart")
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
            m = self.start + t
            age = self._ages(fmt.first_day(m) + 14)
            self_pay, claims = self._prestart_medical(t, rng)
            flows = monthly_flows(
                ps, hh, t=t, month_of_year=m % 12, age=age, extra={"self_pay": self_pay, "claims": claims}
            )
            self.book.record(t, flows)
        self.registry_work_months = np.zeros(0, dtype=np.int64)
        # Risks of events before the warm-up that are still inside the 12-month window.
        recent_ill = np.flatnonzero((ps.serious_since[:n] >= first - 11) & (ps.serious_since[:n] < first))
        np.maximum.at(hh.last_event[:, Risk.ILLNESS], ps.hh[recent_ill], ps.serious_since[recent_ill])
        np.maximum.at(hh.last_event[:, Risk.UNSTABLE_EMPLOYMENT], ps.hh[idle], ps.off_from[idle])
        size = np.maximum(self.members, 1)
        # The sharp-drop test compares with the window 12 months earlier; for the first year that
        # window lies before the start, when the pre-start shocks had not happened yet: use the
        # household's income without them (full work seasons).
        baseline = annual_income(ps, hh, fmt.first_day(self.start + first))
        before = (
            baseline["wage"]
            + baseline["business"]
            + baseline["property"]
            + baseline["transfer"]
            - baseline["cost"]
        )
        self.book.pc_net_start = np.maximum(before, self.book.net()) / size
        self.pc_ref = self.book.reference() / size / 100.0

    def _prestart_medical(self, t: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Self-pay (and claims) of a month before the start, at the same rates as during the run, so
        the 12-month window at the start is already in its steady state."""
        ps, hh = self.ps, self.hh
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
        inpatient = np.where(
            stay, np.clip(lognormal(rng, A.FOLLOW_UP_COST_MEDIAN, 0.6, n), 1_000, 200_000), 0.0
        )
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

    # ---------------------------------------------------------------- people

    def _demography(self, t: int) -> None:
        ps, hh, led = self.ps, self.hh, self.ledger
        _m, d0, nd, _moy = self._month(t)
        rng = stream(self.seed, "demography", t)
        n = ps.n
        live = ps.counted()
        age = self.age
        # Deaths (Gompertz, higher for serious illness).
        q = np.minimum(0.6, A.GOMPERTZ_A * np.exp(A.GOMPERTZ_B * age))
        q = np.where(ps.health[:n] == Health.SERIOUS, np.minimum(0.8, q * A.SERIOUS_MORTALITY_FACTOR), q)
        q = 1 - (1 - q) ** (1 / 12)
        dead = np.flatnonzero(live & (rng.random(n) < q))
        if len(dead):
            day = self._days(rng, d0, nd, len(dead))
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
            self._event(h[accidental], Risk.ACCIDENT, t)
            earner = (age[dead] >= 18) & (age[dead] < 60)
            self._mark_report(h[earner], LIVING, True, day[earner], self._rep()[h[earner]])

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
            ps.birth[new] = self._days(rng, d0, nd, k)
            ps.area[new] = self.county_code[ps.hh[mothers]]
            ps.eth[new] = hh.eth[ps.hh[mothers]]
            ps.joined[new] = t
            ps.last_birth[mothers] = t
            head_names = ps.name[hh.head[ps.hh[mothers]]]
            given = names.given_names(rng, ps.male[new]).to_numpy()
            ps.name[new] = np.array([s[:1] + g for s, g in zip(head_names, given, strict=True)], dtype="<U3")
            assign_id_numbers(ps, new)
            led.add_keys(ps.key[new])
            led.emit(t, event="birth", risk=NO_RISK, hh=ps.hh[new], day=ps.birth[new], person_key=ps.key[new])
            self.age = np.concatenate([self.age, np.zeros(k, dtype=np.int64)])
        self._rep_cache = None
        n = ps.n
        live = ps.counted()
        age = self.age

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
        self._move_out(t, out, rng, d0, nd)

        # Brides moving in: unmarried sons and single male heads 22–40.
        has_in_law = (
            np.bincount(ps.hh[:n], weights=live & (ps.rel[:n] == Rel.CHILD_IN_LAW), minlength=hh.n) > 0
        )
        has_spouse = np.bincount(ps.hh[:n], weights=live & (ps.rel[:n] == Rel.SPOUSE), minlength=hh.n) > 0
        groom = live & ps.male[:n] & (age >= 22) & (age <= 40)
        groom &= ((ps.rel[:n] == Rel.CHILD) & ~has_in_law[ps.hh[:n]]) | (
            (ps.rel[:n] == Rel.HEAD) & ~has_spouse[ps.hh[:n]]
        )
        grooms = np.flatnonzero(groom & (rng.random(n) < A.monthly(A.MARRY_IN_ANNUAL)))
        grooms = grooms[np.unique(ps.hh[grooms], return_index=True)[1]]  # one wedding per household
        if len(grooms):
            self._move_in(t, grooms, rng, d0, nd)

    def _move_out(self, t: int, out: np.ndarray, rng: np.random.Generator, d0: int, nd: int) -> None:
        if not len(out):
            return
        ps = self.ps
        ps.present[out] = False
        self._rep_cache = None
        self.ledger.emit(
            t,
            event="moved_out",
            risk=NO_RISK,
            hh=ps.hh[out],
            day=self._days(rng, d0, nd, len(out)),
            person_key=ps.key[out],
            feed=Feed.POLICE,
            columns={"event": np.full(len(out), "moved_out")},
        )

    def _move_in(self, t: int, grooms: np.ndarray, rng: np.random.Generator, d0: int, nd: int) -> None:
        ps, hh = self.ps, self.hh
        k = len(grooms)
        sl = ps.append(k)
        new = np.arange(sl.start, sl.stop)
        ps.hh[new] = ps.hh[grooms]
        ps.rel[new] = np.where(ps.rel[grooms] == Rel.HEAD, Rel.SPOUSE, Rel.CHILD_IN_LAW)
        ps.male[new] = False
        bride_age = np.maximum(20, self.age[grooms] - rng.integers(0, 6, k))
        ps.birth[new] = d0 - np.floor(bride_age * 365.2425).astype(np.int64) - rng.integers(1, 365, k)
        outside = np.array(self.places.outside_county_codes, dtype=np.int64)
        ps.area[new] = outside[rng.integers(0, len(outside), k)]
        ps.eth[new] = hh.eth[ps.hh[grooms]]
        ps.edu[new] = choice_index(rng, (0.02, 0.15, 0.55, 0.12, 0.10, 0.06), k) + 1
        ps.labour[new] = Labour.ORDINARY
        ps.pension[new] = True
        ps.joined[new] = t
        given = names.given_names(rng, ps.male[new])
        ps.name[new] = np.asarray(
            names.full_names(names.surname_codes(rng, k), given).to_numpy(), dtype="<U3"
        )
        # Sequence codes for people registered elsewhere: unique within the run (they never collide
        # with residents, whose area codes differ).
        keys = np.empty(k, dtype=np.int64)
        for i, p in enumerate(new):
            base = fmt.id_key(ps.area[p : p + 1], ps.birth[p : p + 1], np.zeros(1, dtype=np.int64))[0]
            seq = 2 * int(rng.integers(0, 150)) + 2
            while base + seq in self.mover_keys:
                seq += 2
            keys[i] = base + seq
            self.mover_keys.add(int(base + seq))
        ps.key[new] = keys
        self.ledger.add_keys(keys)
        self.age = np.concatenate([self.age, bride_age.astype(np.int64)])
        self.ledger.emit(
            t,
            event="moved_in",
            risk=NO_RISK,
            hh=ps.hh[new],
            day=self._days(rng, d0, nd, k),
            person_key=keys,
            feed=Feed.POLICE,
            columns={"event": np.full(k, "moved_in")},
        )

    # ---------------------------------------------------------------- health

    def _medical(
        self,
        t: int,
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
        ps, hh = self.ps, self.hh
        k = len(persons)
        if not k:
            return np.zeros(0, dtype=np.int64)
        _, d0, nd, _ = self._month(t)
        total = np.round(cost_yuan * 100).astype(np.int64)
        insured = ps.med_ins[persons]
        self_pay = np.where(insured, np.round(total * rng.uniform(*share, k)), total).astype(np.int64)
        fund = total - self_pay
        h = ps.hh[persons]
        np.add.at(self.self_pay, h, self_pay)
        protected = hh.former[h] | ((hh.category[h] > 0) & (hh.eliminated[h] < 0))
        deductible = A.ANTI_POVERTY_INSURANCE_DEDUCTIBLE * 100
        claim = np.where(
            protected & (rng.random(k) < A.ANTI_POVERTY_INSURANCE_TAKE_UP),
            np.maximum(0, self_pay - deductible) * A.ANTI_POVERTY_INSURANCE_RATE,
            np.where(
                rng.random(k) < A.COMMERCIAL_INSURANCE_SHARE, self_pay * 0.5 * (self_pay > deductible), 0
            ),
        )
        np.add.at(self.claims_next, h, np.round(claim).astype(np.int64))
        day = self._days(rng, d0, nd, k)
        delivered = np.ones(k, dtype=bool) if hidden is None else ~hidden
        self.ledger.emit(
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

    def _health(self, t: int) -> None:
        ps, hh = self.ps, self.hh
        _, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "health", t)
        n = ps.n
        live = ps.counted()
        age = self.age
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
        self.ledger.emit(
            t,
            event="chronic_illness",
            risk=Risk.ILLNESS,
            hh=ps.hh[onset],
            day=self._days(rng, d0, nd, len(onset)),
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
            ps.off_until[onset] = np.maximum(
                ps.off_until[onset], t + rng.integers(*A.SERIOUS_OFF_WORK_MONTHS, k)
            )
            cost = np.clip(lognormal(rng, A.SERIOUS_COST_MEDIAN, A.SERIOUS_COST_SIGMA, k), 5_000, 400_000)
            self_pay = self._medical(
                t,
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
            self._event(h, Risk.ILLNESS, t)
            self._carer(t, rng, onset)
            day = self._days(rng, d0, nd, k)
            self._mark_report(h, MEDICAL, True, day, onset)
            big = self_pay >= 1_000_000
            self._temp_aid_candidates(h[big], onset[big])
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
            self.ledger.emit(
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
        self._medical(
            t,
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
        chronic = live & (
            (ps.health[:n] == Health.CHRONIC) | ((ps.health[:n] == Health.SERIOUS) & (since > 6))
        )
        r = rng.random(n)
        outp = np.flatnonzero(chronic & (r < A.CHRONIC_OUTPATIENT_PROB))
        cost = np.clip(lognormal(rng, A.CHRONIC_OUTPATIENT_MEDIAN, 0.6, len(outp)), 80, 6_000)
        self._medical(
            t,
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
        self._medical(
            t,
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
            live
            & (ps.health[:n] == Health.SERIOUS)
            & (since > 6)
            & (rng.random(n) < A.SERIOUS_RECOVERY_MONTHLY)
        )
        ps.health[rec] = Health.CHRONIC
        ps.out_of_province[rec] = False

        # New disability (illness, ageing) and accidents.
        p = np.array(A.DISABILITY_ONSET)[band]
        onset = np.flatnonzero(
            live & (ps.health[:n] != Health.DISABLED) & (rng.random(n) < 1 - (1 - p) ** (1 / 12))
        )
        self._disable(
            t,
            rng,
            onset,
            choice_index(rng, A.DISABILITY_GRADE_SHARES, len(onset)) + 1,
            choice_index(rng, A.DISABILITY_TYPE_SHARES, len(onset)),
        )

        p_acc = np.where((age >= 16) & (age <= 70), A.monthly(A.ACCIDENT_ANNUAL), 0.0)
        acc = np.flatnonzero(live & (rng.random(n) < p_acc))
        k = len(acc)
        if k:
            disabled = rng.random(k) < A.ACCIDENT_DISABILITY_SHARE
            day = self._days(rng, d0, nd, k)
            h = ps.hh[acc]
            self.ledger.emit(
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
            self._event(h, Risk.ACCIDENT, t)
            ps.off_from[acc] = t
            ps.off_until[acc] = np.maximum(
                ps.off_until[acc], t + rng.integers(*A.ACCIDENT_OFF_WORK_MONTHS, k)
            )
            cost = np.clip(lognormal(rng, A.ACCIDENT_COST_MEDIAN, 0.7, k), 1_000, 300_000)
            self._medical(
                t,
                rng,
                event="accident_treatment",
                risk=Risk.ACCIDENT,
                persons=acc,
                cost_yuan=cost,
                share=A.SELF_PAY_SHARE,
                inpatient=True,
            )
            self._mark_report(h, MEDICAL, True, day, acc)
            dis = acc[disabled]
            self._disable(
                t, rng, dis, rng.integers(2, 5, len(dis)).astype(np.int8), np.zeros(len(dis), np.int8)
            )

    def _carer(self, t: int, rng: np.random.Generator, patients: np.ndarray) -> None:
        """Someone comes home from migrant work to look after a seriously ill relative."""
        ps = self.ps
        n = ps.n
        h_patient = np.zeros(self.hh.n, dtype=bool)
        h_patient[ps.hh[patients]] = True
        migrant = np.isin(ps.place[:n], (Place.IN_PROVINCE, Place.OUT_OF_PROVINCE)) & ps.counted()
        cand = np.flatnonzero(migrant & h_patient[ps.hh[:n]] & (ps.serious_since[:n] != t))
        first = cand[np.unique(ps.hh[cand], return_index=True)[1]]
        carers = first[rng.random(len(first)) < A.CAREGIVER_STOPS_WORK]
        ps.off_from[carers] = np.where(ps.off_until[carers] > t, ps.off_from[carers], t)
        ps.off_until[carers] = np.maximum(ps.off_until[carers], t + rng.integers(3, 9, len(carers)))

    def _disable(
        self, t: int, rng: np.random.Generator, persons: np.ndarray, grade: np.ndarray, dis_type: np.ndarray
    ) -> None:
        """New disability; 残联 certifies most of them a few months later (the feed row's date)."""
        ps = self.ps
        k = len(persons)
        if not k:
            return
        _, d0, nd, _ = self._month(t)
        ps.health[persons] = Health.DISABLED
        ps.grade[persons] = grade
        ps.dis_type[persons] = dis_type
        adult = self.age[persons] >= 16
        ps.labour[persons] = np.where(adult, np.where(grade <= 2, Labour.LOST, Labour.WEAK), Labour.NONE)
        # Work stops except light local work for grades 3–4.
        stop = (grade <= 2) | (ps.place[persons] != Place.IN_COUNTY)
        ps.off_from[persons[stop]] = np.where(ps.off_until[persons[stop]] > t, ps.off_from[persons[stop]], t)
        ps.off_until[persons[stop]] = FOREVER
        certified = rng.random(k) < A.DISABILITY_CERTIFIED_SHARE
        ps.certified[persons] = certified
        delay = rng.integers(A.CERTIFICATION_DELAY_MONTHS[0], A.CERTIFICATION_DELAY_MONTHS[1] + 1, k)
        feed_day = np.array([fmt.first_day(self.start + t + int(d)) for d in delay], dtype=np.int64)
        feed_day += rng.integers(0, 28, k)
        h = ps.hh[persons]
        self.ledger.emit(
            t,
            event="disability",
            risk=Risk.DISABILITY,
            hh=h,
            day=self._days(rng, d0, nd, k),
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
        self._event(h, Risk.DISABILITY, t)

    def _temp_aid_candidates(self, h: np.ndarray, person: np.ndarray) -> None:
        self._aid_h.append(np.asarray(h, dtype=np.int64))
        self._aid_p.append(np.asarray(person, dtype=np.int64))

    # ---------------------------------------------------------------- work

    def _working_now(self, t: int) -> np.ndarray:
        ps = self.ps
        n = ps.n
        _, _, _, moy = self._month(t)
        in_season = ((moy - ps.sched[:n].astype(np.int64)) % 12) < ps.work_len[:n]
        off = (ps.off_from[:n] <= t) & (t < ps.off_until[:n])
        return ps.counted() & in_season & ~off & (ps.work_len[:n] > 0)

    def _employment(self, t: int) -> None:
        ps, led = self.ps, self.ledger
        m, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "employment", t)
        n = ps.n
        working = self._working_now(t) & ~ps.public_job[:n] & ~ps.unemployed[:n]
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
            town = int(rng.integers(0, self.places.n_townships))
            in_town = self.township[ps.hh[:n]] == town
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
                day=self._days(rng, d0, nd, k),
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
            self._event(h, Risk.UNSTABLE_EMPLOYMENT, t)
            self._mark_report(h, JOBS, False, self._days(rng, d0, nd, k), lost_idx)

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
                day=self._days(rng, d0, nd, k),
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
        self._find_work(t, rng)

    def _find_work(self, t: int, rng: np.random.Generator) -> None:
        """Households left without any job: an able member starts work (local, or migrant)."""
        ps, hh = self.ps, self.hh
        m, d0, nd, _ = self._month(t)
        n = ps.n
        counted = ps.counted()
        off = (ps.off_from[:n] <= t) & (t < ps.off_until[:n])
        has_job = counted & (ps.work_len[:n] > 0) & ~ps.unemployed[:n] & ~off
        jobless = np.bincount(ps.hh[:n], weights=has_job, minlength=hh.n) == 0
        able = (
            counted
            & jobless[ps.hh[:n]]
            & (ps.labour[:n] <= Labour.ORDINARY)
            & (self.age >= 16)
            & (self.age <= 59)
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
        self._start_work(rng, take, t, certain=True)
        self.ledger.emit(
            t,
            event="started_work",
            risk=NO_RISK,
            hh=ps.hh[take],
            day=self._days(rng, d0, nd, k),
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

    def _start_work(
        self, rng: np.random.Generator, persons: np.ndarray, t: int, certain: bool = False
    ) -> None:
        """School leavers of working age: ordinary labour, most of them leave to work."""
        ps = self.ps
        k = len(persons)
        if not k:
            return
        _, d0, nd, _ = self._month(t)
        adult = self._ages(d0 + nd)[persons] >= 16
        ps.labour[persons] = np.where(
            adult & (ps.health[persons] == Health.HEALTHY), Labour.ORDINARY, ps.labour[persons]
        )
        share = 1.0 if certain else A.WORKER_SHARE
        work = persons[adult & (ps.labour[persons] <= Labour.ORDINARY) & (rng.random(k) < share)]
        w = len(work)
        place = choice_index(rng, A.WORK_PLACE_SHARES, w) + 1
        ps.place[work] = place
        ps.work_len[work] = rng.integers(8, 13, w)
        _, _, _, moy = self._month(t)
        ps.sched[work] = moy if certain else (moy + 1) % 12
        ps.unemployed[work] = False
        median = np.array([0, *A.MONTHLY_WAGE_MEDIAN.values()])[place]
        ps.wage[work] = np.round(median * 0.85 * np.exp(A.MONTHLY_WAGE_SIGMA * rng.standard_normal(w)) * 100)
        ps.formal[work] = rng.random(w) < 0.4

    # ---------------------------------------------------------------- school

    def _education(self, t: int) -> None:
        ps, led = self.ps, self.ledger
        m, d0, nd, moy = self._month(t)
        rng = stream(self.seed, "education", t)
        n = ps.n
        live = ps.counted()
        school = ps.school[:n]
        year = m // 12
        if moy == 6:  # July: final-year students graduate
            age_last_sep = self._ages(fmt.first_day(fmt.month_number(year - 1, 9)))
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
                day=self._days(rng, d0, nd, len(grads)),
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
            ps.school[grads] = np.where(
                higher, School.NONE, -ps.school[grads]
            )  # negative: awaiting September
            leavers = grads[higher]
            self._start_work(rng, leavers, t)
        elif moy == 8:  # September: the new school year
            age = self._ages(d0)
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
            self._start_work(rng, leave, t)

            # Some new undergraduates move their registration to the university.
            uni = ent[
                (new[ent] == School.UNDERGRADUATE) & (rng.random(len(ent)) < A.UNIVERSITY_HUKOU_OUT_SHARE)
            ]
            self._move_out(t, uni, rng, d0, nd)
        # Young people out of school come of working age at 16 (by the first day of next month, the
        # day the registry snapshot at the start is taken).
        age_next = self._ages(d0 + nd)
        of_age = np.flatnonzero(
            ps.counted()
            & (age_next >= 16)
            & (age_next < 60)
            & (ps.school[:n] == School.NONE)
            & (ps.labour[:n] == Labour.NONE)
            & (ps.health[:n] == Health.HEALTHY)
        )
        self._start_work(rng, of_age, t)
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
            shocked = self._recent(t, 6)[ps.hh[:n]]
            p = np.where(shocked, p * A.DROPOUT_SHOCK_FACTOR, p)
            drop = np.flatnonzero(ps.counted() & (rng.random(n) < p))
            k = len(drop)
            if k:
                stage = ps.school[drop].copy()
                ps.school[drop] = School.NONE
                h = ps.hh[drop]
                day = self._days(rng, d0, nd, k)
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
                self._event(h, Risk.EDUCATION, t)
                self._mark_report(h, SCHOOLING, False, day, drop)
                self._start_work(rng, drop[self.age[drop] >= 16], t)

    # ---------------------------------------------------------------- places

    def _disasters(self, t: int) -> None:
        hh, ps, places = self.hh, self.ps, self.places
        _m, d0, nd, moy = self._month(t)
        rng = stream(self.seed, "disaster", t)
        month = moy + 1
        weights = next(w for months, w in A.HAZARD_SEASONS if month in months)
        season = 2.0 if month in (6, 7, 8, 9) else (1.2 if month in (3, 4, 5) else 0.5)
        v_hit = rng.random(places.n_villages) < A.VILLAGE_DISASTER_MONTHLY * season
        t_hit = rng.random(places.n_townships) < A.TOWNSHIP_DISASTER_MONTHLY * season
        v_hazard = choice_index(rng, weights, places.n_villages)
        t_hazard = choice_index(rng, weights, places.n_townships)
        v_share = rng.uniform(*A.VILLAGE_AFFECTED_SHARE, places.n_villages)
        t_share = rng.uniform(*A.TOWNSHIP_AFFECTED_SHARE, places.n_townships)
        v_day = self._days(rng, d0, nd, places.n_villages)
        t_day = self._days(rng, d0, nd, places.n_townships)
        town = self.township
        by_town = t_hit[town]
        hazard = np.where(by_town, t_hazard[town], v_hazard[hh.village])
        share = np.where(by_town, t_share[town], v_share[hh.village])
        day = np.where(by_town, t_day[town], v_day[hh.village])
        struck = (by_town | v_hit[hh.village]) & (rng.random(hh.n) < share)
        struck &= self.members > 0
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
        self.loss[h] += repair
        loss = crop_loss + repair
        rep = self._rep()[h]
        self.ledger.emit(
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
        self._event(h, Risk.DISASTER, t)
        insured = rng.random(k) < A.AGRI_INSURANCE_SHARE
        np.add.at(
            self.claims_next,
            h,
            np.where(insured, np.round(crop_loss * A.AGRI_INSURANCE_RATE), 0).astype(np.int64),
        )
        dh = h[damaged]
        new_grade = np.where(rng.random(len(dh)) < 0.7, 2, 3).astype(np.int8)
        worse = new_grade > hh.house[dh]
        self._house_change(t, rng, dh[worse], new_grade[worse], "house_damaged")
        self._mark_report(dh, HOUSING, True, day[dh], rep[damaged])
        self._mark_report(h[~damaged], LIVING, False, day[h[~damaged]], rep[~damaged])
        self._temp_aid_candidates(dh, rep[damaged])

    def _industry(self, t: int) -> None:
        hh, places = self.hh, self.places
        _, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "industry", t)
        hit = rng.random(places.n_villages) < A.INDUSTRY_FAILURE_VILLAGE_MONTHLY
        if not hit.any():
            return
        share = rng.uniform(*A.INDUSTRY_FAILURE_AFFECTED, places.n_villages)
        factor = rng.uniform(*A.INDUSTRY_FAILURE_FACTOR, places.n_villages)
        length = rng.integers(
            A.INDUSTRY_FAILURE_MONTHS[0], A.INDUSTRY_FAILURE_MONTHS[1] + 1, places.n_villages
        )
        day = self._days(rng, d0, nd, places.n_villages)
        v = hh.village
        h = np.flatnonzero(hit[v] & (hh.farm > 0) & (rng.random(hh.n) < share[v]) & (self.members > 0))
        f = factor[v[h]]
        months = length[v[h]]
        lost = np.round(hh.farm[h] * (1 - f) * months / 12).astype(np.int64)
        active = t < hh.biz_until[h]
        hh.biz_mult[h] = np.where(active, np.minimum(hh.biz_mult[h], f), f)
        hh.biz_until[h] = np.maximum(hh.biz_until[h], t + months)
        self.ledger.emit(
            t, event="industry_failure", risk=Risk.INDUSTRY_FAILURE, hh=h, day=day[v[h]], amount=lost
        )
        self._event(h, Risk.INDUSTRY_FAILURE, t)
        self._mark_report(h, LIVING, False, day[v[h]], self._rep()[h])

    def _house_change(
        self, t: int, rng: np.random.Generator, h: np.ndarray, grade: np.ndarray, event: str
    ) -> None:
        """A house becomes C or D; 住建 appraises most of them 1–3 months later."""
        hh = self.hh
        k = len(h)
        if not k:
            return
        _, d0, nd, _ = self._month(t)
        hh.house[h] = grade
        delay = rng.integers(A.APPRAISAL_DELAY_MONTHS[0], A.APPRAISAL_DELAY_MONTHS[1] + 1, k)
        feed_day = np.array([fmt.first_day(self.start + t + int(d)) for d in delay], dtype=np.int64)
        feed_day += rng.integers(0, 28, k)
        self.ledger.emit(
            t,
            event=event,
            risk=Risk.HOUSING,
            hh=h,
            day=self._days(rng, d0, nd, k),
            feed=Feed.HOUSING,
            id_key=self.ps.key[self._rep()[h]],
            columns={"grade": fmt.lookup(HOUSE_GRADES, grade)},
            delivered=rng.random(k) < A.HOUSING_APPRAISED_SHARE,
            delay=delay,
            feed_day=feed_day,
        )

    def _housing(self, t: int) -> None:
        hh = self.hh
        _, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "housing", t)
        r = rng.random(hh.n)
        alive = self.members > 0
        p = np.select([hh.house == 0, hh.house == 1, hh.house == 2], list(A.HOUSE_DETERIORATION_MONTHLY), 0.0)
        worse = np.flatnonzero(alive & (r < p))
        new_grade = hh.house[worse] + 1
        to_cd = new_grade >= 2
        hh.house[worse[~to_cd]] = new_grade[~to_cd]  # A→B goes unnoticed
        self._house_change(t, rng, worse[to_cd], new_grade[to_cd].astype(np.int8), "house_deteriorated")
        self._mark_report(
            worse[to_cd], HOUSING, False, self._days(rng, d0, nd, int(to_cd.sum())), self._rep()[worse[to_cd]]
        )
        # 危房改造: C/D houses are renovated (grade A) and re-appraised.
        fixed = np.flatnonzero(alive & (hh.house >= 2) & (rng.random(hh.n) < A.HOUSE_RENOVATION_MONTHLY))
        fixed = fixed[~np.isin(fixed, worse)]
        hh.house[fixed] = 0
        k = len(fixed)
        self.ledger.emit(
            t,
            event="house_renovated",
            risk=NO_RISK,
            hh=fixed,
            day=self._days(rng, d0, nd, k),
            feed=Feed.HOUSING,
            id_key=self.ps.key[self._rep()[fixed]],
            columns={"grade": np.full(k, "A")},
        )

    def _water(self, t: int) -> None:
        _m, d0, nd, moy = self._month(t)
        rng = stream(self.seed, "water", t)
        g = self.n_groups
        led = self.ledger
        # Issues that end this month and were first reported open-ended: the closing row.
        still_open = []
        for issue in self.open_water:
            ends = (issue["to"] >= d0) & (issue["to"] < d0 + nd)
            if ends.any():
                led.queue_rows(t, Feed.WATER, self._water_columns(issue, ends, closed=True))
            keep = issue["to"] >= d0 + nd
            if keep.any():
                still_open.append({k: v[keep] for k, v in issue.items()})
        self.open_water = still_open

        p = A.WATER_ISSUE_MONTHLY * (A.WATER_DRY_SEASON_FACTOR if moy in (2, 3, 4) else 1.0)
        # Only groups where somebody lives report problems (small runs leave many groups empty).
        occupied = np.bincount(self.group_id, weights=self.registered & (self.members > 0), minlength=g) > 0
        hit = np.flatnonzero((rng.random(g) < p) & occupied)
        k = len(hit)
        if not k:
            return
        kind = choice_index(rng, A.WATER_ISSUE_SHARES, k)
        days = np.where(
            kind == 0,
            np.clip(
                np.round(lognormal(rng, A.WATER_OUTAGE_DAYS_MEDIAN, A.WATER_OUTAGE_DAYS_SIGMA, k)), 1, 120
            ),
            rng.integers(*A.WATER_OTHER_DAYS, k),
        ).astype(np.int64)
        start = self._days(rng, d0, nd, k)
        end = start + days - 1
        issue = {"group": hit, "from": start, "to": end, "kind": kind.astype(np.int64)}
        qualifies = (kind != 0) | (days > A.WATER_OUTAGE_RISK_DAYS)
        self.water_from[hit[qualifies]] = start[qualifies]
        self.water_to[hit[qualifies]] = end[qualifies]
        delivered = rng.random(k) < A.WATER_DELIVERED
        late = rng.random(k) < A.LATE_SHARE
        closed_now = end < d0 + nd
        when = np.where(delivered, t + late, -1)
        when = np.where(when >= self.months, -1, when)
        for month in (t, t + 1):
            sel = when == month
            if sel.any():
                both = sel & closed_now
                opened = sel & ~closed_now
                if both.any():
                    led.queue_rows(month, Feed.WATER, self._water_columns(issue, both, closed=True))
                if opened.any():
                    led.queue_rows(month, Feed.WATER, self._water_columns(issue, opened, closed=False))
        reported_open = delivered & ~closed_now
        if reported_open.any():
            self.open_water.append({key: v[reported_open] for key, v in issue.items()})
        # Truth: one event per household of the group.
        counts = self.group_last[hit] - self.group_first[hit]
        h = np.concatenate(
            [np.arange(a, b) for a, b in zip(self.group_first[hit], self.group_last[hit], strict=True)]
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
        self._mark_report(h[q], WATER, False, start[rows[q]], self._rep()[h[q]])

    def _water_columns(
        self, issue: dict[str, np.ndarray], sel: np.ndarray, *, closed: bool
    ) -> dict[str, pl.Series | np.ndarray]:
        groups = issue["group"][sel]
        village = self.group_village[groups]
        to = issue["to"][sel] if closed else np.full(int(sel.sum()), -1)
        return {
            "village_code": fmt.lookup(self.places.village_codes, village),
            "group_name": pl.Series(
                [f"第{int(x)}村民小组" for x in self.group_number[groups]], dtype=pl.String
            ),
            "from_on": fmt.date_series(issue["from"][sel]),
            "to_on": fmt.date_series(to),
            "issue": fmt.lookup(("outage", "quality", "distance"), issue["kind"][sel]),
        }

    # ---------------------------------------------------------------- truth

    def _truth(self, t: int) -> pl.DataFrame:
        """Households that meet the monitoring criteria this month (docs/simulator.md "Truth")."""
        ps, hh, book = self.ps, self.hh, self.book
        m, d0, nd, _ = self._month(t)
        n = ps.n
        counted = ps.counted()
        idx = ps.hh[:n]
        members = np.bincount(idx, weights=counted, minlength=hh.n).astype(np.int64)
        self.members = members
        size = np.maximum(members, 1)
        thr = A.threshold_for(m // 12) * 100
        net = book.net()
        ref = book.reference()
        pc_ref = ref / size
        pc_net = net / size
        self.pc_ref = pc_ref / 100.0
        low = pc_ref < thr

        mask = np.zeros(hh.n, dtype=np.int64)
        last = hh.last_event.astype(np.int64)
        for r in EVENT_RISKS:
            mask |= np.where(last[:, r] > t - A.RISK_WINDOW_MONTHS, 1 << int(r), 0)
        # Structural risks from the members' current state.
        health = ps.health[:n]
        age = self.age
        serious = np.bincount(idx, weights=counted & (health == Health.SERIOUS), minlength=hh.n) > 0
        chronic = np.bincount(idx, weights=counted & (health == Health.CHRONIC), minlength=hh.n) > 0
        self_pay = book.window("self_pay")
        illness = serious | (chronic & (self_pay >= A.CHRONIC_SELF_PAY_RISK * 100))
        mask |= np.where(illness, 1 << Risk.ILLNESS, 0)
        severe = counted & (health == Health.DISABLED) & (ps.grade[:n] <= 2)
        mask |= np.where(np.bincount(idx, weights=severe, minlength=hh.n) > 0, 1 << Risk.DISABILITY, 0)
        school = ps.school[:n]
        non_compulsory = counted & (school >= School.SENIOR)
        out_of_school = counted & (school == School.NONE) & (age >= 7) & (age <= 15)
        edu = np.bincount(idx, weights=non_compulsory | out_of_school, minlength=hh.n) > 0
        mask |= np.where(edu, 1 << Risk.EDUCATION, 0)
        capable = counted & (ps.labour[:n] <= Labour.WEAK)
        labour_share = np.bincount(idx, weights=capable, minlength=hh.n) / size
        mask |= np.where(labour_share <= A.LABOUR_SHORTAGE_SHARE, 1 << Risk.LABOUR_SHORTAGE, 0)
        mask |= np.where(hh.house >= 2, 1 << Risk.HOUSING, 0)
        g = self.group_id
        water = (self.water_from[g] >= 0) & (self.water_from[g] < d0 + nd) & (self.water_to[g] >= d0)
        mask |= np.where(water, 1 << Risk.WATER, 0)

        event_mask = 0
        for r in EVENT_RISKS:
            event_mask |= 1 << int(r)
        rigid = self_pay - book.window("claims") + book.window("loss")
        heavy = (rigid >= A.RIGID_MIN * 100) & (rigid >= A.RIGID_SHARE_OF_NET * np.maximum(net, 0))
        before = book.pc_net_hist[t % 12] if t >= self.first + 12 else book.pc_net_start
        drop = pc_net <= A.SHARP_DROP_RATIO * before
        sudden = ~low & (heavy | drop) & ((mask & event_mask) != 0)
        at_risk = (members > 0) & ((low & (mask != 0)) | sudden) & self.registered
        mask = np.where(low, mask | (1 << Risk.LOW_INCOME), mask)
        book.pc_net_hist[t % 12] = pc_net.astype(np.float32)
        self.low_risk = (members > 0) & low & (mask != (1 << Risk.LOW_INCOME))
        self.sudden = (members > 0) & sudden
        if t < 0:
            return pl.DataFrame()

        h = np.flatnonzero(at_risk)
        masks = mask[h]
        uniq, inv = np.unique(masks, return_inverse=True)
        labels = [";".join(sorted(RISKS[r] for r in range(len(RISKS)) if u >> r & 1)) for u in uniq.tolist()]
        return pl.DataFrame(
            {
                "household_no": self.household_no.gather(h),
                "period": pl.Series([fmt.period(m)] * len(h), dtype=pl.String),
                "risk_types": pl.Series(labels, dtype=pl.String).gather(inv)
                if len(h)
                else pl.Series([], dtype=pl.String),
            }
        )

    # ---------------------------------------------------------------- departments reacting

    def _civil(self, t: int) -> None:
        ps, hh, led = self.ps, self.hh, self.ledger
        m, _d0, _nd, _ = self._month(t)
        rng = stream(self.seed, "civil", t)
        n = ps.n
        counted = ps.counted()
        idx = ps.hh[:n]
        std = A.DIBAO_STANDARD
        # Members who died or moved out leave 低保.
        gone = np.flatnonzero(ps.dibao[:n] & ~counted)
        self._civil_rows(t, rng, "dibao_cancelled", gone, ps.dibao_amt[gone].astype(np.int64))
        ps.dibao[gone] = False
        ps.dibao_amt[gone] = 0

        on_dibao = np.bincount(idx, weights=counted & (ps.dibao[:n] | ps.tekun[:n]), minlength=hh.n) > 0
        dibao_pc = (
            np.bincount(
                idx, weights=np.where(counted & ps.dibao[:n], ps.dibao_amt[:n], 0) * 12, minlength=hh.n
            )
            / np.maximum(self.members, 1)
            / 100
        )
        pc_without = self.pc_ref - dibao_pc
        # Cancellations when income recovered.
        cancel_hh = (
            on_dibao
            & (pc_without > std * A.DIBAO_CANCEL_FACTOR)
            & (rng.random(hh.n) < A.DIBAO_CANCEL_MONTHLY)
        )
        cancel = np.flatnonzero(counted & ps.dibao[:n] & cancel_hh[idx])
        self._civil_rows(t, rng, "dibao_cancelled", cancel, ps.dibao_amt[cancel].astype(np.int64))
        ps.dibao[cancel] = False
        ps.dibao_amt[cancel] = 0

        # Applications after a shock (or slowly, for structural hardship); once a year at most.
        alive = self.members > 0
        recent = self._recent(t, 3)
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
            alive
            & ~on_dibao
            & (hh.dibao_applied < t - 12)
            & (self.pc_ref < std * 1.8)
            & (rng.random(hh.n) < p)
        )
        hh.dibao_applied[apply] = t
        r = rng.random(hh.n)
        enrol = apply & (self.pc_ref < std) & (r < A.DIBAO_APPROVED)
        margin = (
            apply
            & ~enrol
            & ~hh.low_income_margin
            & (self.pc_ref < std * A.LOW_INCOME_MARGIN_FACTOR)
            & (r < 0.9)
        )
        reject = apply & ~enrol & ~margin
        monthly = np.clip((std - self.pc_ref) / 12, A.DIBAO_MIN_MONTHLY, std / 12)
        members = np.flatnonzero(counted & enrol[idx])
        amount = np.round(monthly[idx[members]] * 100).astype(np.int64)
        ps.dibao[members] = True
        ps.dibao_amt[members] = amount
        self._civil_rows(t, rng, "dibao_enrolled", members, amount)
        rep = self._rep()
        rej = np.flatnonzero(reject)
        self._civil_rows(t, rng, "dibao_rejected", rep[rej], np.zeros(len(rej), dtype=np.int64))
        mar = np.flatnonzero(margin)
        hh.low_income_margin[mar] = True
        # 民政 reports the assessed per-capita income, never below zero (rigid spending can exceed income).
        self._civil_rows(
            t,
            rng,
            "low_income_margin",
            rep[mar],
            np.round(np.maximum(self.pc_ref[mar], 0) * 100).astype(np.int64),
        )
        # 住建 appraises the houses of newly enrolled low-income households the month after (routine).
        new_low = np.flatnonzero((enrol | margin) & self.registered)
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
        single = self.members == 1
        person_alone = counted & single[idx] & ~ps.tekun[:n] & ~ps.dibao[:n]
        person_alone &= ((self.age >= 60) | ((ps.grade[:n] > 0) & (ps.grade[:n] <= 2))) & (
            ps.labour[:n] >= Labour.WEAK
        )
        tk = np.flatnonzero(person_alone & (rng.random(n) < 0.01) & (self.pc_ref[idx] < std * 2))
        ps.tekun[tk] = True
        self._civil_rows(
            t, rng, "tekun_enrolled", tk, np.full(len(tk), A.TEKUN_MONTHLY * 100, dtype=np.int64)
        )

        # 临时救助 after a severe shock this month (one-off: not income, POLICY R-INC-02 decision).
        if self._aid_h:
            ah = np.concatenate(self._aid_h)
            ap = np.concatenate(self._aid_p)
            ah, first = np.unique(ah, return_index=True)
            ap = ap[first]
            give = rng.random(len(ah)) < A.TEMP_AID_SHARE
            amount = np.round(rng.uniform(*A.TEMP_AID_AMOUNT, int(give.sum())), -2).astype(np.int64) * 100
            self._civil_rows(t, rng, "temp_aid", ap[give], amount)
        self._aid_h, self._aid_p = [], []

    def _civil_rows(
        self, t: int, rng: np.random.Generator, event: str, persons: np.ndarray, amount: np.ndarray
    ) -> None:
        k = len(persons)
        if not k:
            return
        _, d0, nd, _ = self._month(t)
        self.ledger.emit(
            t,
            event=event,
            risk=NO_RISK,
            hh=self.ps.hh[persons],
            day=self._days(rng, d0, nd, k),
            person_key=self.ps.key[persons],
            amount=amount,
            feed=Feed.CIVIL,
            columns={"event": np.full(k, event), "amount": fmt.money_series(amount)},
        )

    def _credit(self, t: int) -> None:
        hh, led = self.hh, self.ledger
        m, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "credit", t)
        end = d0 + nd - 1
        has = hh.loan_principal > 0
        due = np.flatnonzero(has & ~hh.loan_overdue & (hh.loan_due >= d0) & (hh.loan_due <= end))
        shocked = self._recent(t, 6)[due]
        low = self.pc_ref[due] < A.threshold_for(m // 12)
        p = np.where(shocked, A.OVERDUE_AT_DUE_AFTER_SHOCK, A.OVERDUE_AT_DUE) * np.where(low, 2.0, 1.0)
        late = rng.random(len(due)) < p
        overdue = due[late]
        repaid = due[~late]
        hh.loan_overdue[overdue] = True
        last = hh.last_event[overdue][:, list(EVENT_RISKS)]
        cause = np.array(EVENT_RISKS)[last.argmax(axis=1)] if len(overdue) else np.zeros(0, dtype=np.int64)
        cause = np.where(last.max(axis=1) > t - 6, cause, Risk.OTHER) if len(overdue) else cause
        rep = self._rep()
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
            & (rng.random(hh.n) < np.where(self._recent(t, 3), 0.05, A.OVERDUE_CURED_MONTHLY))
        )
        self._close_loans(rng, np.concatenate([repaid, cured]), d0)
        # Banks report every overdue loan at month end (a snapshot: no late rows).
        od = np.flatnonzero(hh.loan_overdue & (hh.loan_principal > 0) & self.registered)
        if len(od):
            ids = self.ps.key[rep[od]]
            wrong = (hh.loan_serial[od].astype(np.int64) * 2654435761 % 100) == 0  # stable per loan
            if wrong.any():
                ids = ids.copy()
                ids[wrong] = led.mistype(ids[wrong], stream(self.seed, "credit.typo", 0))
            county = self.county_code[od]
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

    def _close_loans(self, rng: np.random.Generator, h: np.ndarray, d0: int) -> None:
        """Repaid loans; most households borrow again (a new loan number)."""
        hh = self.hh
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

    def _self_reports(self, t: int) -> None:
        """找政府: some hit households report through the 政府救助平台 mini-program or a hotline within
        a month (the report may land in the next month's file); a few households report without
        meeting the criteria."""
        ps, hh = self.ps, self.hh
        _m, d0, nd, _ = self._month(t)
        rng = stream(self.seed, "self_reports", t)
        if self._report_h:
            h = np.concatenate(self._report_h)
            diff = np.concatenate(self._report_d)
            severe = np.concatenate(self._report_s)
            day = np.concatenate(self._report_day)
            person = np.concatenate(self._report_p)
        else:
            h = diff = day = person = np.zeros(0, dtype=np.int64)
            severe = np.zeros(0, dtype=bool)
        # One report per household at most: the first cause recorded this month.
        h, first = np.unique(h, return_index=True)
        diff, severe, day, person = diff[first], severe[first], day[first], person[first]
        report = rng.random(len(h)) < np.where(severe, A.SELF_REPORT_SEVERE, A.SELF_REPORT_OTHER)
        noise = np.flatnonzero((rng.random(hh.n) < A.SELF_REPORT_NOISE_MONTHLY) & (self.members > 0))
        noise = noise[~np.isin(noise, h[report])]
        rep = self._rep()
        noise = noise[self.registered[noise]]
        report &= self.registered[h]
        all_h = np.concatenate([h[report], noise])
        all_diff = np.concatenate(
            [diff[report], choice_index(rng, (0.6, 0.25, 0.05, 0.05, 0.05, 0.0), len(noise))]
        )
        all_day = np.concatenate([day[report], self._days(rng, d0, nd, len(noise))]) + rng.integers(
            0, 25, len(all_h)
        )
        subject = np.concatenate([person[report], rep[noise]])
        k = len(all_h)
        if not k:
            return
        by_other = rng.random(k) < A.SELF_REPORT_BY_OTHER
        blank_id = by_other & (rng.random(k) < A.SELF_REPORT_OTHER_BLANK_ID)
        other_name = names.full_names(
            names.surname_codes(rng, k), names.given_names(rng, rng.random(k) < 0.6)
        )
        subject_name = pl.Series(ps.name[subject], dtype=pl.String)
        ids = fmt.id_series(ps.key[subject])
        ids = ids.set(pl.Series(blank_id), None) if blank_id.any() else ids
        own_phone = hh.phone[all_h]
        other_phone = np.array([138, 139, 150, 151, 158, 187, 189, 199])[
            rng.integers(0, 8, k)
        ] * 10**8 + rng.integers(0, 10**8, k)
        description = pl.Series(
            [DESCRIPTIONS[int(d)][int(i)] for d, i in zip(all_diff, rng.integers(0, 3, k), strict=True)],
            dtype=pl.String,
        )
        df = pl.DataFrame(
            {
                "reported_on": fmt.date_series(all_day),
                "channel": fmt.lookup(CHANNELS, choice_index(rng, CHANNEL_SHARES, k)),
                "reporter_relation": np.where(by_other, "other", "self"),
                "reporter_name": pl.select(
                    pl.when(pl.lit(pl.Series(by_other)))
                    .then(pl.lit(other_name))
                    .otherwise(pl.lit(subject_name))
                ).to_series(),
                "subject_name": subject_name,
                "id_number": ids,
                "village_code": fmt.lookup(self.places.village_codes, hh.village[all_h]),
                "group_name": pl.Series([f"第{int(x)}村民小组" for x in hh.group[all_h]], dtype=pl.String),
                "difficulty": fmt.lookup(DIFFICULTIES, all_diff),
                "description": description,
                "contact_phone": pl.Series(np.where(by_other, other_phone, own_phone)).cast(pl.String),
            }
        ).with_columns(pl.col("reported_on").dt.strftime("%Y-%m-%d"))
        month_of = (
            np.searchsorted(
                np.array([fmt.first_day(self.start + i) for i in range(t, t + 3)], dtype=np.int64),
                all_day,
                side="right",
            )
            - 1
            + t
        )
        for month in np.unique(month_of):
            self.ledger.queue_report(int(month), df.filter(pl.Series(month_of == month)))

    # ---------------------------------------------------------------- outputs

    def income_frame(self, month_no: int) -> pl.DataFrame:
        """CONTRACT §2 incomes for the 12 months ending with ``month_no`` (the registry at the start and
        the yearly 动态调整 survey)."""
        book = self.book
        alive = np.flatnonzero((self.members > 0) & self.registered)
        return pl.DataFrame(
            {
                "household_no": self.household_no.gather(alive),
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
