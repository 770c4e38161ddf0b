"""The simulator's promises (CONTRACT §1 `shouwang simulate`, §2 file formats; docs/simulator.md).

Plain functions, no database: one 2,000-household, 24-month county is simulated once per module and
every test reads its files the way an importer would.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shouwang.common import idnumber
from shouwang.simulator import assumptions as A
from shouwang.simulator.codes import (
    FEED_COLUMNS,
    FEED_ENCODING,
    FEED_KINDS,
    HOUSEHOLD_COLUMNS,
    INCOME_COLUMNS,
    PERSON_COLUMNS,
    RISKS,
    SELF_REPORT_COLUMNS,
    TRUTH_AT_RISK_COLUMNS,
    TRUTH_EVENT_COLUMNS,
    Encoding,
    Feed,
)
from shouwang.simulator.services import SimulationRefused, simulation_run, simulation_validate

START = "2024-01"
MONTHS = 24
PERIODS = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(MONTHS)]
EVENT_RISKS = {"illness", "education", "disability", "disaster", "accident", "industry_failure"}
EVENT_RISKS |= {"unstable_employment"}
ENCODINGS = {Encoding.UTF8: "utf-8", Encoding.UTF8_BOM: "utf-8-sig", Encoding.GB18030: "gb18030"}


def simulate(out: Path, *, households: int, months: int, seed: int) -> Path:
    params = simulation_validate(households=households, months=months, seed=seed, out=out, start=START)
    simulation_run(params=params)
    return out


def read(path: Path, encoding: str = "utf-8") -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_bytes().decode(encoding)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate(tmp_path_factory.mktemp("county") / "out", households=2000, months=MONTHS, seed=11)


@pytest.fixture(scope="module")
def persons(county: Path) -> list[dict[str, str]]:
    return read(county / "registry" / "persons.csv")[1]


@pytest.fixture(scope="module")
def households(county: Path) -> list[dict[str, str]]:
    return read(county / "registry" / "households.csv")[1]


@pytest.fixture(scope="module")
def events(county: Path) -> list[dict[str, str]]:
    return read(county / "truth" / "events.csv")[1]


def feed_rows(county: Path, kind: Feed) -> list[tuple[str, dict[str, str]]]:
    out = []
    for period in PERIODS:
        _, rows = read(county / "feeds" / period / f"{FEED_KINDS[kind]}.csv", ENCODINGS[FEED_ENCODING[kind]])
        out += [(period, r) for r in rows]
    return out


# ------------------------------------------------------------------------------------------ files


def test_every_contract_file_is_written_with_exact_headers(county: Path) -> None:
    assert read(county / "registry" / "households.csv")[0] == list(HOUSEHOLD_COLUMNS)
    assert read(county / "registry" / "persons.csv")[0] == list(PERSON_COLUMNS)
    assert read(county / "registry" / "incomes.csv")[0] == list(INCOME_COLUMNS)
    for period in PERIODS:
        for kind in Feed:
            path = county / "feeds" / period / f"{FEED_KINDS[kind]}.csv"
            header, _ = read(path, ENCODINGS[FEED_ENCODING[kind]])
            assert header == list(FEED_COLUMNS[kind]), path
            assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (FEED_ENCODING[kind] is Encoding.UTF8_BOM)
        assert read(county / "channels" / period / "self_reports.csv")[0] == list(SELF_REPORT_COLUMNS)
    assert read(county / "truth" / "events.csv")[0] == list(TRUTH_EVENT_COLUMNS)
    assert read(county / "truth" / "at_risk.csv")[0] == list(TRUTH_AT_RISK_COLUMNS)
    # The yearly income survey (动态调整) of each December in the window.
    for period in ("2024-12", "2025-12"):
        header, rows = read(county / "registry" / "updates" / period / "incomes.csv")
        assert header == list(INCOME_COLUMNS)
        assert rows and {r["period"] for r in rows} == {period}


def test_registry_has_the_households_asked_for(households: list[dict[str, str]], county: Path) -> None:
    assert len(households) == 2000
    _, incomes = read(county / "registry" / "incomes.csv")
    assert [r["household_no"] for r in incomes] == [h["household_no"] for h in households]
    assert {r["period"] for r in incomes} == {"2023-12"}
    money = re.compile(r"^\d+\.\d{2}$")
    assert all(money.match(r[c]) for r in incomes for c in INCOME_COLUMNS[2:])


# ------------------------------------------------------------------------------------------ registry


def test_person_ids_are_valid_unique_and_match_sex(persons: list[dict[str, str]]) -> None:
    ids = [p["id_number"] for p in persons]
    assert len(set(ids)) == len(ids)
    for p in persons:
        info = idnumber.parse(p["id_number"])
        assert info.sex == p["sex"], p
        # The vectorised generator agrees with the reference implementation.
        number = p["id_number"]
        assert idnumber.make(number[:6], info.birth_date, int(number[14:17])) == number
    # Residents carry the county's area code; only people who married in come from elsewhere.
    local = sum(p["id_number"].startswith("530326") for p in persons)
    assert local / len(persons) > 0.98


def test_persons_are_consistent_with_age_and_relation(persons: list[dict[str, str]]) -> None:
    start = dt.date(2024, 1, 1)

    def age(p: dict[str, str]) -> int:
        b = idnumber.parse(p["id_number"]).birth_date
        return start.year - b.year - ((start.month, start.day) < (b.month, b.day))

    by_household: dict[str, list[dict[str, str]]] = defaultdict(list)
    for p in persons:
        by_household[p["household_no"]].append(p)
    school_ages = {
        "preschool": (2, 7),
        "primary": (5, 14),
        "junior": (11, 17),
        "senior": (14, 20),
        "vocational_secondary": (14, 20),
        "vocational_higher": (17, 24),
        "undergraduate": (17, 24),
        "postgraduate": (21, 27),
    }
    for members in by_household.values():
        heads = [p for p in members if p["relation"] == "head"]
        assert len(heads) == 1
        head = heads[0]
        assert 25 <= age(head) <= 90
        assert head["phone"] and re.match(r"^1[3589]\d{9}$", head["phone"])
        for p in members:
            a = age(p)
            if p is not head:
                assert not p["phone"]
            if p["relation"] == "spouse":
                assert p["sex"] != head["sex"]
            if p["relation"] in ("child", "grandchild"):
                assert a <= age(head) - 15
            if p["relation"] in ("parent", "grandparent"):
                assert a >= age(head) + 15
            if p["school_status"] != "none":
                lo, hi = school_ages[p["school_status"]]
                assert lo <= a <= hi, p
            if a < 16:
                assert p["labour"] == "none"
            if p["health"] in ("serious", "disabled") and a >= 16:
                assert p["labour"] in ("weak", "lost", "none"), p
            if p["health"] == "healthy" and 16 <= a < 60 and p["school_status"] == "none":
                assert p["labour"] in ("skilled", "ordinary"), p
            assert bool(p["disability_grade"]) == (p["health"] == "disabled")
            if p["disability_grade"]:
                assert p["disability_grade"] in "1234"
            assert 0 <= int(p["work_months"]) <= 12
            assert bool(p["work_place"]) == (int(p["work_months"]) > 0)
            for flag in (
                "medical_insurance",
                "serious_illness_insurance",
                "pension_insurance",
                "dibao",
                "tekun",
            ):
                assert p[flag] in ("Y", "N")
            assert p["education"] in ("", "文盲或半文盲", "小学", "初中", "高中", "中专", "大专及以上")
    insured = sum(p["medical_insurance"] == "Y" for p in persons) / len(persons)
    assert insured >= 0.99
    han = sum(p["ethnicity"] == "汉族" for p in persons) / len(persons)
    assert 0.8 < han < 0.99


def test_households_follow_the_monitoring_rules(households: list[dict[str, str]]) -> None:
    start = "2024-01-01"
    former = [h for h in households if h["poverty_status"] == "former_poor"]
    assert 0.4 < len(former) / len(households) < 0.6
    monitored = [h for h in households if h["monitoring_category"]]
    assert 0.04 <= len(monitored) / len(households) <= 0.07
    for h in households:
        assert re.match(r"^H\d{17}$", h["household_no"])
        assert h["household_no"][1:13] == h["village_code"]
        assert re.match(r"^第([1-9]|1[0-2])村民小组$", h["group_name"])
        assert (h["poverty_exit_year"] != "") == (h["poverty_status"] == "former_poor")
        if h["poverty_exit_year"]:
            assert 2014 <= int(h["poverty_exit_year"]) <= 2020
        if h["relocated"] == "Y":
            assert h["poverty_status"] == "former_poor"
        category = h["monitoring_category"]
        if category == "unstable":
            assert h["poverty_status"] == "former_poor"
        if category == "marginal":
            assert h["poverty_status"] == "ordinary"
        if category:
            assert h["identified_on"] < start
        else:
            assert not h["identified_on"] and not h["risk_eliminated_on"]
        if h["risk_eliminated_on"]:
            assert h["identified_on"] < h["risk_eliminated_on"] < start
            assert h["elimination_mode"] in ("assisted", "natural")
    shares = Counter(h["monitoring_category"] for h in monitored)
    assert shares["sudden"] > 0 and shares["unstable"] > 0 and shares["marginal"] > 0
    assert any(h["risk_eliminated_on"] for h in monitored)
    assert any(not h["risk_eliminated_on"] for h in monitored)


# ------------------------------------------------------------------------------------------ feeds


def test_feed_ids_are_valid_and_mistyped_ones_match_nobody(
    county: Path, persons: list[dict[str, str]], events: list[dict[str, str]]
) -> None:
    registered = {p["id_number"]: p for p in persons}
    known = set(registered) | {e["id_number"] for e in events if e["id_number"]}
    unknown = 0
    total = 0
    for kind in Feed:
        if "id_number" not in FEED_COLUMNS[kind]:
            continue
        for _, row in feed_rows(county, kind):
            info = idnumber.parse(row["id_number"])  # every ID passes the check character
            total += 1
            if row["id_number"] in registered:
                assert info.sex == registered[row["id_number"]]["sex"]
            if row["id_number"] not in known:
                unknown += 1
    assert total > 1000
    assert 0.002 < unknown / total < 0.03


def test_rows_are_dated_in_their_delivery_month_or_the_one_before(county: Path) -> None:
    for kind in Feed:
        if kind in (Feed.CREDIT, Feed.WATER):
            continue
        column = FEED_COLUMNS[kind][1]
        late = 0
        rows = feed_rows(county, kind)
        for period, row in rows:
            month = row[column][:7]
            year, mon = int(period[:4]), int(period[5:])
            previous = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
            assert month in (period, previous), (kind, period, row)
            late += month == previous
        if len(rows) > 200:
            assert 0.04 < late / len(rows) < 0.2, kind
    for period, row in feed_rows(county, Feed.WATER):
        assert row["from_on"] <= (row["to_on"] or "9999")
        assert (row["to_on"] or period)[:7] >= row["from_on"][:7]
    for _, row in feed_rows(county, Feed.MEDICAL):
        total, fund, own = (float(row[c]) for c in ("total_cost", "fund_paid", "self_pay"))
        assert abs(fund + own - total) < 0.011


def test_civil_and_disability_files_are_gb18030(county: Path) -> None:
    chinese = 0
    for period in PERIODS:
        for kind in (Feed.CIVIL, Feed.DISABILITY):
            data = (county / "feeds" / period / f"{FEED_KINDS[kind]}.csv").read_bytes()
            data.decode("gb18030")
            assert data.endswith(b"\r\n")
            if any(b > 0x7F for b in data):
                chinese += 1
                with pytest.raises(UnicodeDecodeError):
                    data.decode("utf-8")
    assert chinese > 0  # 残联's disability types are Chinese text


def test_feed_money_is_never_negative(county: Path) -> None:
    """The importer refuses a whole delivery for one negative amount (a 低保边缘 row once carried a negative
    per-capita income after medical costs and cost 民政 a month of data)."""
    money = {"amount", "loss_amount", "total_cost", "fund_paid", "self_pay", "monthly_wage"}
    money |= {"principal", "balance"}
    seen = 0
    for kind in Feed:
        for _period, row in feed_rows(county, kind):
            for col in money & row.keys():
                if row[col]:
                    seen += 1
                    assert float(row[col]) >= 0, (FEED_KINDS[kind], col, row)
    assert seen > 1000


def test_a_village_wide_disaster_happens(county: Path, households: list[dict[str, str]]) -> None:
    per_village = Counter(h["village_code"] for h in households)
    hit: Counter[tuple[str, str]] = Counter()
    for e in read(county / "truth" / "events.csv")[1]:
        if e["event"] == "disaster":
            hit[(e["period"], e["household_no"][1:13])] += 1
    assert any(n >= 3 and n >= 0.8 * per_village[village] for (_, village), n in hit.items())


def test_serious_illness_treated_out_of_province_is_never_delivered(events: list[dict[str, str]]) -> None:
    serious = [e for e in events if e["event"] == "serious_illness"]
    assert all(e["feed_kind"] == "medical" for e in serious)
    undelivered = sum(not e["delivered_period"] for e in serious if e["period"] < PERIODS[-2])
    assert 0.03 < undelivered / len(serious) < 0.3


# ------------------------------------------------------------------------------------------ truth


def test_truth_events_reference_valid_values(events: list[dict[str, str]]) -> None:
    assert events
    for e in events:
        assert e["period"] in PERIODS
        assert e["risk_type"] in ("", *RISKS)
        assert e["feed_kind"] in ("", *FEED_KINDS)
        if e["delivered_period"]:
            assert e["feed_kind"]
            assert e["period"] <= e["delivered_period"] <= PERIODS[-1]
        if e["id_number"]:
            idnumber.parse(e["id_number"])
        if e["amount"]:
            assert re.match(r"^\d+\.\d{2}$", e["amount"])
    kinds = Counter(e["event"] for e in events)
    for event in ("death", "birth", "serious_illness", "disaster", "job_loss", "dropout", "water_outage"):
        assert kinds[event] > 0, event


def test_at_risk_households_are_below_the_line_or_suddenly_in_hardship(
    county: Path, persons: list[dict[str, str]], events: list[dict[str, str]]
) -> None:
    """Recompute December per-capita income from the yearly income survey and the household sizes
    implied by the registry and the demographic truth events (R-OBJ-02, R-INC-02, R-INC-04)."""
    size = Counter(p["household_no"] for p in persons)
    changes: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for e in events:
        delta = {"birth": 1, "moved_in": 1, "death": -1, "moved_out": -1}.get(e["event"])
        if delta:
            changes[e["household_no"]].append((e["period"], delta))
    _, at_risk = read(county / "truth" / "at_risk.csv")
    assert at_risk
    checked = 0
    for period in ("2024-12", "2025-12"):
        threshold = A.threshold_for(int(period[:4]))
        _, incomes = read(county / "registry" / "updates" / period / "incomes.csv")
        income = {r["household_no"]: r for r in incomes}
        for row in (r for r in at_risk if r["period"] == period):
            no = row["household_no"]
            members = size[no] + sum(d for p, d in changes[no] if p <= period)
            r = income[no]
            net = sum(float(r[c]) for c in ("wage", "business", "property", "transfer")) - float(
                r["business_cost"]
            )
            reference = net - float(r["compliant_self_pay"]) + float(r["insurance_claims"])
            risks = set(row["risk_types"].split(";"))
            assert row["risk_types"] == ";".join(sorted(risks))
            if "low_income" in risks:
                assert reference / members < threshold, row
                assert risks - {"low_income"}, row  # R-OBJ-01: together with a risk
            else:
                assert reference / members >= threshold - 0.01, row
                assert risks & EVENT_RISKS, row  # a sudden hardship has a cause
            checked += 1
    assert checked > 50


def test_at_risk_share_is_plausible(county: Path) -> None:
    _, at_risk = read(county / "truth" / "at_risk.csv")
    per_month = Counter(r["period"] for r in at_risk)
    assert set(per_month) == set(PERIODS)
    assert all(0.02 * 2000 < n < 0.12 * 2000 for n in per_month.values())
    assert any("low_income" not in r["risk_types"] for r in at_risk)  # sudden cases exist


def test_self_reports_are_well_formed(county: Path) -> None:
    rows = []
    for period in PERIODS:
        rows += read(county / "channels" / period / "self_reports.csv")[1]
    assert len(rows) > 20
    for r in rows:
        assert r["reporter_relation"] in ("self", "other")
        assert r["difficulty"] in ("生活困难", "就业困难", "教育困难", "医疗困难", "住房困难", "饮水困难")
        assert re.match(r"^\d{12}$", r["village_code"]) and r["group_name"].endswith("村民小组")
        assert re.match(r"^1[3589]\d{9}$", r["contact_phone"])
        if r["id_number"]:
            idnumber.parse(r["id_number"])
        else:
            assert r["reporter_relation"] == "other"
        if r["reporter_relation"] == "self":
            assert r["reporter_name"] == r["subject_name"]


# ------------------------------------------------------------------------------------------ command


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    a = tree_digest(simulate(tmp_path / "a", households=400, months=6, seed=3))
    b = tree_digest(simulate(tmp_path / "b", households=400, months=6, seed=3))
    c = tree_digest(simulate(tmp_path / "c", households=400, months=6, seed=4))
    assert a == b
    assert a != c


def test_command_writes_a_county(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    stdout = io.StringIO()
    call_command(
        "simulate",
        "--households", "300", "--months", "2", "--seed", "5", "--out", str(out), "--quiet",
        stdout=stdout,
    )  # fmt: skip
    assert "300户" in stdout.getvalue()
    assert (out / "registry" / "persons.csv").exists()
    assert sorted(p.name for p in (out / "feeds").iterdir()) == ["2024-01", "2024-02"]
    # Refused: the folder is not empty (unless --force), and every reason is reported.
    with pytest.raises(CommandError) as refused:
        call_command("simulate", "--households", "300", "--months", "0", "--out", str(out), "--quiet")
    assert refused.value.returncode == 2
    call_command(
        "simulate", "--households", "300", "--months", "2", "--seed", "5", "--out", str(out), "--force",
        "--quiet", stdout=io.StringIO(),
    )  # fmt: skip


def test_bad_arguments_are_all_reported_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(SimulationRefused) as refused:
        simulation_validate(
            households="many", months=0, seed=-1, out=tmp_path / "full", start="2024-13", county="5303"
        )
    reasons = refused.value.reasons
    assert len(reasons) == 6
    assert all(re.search(r"[\u4e00-\u9fff]", r) for r in reasons)
    assert not list((tmp_path / "full").glob("registry"))


def test_thresholds_follow_the_table() -> None:
    assert [A.threshold_for(y) for y in range(2023, 2029)] == [8050, 8400, 8700, 9000, 9300, 9600]


def _episode_rows(county: Path, period: str) -> list[dict[str, str]]:
    wb = openpyxl.load_workbook(county / "employment" / period / "已外出务工信息.xlsx", read_only=True)
    rows = [[("" if c is None else str(c)) for c in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
    header = rows[2]
    return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=True)) for r in rows[3:]]


def test_a_job_lost_ends_the_episode_in_the_month_it_is_lost(
    county: Path, events: list[dict[str, str]]
) -> None:
    """The 务工月监测 export of the loss month shows the episode ended that month (the last month worked,
    in part), so the month's screening sees it (R-EMP-06)."""
    checked = ended_then = 0
    for period in PERIODS[1:7]:
        lost = {e["id_number"] for e in events if e["event"] == "job_loss" and e["period"] == period}
        latest: dict[str, str] = {}
        for row in _episode_rows(county, period):
            if row["证件号码"] in lost and row["开始时间"] >= latest.get(row["证件号码"], ""):
                latest[row["证件号码"]] = row["开始时间"]
                ends = row["结束时间"]
                latest[row["证件号码"] + "/end"] = ends
        for person in lost & latest.keys():
            checked += 1
            ended_then += latest[person + "/end"] == f"{period[:4]}年{period[5:]}月"
    assert checked > 10
    assert ended_then == checked


