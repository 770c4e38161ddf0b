"""The simulated county's 公益性岗位花名册 (POLICY R-EMP-07): ``DIR/posts/公益性岗位花名册.xlsx``, two title
rows and the header on row 3, every cell text — the roster a county's 人社 keeps, one row per tenure,
which ``shouwang import posts`` reads (publicposts/roster.py; the column names are written out again here,
as in employment.py, and the simulator test checks they agree).

Tenures are the public-post work episodes the simulation already keeps (employment.EpisodeBook: a person
with ``public_job`` at work in the home village). Churn: an episode the simulation ends (illness,
death, moving away) ends the tenure with a fitting reason; besides, about one holder in eight leaves
before the run ends (本人申请退出, 已实现其他稳定就业, 考核不合格, 无故旷工…) and the
tenure closes then. Each village has posts of a few classes (护林员, 保洁员, 护路员, 管水员/护河员), a
holder's class fixed by their key. People under 16 or 70 and over at the start are left out (the
county would not list them: R-AID-08).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from shouwang.simulator import fmt
from shouwang.simulator.employment import NONE, EpisodeBook, _write_xlsx

FILE_NAME = "公益性岗位花名册.xlsx"
TITLE = "公益性岗位花名册"
HEADER = (
    "县",
    "乡镇",
    "行政村",
    "行政村代码",
    "岗位名称",
    "岗位类别",
    "资金来源",
    "月补贴",
    "保险",
    "岗位数",
    "聘期（月）",
    "姓名",
    "证件号码",
    "户编号",
    "聘用开始",
    "聘用结束",
    "离岗日期",
    "离岗原因",
)
CLASSES = ("护林员", "保洁员", "护路员", "管水员/护河员")
SUBSIDY = {"护林员": "800", "保洁员": "600", "护路员": "600", "管水员/护河员": "500"}
FUNDING = ("衔接推进乡村振兴补助资金", "就业补助资金")
EARLY_EXIT = ("本人申请退出", "已实现其他稳定就业", "考核不合格", "无故旷工或不履行岗位职责")
EARLY_SHARE = 8  # one holder in eight leaves early
TERM_MONTHS = 12


def _day(month_no: int, last: bool = False) -> dt.date:
    year, month = month_no // 12, month_no % 12 + 1
    first = dt.date(year, month, 1)
    if not last:
        return first
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _short(village: str) -> str:
    return village.removesuffix("村民委员会").removesuffix("居民委员会")


def write_post_roster(book: EpisodeBook, out: Path, t_last: int) -> int:
    """Write the roster as it stands after month ``t_last``; returns its rows."""
    world = book.world
    ps, hh, places = world.ps, world.hh, world.places
    n = ps.n
    op = np.flatnonzero((book.open_start[:n] != NONE) & book.open_public[:n])
    parts = [(op.astype(np.int64), book.open_start[op].astype(np.int64), np.full(len(op), NONE, np.int64))]
    for person, st, en, _place, _wage, public in book.closed:
        parts.append((person[public], st[public], en[public]))
    person = np.concatenate([p[0] for p in parts])
    st = np.concatenate([p[1] for p in parts])
    en = np.concatenate([p[2] for p in parts])
    key = ps.key[person].astype(np.int64)
    # Early exits (churn beyond what the simulation ends): a few months into the tenure, before the end.
    early = (key % EARLY_SHARE == 3) & (en == NONE)
    exit_at = st + 3 + (key // EARLY_SHARE) % 9
    early &= exit_at < t_last
    en = np.where(early, exit_at, en)
    order = np.lexsort((st, key, ps.hh[person]))
    person, st, en, key, early = (a[order] for a in (person, st, en, key, early))
    h = ps.hh[person]
    village = hh.village[h]
    y, m, d = fmt.ymd(ps.birth[person])
    rows: list[list[str]] = []
    names = ps.name[person]
    ids = fmt.id_series(ps.key[person]).to_list()
    hnos = world.household_no.gather(h).to_list()
    for i in range(len(person)):
        start = _day(world.start + int(st[i]))
        age = start.year - int(y[i]) - ((start.month, start.day) < (int(m[i]), int(d[i])))
        if not 16 <= age < 70:
            continue
        k = int(key[i])
        v = int(village[i])
        cls = CLASSES[k % len(CLASSES)]
        ended = int(en[i]) != NONE
        end_month = world.start + (int(en[i]) if ended else t_last)
        held = end_month - (world.start + int(st[i])) + 1
        terms = max(1, -(-held // TERM_MONTHS))
        term_end = _day(world.start + int(st[i]) + terms * TERM_MONTHS - 1, last=True)
        reason = ""
        if ended:
            reason = EARLY_EXIT[(k // 5) % len(EARLY_EXIT)] if early[i] else "身体原因不能胜任岗位"
        rows.append(
            [
                places.county_names[places.village_county[v]],
                places.township_names[places.village_township[v]],
                places.village_names[v],
                places.village_codes[v],
                f"{_short(places.village_names[v])}{cls.split('/')[0]}",
                cls,
                FUNDING[k % 7 == 0],
                SUBSIDY[cls],
                "意外伤害保险",
                "",
                str(TERM_MONTHS),
                str(names[i]),
                ids[i],
                hnos[i],
                start.isoformat(),
                term_end.isoformat(),
                _day(end_month, last=True).isoformat() if ended else "",
                reason,
            ]
        )
    frame = (
        pl.DataFrame(rows, schema=list(HEADER), orient="row")
        if rows
        else pl.DataFrame(schema={h: pl.Utf8 for h in HEADER})
    )
    folder = out / "posts"
    folder.mkdir(parents=True, exist_ok=True)
    region = f"{places.province_name}{places.prefecture_name}{'、'.join(places.county_names)}"
    _write_xlsx(folder / FILE_NAME, TITLE, frame, region=region, month_no=world.start + t_last)
    return frame.height
