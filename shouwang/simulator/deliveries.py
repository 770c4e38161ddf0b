"""What really happened (truth events) and what departments deliver about it (feed rows), with the
delivery gaps of docs/simulator.md: rows that never arrive, rows a month late, mistyped IDs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import (
    FEED_COLUMNS,
    FEED_DATE_COLUMN,
    FEED_KINDS,
    NO_FEED,
    NO_RISK,
    RISKS,
    SELF_REPORT_COLUMNS,
    TRUTH_EVENT_COLUMNS,
    Feed,
)
from shouwang.simulator.rng import stream

Column = pl.Series | np.ndarray


@dataclass
class _TruthPart:
    hh: np.ndarray
    event: str
    risk: np.ndarray
    amount: np.ndarray  # cents, -1 = blank
    feed: int
    delivered: np.ndarray  # month index, -1 = never
    key: np.ndarray  # person ID key, 0 = blank


@dataclass
class Ledger:
    seed: int
    start_month: int
    months: int
    household_no: pl.Series
    known_keys: np.ndarray  # sorted IDs of the residents at the start (for typo checks)
    added_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Households left out of the registry (nobody left at the start): none of their rows are written.
    excluded: np.ndarray | None = None
    pending: dict[int, dict[Feed, list[pl.DataFrame]]] = field(default_factory=dict)
    reports: dict[int, list[pl.DataFrame]] = field(default_factory=dict)
    _truth: list[_TruthPart] = field(default_factory=list)
    _calls: int = 0
    _month: int = 0

    # ---------------------------------------------------------------- bookkeeping

    def begin_month(self, t: int) -> None:
        self._month = t
        self._calls = 0

    def rng(self, name: str) -> np.random.Generator:
        """A fresh stream per call, keyed by the call's position in the month (fixed code order)."""
        self._calls += 1
        return stream(self.seed, f"ledger.{name}", self._month, self._calls)

    def add_keys(self, keys: np.ndarray) -> None:
        """IDs issued during the run (newborns, people moving in): kept apart from the large sorted
        array of residents so adding a few does not re-sort millions."""
        if len(keys):
            self.added_keys = np.sort(np.concatenate([self.added_keys, keys]))

    def _known(self, cand: np.ndarray) -> np.ndarray:
        found = np.zeros(len(cand), dtype=bool)
        for known in (self.known_keys, self.added_keys):
            if len(known):
                pos = np.minimum(np.searchsorted(known, cand), len(known) - 1)
                found |= known[pos] == cand
        return found

    def _queue(self, month: int, kind: Feed, df: pl.DataFrame) -> None:
        self.pending.setdefault(month, {}).setdefault(kind, []).append(df)

    # ---------------------------------------------------------------- gaps

    def mistype(self, keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Change one digit of the 3-digit sequence code and recompute the check character (departments'
        systems validate it): a valid ID that belongs to nobody. Falls back to the true key in the
        unlikely case every attempt hits an existing person."""
        out = keys.copy()
        pending = np.ones(len(keys), dtype=bool)
        for _ in range(6):
            if not pending.any():
                break
            pos = rng.integers(0, 3, len(keys))  # 0 = last digit of the sequence code
            power = 10 ** pos.astype(np.int64)
            digit = (keys // power) % 10
            new_digit = (digit + rng.integers(1, 10, len(keys))) % 10
            cand = keys + (new_digit - digit) * power
            clash = self._known(cand)
            take = pending & ~clash
            out[take] = cand[take]
            pending &= clash
        return out

    # ---------------------------------------------------------------- events

    def emit(
        self,
        t: int,
        *,
        event: str,
        risk: int | np.ndarray,
        hh: np.ndarray,
        day: np.ndarray,
        person_key: np.ndarray | None = None,
        amount: np.ndarray | None = None,
        feed: Feed | None = None,
        columns: dict[str, Column] | None = None,
        id_key: np.ndarray | None = None,
        delivered: np.ndarray | None = None,
        delay: np.ndarray | int = 0,
        feed_day: np.ndarray | None = None,
        late: bool = True,
        typos: bool = True,
        reported_by: Feed | None = None,
        reported_in: np.ndarray | None = None,
    ) -> np.ndarray:
        """Record n truth events (one per row) and queue the feed rows that report them.

        ``person_key`` is the affected person (blank for household events); ``id_key`` the ID the
        department keys its row on (default: the person). ``delivered`` marks rows the department
        will ever send; ``delay`` months pass before it acts (certification, appraisal); then ~10% of
        rows slip one more month. Returns the delivery month of each row (-1 = never).

        ``reported_by`` / ``reported_in`` record, without queuing rows, a delivery the caller writes
        itself (per-place water rows, the banks' monthly overdue snapshot)."""
        n = len(hh)
        if n == 0 or t < 0:
            # Events of the warm-up months are neither recorded nor delivered.
            return np.full(n, -1, dtype=np.int64)
        hh = np.asarray(hh, dtype=np.int64)
        if self.excluded is not None and self.excluded[hh].any():
            rows = np.flatnonzero(~self.excluded[hh])
            out = np.full(n, -1, dtype=np.int64)
            out[rows] = self.emit(
                t,
                event=event,
                risk=_take(risk, rows, n),
                hh=hh[rows],
                day=_take(day, rows, n),
                person_key=_take(person_key, rows, n),
                amount=_take(amount, rows, n),
                feed=feed,
                columns=None if columns is None else {c: _take(v, rows, n) for c, v in columns.items()},
                id_key=_take(id_key, rows, n),
                delivered=_take(delivered, rows, n),
                delay=_take(delay, rows, n),
                feed_day=_take(feed_day, rows, n),
                late=late,
                typos=typos,
                reported_by=reported_by,
                reported_in=_take(reported_in, rows, n),
            )
            return out
        risk_arr = np.broadcast_to(np.asarray(risk, dtype=np.int64), (n,))
        key = np.zeros(n, dtype=np.int64) if person_key is None else np.asarray(person_key, dtype=np.int64)
        amt = np.full(n, -1, dtype=np.int64) if amount is None else np.asarray(amount, dtype=np.int64)
        when = np.full(n, -1, dtype=np.int64)
        if feed is not None:
            rng = self.rng(f"{event}.{feed.name}")
            ok = np.ones(n, dtype=bool) if delivered is None else np.asarray(delivered, dtype=bool).copy()
            slip = (rng.random(n) < A.LATE_SHARE) if late else np.zeros(n, dtype=bool)
            when = t + np.broadcast_to(np.asarray(delay, dtype=np.int64), (n,)) + slip
            ok &= when < self.months
            when = np.where(ok, when, -1)
            if ok.any():
                rows = np.flatnonzero(ok)
                cols: dict[str, Column] = {}
                ids = key if id_key is None else np.asarray(id_key, dtype=np.int64)
                if "id_number" in FEED_COLUMNS[feed]:
                    ids = ids[rows]
                    if typos:
                        wrong = rng.random(len(rows)) < A.TYPO_SHARE
                        if wrong.any():
                            ids = ids.copy()
                            ids[wrong] = self.mistype(ids[wrong], rng)
                    cols["id_number"] = fmt.id_series(ids)
                date_col = FEED_DATE_COLUMN[feed]
                given = columns or {}
                if date_col not in given:
                    fd = day if feed_day is None else feed_day
                    cols[date_col] = fmt.date_series(np.asarray(fd)[rows])
                for name, values in given.items():
                    cols[name] = values.gather(rows) if isinstance(values, pl.Series) else values[rows]
                df = pl.DataFrame({c: _as_text(cols[c]) for c in FEED_COLUMNS[feed]})
                months = when[rows]
                for m in np.unique(months):
                    sel = months == m
                    self._queue(int(m), feed, df.filter(pl.Series(sel)) if not sel.all() else df)
        kind = feed if feed is not None else reported_by
        if feed is None and reported_in is not None:
            when = np.asarray(reported_in, dtype=np.int64)
        self._truth.append(
            _TruthPart(hh, event, risk_arr.copy(), amt, NO_FEED if kind is None else int(kind), when, key)
        )
        return when

    def queue_rows(self, month: int, kind: Feed, columns: dict[str, Column]) -> None:
        """Feed rows that report no single truth event (snapshots, routine appraisals, water updates)."""
        if month < 0 or month >= self.months:
            return
        df = pl.DataFrame({c: _as_text(columns[c]) for c in FEED_COLUMNS[kind]})
        if df.height:
            self._queue(month, kind, df)

    def queue_report(self, month: int, df: pl.DataFrame) -> None:
        if 0 <= month < self.months and df.height:
            self.reports.setdefault(month, []).append(df.select(SELF_REPORT_COLUMNS))

    # ---------------------------------------------------------------- month end

    def flush_feeds(self, t: int) -> dict[Feed, pl.DataFrame]:
        parts = self.pending.pop(t, {})
        out: dict[Feed, pl.DataFrame] = {}
        for kind in Feed:
            columns = FEED_COLUMNS[kind]
            frames = parts.get(kind, [])
            if frames:
                df = pl.concat(frames, how="vertical")
                order = [FEED_DATE_COLUMN[kind], *[c for c in columns if c != FEED_DATE_COLUMN[kind]]]
                df = df.sort(order, nulls_last=True, maintain_order=True)
            else:
                df = pl.DataFrame({c: pl.Series(c, [], dtype=pl.String) for c in columns})
            out[kind] = df
        return out

    def flush_reports(self, t: int) -> pl.DataFrame:
        frames = self.reports.pop(t, [])
        if not frames:
            return pl.DataFrame({c: pl.Series(c, [], dtype=pl.String) for c in SELF_REPORT_COLUMNS})
        df = pl.concat(frames, how="vertical")
        return df.sort(list(SELF_REPORT_COLUMNS), nulls_last=True, maintain_order=True)

    def flush_truth(self, t: int) -> pl.DataFrame:
        parts, self._truth = self._truth, []
        if not parts:
            return pl.DataFrame({c: pl.Series(c, [], dtype=pl.String) for c in TRUTH_EVENT_COLUMNS})
        hh = np.concatenate([p.hh for p in parts])
        risk = np.concatenate([p.risk for p in parts])
        amount = np.concatenate([p.amount for p in parts])
        feed = np.concatenate([np.full(len(p.hh), p.feed, dtype=np.int64) for p in parts])
        delivered = np.concatenate([p.delivered for p in parts])
        key = np.concatenate([p.key for p in parts])
        events = sorted({p.event for p in parts})
        event_code = np.concatenate(
            [np.full(len(p.hh), events.index(p.event), dtype=np.int64) for p in parts]
        )
        order = np.lexsort((delivered, feed, risk, amount, key, event_code, hh))
        hh, risk, amount, feed, delivered, key, event_code = (
            a[order] for a in (hh, risk, amount, feed, delivered, key, event_code)
        )
        id_text = fmt.id_series(np.where(key > 0, key, 10**16))
        id_text = id_text.set(pl.Series(key == 0), None) if (key == 0).any() else id_text
        return pl.DataFrame(
            {
                "household_no": self.household_no.gather(hh),
                "period": pl.Series([fmt.period(self.start_month + t)] * len(hh), dtype=pl.String),
                "event": fmt.lookup(events, event_code),
                "risk_type": fmt.lookup(("", *RISKS), np.where(risk == NO_RISK, 0, risk + 1)),
                "amount": fmt.money_series(amount, blank=amount < 0),
                "feed_kind": fmt.lookup(("", *FEED_KINDS), np.where(feed == NO_FEED, 0, feed + 1)),
                "delivered_period": fmt.period_series(
                    np.where(delivered >= 0, delivered + self.start_month, -1)
                ),
                "id_number": id_text,
            }
        ).with_columns(
            pl.col("risk_type").replace("", None),
            pl.col("feed_kind").replace("", None),
        )


def _as_text(values: Column) -> pl.Series:
    s = values if isinstance(values, pl.Series) else pl.Series(values)
    if s.dtype == pl.Date:
        return s.dt.strftime("%Y-%m-%d")
    return s.cast(pl.String)


def _take(value: Any, rows: np.ndarray, n: int) -> Any:
    """The ``rows`` of an emit() argument that has one value per row; scalars and None pass through."""
    if isinstance(value, pl.Series) and len(value) == n:
        return value.gather(rows)
    if isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
        return value[rows]
    return value
