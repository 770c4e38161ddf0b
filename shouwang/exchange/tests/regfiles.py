"""Real registry exchange files for the tests: CSV in any encoding and XLSX written with openpyxl.

Named households (STYLE 13), all in 会泽县 530326:
* ``LI``   李家 5303260010010001 — 脱贫户, 古城街道堂琅社区 (VILLAGE_A), four members: head, spouse,
  a child in junior school and the head's mother.
* ``WANG`` 王家 5303261020010001 — 一般农户, 娜姑镇 (VILLAGE_B), two elderly members without labour.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import connection
from openpyxl import Workbook

from shouwang.common import idnumber

COUNTY = "530326"
VILLAGE_A = "530326001001"
VILLAGE_B = "530326102001"
LI = "5303260010010001"
WANG = "5303261020010001"

HOUSEHOLD_HEADER = [
    "household_no",
    "village_code",
    "group_name",
    "address",
    "poverty_status",
    "poverty_exit_year",
    "relocated",
    "monitoring_category",
    "identified_on",
    "risk_eliminated_on",
    "elimination_mode",
    "phone",
]
PERSON_HEADER = [
    "household_no",
    "id_number",
    "name",
    "sex",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour",
    "work_months",
    "work_place",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
    "phone",
]
INCOME_HEADER = [
    "household_no",
    "period",
    "wage",
    "business",
    "property",
    "transfer",
    "business_cost",
    "compliant_self_pay",
    "insurance_claims",
]
# Chinese labels (CONTRACT §2) in the same order.
HOUSEHOLD_LABELS = [
    "户编号",
    "行政村代码",
    "村民小组",
    "地址",
    "户类型",
    "脱贫年度",
    "易地搬迁",
    "监测对象类别",
    "识别监测时间",
    "风险消除时间",
    "风险消除方式",
    "联系电话",
]
PERSON_LABELS = [
    "户编号",
    "证件号码",
    "姓名",
    "性别",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "劳动技能",
    "务工时间",
    "务工地点",
    "基本医疗保险",
    "大病保险",
    "养老保险",
    "低保",
    "特困",
    "联系电话",
]


def pid(birth: dt.date, seq: int) -> str:
    return idnumber.make(COUNTY, birth, seq)


LI_HEAD = pid(dt.date(1975, 3, 8), 11)
LI_SPOUSE = pid(dt.date(1978, 6, 1), 22)
LI_CHILD = pid(dt.date(2011, 9, 1), 31)
LI_MOTHER = pid(dt.date(1948, 1, 20), 42)
WANG_HEAD = pid(dt.date(1950, 2, 2), 51)
WANG_SPOUSE = pid(dt.date(1952, 4, 4), 62)


def households() -> list[list[str]]:
    return [
        [
            LI,
            VILLAGE_A,
            "第一村民小组",
            "堂琅社区1号",
            "former_poor",
            "2019",
            "N",
            "",
            "",
            "",
            "",
            "13800001234",
        ],
        [
            WANG,
            VILLAGE_B,
            "第三村民小组",
            "娜姑镇2号",
            "ordinary",
            "",
            "否",
            "marginal",
            "2024-03-01",
            "",
            "",
            "",
        ],
    ]


def person(hh: str, id_number: str, name: str, sex: str, relation: str, **fields: str) -> list[str]:
    """One persons row in PERSON_HEADER order; unspecified columns take ordinary values."""
    values = {
        "household_no": hh,
        "id_number": id_number,
        "name": name,
        "sex": sex,
        "relation": relation,
        "ethnicity": "汉族",
        "education": "初中",
        "school_status": "none",
        "health": "healthy",
        "disability_grade": "",
        "labour": "ordinary",
        "work_months": "0",
        "work_place": "",
        "medical_insurance": "Y",
        "serious_illness_insurance": "Y",
        "pension_insurance": "Y",
        "dibao": "N",
        "tekun": "N",
        "phone": "",
        **fields,
    }
    return [values[c] for c in PERSON_HEADER]


def persons() -> list[list[str]]:
    yes, no = "是", "否"
    return [
        person(LI, LI_HEAD, "李建国", "M", "head", work_months="10", work_place="in_province"),
        person(
            LI,
            LI_SPOUSE,
            "张玉兰",
            "F",
            "spouse",
            education="小学",
            work_months="8",
            work_place="in_province",
        ),
        person(LI, LI_CHILD, "李明", "M", "child", education="", school_status="junior", labour="none"),
        person(LI, LI_MOTHER, "李秀英", "F", "parent", education="文盲", health="chronic", labour="none"),
        # Chinese labels for enumerations and flags.
        person(
            WANG,
            WANG_HEAD,
            "王德福",
            "男",
            "户主",
            ethnicity="彝族",
            health="chronic",
            labour="none",
            medical_insurance=yes,
            serious_illness_insurance=yes,
            pension_insurance=yes,
            dibao=yes,
            tekun=no,
        ),
        person(
            WANG,
            WANG_SPOUSE,
            "赵金凤",
            "女",
            "配偶",
            ethnicity="彝族",
            health="disabled",
            disability_grade="2",
            labour="lost",
            medical_insurance=yes,
            serious_illness_insurance=yes,
            pension_insurance=yes,
            dibao=yes,
            tekun=no,
        ),
    ]


def incomes(period: str = "2024-12") -> list[list[str]]:
    return [
        [LI, period, "30000", "5000.50", "1000", "3000", "2000", "4000", "1000"],
        [WANG, period, "0", "1200", "0", "9600.00", "300", "0", "0"],
    ]


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if encoding == "gb18030" else "\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def standard_files(tmp: Path, *, period: str = "2024-12") -> list[Path]:
    """The named households in three files: households GB18030 with Chinese headers, persons UTF-8 with
    BOM and canonical headers, incomes as XLSX."""
    return [
        write_csv(tmp / "农户.csv", HOUSEHOLD_LABELS, households(), "gb18030"),
        write_csv(tmp / "persons.csv", PERSON_HEADER, persons(), "utf-8-sig"),
        write_xlsx(tmp / "incomes.xlsx", INCOME_HEADER, incomes(period)),
    ]


TABLES = [
    "registry_household",
    "registry_person",
    "registry_incomerecord",
    "registry_dataqualityissue",
    "exchange_importbatch",
    "audit_auditentry",
]


def db_state() -> dict[str, tuple[int, str]]:
    """(row count, content hash) per table touched by an import, plus the village groups."""
    out = {}
    with connection.cursor() as cur:
        for t in TABLES:
            cur.execute(f"SELECT * FROM {t} ORDER BY id")
            rows = cur.fetchall()
            out[t] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        cur.execute("SELECT code, name FROM regions_region WHERE level = 'group' ORDER BY code")
        rows = cur.fetchall()
        out["groups"] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out
