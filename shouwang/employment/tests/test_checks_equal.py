"""The vectorised checks (employment/checks.py) equal the row-by-row ones they replaced
(tests/reference_checks.py, kept verbatim; decision 0723): on files of a thousand random rows, clean and
hostile cells mixed, the same errors (row, column, value, reason) in the same order, the same warnings and
the same typed rows. Pure: real CSV files through the exchange reader, registry facts as frames."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest

from shouwang.common import idnumber
from shouwang.employment import checks
from shouwang.employment.layout import EPISODE_COLUMNS, PLAN_COLUMNS
from shouwang.employment.tests import reference_checks
from shouwang.exchange.files import Table, read_table

HOME = "云南省曲靖市会泽县"
PLACES = [
    "广东省深圳市宝安区",
    HOME,
    "云南省昆明市官渡区",
    "上海市松江区",
    "广东省",
    "广东省深圳市",
    "",
    "深圳",
]
MONTHS = ["2019年05月", "2024年01月", "2024年06月", "2025年01月", "2025年03月", "2025年06月", "2025年09月"]
MONTHS_BAD = ["", "2025-04", "2025年13月", "十一月"]
EPISODE_HEADER = [c.label for c in EPISODE_COLUMNS]
PLAN_HEADER = [c.label for c in PLAN_COLUMNS]
PERSONS_SCHEMA = {
    "id_number": pl.Utf8,
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "reg_household_no": pl.Utf8,
    "birth_date": pl.Date,
    "school_status": pl.Utf8,
    "reg_labour": pl.Utf8,
    "tekun": pl.Boolean,
    "county_code": pl.Utf8,
    "township_code": pl.Utf8,
    "home_county": pl.Utf8,
}


def _persons(rng: random.Random, n: int) -> pl.DataFrame:
    rows = []
    for k in range(n):
        birth = dt.date(rng.choice([1960, 1975, 1988, 2000, 2009, 2010]), rng.randint(1, 12), 1)
        rows.append(
            (
                idnumber.make("530326", birth, k + 1),
                k + 1,
                k // 3 + 1,
                f"H{k // 3 + 1}",
                birth,
                rng.choice(["none", "none", "none", "undergraduate"]),
                rng.choice(["ordinary", "ordinary", "skilled", "weak", "lost", "none"]),
                rng.random() < 0.1,
                "530326",
                "530326001",
                rng.choice([HOME, HOME, HOME, ""]),
            )
        )
    return pl.DataFrame(rows, schema=PERSONS_SCHEMA, orient="row")


def _cell(rng: random.Random, good: list[str], bad: list[str], p_bad: float = 0.15) -> str:
    return rng.choice(bad) if rng.random() < p_bad else rng.choice(good)


def _episode_rows(rng: random.Random, persons: pl.DataFrame, n: int) -> list[list[str]]:
    ids = persons.get_column("id_number").to_list()
    out = []
    for _ in range(n):
        k = rng.randrange(len(ids) + 3)
        if k < len(ids):
            id_number, hh = ids[k], f"H{k // 3 + 1}" if rng.random() > 0.05 else "H_WRONG"
        else:
            id_number, hh = rng.choice([idnumber.make("530326", dt.date(1985, 1, 1), 999), "12345", ""]), "H1"
        cells = {
            "县": "会泽县",
            "乡": rng.choice(["古城街道", ""]),
            "行政村": "堂琅社区",
            "户编号": hh,
            "人编号": f"P{k}",
            "证件号码": id_number,
            "户类型": "脱贫户",
            "监测对象类别": "",
            "劳动技能": rng.choice(["普通劳动力", "普通劳动力", "丧失劳动力", ""]),
            "是否已务工": _cell(rng, ["是", "是", "否"], ["", "x"]),
            "开始时间": _cell(rng, MONTHS, MONTHS_BAD),
            "结束时间": rng.choice(["", "", *MONTHS, "2025-13"]),
            "务工所在县": rng.choice(PLACES),
            "务工月收入": _cell(rng, ["4000", "2500.5", "100", "30000"], ["80", "40000", "", "abc", "-5"]),
            "务工企业名称": rng.choice(["宏泰电子有限公司", "宏泰电子有限公司", ""]),
            "所属行业": rng.choice(["制造业", "制造业", ""]),
            "就业渠道": rng.choice(
                ["外出务工", "外出务工", "公益岗位", "公益性岗位", "帮扶车间", "就近就业", ""]
            ),
            "是否点对点输送": _cell(rng, ["是", "否"], ["", "x"]),
            "年度交通费补助": rng.choice(["", "", "500", "abc"]),
        }
        out.append([cells[h] for h in EPISODE_HEADER])
    return out


def _plan_rows(rng: random.Random, persons: pl.DataFrame, n: int) -> list[list[str]]:
    ids = persons.get_column("id_number").to_list()
    out = []
    for _ in range(n):
        k = rng.randrange(len(ids))
        cells = {h: "" for h in PLAN_HEADER}
        cells.update(
            {
                "县": "会泽县",
                "户编号": f"H{k // 3 + 1}",
                "证件号码": ids[k],
                "劳动技能": "普通劳动力",
                "是否计划务工": _cell(rng, ["是", "否"], ["", "x"]),
                "计划务工所在县": rng.choice(PLACES),
                "就业服务需求": rng.choice(["职业介绍", ""]),
            }
        )
        out.append([cells[h] for h in PLAN_HEADER])
    return out


def _table(path: Path, header: list[str], rows: list[list[str]], columns: tuple) -> Table:  # type: ignore[type-arg]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return read_table(path, columns=columns, kind_label="务工", allow_empty=True, keep_unknown=True)


def _same(new: checks.Checked, old: reference_checks.Checked, new_table: Table, old_table: Table) -> None:
    assert new.errors == old.errors
    assert new_table.warnings == old_table.warnings
    assert new.rows.to_dicts() == old.rows.to_dicts()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_episode_checks_equal_the_row_by_row_version(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    persons = _persons(rng, 300)
    rows = _episode_rows(rng, persons, 1000)
    stored = pl.DataFrame(
        [
            (rng.randint(1, 300), rng.choice(MONTHS[1:]).replace("年", "-")[:7], rng.choice(["", "2025-08"]))
            for _ in range(150)
        ],
        schema={"person_id": pl.Int64, "start_month": pl.Utf8, "end_month": pl.Utf8},
        orient="row",
    ).unique(subset=["person_id", "start_month"])
    args = {"period": "2025-06", "persons": persons, "stored": stored, "today": dt.date(2025, 7, 1)}
    new_table = _table(tmp_path / "a.csv", EPISODE_HEADER, rows, EPISODE_COLUMNS)
    old_table = _table(tmp_path / "b.csv", EPISODE_HEADER, rows, EPISODE_COLUMNS)
    new = checks.check_episodes(new_table, **args)  # type: ignore[arg-type]
    old = reference_checks.check_episodes(old_table, **args)  # type: ignore[arg-type]
    assert len(old.errors) > 100 and len(old_table.warnings) > 10  # the files are hostile enough
    _same(new, old, new_table, old_table)


def test_a_clean_file_gives_the_same_rows(tmp_path: Path) -> None:
    rng = random.Random(7)
    persons = _persons(rng, 200).with_columns(
        pl.lit("none").alias("school_status"),
        pl.lit("ordinary").alias("reg_labour"),
        pl.lit(False).alias("tekun"),
    )
    rows = []
    for k, id_number in enumerate(persons.get_column("id_number")):
        cells = dict(zip(EPISODE_HEADER, _episode_rows(rng, persons, 1)[0], strict=True))
        cells.update(
            {
                "证件号码": id_number,
                "户编号": f"H{k // 3 + 1}",
                "劳动技能": "普通劳动力",
                "是否已务工": "是",
                "开始时间": "2025年03月",
                "结束时间": "",
                "务工所在县": rng.choice(PLACES[:4]),
                "务工月收入": "4000",
                "务工企业名称": "宏泰电子有限公司",
                "所属行业": "制造业",
                "就业渠道": "外出务工",
                "是否点对点输送": "否",
            }
        )
        rows.append([cells[h] for h in EPISODE_HEADER])
    stored = pl.DataFrame(schema={"person_id": pl.Int64, "start_month": pl.Utf8, "end_month": pl.Utf8})
    persons = persons.with_columns(
        pl.when(pl.col("birth_date") > dt.date(2000, 12, 31))
        .then(pl.lit(dt.date(1990, 1, 1)))
        .otherwise(pl.col("birth_date"))
        .alias("birth_date")
    )
    args = {"period": "2025-06", "persons": persons, "stored": stored, "today": dt.date(2025, 7, 1)}
    new_table = _table(tmp_path / "a.csv", EPISODE_HEADER, rows, EPISODE_COLUMNS)
    old_table = _table(tmp_path / "b.csv", EPISODE_HEADER, rows, EPISODE_COLUMNS)
    new = checks.check_episodes(new_table, **args)  # type: ignore[arg-type]
    old = reference_checks.check_episodes(old_table, **args)  # type: ignore[arg-type]
    _same(new, old, new_table, old_table)
    assert new.rows.height == 200


@pytest.mark.parametrize("seed", [1, 2])
def test_plan_checks_equal_the_row_by_row_version(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    persons = _persons(rng, 200)
    rows = _plan_rows(rng, persons, 600)
    new_table = _table(tmp_path / "a.csv", PLAN_HEADER, rows, PLAN_COLUMNS)
    old_table = _table(tmp_path / "b.csv", PLAN_HEADER, rows, PLAN_COLUMNS)
    new = checks.check_plans(new_table, persons=persons)
    old = reference_checks.check_plans(old_table, persons=persons)
    assert old.errors and old_table.warnings
    _same(new, old, new_table, old_table)
