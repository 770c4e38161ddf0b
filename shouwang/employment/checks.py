"""The checks of POLICY §13 (R-EMP-10) on the rows of a 务工月监测 file, pure: one table in, ``RowError``s
out. The database facts a check needs (the person each ID belongs to, their registry record, the home
county, episodes already stored) are passed in as frames by ``services.ledger_import``.

Each reason names the rule: the POLICY rule and, where it comes from the Guizhou checker, the check code
(R-EMP-10 lists them), so a county can look it up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from shouwang.common.errors import RowError
from shouwang.employment.choices import CHANNEL_ALIASES, WorkChannelChoices, WorkPlaceTypeChoices
from shouwang.employment.layout import (
    HOME_PROVINCE,
    month_index,
    month_parse,
    month_text,
    place_parse,
)
from shouwang.exchange.files import Table, TableValidator

# Parameters (POLICY R-EMP-10 gives the checker's numbers; a province may change them).
WAGE_MIN_YUAN = 100
WAGE_MAX_YUAN = 30_000
MIN_WORK_AGE = 16
NO_LABOUR_TEXTS = ("无劳动力", "丧失劳动力", "无劳动能力")
NO_LABOUR_CODES = ("lost", "none")
YES_NO = {"是": True, "否": False, "Y": True, "N": False, "y": True, "n": False}


@dataclass
class Checked:
    """The typed rows of one file that passed, and what went wrong (errors refuse, warnings do not)."""

    rows: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _map_unique(s: pl.Series, fn: Any) -> pl.Series:
    """``fn`` applied to each distinct non-null value once (a million rows hold a few hundred months or
    places), mapped back; null where ``fn`` gives None."""
    values = s.drop_nulls().unique().to_list()
    mapping = {value: fn(value) for value in values}
    return s.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _flag(v: TableValidator, name: str, *, required: bool, rule: str = "") -> pl.Series:
    s = v.col(name)
    if required:
        v.add_mask(s.is_null(), name, f"{v.table.header(name)}不能为空{rule}")
    mapped = s.replace_strict(YES_NO, default=None, return_dtype=pl.Boolean)
    v.add_mask(s.is_not_null() & mapped.is_null(), name, "应填“是”或“否”")
    return mapped


def _months(v: TableValidator, name: str, *, required: bool) -> pl.Series:
    s = v.col(name)
    if required:
        v.add_mask(s.is_null(), name, f"{v.table.header(name)}不能为空")
    parsed = _map_unique(s, month_parse)
    v.add_mask(s.is_not_null() & parsed.is_null(), name, "月份应为YYYY年MM月（如2025年11月）")
    return parsed


def match_persons(v: TableValidator, ids: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Join the file's IDs to the registry (``persons``: id_number, person_id, household_id, reg_household_no,
    birth_date, school_status, reg_labour, tekun, county_code, township_code, home_county). Refuses unknown
    IDs and a 户编号 that is not the person's household (R-EMP-03: the ledger keys on the registry)."""
    frame = pl.DataFrame({"_row": range(v.frame.height), "id_number": ids["id_number"]}).join(
        persons, on="id_number", how="left"
    )
    frame = frame.sort("_row")
    unknown = ids["id_number"].is_not_null() & frame["person_id"].is_null()
    v.add_mask(unknown, "id_number", "登记库中没有该证件号码（不是在册农户成员；R-EMP-03，请先导入户籍登记）")
    given = v.col("household_no")
    wrong = frame["person_id"].is_not_null() & given.is_not_null() & (given != frame["reg_household_no"])
    v.add_mask(
        wrong,
        "household_no",
        reasons=frame.select(
            pl.concat_str(
                [
                    pl.lit("户编号与登记库不符：该证件号码登记在户"),
                    pl.col("reg_household_no"),
                    pl.lit("（R-EMP-03）"),
                ]
            )
        ).to_series(),
    )
    return frame


def _places(text: pl.Series) -> pl.DataFrame:
    """``place_parse`` of each distinct work place once: province and county_full per row (null when the
    text is empty or not to county level)."""
    values = text.drop_nulls().unique().to_list()
    parsed = [(t, place_parse(t)) for t in values]
    lookup = pl.DataFrame(
        {
            "_text": [t for t, _ in parsed],
            "province": [p.province if p else None for _, p in parsed],
            "county_full": [p.county_full if p else None for _, p in parsed],
        },
        schema={"_text": pl.Utf8, "province": pl.Utf8, "county_full": pl.Utf8},
    )
    return (
        pl.DataFrame({"_text": text}, schema={"_text": pl.Utf8})
        .join(lookup, on="_text", how="left", maintain_order="left")
        .drop("_text")
    )