def test_no_episode_starts_before_sixteen(county: Path) -> None:
    """R-EMP-10 5_16_010: the import refuses a whole month for one such row."""
    seen = 0
    for period in (PERIODS[0], PERIODS[11], PERIODS[-1]):
        for row in _episode_rows(county, period):
            born = idnumber.parse(row["证件号码"]).birth_date
            start = int(row["开始时间"][:4]) * 12 + int(row["开始时间"][5:7]) - 1
            assert start >= (born.year + 16) * 12 + born.month - 1, row
            seen += 1
    assert seen > 1000


def test_nobody_without_labour_is_listed_as_working(county: Path) -> None:
    """R-EMP-10 4_12_002: a current episode of a person the export lists as 丧失劳动力 / 无劳动力."""
    for period in PERIODS:
        written = f"{period[:4]}年{period[5:]}月"
        for row in _episode_rows(county, period):
            current = not row["结束时间"] or row["结束时间"] >= written
            assert not (current and row["劳动技能"] in ("丧失劳动力", "无劳动力")), (period, row)


def test_the_january_export_reports_the_episodes_ended_in_december(county: Path) -> None:
    """Without them the ledger keeps December's episodes open and refuses February's new season as an
    overlap (R-EMP-10 5_12_001), a whole month at a time."""
    january = _episode_rows(county, "2025-01")
    assert any(r["结束时间"] == "2024年12月" for r in january)
    assert not any(r["结束时间"] and r["结束时间"] < "2024年12月" for r in january)
