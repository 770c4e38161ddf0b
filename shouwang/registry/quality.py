"""Registry data-quality checks (POLICY R-KPI-05, modelled on the Guizhou checker [DQ]), pure functions.

Each check is data — a stable code, the rule it follows, a polars expression over a typed frame and a
Chinese message — so it can be tested with small literal tables (STYLE 11). The import calls:

* ``person_issues(frame, today=...)`` and ``household_issues`` / ``income_issues`` → one row per finding
  (``row``: index into the input frame, ``code``, ``severity``, ``message``). These are *warnings*: they
  are stored as DataQualityIssue rows and reported per batch, never blocking.
* ``IMPOSSIBLE_RANGES`` — values that cannot be true (disability grade outside 1–4, more than 12 work
  months in 12 months). These are *errors*: the import refuses the file (CONTRACT §2 all-or-nothing).
  Dates in the future are refused by the date validators.

Input frame columns for persons: ``household_no``, ``relation``, ``sex`` (M/F), ``birth_date`` (Date),
``school_status``, ``health``, ``disability_grade`` (Int64, null = none), ``labour``,
``medical_insurance`` / ``serious_illness_insurance`` (Boolean, null = not filled in), ``work_months``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from shouwang.registry.choices import QualitySeverityChoices

WARNING = QualitySeverityChoices.WARNING.value
ERROR = QualitySeverityChoices.ERROR.value

# Values that cannot be true: refused (column -> inclusive range, Chinese reason).
IMPOSSIBLE_RANGES: dict[str, tuple[int, int, str]] = {
    "disability_grade": (1, 4, "残疾等级只能是1–4级"),
    "work_months": (0, 12, "务工时间是近12个月内的月数，应在0–12之间"),
}

# Monthly wage sanity bounds (R-KPI-05 "Work data", [DQ] 5_16_001/002), yuan.
WAGE_MONTH_MIN = 100
WAGE_MONTH_MAX = 30_000

ISSUE_SCHEMA = {"row": pl.Int64, "code": pl.Utf8, "severity": pl.Utf8, "message": pl.Utf8}


@dataclass(frozen=True)
class Check:
    code: str
    policy: str
    condition: pl.Expr
    message: pl.Expr


def _lit(text: str) -> pl.Expr:
    return pl.lit(text, dtype=pl.Utf8)


def age_expr(birth: str = "birth_date", *, today: dt.date) -> pl.Expr:
    """Age in completed years on ``today``."""
    b = pl.col(birth)
    before_birthday = (b.dt.month() > today.month) | (
        (b.dt.month() == today.month) & (b.dt.day() > today.day)
    )
    return (pl.lit(today.year) - b.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int32)


def _person_checks() -> list[Check]:
    age = pl.col("_age")
    labour = pl.col("labour")
    school = pl.col("school_status")
    healthy = pl.col("health") == "healthy"
    in_school = school.is_not_null() & (school != "none")
    age_msg = pl.format("（{}岁）", age)
    return [
        Check(
            "P01_MINOR_LABOUR",
            "R-KPI-05 2_01_011",
            (age < 16) & labour.is_not_null() & (labour != "none"),
            pl.concat_str([_lit("未满16周岁，劳动技能应为无劳动力"), age_msg]),
        ),
        Check(
            "P02_ADULT_NO_LABOUR",
            "R-KPI-05 5_12_008",
            (age >= 16) & (age < 60) & healthy & ~in_school & labour.is_in(["none", "lost", "weak"]),
            pl.concat_str([_lit("16–59周岁、健康且不在校，却登记为无/丧失/弱劳动力"), age_msg]),
        ),
        Check(
            "P03_DISABLED_LABOUR",
            "R-KPI-05 (grade 1–2 disability)",
            pl.col("disability_grade").is_in([1, 2]) & labour.is_in(["ordinary", "skilled"]),
            pl.format("{}级残疾却登记为普通或技能劳动力", pl.col("disability_grade")),
        ),
        Check(
            "P04_JUNIOR_AGE",
            "R-KPI-05 5_17_003",
            (school == "junior") & ((age < 12) | (age > 17)),
            pl.concat_str([_lit("初中在校生年龄不在12–17岁之间"), age_msg]),
        ),
        Check(
            "P05_SENIOR_AGE",
            "R-KPI-05 5_17_004",
            school.is_in(["senior", "vocational_secondary"]) & ((age < 15) | (age > 20)),
            pl.concat_str([_lit("高中/中职在校生年龄不在15–20岁之间"), age_msg]),
        ),
        Check(
            "P06_HIGHER_AGE",
            "R-KPI-05 5_12_017/018",
            (school.is_in(["vocational_higher", "undergraduate"]) & (age < 18))
            | ((school == "postgraduate") & (age < 20)),
            pl.concat_str([_lit("高职/大学在校生未满18岁或研究生未满20岁"), age_msg]),
        ),
        Check(
            "P07_PRESCHOOL_AGE",
            "R-KPI-05 5_12_013",
            (school == "preschool") & (age >= 7) & healthy,
            pl.concat_str([_lit("7周岁以上、健康，却登记为学前教育"), age_msg]),
        ),
        Check(
            "P08_OUT_OF_SCHOOL",
            "R-KPI-05 5_15_016/017",
            (age >= 7) & (age <= 15) & ~in_school,
            pl.concat_str([_lit("义务教育阶段适龄儿童未在校（控辍保学）"), age_msg]),
        ),
        Check(
            "P09_NO_MEDICAL_INSURANCE",
            "R-KPI-05 2_12_012; R-SYS-02",
            pl.col("medical_insurance").is_null() | ~pl.col("medical_insurance").fill_null(True),
            pl.when(pl.col("medical_insurance").is_null())
            .then(_lit("基本医疗保险未填写"))
            .otherwise(_lit("未参加基本医疗保险")),
        ),
        Check(
            "P10_SERIOUS_ILLNESS_INSURANCE_MISSING",
            "R-KPI-05 2_12_010",
            pl.col("serious_illness_insurance").is_null(),
            _lit("大病保险未填写"),
        ),
        Check(
            "P11_DISABILITY_GRADE_HEALTH",
            "R-SYS-02 (health vs disability grade)",
            (pl.col("disability_grade").is_not_null() & (pl.col("health") != "disabled"))
            | (pl.col("disability_grade").is_null() & (pl.col("health") == "disabled")),
            pl.when(pl.col("disability_grade").is_not_null())
            .then(_lit("填写了残疾等级，健康状况却不是残疾"))
            .otherwise(_lit("健康状况为残疾，但未填写残疾等级")),
        ),
    ]


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def _run(frame: pl.DataFrame, checks: list[Check], severity: str = WARNING) -> pl.DataFrame:
    if frame.height == 0:
        return _empty()
    parts = []
    for c in checks:
        # Messages are rendered for the hits only (they may divide by values that are zero elsewhere).
        hits = (
            frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"))
            .filter(c.condition.fill_null(False))
            .select("row", c.message.alias("message"))
        )
        if hits.height:
            parts.append(
                hits.select(
                    "row",
                    pl.lit(c.code, dtype=pl.Utf8).alias("code"),
                    pl.lit(severity, dtype=pl.Utf8).alias("severity"),
                    pl.col("message").cast(pl.Utf8),
                )
            )
    return pl.concat(parts).sort("row", "code") if parts else _empty()


def person_issues(frame: pl.DataFrame, *, today: dt.date) -> pl.DataFrame:
    """Per-person warnings plus household-level family logic (R-KPI-05 "Family logic").

    Family checks see the members listed in this frame (a whole persons file, normally every member of
    each household it names): spouse of the same sex as the head, no head or several heads. The national
    relation codes are sex-neutral (子女, 父母 …), so spouse-vs-head is the only sex inconsistency that can
    be determined; age order against the head is checked for children and parents instead."""
    if frame.height == 0:
        return _empty()
    f = frame.with_columns(age_expr(today=today).alias("_age"))
    issues = [_run(f, _person_checks())]

    heads = (
        f.with_row_index("_row")
        .filter(pl.col("relation") == "head")
        .group_by("household_no")
        .agg(
            pl.len().alias("_heads"),
            pl.col("sex").first().alias("_head_sex"),
            pl.col("_age").first().alias("_head_age"),
        )
    )
    fam = f.join(heads, on="household_no", how="left", maintain_order="left")
    family = [
        Check(
            "P12_SPOUSE_SAME_SEX",
            "R-KPI-05 2_12_008",
            (pl.col("relation") == "spouse")
            & (pl.col("_heads") == 1)
            & (pl.col("sex") == pl.col("_head_sex")),
            _lit("配偶与户主性别相同"),
        ),
        Check(
            "P13_CHILD_OLDER_THAN_HEAD",
            "R-KPI-05 2_11_003 (relation consistency)",
            (pl.col("relation") == "child")
            & (pl.col("_heads") == 1)
            & (pl.col("_age") > pl.col("_head_age") - 12),
            pl.format("子女年龄（{}岁）与户主年龄（{}岁）相差不足12岁", pl.col("_age"), pl.col("_head_age")),
        ),
        Check(
            "P14_PARENT_YOUNGER_THAN_HEAD",
            "R-KPI-05 2_11_003 (relation consistency)",
            (pl.col("relation") == "parent")
            & (pl.col("_heads") == 1)
            & (pl.col("_age") < pl.col("_head_age") + 12),
            pl.format("父母年龄（{}岁）与户主年龄（{}岁）相差不足12岁", pl.col("_age"), pl.col("_head_age")),
        ),
    ]
    issues.append(_run(fam, family))

    # Household-level: no head or several heads. Reported on the household's first listed member.
    firsts = (
        fam.with_row_index("_row")
        .group_by("household_no", maintain_order=True)
        .agg(pl.col("_row").first(), pl.col("_heads").first())
    )
    no_head = firsts.filter(pl.col("_heads").is_null()).select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit("P15_HEAD_COUNT").alias("code"),
        pl.lit(WARNING).alias("severity"),
        pl.lit("户内没有登记户主").alias("message"),
    )
    many = firsts.filter(pl.col("_heads") > 1).select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit("P15_HEAD_COUNT").alias("code"),
        pl.lit(WARNING).alias("severity"),
        pl.format("户内登记了{}名户主", pl.col("_heads")).alias("message"),
    )
    issues += [no_head, many]
    found = [i.cast(ISSUE_SCHEMA) for i in issues if i.height]  # type: ignore[arg-type]
    return pl.concat(found).sort("row", "code") if found else _empty()


def household_issues(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns: ``poverty_status``, ``monitoring_category``, ``risk_eliminated_on`` (Date),
    ``elimination_mode``, ``poverty_exit_year``."""
    checks = [
        Check(
            "H01_CATEGORY_STATUS",
            "R-OBJ-01",
            ((pl.col("monitoring_category") == "unstable") & (pl.col("poverty_status") != "former_poor"))
            | ((pl.col("monitoring_category") == "marginal") & (pl.col("poverty_status") != "ordinary")),
            pl.when(pl.col("monitoring_category") == "unstable")
            .then(_lit("脱贫不稳定户只能是脱贫户"))
            .otherwise(_lit("边缘易致贫户只能是一般农户")),
        ),
        Check(
            "H02_ELIMINATION_MODE",
            "R-SYS-02 (风险消除方式)",
            pl.col("risk_eliminated_on").is_null() != (pl.col("elimination_mode").fill_null("") == ""),
            pl.when(pl.col("risk_eliminated_on").is_null())
            .then(_lit("填写了风险消除方式，但没有风险消除时间"))
            .otherwise(_lit("填写了风险消除时间，但没有风险消除方式")),
        ),
        Check(
            "H03_EXIT_YEAR_STATUS",
            "R-SYS-01 (户类型 vs 脱贫年度)",
            (pl.col("poverty_status") == "former_poor") != pl.col("poverty_exit_year").is_not_null(),
            pl.when(pl.col("poverty_status") == "former_poor")
            .then(_lit("脱贫户未填写脱贫年度"))
            .otherwise(_lit("一般农户不应有脱贫年度")),
        ),
    ]
    return _run(frame, checks)


def income_issues(frame: pl.DataFrame) -> pl.DataFrame:
    """Columns: ``wage_cents`` (Int64) and ``work_months`` (the household members' total months worked
    in the same 12 months, Int64). Monthly wage = wage ÷ months worked (R-KPI-05 "Work data")."""
    monthly = pl.col("wage_cents") / pl.max_horizontal(pl.col("work_months"), 1) / 100
    checks = [
        Check(
            "I01_MONTHLY_WAGE",
            "R-KPI-05 5_16_001/002",
            (pl.col("work_months") > 0) & ((monthly < WAGE_MONTH_MIN) | (monthly > WAGE_MONTH_MAX)),
            pl.format(
                "月均工资性收入{}元，不在{}–{}元之间",
                monthly.round(0).cast(pl.Int64),
                pl.lit(WAGE_MONTH_MIN),
                pl.lit(WAGE_MONTH_MAX),
            ),
        ),
        Check(
            "I02_WAGE_WITHOUT_WORK",
            "R-KPI-05 (work data)",
            (pl.col("wage_cents") > 0) & (pl.col("work_months") == 0),
            _lit("有工资性收入，但家庭成员均未登记务工时间"),
        ),
    ]
    return _run(frame, checks)
