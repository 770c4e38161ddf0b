"""The simulated county's industry files (POLICY §12, R-IND-01…03; docs/simulator.md "Industry"):
``DIR/industry/经营主体.csv`` (the entity register), ``双绑协议.csv`` (agreements at both levels),
``兑现记录.csv`` (payouts due and paid) and ``市场监管.csv`` (status changes, only when there are any),
UTF-8 with BOM, the Chinese headers ``shouwang import entities|bindings|payouts`` read (industry/layout.py;
the column names are written out again here, as in posts.py, and the end-to-end test in industry/tests
imports them).

Written once, after the last month, from the households of the registry. Entities per county:
two 龙头企业; per township two 农民专业合作社 and two 家庭农场; per village its 村集体经济组织. Credit codes
follow GB 32100 (the check character mirrors industry/creditcode.py: the simulator may not import the app).

Bindings: about nine in ten households with 产业发展条件和意愿 (the derivation of industry decision 0801: a
脱贫户 or monitoring object with a 技能 or 普通 labourer) are bound to a cooperative of their township
(most cooperatives are bound to a 龙头企业: 双绑), one in twenty of them to a family farm instead (单绑).
Each household agreement pays a 保底收益 or 租金 once a year, due on 25 December; the file holds the
payouts due in the run's last twelve months (decision 0831: the ledger import writes row by row). One
cooperative in eight fails: it is 注销 in 市场监管 in a month of the run and pays nothing from then on. The
failure is in the truth (event ``payout_stopped``, risk ``industry_failure``, for each household bound to
it, in the month of the closure: the first signal a feed carries; decision 0832).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from shouwang.simulator import fmt
from shouwang.simulator.codes import TRUTH_EVENT_COLUMNS, Encoding, Labour
from shouwang.simulator.rng import stream

if TYPE_CHECKING:
    from shouwang.simulator.world import World

FOLDER = "industry"
ENTITY_FILE = "经营主体.csv"
BINDING_FILE = "双绑协议.csv"
PAYOUT_FILE = "兑现记录.csv"
MARKET_FILE = "市场监管.csv"
ENTITY_HEADER = (
    "统一社会信用代码",
    "主体名称",
    "主体类型",
    "龙头企业级别",
    "主营产品",
    "县代码",
    "行政村代码",
    "经营状态",
    "状态日期",
    "四个一批",
)
MARKET_HEADER = ("统一社会信用代码", "经营状态", "状态日期")
BINDING_HEADER = (
    "协议编号",
    "带动主体信用代码",
    "合作社信用代码",
    "户编号",
    "利益联结方式",
    "签订日期",
    "开始日期",
    "结束日期",
    "保底收购价",
    "土地流转租金",
    "分红比例",
    "保底收益",
    "优先雇用人数",
    "带动规模",
)
PAYOUT_HEADER = (
    "协议编号",
    "户编号",
    "兑现类型",
    "应付日期",
    "应付金额",
    "实付日期",
    "实付金额",
    "支付方式",
    "凭证号",
)
PRODUCTS = ("魔芋", "马铃薯", "中药材", "生猪", "肉牛", "核桃", "花椒", "苹果")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
BOUND_SHARE = 0.9  # households with conditions and will bound by an agreement
FARM_SHARE = 0.05  # of those, bound to a family farm (单绑)
LOOSE_COOP = 6  # one cooperative in six has no enterprise above it (its households are 单绑)
FAIL_COOP = 8  # one cooperative in eight fails during the run
PAY_DAYS = 12  # a year's payout is paid within this many days of the due date
FAILURE_EVENT = "payout_stopped"  # risk_type industry_failure; crop losses are event industry_failure


def credit_code(body: str) -> str:
    """A GB 32100 code from 17 characters (the check character as in industry/creditcode.py)."""
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + CHARSET[(31 - total % 31) % 31]


def _org(n: int) -> str:
    """A 9-character organisation code from a number (the simulator's own, unique per entity)."""
    out = []
    for _ in range(9):
        n, r = divmod(n, 31)
        out.append(CHARSET[r])
    return "".join(reversed(out))


def _date(month_no: int, day: int) -> dt.date:
    year, month = divmod(month_no, 12)
    return dt.date(year, month + 1, min(day, fmt.days_in_month(month_no)))


def _short(name: str) -> str:
    return name.removesuffix("村民委员会").removesuffix("居民委员会")


@dataclass
class IndustryOutput:
    entities: int = 0
    bindings: int = 0
    payouts: int = 0
    status_changes: int = 0
    failures: int = 0
    truth: pl.DataFrame = field(default_factory=pl.DataFrame)


def write_industry(
    world: World, out: Path, *, seed: int, months: int, today: dt.date | None = None
) -> IndustryOutput:
    """Write the four files for the households of the registry after ``months`` months."""
    places, hh, ps = world.places, world.hh, world.ps
    start = world.start
    last = start + months - 1
    today = today or dt.date.today()
    last_day = min(_date(last, 31), today)
    rng = stream(seed, "industry")
    n_town = places.n_townships
    entity_rows: list[list[str]] = []
    n_code = 0

    def new_code(prefix: str, county: int) -> str:
        nonlocal n_code
        n_code += 1
        return credit_code(prefix + places.county_codes[county][:6] + _org(seed % 9973 * 100_000 + n_code))

    begin = _date(start - 12, 1)  # the agreements were signed a year before the run
    # Enterprises: two per county.
    enterprises: list[str] = []
    ent_county: list[int] = []
    for c, cname in enumerate(places.county_names):
        for i, level in enumerate(("省级", "州市级")):
            code = new_code("91", c)
            product = PRODUCTS[(c + i) % len(PRODUCTS)]
            name = f"{cname.removesuffix('县')}{product}产业开发有限公司"
            row = [code, name, "龙头企业", level, product, places.county_codes[c], "", "正常", "", "升级"]
            entity_rows.append(row)
            enterprises.append(code)
            ent_county.append(c)
    # Per township: two cooperatives, two family farms; per village its collective.
    town_villages = [np.flatnonzero(places.village_township == t) for t in range(n_town)]
    coops: list[list[str]] = [[] for _ in range(n_town)]
    farms: list[list[str]] = [[] for _ in range(n_town)]
    for t in range(n_town):
        villages = town_villages[t]
        if len(villages) == 0:
            continue
        c = int(places.village_county[villages[0]])
        tname = places.township_names[t]
        for i in range(2):
            v = int(villages[i % len(villages)])
            product = PRODUCTS[(t * 3 + i) % len(PRODUCTS)]
            code = new_code("93", c)
            name = f"{places.county_names[c]}{tname}{_short(places.village_names[v])}{product}种养专业合作社"
            entity_rows.append(
                [
                    code,
                    name,
                    "农民专业合作社",
                    "",
                    product,
                    places.county_codes[c],
                    places.village_codes[v],
                    "正常",
                    "",
                    "巩固",
                ]
            )
            coops[t].append(code)
            v = int(villages[(i + 1) % len(villages)])
            code = new_code("92", c)
            name = f"{places.county_names[c]}{tname}{_short(places.village_names[v])}第{i + 1}家庭农场"
            entity_rows.append(
                [
                    code,
                    name,
                    "家庭农场",
                    "",
                    PRODUCTS[(t + i) % len(PRODUCTS)],
                    places.county_codes[c],
                    places.village_codes[v],
                    "正常",
                    "",
                    "巩固",
                ]
            )
            farms[t].append(code)
        for v in villages.tolist():
            code = new_code("N2", c)
            name = f"{places.county_names[c]}{tname}{_short(places.village_names[v])}股份经济合作社"
            entity_rows.append(
                [
                    code,
                    name,
                    "村集体经济组织",
                    "",
                    "",
                    places.county_codes[c],
                    places.village_codes[v],
                    "正常",
                    "",
                    "巩固",
                ]
            )

    # Enterprise–cooperative agreements; the failing cooperatives and their month.
    binding_rows: list[list[str]] = []
    market_rows: list[list[str]] = []
    fail_month: dict[str, int] = {}
    all_coops = [(t, code) for t in range(n_town) for code in coops[t]]
    for k, (t, code) in enumerate(all_coops):
        c = int(places.village_county[town_villages[t][0]])
        if k % LOOSE_COOP != LOOSE_COOP - 1:
            ent = enterprises[2 * c + k % 2]
            binding_rows.append(
                [
                    f"SB-{code[2:8]}-{k + 1:04d}",
                    ent,
                    code,
                    "",
                    "订单收购+保底分红",
                    (begin - dt.timedelta(days=10)).isoformat(),
                    begin.isoformat(),
                    "",
                    "6.00",
                    "",
                    "5",
                    "",
                    "",
                    "合作社一家",
                ]
            )
        if months >= 4 and k % FAIL_COOP == FAIL_COOP // 2:
            f = start + months // 3 + int(rng.integers(0, max(1, months // 2)))
            f = min(f, last - 1)
            closed = _date(f, 5 + int(rng.integers(0, 20)))
            if closed <= today:
                fail_month[code] = f
                market_rows.append([code, "注销", closed.isoformat()])

    # Households with conditions and will (decision 0801, as the industry app derives it).
    n_h = hh.n
    members = world.members[:n_h]
    registered = world.registered[:n_h] & (members > 0)
    counted = ps.counted()
    labourer = counted & np.isin(ps.labour[: ps.n], (Labour.SKILLED, Labour.ORDINARY))
    has_labour = np.zeros(n_h, dtype=bool)
    has_labour[ps.hh[: ps.n][labourer]] = True
    eligible = registered & (hh.former[:n_h] | (hh.category[:n_h] > 0)) & has_labour
    cand = np.flatnonzero(eligible)
    draw = rng.random(len(cand))
    bound = cand[draw < BOUND_SHARE]
    to_farm = rng.random(len(bound)) < FARM_SHARE
    which = rng.integers(0, 2, len(bound))
    amount = (rng.integers(12, 60, len(bound)) * 100).astype(np.int64)  # yuan a year
    rent_mode = rng.random(len(bound)) < 0.4
    hnos = world.household_no.gather(bound).to_list()
    town_of = world.township[bound]
    payout_rows: list[list[str]] = []
    truth: list[tuple[str, str, int]] = []
    # The December inside the last twelve months; a short run without one settles in its last month.
    due_month = last - (last % 12 + 1) % 12
    if due_month < start:
        due_month = last
    for i in range(len(bound)):
        t = int(town_of[i])
        pool = farms[t] if to_farm[i] else coops[t]
        if not pool:
            continue
        ent = pool[int(which[i]) % len(pool)]
        hno = hnos[i]
        no = f"SB-{ent[2:8]}-{hno}"
        rent = bool(rent_mode[i])
        q = int(amount[i])
        binding_rows.append(
            [
                no,
                ent,
                "",
                hno,
                "土地流转" if rent else "保底分红",
                (begin - dt.timedelta(days=3)).isoformat(),
                begin.isoformat(),
                "",
                "",
                f"{q // 2:.2f}" if rent else "",  # two mu
                "",
                f"{q:.2f}" if not rent else "",
                "",
                "",
            ]
        )
        fails = fail_month.get(ent)
        for m in (due_month,):
            due = _date(m, 25)
            row = [no, hno, "租金" if rent else "保底收益", due.isoformat(), f"{q:.2f}"]
            paid = min(due + dt.timedelta(days=int((i + m) % PAY_DAYS)), last_day)
            if fails is not None and m >= fails:
                row += ["", "", "", ""]
            elif paid >= due:
                row += [paid.isoformat(), f"{q:.2f}", "一卡通", f"PZ{m:05d}{i:07d}"]
            else:
                row += ["", "", "", ""]
            payout_rows.append(row)
        if fails is not None:
            truth.append((hno, fmt.period(fails), q))

    folder = out / FOLDER
    files = (
        (ENTITY_FILE, ENTITY_HEADER, entity_rows),
        (BINDING_FILE, BINDING_HEADER, binding_rows),
        (PAYOUT_FILE, PAYOUT_HEADER, payout_rows),
        (MARKET_FILE, MARKET_HEADER, market_rows),
    )
    for name, header, rows in files:
        if not rows:
            continue  # nothing to send (an empty file is refused): no status changed, no payout due
        frame = (
            pl.DataFrame(rows, schema=list(header), orient="row")
            if rows
            else pl.DataFrame(schema={h: pl.Utf8 for h in header})
        )
        frame = frame.with_columns([pl.col(h).replace("", None) for h in header])
        fmt.write_csv(folder / name, frame, Encoding.UTF8_BOM)
    truth_frame = pl.DataFrame(
        {
            "household_no": [h for h, _, _ in truth],
            "period": [p for _, p, _ in truth],
            "event": [FAILURE_EVENT] * len(truth),
            "risk_type": ["industry_failure"] * len(truth),
            "amount": [f"{a:.2f}" for _, _, a in truth],
            "feed_kind": [""] * len(truth),
            "delivered_period": [""] * len(truth),
            "id_number": [""] * len(truth),
        },
        schema={c: pl.String for c in TRUTH_EVENT_COLUMNS},
    ).sort("period", "household_no")
    return IndustryOutput(
        entities=len(entity_rows),
        bindings=len(binding_rows),
        payouts=len(payout_rows),
        status_changes=len(market_rows),
        failures=len(truth),
        truth=truth_frame,
    )