def _channel_code(raw: pl.Series) -> pl.Series:
    """就业渠道 as written -> code: a known spelling, else 其他; empty stays empty."""
    aliases = {k: str(v) for k, v in CHANNEL_ALIASES.items()}
    text = raw.fill_null("")
    mapped = text.replace_strict(aliases, default=None, return_dtype=pl.Utf8)
    return (
        pl.DataFrame({"t": text, "m": mapped})
        .select(
            pl.when(pl.col("t") == "")
            .then(pl.lit(""))
            .otherwise(pl.col("m").fill_null(str(WorkChannelChoices.OTHER)))
        )
        .to_series()
    )


def check_episodes(
    table: Table, *, period: str, persons: pl.DataFrame, stored: pl.DataFrame, today: dt.date
) -> Checked:
    """已外出务工信息 rows. ``stored``: the episodes already held for the file's persons (person_id,
    start_month, end_month), for the overlap check; a stored episode with the same (person, start) as a
    file row is that row's earlier version and is replaced, not compared.

    Vectorised (decision 0723): every condition is first computed on whole columns; the row-by-row rules
    below run only for the rows where one of them may fire (a clean file has almost none), so the
    reasons, their order and the warnings are those of the row-by-row version, and the typed rows are
    built column by column."""
    v = TableValidator(table)
    ids = v.id_number("id_number")
    reg = match_persons(v, ids, persons)
    worked = _flag(v, "worked", required=True)
    start = _months(v, "start_month", required=True)
    end = _months(v, "end_month", required=False)
    wage = v.money("wage")
    subsidy = v.money("transport_subsidy")
    p2p = _flag(v, "point_to_point", required=False)
    col = v.col
    county_txt, channel_txt, labour_txt = col("work_county"), col("channel"), col("labour")
    places = _places(county_txt)
    channel = _channel_code(channel_txt)
    home = reg["home_county"]
    has_home = home.fill_null("") != ""
    parsed = places["county_full"].is_not_null()
    place_type = (
        pl.DataFrame(
            {"full": places["county_full"], "prov": places["province"], "home": home, "ok": parsed & has_home}
        )
        .select(
            pl.when(~pl.col("ok"))
            .then(pl.lit(""))
            .when(pl.col("full") == pl.col("home"))
            .then(pl.lit(str(WorkPlaceTypeChoices.IN_COUNTY)))
            .when(pl.col("prov") == HOME_PROVINCE)
            .then(pl.lit(str(WorkPlaceTypeChoices.IN_PROVINCE)))
            .otherwise(pl.lit(str(WorkPlaceTypeChoices.OUT_OF_PROVINCE)))
        )
        .to_series()
    )
    attention = _episode_attention(
        v,
        reg=reg,
        ids=ids,
        period=period,
        worked=worked,
        start=start,
        end=end,
        wage=wage,
        p2p=p2p,
        parsed=parsed,
        channel=channel,
        has_home=has_home,
        place_type=place_type,
    )
    p_idx = month_index(period)
    for i in np.flatnonzero(attention).tolist():
        s, e, w = start[i], end[i], worked[i]
        if s is not None and month_index(s) > p_idx:
            v.add(i, "start_month", col("start_month")[i], f"开始时间晚于统计月份{month_text(period)}")
        if s is not None and e is not None and e < s:
            v.add(i, "end_month", col("end_month")[i], "结束时间早于开始时间")
        if w is False and (e is None or month_index(e) > p_idx):
            v.add(
                i,
                "end_month",
                col("end_month")[i],
                "是否已务工为“否”，结束时间却为空或晚于统计月份（R-EMP-10，1111_16/17）",
            )
        current = bool(w) and (e is None or month_index(e) >= p_idx)
        cents = wage[i]
        if cents is not None and not WAGE_MIN_YUAN * 100 <= cents <= WAGE_MAX_YUAN * 100:
            v.add(
                i,
                "wage",
                col("wage")[i],
                f"务工月收入应在{WAGE_MIN_YUAN}至{WAGE_MAX_YUAN:,}元之间（R-EMP-10，5_16_001/002）",
            )
        if current and cents is None and col("wage")[i] is None:
            v.add(i, "wage", None, "在岗务工人员缺少务工月收入（R-EMP-10，5_01_007）")
        place = place_parse(county_txt[i])
        if w and county_txt[i] is None:
            v.add(
                i, "work_county", None, "务工所在县为空：务工地点须填写到县级（R-EMP-10，4_12_001/5_01_005）"
            )
        elif county_txt[i] is not None and place is None:
            v.add(
                i,
                "work_county",
                county_txt[i],
                "务工所在县未具体到县级（应如“广东省深圳市宝安区”；R-EMP-10，4_12_001/5_01_005）",
            )
        raw_channel = channel_txt[i]
        if current and not raw_channel:
            v.add(i, "channel", None, "在岗务工人员缺少就业渠道（R-EMP-10，5_01_007）")
        if current and p2p[i] is None and col("point_to_point")[i] is None:
            v.add(i, "point_to_point", None, "在岗务工人员缺少“是否点对点输送”（R-EMP-10，5_12_006）")
        if (
            channel[i] in (WorkChannelChoices.PUBLIC_POST, WorkChannelChoices.WORKSHOP)
            and place is not None
            and home[i]
            and place_type[i] != WorkPlaceTypeChoices.IN_COUNTY
        ):
            v.add(
                i,
                "channel",
                raw_channel,
                f"就业渠道为{raw_channel}，务工所在县却不是本县{home[i]}（R-EMP-10，5_01_003/5_12_002）",
            )
        birth = reg["birth_date"][i] or ids["birth_date"][i]
        if (
            s is not None
            and birth is not None
            and month_index(s) < (birth.year + MIN_WORK_AGE) * 12 + birth.month - 1
        ):
            v.add(
                i,
                "start_month",
                col("start_month")[i],
                f"开始务工时未满{MIN_WORK_AGE}周岁（出生于{birth.year}年{birth.month:02d}月；R-EMP-10，5_16_010）",
            )
        if current and reg["person_id"][i] is not None:
            student = (reg["school_status"][i] or "none") != "none"
            no_labour = reg["reg_labour"][i] in NO_LABOUR_CODES or (labour_txt[i] or "") in NO_LABOUR_TEXTS
            if student:
                v.add(i, "worked", col("worked")[i], "在校生登记为务工（R-EMP-10，4_01_006/2_01_015）")
            if no_labour:
                v.add(
                    i,
                    "worked",
                    col("worked")[i],
                    "无劳动力或丧失劳动力人员登记为务工（R-EMP-10，4_12_002/2_12_004）",
                )
            if reg["tekun"][i]:
                v.table.warnings.append(
                    f"第{table.row_number(i)}行：特困供养人员登记为务工，请核实（R-EMP-10，5_01_004）"
                )
            if not col("employer")[i] or not col("industry")[i]:
                v.table.warnings.append(
                    f"第{table.row_number(i)}行：在岗务工人员缺少务工企业名称或所属行业（R-EMP-10，5_01_007）"
                )
        if current and s is not None and s < "2021-01" and e is None:
            v.table.warnings.append(
                f"第{table.row_number(i)}行：2020年及以前开始的务工经历仍未结束，请核实（R-EMP-10，1111_08）"
            )
    rows = pl.DataFrame(
        {
            "_row": pl.int_range(0, v.frame.height, eager=True).cast(pl.Int64),
            "person_id": reg["person_id"],
            "household_id": reg["household_id"],
            "county_code": reg["county_code"],
            "township_code": reg["township_code"],
            "start_month": start,
            "end_month": end.fill_null(""),
            "worked": worked.fill_null(False),
            "work_county": county_txt.fill_null(""),
            "place_type": place_type,
            "wage": wage,
            "employer": col("employer").fill_null(""),
            "industry": col("industry").fill_null(""),
            "channel": channel,
            "channel_text": channel_txt.fill_null(""),
            "point_to_point": p2p,
            "transport_subsidy": subsidy,
        }
    )
    _check_overlaps(v, rows, stored)
    v.errors.sort(key=lambda e: (e.row or 0, e.column))
    return Checked(rows=rows, errors=v.errors)


