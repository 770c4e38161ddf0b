"""A small county for the industry tests (STYLE 13), in 会泽县 530326:

* 云岭牧业 (龙头企业) binds the 堂琅 cooperative (企业—合作社, 2023-01-01 on).
* 堂琅合作社 binds 李家 H_LI (脱贫户, 堂琅社区): 双绑.
* 娜姑合作社 (no enterprise above) binds 张家 H_ZHANG: 单绑.
* 陈家 H_CHEN (边缘易致贫户, 堂琅社区) has no binding: 未绑. 王家 H_WANG (一般农户, elderly) is not counted.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from shouwang.industry.creditcode import make
from shouwang.industry.services import industry_import
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household

ENT = make("91530326MA6K00001")
COOP_A = make("93530326MA6K00002")
COOP_B = make("93530326MA6K00003")
FARM = make("92530326MA6K00004")
TODAY = dt.date(2025, 3, 1)

ENTITY_HEADER = [
    "统一社会信用代码",
    "主体名称",
    "主体类型",
    "龙头企业级别",
    "主营产品",
    "县代码",
    "行政村代码",
    "经营状态",
]
ENTITY_ROWS = [
    [ENT, "云岭牧业有限公司", "龙头企业", "省级", "肉牛", COUNTY, "", "正常"],
    [COOP_A, "堂琅养牛专业合作社", "农民专业合作社", "", "肉牛", COUNTY, VILLAGE_A, "正常"],
    [COOP_B, "娜姑核桃专业合作社", "农民专业合作社", "", "核桃", COUNTY, VILLAGE_B, "正常"],
    [FARM, "李氏家庭农场", "家庭农场", "", "蔬菜", COUNTY, VILLAGE_A, ""],
]
BINDING_HEADER = [
    "协议编号", "带动主体信用代码", "合作社信用代码", "户编号", "利益联结方式", "签订日期", "开始日期",
    "结束日期", "保底收购价", "土地流转租金", "分红比例", "保底收益", "优先雇用人数",
]  # fmt: skip
BINDING_ROWS = [
    ["SB-2023-001", ENT, COOP_A, "", "订单收购+分红", "2022-12-20", "2023-01-01", "", "", "", "", "", ""],
    ["SB-2023-101", COOP_A, "", "H_LI", "订单收购+保底分红", "2023-02-01", "2023-02-01", "2027-12-31",
     "28.50", "", "5", "1200", "1"],
    ["SB-2023-102", COOP_B, "", "H_ZHANG", "土地流转+务工", "2023-03-01", "2023-03-01", "", "",
     "650", "", "", "2"],
]  # fmt: skip
PAYOUT_HEADER = [
    "协议编号",
    "户编号",
    "兑现类型",
    "应付日期",
    "应付金额",
    "实付日期",
    "实付金额",
    "支付方式",
    "凭证号",
]
PAYOUT_ROWS = [
    ["SB-2023-101", "H_LI", "收购款", "2024-06-30", "3000", "2024-07-05", "3000", "一卡通", "V001"],
    ["SB-2023-101", "H_LI", "保底收益", "2024-12-31", "1200", "2024-12-20", "1200", "转账", "V002"],
    ["SB-2023-102", "H_ZHANG", "租金", "2024-10-31", "1300", "2024-11-02", "1000", "一卡通", "V003"],
    ["SB-2023-102", "H_ZHANG", "工资", "2025-01-31", "2400", "", "", "", ""],
]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for r in rows:
        ws.append([str(v) if v != "" else None for v in r])
    wb.save(path)
    return path


def _couple(seq: int, surname: str) -> list[dict[str, Any]]:
    """A working couple (distinct ID sequence numbers per household)."""
    return [
        {"seq": seq, "name": f"{surname}大", "birth": dt.date(1978, 3, 8), "relation": "head"},
        {"seq": seq + 2, "name": f"{surname}二", "birth": dt.date(1980, 6, 1), "relation": "spouse"},
    ]


@pytest.fixture
def households(db: Any) -> dict[str, Any]:
    li = make_household(
        "H_LI", income={"wage": Decimal(20000), "business": Decimal(6000)}, income_period="2024-12"
    )
    zhang = make_household(
        "H_ZHANG",
        VILLAGE_B,
        members=_couple(71, "张"),
        income={"wage": Decimal(15000)},
        income_period="2024-12",
    )
    chen = make_household(
        "H_CHEN",
        poverty_status="ordinary",
        members=_couple(81, "陈"),
        monitoring_category="marginal",
        identified_on=dt.date(2024, 5, 1),
    )
    wang = make_household(
        "H_WANG",
        VILLAGE_B,
        poverty_status="ordinary",
        members=[
            {"seq": 61, "name": "王老汉", "birth": dt.date(1945, 1, 1), "relation": "head", "labour": "none"},
            {
                "seq": 62,
                "name": "刘老太",
                "birth": dt.date(1947, 2, 2),
                "relation": "spouse",
                "labour": "lost",
            },
        ],
    )
    return {"li": li, "zhang": zhang, "chen": chen, "wang": wang}


@pytest.fixture
def files(tmp_path: Path) -> Callable[..., Path]:
    def build(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], **kw: Any) -> Path:
        path = tmp_path / name
        if name.endswith(".xlsx"):
            return write_xlsx(path, header, rows)
        return write_csv(path, header, rows, **kw)

    return build


@pytest.fixture
def county(households: dict[str, Any], files: Callable[..., Path]) -> dict[str, Any]:
    """Entities and bindings imported (the payouts are left to each test)."""
    industry_import(kind="entities", path=files("entities.csv", ENTITY_HEADER, ENTITY_ROWS), today=TODAY)
    industry_import(kind="bindings", path=files("bindings.xlsx", BINDING_HEADER, BINDING_ROWS), today=TODAY)
    return households
