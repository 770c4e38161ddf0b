"""``shouwang simulate``: validate the arguments, build the county, run it month by month and write
the exchange files (CONTRACT §1, §2; docs/simulator.md). No database access."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from tqdm import tqdm

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt
from shouwang.simulator.codes import (
    CATEGORIES,
    EDUCATIONS,
    ELIMINATION_MODES,
    FEED_ENCODING,
    FEED_KINDS,
    HEALTHS,
    HOUSEHOLD_COLUMNS,
    INCOME_COLUMNS,
    LABOURS,
    PERSON_COLUMNS,
    RELATIONS,
    SCHOOL_STATUSES,
    TRUTH_AT_RISK_COLUMNS,
    TRUTH_EVENT_COLUMNS,
    WORK_PLACES,
    Encoding,
    Feed,
    Rel,
)
from shouwang.simulator.deliveries import Ledger
from shouwang.simulator.employment import EpisodeBook, yunnan_counties
from shouwang.simulator.engine import Simulation
from shouwang.simulator.income import IncomeBook
from shouwang.simulator.industry import write_industry
from shouwang.simulator.places import Places, county_check, load_regions, places_load
from shouwang.simulator.population import Population, population_build
from shouwang.simulator.posts import write_post_roster
from shouwang.simulator.rng import stream
from shouwang.simulator.start import rehead, select_monitored

MAX_HOUSEHOLDS = 5_000_000
MAX_MONTHS = 120
FIRST_START = "2023-01"
OUTPUT_ENTRIES = (
    "registry",
    "feeds",
    "channels",
    "employment",
    "posts",
    "industry",
    "truth",
    "simulation.json",
)
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
PERSON_CHUNK = 500_000
# A year of history is simulated before the start and not written (docs/simulator.md "Warm-up").
WARMUP_MONTHS = 12


class SimulationRefused(ValueError):
    """Bad arguments; ``reasons`` are in Chinese, all of them (CONTRACT §1: exit code 2)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class SimulationParams:
    households: int
    months: int
    seed: int
    out: Path
    start: str = A.DEFAULT_START
    county: str = A.DEFAULT_COUNTY
    force: bool = False

    @property
    def start_month(self) -> int:
        return fmt.parse_period(self.start)


@dataclass
class SimulationSummary:
    out: Path
    households: int
    persons: int
    counties: list[str]
    months: int
    files: int = 0
    at_risk_rows: int = 0
    event_rows: int = 0
    feed_rows: dict[str, int] = field(default_factory=dict)
    employment_rows: dict[str, int] = field(default_factory=dict)
    post_rows: int = 0  # DIR/posts/公益性岗位花名册.xlsx (simulator/posts.py)
    industry_rows: dict[str, int] = field(default_factory=dict)  # DIR/industry/ (simulator/industry.py)


def _parse_int(value: object, label: str, reasons: list[str]) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        reasons.append(f"{label}必须是整数，收到“{value}”")
        return None