def _episode_attention(
    v: TableValidator,
    *,
    reg: pl.DataFrame,
    ids: pl.DataFrame,
    period: str,
    worked: pl.Series,
    start: pl.Series,
    end: pl.Series,
    wage: pl.Series,
    p2p: pl.Series,
    parsed: pl.Series,
    channel: pl.Series,
    has_home: pl.Series,
    place_type: pl.Series,
) -> np.ndarray:
    """Rows where a row-by-row rule of ``check_episodes`` may fire (an error or a warning): a superset,
    computed on whole columns."""
    col = v.col
    f = pl.DataFrame(
        {
            "s": start,
            "e": end,
            "w": worked,
            "cents": wage,
            "p2p": p2p,
            "county": col("work_county"),
            "parsed": parsed,
            "raw_channel": col("channel"),
            "channel": channel,
            "has_home": has_home,
            "place_type": place_type,
            "birth": reg["birth_date"].fill_null(ids["birth_date"]),
            "pid": reg["person_id"],
            "school": reg["school_status"],
            "reg_labour": reg["reg_labour"],
            "tekun": reg["tekun"],
            "labour": col("labour"),
            "employer": col("employer"),
            "industry": col("industry"),
        }
    )
    s, e, w = pl.col("s"), pl.col("e"), pl.col("w").fill_null(False)
    current = w & (e.is_null() | (e >= period))
    s_index = s.str.slice(0, 4).cast(pl.Int64) * 12 + s.str.slice(5, 2).cast(pl.Int64) - 1
    birth = pl.col("birth")
    conditions = [
        s > period,
        e < s,
        (pl.col("w") == False) & (e.is_null() | (e > period)),  # noqa: E712 (null stays null)
        (pl.col("cents") < WAGE_MIN_YUAN * 100) | (pl.col("cents") > WAGE_MAX_YUAN * 100),
        current & pl.col("cents").is_null(),
        w & pl.col("county").is_null(),
        pl.col("county").is_not_null() & ~pl.col("parsed"),
        current & (pl.col("raw_channel").fill_null("") == ""),
        current & pl.col("p2p").is_null(),
        pl.col("channel").is_in([str(WorkChannelChoices.PUBLIC_POST), str(WorkChannelChoices.WORKSHOP)])
        & pl.col("parsed")
        & pl.col("has_home")
        & (pl.col("place_type") != str(WorkPlaceTypeChoices.IN_COUNTY)),
        s_index < (birth.dt.year().cast(pl.Int64) + MIN_WORK_AGE) * 12 + birth.dt.month().cast(pl.Int64) - 1,
        current
        & pl.col("pid").is_not_null()
        & (
            (pl.col("school").fill_null("none") != "none")
            | pl.col("reg_labour").is_in(list(NO_LABOUR_CODES))
            | pl.col("labour").is_in(list(NO_LABOUR_TEXTS))
            | pl.col("tekun").fill_null(False)
            | (pl.col("employer").fill_null("") == "")
            | (pl.col("industry").fill_null("") == "")
        ),
        current & (s < "2021-01") & e.is_null(),
    ]
    mask = f.select(pl.any_horizontal([c.fill_null(False) for c in conditions]).alias("m")).to_series()
    return mask.to_numpy()


