"""One simulated month: its calendar and the scratch values the processes pass on to each other within
the month (self-pay, claims, losses, who might report, who might get temporary aid). The engine creates a
``Month`` for month ``t``, hands it to every process in turn, and copies back to the world the little that
outlives the month (the claims filed this month, paid the next)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shouwang.simulator import fmt
from shouwang.simulator.codes import Difficulty
from shouwang.simulator.state import Households, Persons


@dataclass
class ReportCauses:
    """Households hit this month that might report (找政府), in the order the processes hit them: the
    difficulty, whether it is severe, the day, and the person the report would be about."""

    h: list[np.ndarray] = field(default_factory=list)
    difficulty: list[np.ndarray] = field(default_factory=list)
    severe: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    person: list[np.ndarray] = field(default_factory=list)

    def add(
        self, h: np.ndarray, difficulty: Difficulty, severe: bool, day: np.ndarray, person: np.ndarray
    ) -> None:
        self.h.append(np.asarray(h, dtype=np.int64))
        self.difficulty.append(np.full(len(h), difficulty, dtype=np.int64))
        self.severe.append(np.full(len(h), severe, dtype=bool))
        self.day.append(np.asarray(day, dtype=np.int64))
        self.person.append(np.asarray(person, dtype=np.int64))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Households, difficulties, severities, days and persons, all causes in recorded order."""
        if not self.h:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool), empty, empty
        return (
            np.concatenate(self.h),
            np.concatenate(self.difficulty),
            np.concatenate(self.severe),
            np.concatenate(self.day),
            np.concatenate(self.person),
        )


@dataclass
class AidCandidates:
    """Households hit by a severe shock this month (临时救助 candidates) and the person it is about."""

    h: list[np.ndarray] = field(default_factory=list)
    person: list[np.ndarray] = field(default_factory=list)

    def add(self, h: np.ndarray, person: np.ndarray) -> None:
        self.h.append(np.asarray(h, dtype=np.int64))
        self.person.append(np.asarray(person, dtype=np.int64))


@dataclass
class Month:
    """Month ``t`` of the run (0 = the start month, negative = warm-up or the year before it).

    Per-household amounts are in cents, indexed like the households."""

    t: int
    number: int  # the month number (fmt.month_number)
    first_day: int  # days since 1970-01-01
    n_days: int
    of_year: int  # 0 = January
    age: np.ndarray  # completed years of every person in mid-month; births and brides append to it
    self_pay: np.ndarray  # compliant self-pay settled this month
    claims: np.ndarray  # insurance claims paid this month (filed the month before)
    claims_next: np.ndarray  # insurance claims filed this month, paid the next
    loss: np.ndarray  # disaster repair costs
    reports: ReportCauses = field(default_factory=ReportCauses)
    aid: AidCandidates = field(default_factory=AidCandidates)
    _representatives: np.ndarray | None = None

    @classmethod
    def begin(cls, t: int, *, start_month: int, households: int, claims: np.ndarray) -> Month:
        """Month ``t`` with nothing happened yet; ``claims`` are those filed the month before. The ages
        are left empty for the engine to fill."""
        number = start_month + t
        return cls(
            t=t,
            number=number,
            first_day=fmt.first_day(number),
            n_days=fmt.days_in_month(number),
            of_year=number % 12,
            age=np.zeros(0, dtype=np.int64),
            self_pay=np.zeros(households, dtype=np.int64),
            claims=claims,
            claims_next=np.zeros(households, dtype=np.int64),
            loss=np.zeros(households, dtype=np.int64),
        )

    @property
    def mid_day(self) -> int:
        return self.first_day + self.n_days // 2

    def random_days(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """``k`` days of this month, uniformly."""
        return self.first_day + rng.integers(0, self.n_days, k)

    def representatives(self, ps: Persons, hh: Households) -> np.ndarray:
        """Per household the person departments key household matters on: the registered head if
        still counted, else the first counted member (else the head). Kept until a process changes who
        is counted and calls ``forget_representatives``."""
        if self._representatives is not None:
            return self._representatives
        counted = ps.counted()
        rep = hh.head.astype(np.int64)
        need = ~counted[hh.head]
        cand = np.flatnonzero(counted & need[ps.hh[: ps.n]])
        uniq, pos = np.unique(ps.hh[cand], return_index=True)
        rep[uniq] = cand[pos]
        self._representatives = rep
        return rep

    def forget_representatives(self) -> None:
        self._representatives = None