def simulation_validate(
    *,
    households: object,
    months: object,
    seed: object,
    out: object,
    start: object = A.DEFAULT_START,
    county: object = A.DEFAULT_COUNTY,
    force: bool = False,
    today_month: int | None = None,
) -> SimulationParams:
    """Check every argument and report every problem at once (nothing is written before this passes)."""
    reasons: list[str] = []
    n = _parse_int(households, "户数（--households）", reasons)
    if n is not None and not 1 <= n <= MAX_HOUSEHOLDS:
        reasons.append(f"户数（--households）须在1到{MAX_HOUSEHOLDS:,}之间，收到{n}")
    m = _parse_int(months, "月数（--months）", reasons)
    if m is not None and not 1 <= m <= MAX_MONTHS:
        reasons.append(f"月数（--months）须在1到{MAX_MONTHS}之间，收到{m}")
    s = _parse_int(seed, "随机种子（--seed）", reasons)
    if s is not None and not 0 <= s < 2**63:
        reasons.append(f"随机种子（--seed）须为非负整数，收到{s}")
    start_text = str(start).strip()
    match = _PERIOD.match(start_text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        reasons.append(f"起始月份（--start）须为YYYY-MM格式，收到“{start}”")
    else:
        if start_text < FIRST_START:
            reasons.append(f"起始月份（--start）不能早于{FIRST_START}（监测标准表从2023年开始）")
        if today_month is not None and fmt.parse_period(start_text) > today_month:
            # Residents' birth dates precede the start; an ID with a future birth date is invalid.
            reasons.append(f"起始月份（--start）不能晚于当前月份{fmt.period(today_month)}")
    county_text = str(county).strip()
    problem = county_check(county_text)
    if problem:
        reasons.append(problem)
    out_path = Path(str(out)) if out not in (None, "") else None
    if out_path is None:
        reasons.append("必须用--out指定输出目录")
    elif out_path.exists() and not out_path.is_dir():
        reasons.append(f"输出路径“{out_path}”已存在且不是目录")
    elif out_path.is_dir() and any(out_path.iterdir()) and not force:
        reasons.append(f"输出目录“{out_path}”不为空；如需覆盖其中的模拟结果，请加--force")
    if reasons:
        raise SimulationRefused(reasons)
    assert n is not None and m is not None and s is not None and out_path is not None
    return SimulationParams(
        households=n, months=m, seed=s, out=out_path, start=start_text, county=county_text, force=force
    )


# ---------------------------------------------------------------------------- writing


def _households_frame(places: Places, pop: Population, household_no: pl.Series) -> pl.DataFrame:
    hh = pop.households
    county = places.village_county[hh.village]
    township = places.village_township[hh.village]
    address = pl.select(
        pl.concat_str(
            [
                pl.lit(places.province_name + places.prefecture_name),
                pl.lit(fmt.lookup(places.county_names, county)),
                pl.lit(fmt.lookup(places.township_names, township)),
                pl.lit(fmt.lookup(places.village_names, hh.village)),
                pl.lit(pl.Series([f"第{g}村民小组" for g in range(13)]).gather(hh.group)),
                pl.lit(pl.Series(hh.seq).cast(pl.String)),
                pl.lit("号"),
            ]
        )
    ).to_series()
    return pl.DataFrame(
        {
            "household_no": household_no,
            "village_code": fmt.lookup(places.village_codes, hh.village),
            "group_name": pl.Series([f"第{g}村民小组" for g in range(13)]).gather(hh.group),
            "address": address,
            "poverty_status": fmt.lookup(("ordinary", "former_poor"), hh.former.astype(np.int64)),
            "poverty_exit_year": fmt.int_series(hh.exit_year, blank=~hh.former),
            "relocated": fmt.flag_series(hh.relocated),
            "monitoring_category": fmt.lookup(CATEGORIES, hh.category),
            "identified_on": fmt.date_series(hh.identified),
            "risk_eliminated_on": fmt.date_series(hh.eliminated),
            "elimination_mode": fmt.lookup(ELIMINATION_MODES, hh.elim_mode),
            "phone": pl.Series(hh.phone).cast(pl.String),
        }
    ).select(HOUSEHOLD_COLUMNS)


def _persons_frame(
    pop: Population, household_no: pl.Series, rows: np.ndarray, work_months: np.ndarray
) -> pl.DataFrame:
    ps, hh = pop.persons, pop.households
    head = ps.rel[rows] == Rel.HEAD
    grade = ps.grade[rows]
    return pl.DataFrame(
        {
            "household_no": household_no.gather(ps.hh[rows]),
            "id_number": fmt.id_series(ps.key[rows]),
            "name": pl.Series(ps.name[rows], dtype=pl.String),
            "sex": fmt.lookup(("F", "M"), ps.male[rows].astype(np.int64)),
            "relation": fmt.lookup(RELATIONS, ps.rel[rows]),
            "ethnicity": fmt.lookup(A.ETHNICITIES, ps.eth[rows]),
            "education": fmt.lookup(EDUCATIONS, ps.edu[rows]),
            "school_status": fmt.lookup(SCHOOL_STATUSES, ps.school[rows]),
            "health": fmt.lookup(HEALTHS, ps.health[rows]),
            "disability_grade": fmt.int_series(grade, blank=grade == 0),
            "labour": fmt.lookup(LABOURS, ps.labour[rows]),
            "work_months": fmt.int_series(work_months[rows]),
            "work_place": fmt.lookup(WORK_PLACES, np.where(work_months[rows] > 0, ps.place[rows], 0)),
            "medical_insurance": fmt.flag_series(ps.med_ins[rows]),
            "serious_illness_insurance": fmt.flag_series(ps.ill_ins[rows]),
            "pension_insurance": fmt.flag_series(ps.pension[rows]),
            "dibao": fmt.flag_series(ps.dibao[rows]),
            "tekun": fmt.flag_series(ps.tekun[rows]),
            "phone": pl.Series(np.where(head, hh.phone[ps.hh[rows]], 0)).cast(pl.String),
        }
    ).with_columns(
        pl.when(pl.col("phone") == "0").then(None).otherwise(pl.col("phone")).alias("phone"),
        pl.col("education").replace("", None),
        pl.col("work_place").replace("", None),
    )


def _with_blanks(df: pl.DataFrame) -> pl.DataFrame:
    """Empty strings are written as empty fields (nulls), never as quoted ""."""
    return df.with_columns(
        [pl.col(c).replace("", None) for c, t in zip(df.columns, df.dtypes, strict=True) if t == pl.String]
    )


def _write_feeds(
    out: Path, month_no: int, feeds: dict[Feed, pl.DataFrame], summary: SimulationSummary
) -> None:
    folder = out / "feeds" / fmt.period(month_no)
    for kind in Feed:
        df = _with_blanks(feeds[kind])
        fmt.write_csv(folder / f"{FEED_KINDS[kind]}.csv", df, FEED_ENCODING[kind])
        summary.feed_rows[FEED_KINDS[kind]] = summary.feed_rows.get(FEED_KINDS[kind], 0) + df.height
        summary.files += 1


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[tqdm]:
    bar = tqdm(total=total, disable=not enabled, file=sys.stderr, unit="月", desc="模拟", leave=False)
    try:
        yield bar
    finally:
        bar.close()


def _prepare_out(params: SimulationParams) -> None:
    out = params.out
    out.mkdir(parents=True, exist_ok=True)
    if params.force:
        # Only what a previous simulation wrote; anything else in the folder is left alone.
        for name in OUTPUT_ENTRIES:
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def simulation_run(*, params: SimulationParams, progress: bool = False) -> SimulationSummary:
    start = params.start_month
    regions = load_regions()
    places = places_load(county=params.county, households=params.households, regions=regions)
    _prepare_out(params)
    out = params.out
    first = -WARMUP_MONTHS
    with _progress(params.months + WARMUP_MONTHS + 1, progress) as bar:
        # A few more households than asked: some die out or move away during the warm-up, and the
        # registry at the start must hold exactly the number asked for.
        generated = params.households + params.households // 100 + 3
        pop = population_build(places, generated, params.seed, start + first)
        hh, ps = pop.households, pop.persons
        household_no = pl.select(
            pl.concat_str(
                [
                    pl.lit("H"),
                    pl.lit(fmt.lookup(places.village_codes, hh.village)),
                    pl.lit(pl.Series(hh.seq).cast(pl.String).str.zfill(5)),
                ]
            ).alias("household_no")
        ).to_series()
        book = IncomeBook(hh.n)
        ledger = Ledger(
            seed=params.seed,
            start_month=start,
            months=params.months,
            household_no=household_no,
            known_keys=np.sort(ps.key[: ps.n]),
        )
        sim = Simulation(
            places=places,
            population=pop,
            seed=params.seed,
            start_month=start,
            months=params.months,
            book=book,
            ledger=ledger,
            household_no=household_no,
            first=first,
        )
        sim.prepare()
        # Warm-up: a year of history before the start, simulated and not written, so the county is
        # in its steady state (and the truth's 12-month windows are full) when the output begins.
        for t in range(first, 0):
            sim.run_month(t)
            bar.update(1)
        world = sim.world
        rehead(ps, hh, fmt.first_day(start))
        registered = _registered(world.members, params.households, params.seed)
        world.registered = registered
        ledger.excluded = ~registered
        select_monitored(
            hh,
            low_risk=world.low_risk,
            sudden=world.sudden,
            pc=world.pc_ref,
            members=np.where(registered, world.members, 0),
            seed=params.seed,
            start_month=start,
        )
        rows_all = np.flatnonzero(ps.counted() & registered[ps.hh[: ps.n]])
        rows_all = rows_all[np.argsort(ps.hh[rows_all], kind="stable")]
        summary = SimulationSummary(
            out=out,
            households=int(registered.sum()),
            persons=len(rows_all),
            counties=places.county_codes,
            months=params.months,
        )

        registry = out / "registry"
        households = _households_frame(places, pop, household_no).filter(pl.Series(registered))
        fmt.write_csv(registry / "households.csv", _with_blanks(households))
        persons = fmt.CsvAppender(registry / "persons.csv", PERSON_COLUMNS)
        for lo in range(0, len(rows_all), PERSON_CHUNK):
            rows = rows_all[lo : lo + PERSON_CHUNK]
            persons.write(_persons_frame(pop, household_no, rows, world.registry_work_months))
        persons.close()
        fmt.write_csv(registry / "incomes.csv", sim.income_frame(start - 1).select(INCOME_COLUMNS))
        summary.files += 3
        _write_parameters(out, params, places)
        bar.update(1)

        # The national 务工月监测 exports (simulator/employment.py): persons of the registry written above.
        in_registry = np.zeros(ps.n, dtype=bool)
        in_registry[rows_all] = True
        episodes = EpisodeBook(world, in_registry, *yunnan_counties(regions, places.county_codes))
        episodes.update(-1)
        events = fmt.CsvAppender(out / "truth" / "events.csv", TRUTH_EVENT_COLUMNS)
        at_risk = fmt.CsvAppender(out / "truth" / "at_risk.csv", TRUTH_AT_RISK_COLUMNS)
        try:
            for t in range(params.months):
                month_no = start + t
                result = sim.run_month(t)
                assert result is not None
                _write_feeds(out, month_no, result.feeds, summary)
                episodes.update(t)
                n_ep, n_plan = episodes.write(out, t)
                for name, k in (("work_episodes", n_ep), ("work_plans", n_plan)):
                    summary.employment_rows[name] = summary.employment_rows.get(name, 0) + k
                summary.files += 2
                fmt.write_csv(
                    out / "channels" / fmt.period(month_no) / "self_reports.csv", _with_blanks(result.reports)
                )
                events.write(result.truth_events)
                at_risk.write(result.at_risk)
                summary.event_rows += result.truth_events.height
                summary.at_risk_rows += result.at_risk.height
                summary.files += 1
                if result.incomes is not None:
                    fmt.write_csv(
                        registry / "updates" / fmt.period(month_no) / "incomes.csv",
                        result.incomes.select(INCOME_COLUMNS),
                    )
                    summary.files += 1
                bar.update(1)
            # The industry files after the last month, their failures appended to the truth (industry.py).
            ind = write_industry(world, out, seed=params.seed, months=params.months)
            events.write(ind.truth)
            summary.event_rows += ind.truth.height
            summary.industry_rows = {
                "entities": ind.entities,
                "bindings": ind.bindings,
                "payouts": ind.payouts,
                "market": ind.status_changes,
            }
            summary.files += 4
        finally:
            events.close()
            at_risk.close()
        summary.files += 2
        # The county's public-welfare post roster after the last month (simulator/posts.py).
        summary.post_rows = write_post_roster(episodes, out, params.months - 1)
        summary.files += 1
    return summary


def _registered(members: np.ndarray, wanted: int, seed: int) -> np.ndarray:
    """Households written to the registry: those with somebody left at the start, trimmed at random
    to exactly the number asked for (the rest never appear in any file)."""
    live = np.flatnonzero(members > 0)
    keep = np.zeros(len(members), dtype=bool)
    if len(live) > wanted:
        rng = stream(seed, "registry.trim")
        live = np.sort(rng.choice(live, size=wanted, replace=False))
    keep[live] = True
    return keep


def _write_parameters(out: Path, params: SimulationParams, places: Places) -> None:
    """What was simulated, for tools that read the output (evaluate, demo). No timestamps: the file
    must be identical for the same seed."""
    end = params.start_month + params.months - 1
    data = {
        "households": params.households,
        "months": params.months,
        "seed": params.seed,
        "start": params.start,
        "end": fmt.period(end),
        "county": params.county,
        "counties": places.county_codes,
        "thresholds": {str(y): A.threshold_for(y) for y in range(params.start_month // 12, end // 12 + 1)},
        "encodings": {FEED_KINDS[k]: FEED_ENCODING[k].name.lower().replace("_", "-") for k in Feed},
    }
    (out / "simulation.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


__all__ = [
    "Encoding",
    "SimulationParams",
    "SimulationRefused",
    "SimulationSummary",
    "simulation_run",
    "simulation_validate",
]