def _check_overlaps(v: TableValidator, rows: pl.DataFrame, stored: pl.DataFrame) -> None:
    """Overlapping episodes of one person (R-EMP-10, 5_12_001), within the file and against stored ones;
    the same (person, start) twice in the file is refused too. The persons who may have one are found on
    whole columns (a repeated start, or an episode starting before the previous one ends); the reasons
    are then worked out row by row for those persons only."""
    keyed = rows.select("_row", "person_id", "start_month", "end_month").filter(
        pl.col("person_id").is_not_null() & pl.col("start_month").is_not_null()
    )
    if keyed.height == 0:
        return
    repeated = keyed.filter(pl.struct("person_id", "start_month").is_duplicated()).get_column("person_id")
    first = keyed.unique(subset=["person_id", "start_month"], keep="first", maintain_order=True)
    persons = first.get_column("person_id").unique()
    others = (
        stored.filter(pl.col("person_id").is_in(persons.implode()))
        .join(first.select("person_id", "start_month"), on=["person_id", "start_month"], how="anti")
        .select(
            pl.col("person_id").cast(pl.Int64),
            pl.col("start_month").cast(pl.Utf8),
            pl.col("end_month").cast(pl.Utf8).fill_null(""),
        )
    )
    spans = pl.concat(
        [first.select(pl.col("person_id").cast(pl.Int64), "start_month", "end_month"), others]
    ).with_columns(
        pl.when(pl.col("end_month") == "").then(pl.lit("9999-12")).otherwise("end_month").alias("end")
    )
    spans = spans.sort("person_id", "start_month", "end")
    clash = spans.filter(
        (pl.col("person_id") == pl.col("person_id").shift(1))
        & (pl.col("start_month") <= pl.col("end").shift(1))
    ).get_column("person_id")
    suspects = set(repeated.to_list()) | set(clash.to_list())
    if not suspects:
        return
    picked = rows.filter(pl.col("person_id").is_in(list(suspects)))
    _overlap_reasons(
        v,
        picked.select("_row", "person_id", "start_month", "end_month").to_dicts(),
        stored.filter(pl.col("person_id").is_in(list(suspects))),
    )


