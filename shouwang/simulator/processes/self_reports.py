"""找政府: households hit this month report through the 政府救助平台 mini-program or a hotline, and a
few report without meeting the criteria (the channels' self-report files). Draws from the
"self_reports" stream of the month."""

from __future__ import annotations

import numpy as np
import polars as pl

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt, names
from shouwang.simulator.codes import DIFFICULTIES, Difficulty
from shouwang.simulator.month import Month
from shouwang.simulator.rng import choice_index, stream
from shouwang.simulator.world import World

DESCRIPTIONS: dict[int, tuple[str, str, str]] = {
    Difficulty.LIVING: (
        "家里遭灾，庄稼没了收成，生活有困难",
        "家中主要劳动力去世，收入减少，生活困难",
        "收入低，日常开支难以维持",
    ),
    Difficulty.JOBS: (
        "在外务工的工厂停工，失业回家，暂时没有收入",
        "找不到工作，家里收入断了",
        "务工受伤后干不了原来的活",
    ),
    Difficulty.SCHOOLING: (
        "孩子上学费用负担不起",
        "孩子辍学在家，需要帮助返校",
        "家里有两个孩子读高中，开支大",
    ),
    Difficulty.MEDICAL: (
        "家人住院治疗，自付费用高，负担不起",
        "患大病需要长期治疗，医药费压力大",
        "意外受伤住院，花费较多",
    ),
    Difficulty.HOUSING: (
        "房屋在灾害中受损，住不了人",
        "房子墙体开裂，担心住房安全",
        "住房年久失修，漏雨严重",
    ),
    Difficulty.WATER: ("村里停水一个多月，吃水困难", "水质不好，饮水有困难", "水源干了，要到很远的地方挑水"),
}
CHANNELS = ("mini_program", "hotline_12317", "hotline_12345")
CHANNEL_SHARES = (0.70, 0.15, 0.15)


def self_reports(world: World, month: Month) -> None:
    """找政府: some hit households report through the 政府救助平台 mini-program or a hotline within
    a month (the report may land in the next month's file); a few households report without
    meeting the criteria."""
    ps, hh = world.ps, world.hh
    t = month.t
    rng = stream(world.seed, "self_reports", t)
    h, diff, severe, day, person = month.reports.arrays()
    # One report per household at most: the first cause recorded this month.
    h, first = np.unique(h, return_index=True)
    diff, severe, day, person = diff[first], severe[first], day[first], person[first]
    report = rng.random(len(h)) < np.where(severe, A.SELF_REPORT_SEVERE, A.SELF_REPORT_OTHER)
    noise = np.flatnonzero((rng.random(hh.n) < A.SELF_REPORT_NOISE_MONTHLY) & (world.members > 0))
    noise = noise[~np.isin(noise, h[report])]
    rep = month.representatives(ps, hh)
    noise = noise[world.registered[noise]]
    report &= world.registered[h]
    all_h = np.concatenate([h[report], noise])
    all_diff = np.concatenate(
        [diff[report], choice_index(rng, (0.6, 0.25, 0.05, 0.05, 0.05, 0.0), len(noise))]
    )
    all_day = np.concatenate([day[report], month.random_days(rng, len(noise))]) + rng.integers(
        0, 25, len(all_h)
    )
    subject = np.concatenate([person[report], rep[noise]])
    k = len(all_h)
    if not k:
        return
    by_other = rng.random(k) < A.SELF_REPORT_BY_OTHER
    blank_id = by_other & (rng.random(k) < A.SELF_REPORT_OTHER_BLANK_ID)
    other_name = names.full_names(names.surname_codes(rng, k), names.given_names(rng, rng.random(k) < 0.6))
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
                pl.when(pl.lit(pl.Series(by_other))).then(pl.lit(other_name)).otherwise(pl.lit(subject_name))
            ).to_series(),
            "subject_name": subject_name,
            "id_number": ids,
            "village_code": fmt.lookup(world.places.village_codes, hh.village[all_h]),
            "group_name": pl.Series([f"第{int(x)}村民小组" for x in hh.group[all_h]], dtype=pl.String),
            "difficulty": fmt.lookup(DIFFICULTIES, all_diff),
            "description": description,
            "contact_phone": pl.Series(np.where(by_other, other_phone, own_phone)).cast(pl.String),
        }
    ).with_columns(pl.col("reported_on").dt.strftime("%Y-%m-%d"))
    month_of = (
        np.searchsorted(
            np.array([fmt.first_day(world.start + i) for i in range(t, t + 3)], dtype=np.int64),
            all_day,
            side="right",
        )
        - 1
        + t
    )
    for delivery in np.unique(month_of):
        world.ledger.queue_report(int(delivery), df.filter(pl.Series(month_of == delivery)))
