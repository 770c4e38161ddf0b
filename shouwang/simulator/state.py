"""The simulator's mutable state: one numpy array per attribute, for persons and for households.

Months are simulation month indexes ``t`` (0 = the start month, negative = before the start); days are
days since 1970-01-01. ``-1`` (or a very negative month) means "not set".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from shouwang.simulator.codes import EVENT_RISKS, Risk

NEVER = -32000  # a month index long before any window
FOREVER = 32000  # a month index after any simulated month ("until further notice")

# name -> (dtype, fill value for new rows)
PERSON_FIELDS: dict[str, tuple[Any, Any]] = {
    "hh": (np.int32, -1),
    "rel": (np.int8, 0),
    "male": (np.bool_, False),
    "birth": (np.int32, 0),
    "area": (np.int32, 0),
    "key": (np.int64, 0),  # first 17 characters of the resident ID
    "name": ("<U3", ""),
    "eth": (np.int8, 0),
    "edu": (np.int8, 0),
    "school": (np.int8, 0),
    "health": (np.int8, 0),
    "grade": (np.int8, 0),  # disability grade 1–4, 0 = none
    "dis_type": (np.int8, -1),
    "certified": (np.bool_, False),
    "labour": (np.int8, 4),
    "place": (np.int8, 0),
    "work_len": (np.int8, 0),  # months worked a year
    "sched": (np.int8, 0),  # calendar month (0-based) the work season starts
    "wage": (np.int32, 0),  # monthly wage in cents while working
    "formal": (np.bool_, False),  # employer pays social insurance (visible to 人社)
    "unemployed": (np.bool_, False),
    "off_from": (np.int16, NEVER),  # not working in [off_from, off_until)
    "off_until": (np.int16, NEVER),
    "serious_since": (np.int16, NEVER),
    "out_of_province": (np.bool_, False),  # current serious episode treated out of province
    "med_ins": (np.bool_, True),
    "ill_ins": (np.bool_, True),
    "pension": (np.bool_, False),
    "dibao": (np.bool_, False),
    "dibao_amt": (np.int32, 0),  # monthly cents
    "tekun": (np.bool_, False),
    "alive": (np.bool_, True),
    "present": (np.bool_, True),  # registration still in the household (not moved out)
    "joined": (np.int16, NEVER),  # month index the person joined (birth / moved in)
    "last_birth": (np.int16, NEVER),  # month index of the last child born to this woman
    "public_job": (np.bool_, False),  # 公益性岗位 (not subject to migrant job loss)
}


class Persons:
    def __init__(self, n: int, capacity: int | None = None) -> None:
        self.n = n
        cap = max(capacity or n, n, 1)
        for name, (dtype, fill) in PERSON_FIELDS.items():
            setattr(self, name, np.full(cap, fill, dtype=dtype))

    # Attribute declarations for type checkers.
    hh: np.ndarray
    rel: np.ndarray
    male: np.ndarray
    birth: np.ndarray
    area: np.ndarray
    key: np.ndarray
    name: np.ndarray
    eth: np.ndarray
    edu: np.ndarray
    school: np.ndarray
    health: np.ndarray
    grade: np.ndarray
    dis_type: np.ndarray
    certified: np.ndarray
    labour: np.ndarray
    place: np.ndarray
    work_len: np.ndarray
    sched: np.ndarray
    wage: np.ndarray
    formal: np.ndarray
    unemployed: np.ndarray
    off_from: np.ndarray
    off_until: np.ndarray
    serious_since: np.ndarray
    out_of_province: np.ndarray
    med_ins: np.ndarray
    ill_ins: np.ndarray
    pension: np.ndarray
    dibao: np.ndarray
    dibao_amt: np.ndarray
    tekun: np.ndarray
    alive: np.ndarray
    present: np.ndarray
    joined: np.ndarray
    last_birth: np.ndarray
    public_job: np.ndarray

    @property
    def capacity(self) -> int:
        return len(self.hh)

    def view(self, name: str) -> np.ndarray:
        """The live part of one attribute array."""
        return getattr(self, name)[: self.n]  # type: ignore[no-any-return]

    def append(self, k: int) -> slice:
        """Make room for k new persons (filled with defaults); return their slice."""
        if self.n + k > self.capacity:
            new_cap = max(self.n + k, int(self.capacity * 1.25) + 16)
            for name, (dtype, fill) in PERSON_FIELDS.items():
                old = getattr(self, name)
                grown = np.full(new_cap, fill, dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
        sl = slice(self.n, self.n + k)
        self.n += k
        return sl

    def counted(self) -> np.ndarray:
        """R-OBJ-02 (docs/simulator.md "Household size"): alive and still registered here."""
        return self.alive[: self.n] & self.present[: self.n]


class Households:
    """Aligned arrays of length n; the household index is the position (sorted by household_no)."""

    village: np.ndarray
    group: np.ndarray
    seq: np.ndarray
    former: np.ndarray
    exit_year: np.ndarray
    relocated: np.ndarray
    category: np.ndarray
    identified: np.ndarray
    eliminated: np.ndarray
    elim_mode: np.ndarray
    phone: np.ndarray
    house: np.ndarray
    eth: np.ndarray
    head: np.ndarray
    farm: np.ndarray
    prop: np.ndarray
    subsidy: np.ndarray
    support: np.ndarray
    biz_mult: np.ndarray
    biz_until: np.ndarray
    loan_principal: np.ndarray
    loan_balance: np.ndarray
    loan_due: np.ndarray
    loan_overdue: np.ndarray
    loan_serial: np.ndarray
    loan_bank: np.ndarray
    last_event: np.ndarray
    low_income_margin: np.ndarray
    dibao_applied: np.ndarray

    def __init__(self, n: int) -> None:
        self.n = n
        self.village = np.zeros(n, dtype=np.int32)
        self.group = np.zeros(n, dtype=np.int16)  # 1-based 村民小组 number
        self.seq = np.zeros(n, dtype=np.int32)  # 1-based number within the village
        self.former = np.zeros(n, dtype=np.bool_)
        self.exit_year = np.zeros(n, dtype=np.int16)
        self.relocated = np.zeros(n, dtype=np.bool_)
        self.category = np.zeros(n, dtype=np.int8)
        self.identified = np.full(n, -1, dtype=np.int32)
        self.eliminated = np.full(n, -1, dtype=np.int32)
        self.elim_mode = np.zeros(n, dtype=np.int8)
        self.phone = np.zeros(n, dtype=np.int64)
        self.house = np.zeros(n, dtype=np.int8)  # 0..3 = A..D
        self.eth = np.zeros(n, dtype=np.int8)
        self.head = np.zeros(n, dtype=np.int32)  # person index of the registered head
        # Yearly amounts in cents.
        self.farm = np.zeros(n, dtype=np.int64)  # gross farm + livestock receipts
        self.prop = np.zeros(n, dtype=np.int64)
        self.subsidy = np.zeros(n, dtype=np.int64)
        self.support = np.zeros(n, dtype=np.int64)  # 赡养费 from children living elsewhere
        # Farm receipts multiplier after a disaster or a failed project, until month ``biz_until``.
        self.biz_mult = np.ones(n, dtype=np.float32)
        self.biz_until = np.full(n, NEVER, dtype=np.int16)
        # One loan per household at most (cents; principal 0 = none).
        self.loan_principal = np.zeros(n, dtype=np.int64)
        self.loan_balance = np.zeros(n, dtype=np.int64)
        self.loan_due = np.full(n, -1, dtype=np.int32)
        self.loan_overdue = np.zeros(n, dtype=np.bool_)
        self.loan_serial = np.zeros(n, dtype=np.int32)
        self.loan_bank = np.zeros(n, dtype=np.int8)
        # Month of the last event of each risk type (truth "event-driven" risks, RISK_WINDOW_MONTHS).
        self.last_event = np.full((n, 12), NEVER, dtype=np.int16)
        self.low_income_margin = np.zeros(n, dtype=np.bool_)
        self.dibao_applied = np.full(n, NEVER, dtype=np.int16)

    def mark_event(self, h: np.ndarray, risk: Risk, t: int) -> None:
        """Households ``h`` had an event bringing ``risk`` in month ``t``."""
        self.last_event[h, int(risk)] = t

    def recent(self, t: int, months: int) -> np.ndarray:
        """Households with any event-driven risk in the last ``months`` months."""
        last = self.last_event[:, list(EVENT_RISKS)].max(axis=1)
        return last > t - months