def _overlap_reasons(v: TableValidator, rows: list[dict[str, Any]], stored: pl.DataFrame) -> None:
    """The overlap and repeat reasons of the given persons' rows, row by row."""
    by_person: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
    in_file: dict[tuple[int, str], int] = {}
    for r in rows:
        if r["person_id"] is None or r["start_month"] is None:
            continue
        key = (r["person_id"], r["start_month"])
        if key in in_file:
            v.add(
                r["_row"],
                "start_month",
                month_text(r["start_month"]),
                f"与第{v.table.row_number(in_file[key])}行是同一人同一开始时间的重复记录",
            )
            continue
        in_file[key] = r["_row"]
        by_person[r["person_id"]].append((r["start_month"], r["end_month"] or "9999-12", r["_row"]))
    for pid, start, end in stored.iter_rows():
        if pid in by_person and (pid, start) not in in_file:
            by_person[pid].append((start, end or "9999-12", None))
    for episodes in by_person.values():
        if len(episodes) < 2:
            continue
        episodes.sort()
        for k in range(1, len(episodes)):
            a, b = episodes[k - 1], episodes[k]
            if b[0] <= a[1]:
                this, other = (b, a) if b[2] is not None else (a, b)
                if this[2] is None:
                    continue
                if other[2] is not None:
                    where = f"第{v.table.row_number(other[2])}行的务工经历"
                else:
                    shown_end = "至今" if other[1] == "9999-12" else month_text(other[1])
                    where = f"已登记的务工经历（{month_text(other[0])}至{shown_end}）"
                v.add(
                    this[2],
                    "start_month",
                    month_text(this[0]),
                    f"与{where}时间重叠（R-EMP-10，5_12_001）",
                )


def check_plans(table: Table, *, persons: pl.DataFrame) -> Checked:
    """计划外出务工信息 rows (vectorised like ``check_episodes``)."""
    v = TableValidator(table)
    ids = v.id_number("id_number")
    reg = match_persons(v, ids, persons)
    planned = _flag(v, "planned", required=True)
    county = v.col("planned_county")
    need = v.col("service_need")
    parsed = _places(county)["county_full"].is_not_null()
    attention = ((county.is_not_null() & ~parsed) | (planned.fill_null(False) & need.is_null())).to_numpy()
    for i in np.flatnonzero(attention).tolist():
        if county[i] is not None and place_parse(county[i]) is None:
            v.add(
                i,
                "planned_county",
                county[i],
                "计划务工所在县未具体到县级（应如“广东省深圳市宝安区”；R-EMP-10，4_12_001）",
            )
        if planned[i] and need[i] is None:
            v.table.warnings.append(
                f"第{table.row_number(i)}行：计划务工但未填就业服务需求（R-EMP-10，5_15_008/009）"
            )
    rows = pl.DataFrame(
        {
            "_row": pl.int_range(0, v.frame.height, eager=True).cast(pl.Int64),
            "person_id": reg["person_id"],
            "household_id": reg["household_id"],
            "county_code": reg["county_code"],
            "township_code": reg["township_code"],
            "planned": planned,
            "planned_county": county.fill_null(""),
            "service_need": need.fill_null(""),
        }
    )
    v.errors.sort(key=lambda e: (e.row or 0, e.column))
    return Checked(rows=rows, errors=v.errors)
