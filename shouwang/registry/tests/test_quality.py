"""Data-quality rules (R-KPI-05) on small literal tables (STYLE 11), and the vectorised income rule."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import polars as pl

from shouwang.registry.income import income_compute, income_figures
from shouwang.registry.quality import age_expr, household_issues, income_issues, person_issues

TODAY = dt.date(2025, 6, 30)


def born(age: int, *, later: bool = False) -> dt.date:
    """A birth date giving ``age`` on TODAY (``later``: birthday still to come this year)."""
    d = TODAY.replace(year=TODAY.year - age)
    return d + dt.timedelta(days=1) if later else d


def people(*rows: dict[str, object]) -> pl.DataFrame:
    base = {
        "household_no": "H1",
        "relation": "child",
        "sex": "M",
        "birth_date": born(30),
        "school_status": "none",
        "health": "healthy",
        "disability_grade": None,
        "labour": "ordinary",
        "medical_insurance": True,
        "serious_illness_insurance": True,
        "work_months": 0,
    }
    frame = pl.DataFrame(
        [{**base, **r} for r in rows],
        schema={
            "household_no": pl.Utf8,
            "relation": pl.Utf8,
            "sex": pl.Utf8,
            "birth_date": pl.Date,
            "school_status": pl.Utf8,
            "health": pl.Utf8,
            "disability_grade": pl.Int64,
            "labour": pl.Utf8,
            "medical_insurance": pl.Boolean,
            "serious_illness_insurance": pl.Boolean,
            "work_months": pl.Int64,
        },
    )
    return frame


def codes(frame: pl.DataFrame) -> list[tuple[int, str]]:
    issues = person_issues(frame, today=TODAY)
    return sorted(zip(issues.get_column("row").to_list(), issues.get_column("code").to_list(), strict=True))


HEAD = {"relation": "head", "birth_date": born(45)}


def test_age_in_completed_years() -> None:
    frame = pl.DataFrame({"birth_date": [born(16), born(16, later=True), dt.date(2000, 2, 29)]})
    assert frame.select(age_expr(today=TODAY)).to_series().to_list() == [16, 15, 25]


def test_a_consistent_household_has_no_findings() -> None:
    frame = people(
        HEAD,
        {"relation": "spouse", "sex": "F", "birth_date": born(43)},
        {"birth_date": born(13), "school_status": "junior", "labour": "none"},
        {"relation": "parent", "birth_date": born(75), "labour": "none", "health": "chronic"},
    )
    assert codes(frame) == []


def test_labour_rules() -> None:
    frame = people(
        HEAD,
        {"birth_date": born(15), "labour": "ordinary", "school_status": "junior"},  # P01
        {"birth_date": born(16, later=True), "labour": "none", "school_status": "senior"},  # 15: fine
        {"birth_date": born(20), "labour": "weak"},  # P02: healthy, not in school
        {"birth_date": born(20), "labour": "weak", "health": "chronic"},  # not healthy: fine
        {"birth_date": born(19), "labour": "none", "school_status": "undergraduate"},  # in school: fine
        {"birth_date": born(60), "labour": "none", "relation": "sibling"},  # 60: fine
        {"health": "disabled", "disability_grade": 2, "labour": "ordinary"},  # P03
        {"health": "disabled", "disability_grade": 3, "labour": "ordinary"},  # grade 3: fine
    )
    assert codes(frame) == [(1, "P01_MINOR_LABOUR"), (3, "P02_ADULT_NO_LABOUR"), (7, "P03_DISABLED_LABOUR")]


def test_school_stage_against_age() -> None:
    frame = people(
        {**HEAD, "birth_date": born(60)},
        {"birth_date": born(11), "school_status": "junior", "labour": "none"},  # P04
        {"birth_date": born(18), "school_status": "junior", "labour": "none"},  # P04
        {"birth_date": born(14), "school_status": "senior", "labour": "none"},  # P05
        {"birth_date": born(21), "school_status": "vocational_secondary", "labour": "none"},  # P05
        {"birth_date": born(17), "school_status": "undergraduate", "labour": "none"},  # P06
        {"birth_date": born(19), "school_status": "postgraduate", "labour": "none"},  # P06
        {"birth_date": born(7), "school_status": "preschool", "labour": "none"},  # P07
        {"birth_date": born(7), "school_status": "preschool", "labour": "none", "health": "disabled",
         "disability_grade": 1},  # not healthy: no P07
        {"birth_date": born(10), "school_status": "none", "labour": "none"},  # P08
        {"birth_date": born(6), "school_status": "none", "labour": "none"},  # below school age
    )  # fmt: skip
    assert codes(frame) == [
        (1, "P04_JUNIOR_AGE"),
        (2, "P04_JUNIOR_AGE"),
        (3, "P05_SENIOR_AGE"),
        (4, "P05_SENIOR_AGE"),
        (5, "P06_HIGHER_AGE"),
        (6, "P06_HIGHER_AGE"),
        (7, "P07_PRESCHOOL_AGE"),
        (9, "P08_OUT_OF_SCHOOL"),
    ]


def test_insurance_and_disability_fields() -> None:
    frame = people(
        {**HEAD, "medical_insurance": False},
        {"medical_insurance": None, "serious_illness_insurance": None},
        {"health": "disabled"},
        {"disability_grade": 3, "labour": "weak", "health": "chronic"},
    )
    found = person_issues(frame, today=TODAY)
    assert codes(frame) == [
        (0, "P09_NO_MEDICAL_INSURANCE"),
        (1, "P09_NO_MEDICAL_INSURANCE"),
        (1, "P10_SERIOUS_ILLNESS_INSURANCE_MISSING"),
        (2, "P11_DISABILITY_GRADE_HEALTH"),
        (3, "P11_DISABILITY_GRADE_HEALTH"),
    ]
    messages = dict(
        zip(found.get_column("row").to_list()[:2], found.get_column("message").to_list()[:2], strict=True)
    )
    assert messages == {0: "未参加基本医疗保险", 1: "基本医疗保险未填写"}


def test_family_logic() -> None:
    frame = people(
        HEAD,
        {"relation": "spouse", "sex": "M", "birth_date": born(44)},  # P12 same sex as head
        {"birth_date": born(40)},  # P13 child only 5 years younger than the head
        {"relation": "parent", "birth_date": born(50)},  # P14 parent only 5 years older
        {"household_no": "H2", "relation": "spouse", "sex": "F"},  # P15 household without a head
        {"household_no": "H3", "relation": "head"},
        {"household_no": "H3", "relation": "head", "sex": "F"},  # P15 two heads
    )
    assert codes(frame) == [
        (1, "P12_SPOUSE_SAME_SEX"),
        (2, "P13_CHILD_OLDER_THAN_HEAD"),
        (3, "P14_PARENT_YOUNGER_THAN_HEAD"),
        (4, "P15_HEAD_COUNT"),
        (5, "P15_HEAD_COUNT"),
    ]
    msgs = person_issues(frame, today=TODAY).filter(pl.col("code") == "P15_HEAD_COUNT")
    assert msgs.get_column("message").to_list() == ["户内没有登记户主", "户内登记了2名户主"]


def test_household_rules() -> None:
    frame = pl.DataFrame(
        {
            "poverty_status": ["former_poor", "ordinary", "ordinary", "former_poor", "ordinary"],
            "monitoring_category": ["unstable", "unstable", "marginal", "", ""],
            "risk_eliminated_on": [None, None, dt.date(2024, 1, 1), None, None],
            "elimination_mode": ["", "", "", "", "natural"],
            "poverty_exit_year": [2019, None, None, None, 2018],
        }
    )
    issues = household_issues(frame)
    got = sorted(zip(issues.get_column("row").to_list(), issues.get_column("code").to_list(), strict=True))
    assert got == [
        (1, "H01_CATEGORY_STATUS"),
        (2, "H02_ELIMINATION_MODE"),
        (3, "H03_EXIT_YEAR_STATUS"),
        (4, "H02_ELIMINATION_MODE"),
        (4, "H03_EXIT_YEAR_STATUS"),
    ]


def test_monthly_wage_bounds() -> None:
    frame = pl.DataFrame(
        {
            "wage_cents": [3_600_000, 50_00, 0, 4_000_000_00, 1_000_00, 0],
            "work_months": [12, 1, 6, 12, 0, 0],
        }
    )
    issues = income_issues(frame)
    got = sorted(zip(issues.get_column("row").to_list(), issues.get_column("code").to_list(), strict=True))
    assert got == [
        (1, "I01_MONTHLY_WAGE"),
        (2, "I01_MONTHLY_WAGE"),
        (3, "I01_MONTHLY_WAGE"),
        (4, "I02_WAGE_WITHOUT_WORK"),
    ]
    assert "月均工资性收入50元" in issues.get_column("message").to_list()[0]


def test_vectorised_income_matches_income_compute() -> None:
    """R-INC-02 / R-INC-04: the bulk path gives the same figures as the reference function, including
    ties (ROUND_HALF_UP), negative net incomes and households where nobody counts."""
    rng = random.Random(7)
    cols = [
        "wage",
        "business",
        "property",
        "transfer",
        "business_cost",
        "compliant_self_pay",
        "insurance_claims",
    ]
    rows = []
    for _ in range(2000):
        row = {c: rng.choice([0, rng.randint(0, 10_000_000), rng.randint(0, 999)]) for c in cols}
        row["members_counted"] = rng.choice([0, 1, 2, 3, 4, 6, 7, 8])
        rows.append(row)
    rows.append({**dict.fromkeys(cols, 0), "wage": 1, "business_cost": 0, "members_counted": 2})  # 0.005 tie
    rows.append({**dict.fromkeys(cols, 0), "business_cost": 1001, "members_counted": 2})  # negative tie
    frame = income_figures(
        pl.DataFrame(rows, schema={**dict.fromkeys(cols, pl.Int64), "members_counted": pl.Int64})
    )
    cent = Decimal("0.01")
    for got in frame.iter_rows(named=True):
        ref = income_compute(**{c: Decimal(got[c]) * cent for c in cols}, members=got["members_counted"])
        assert Decimal(got["net_income"]) * cent == ref.net_income
        as_dec = lambda v: None if v is None else Decimal(v) * cent  # noqa: E731
        assert as_dec(got["per_capita_net"]) == ref.per_capita_net
        assert as_dec(got["per_capita_reference"]) == ref.per_capita_reference
