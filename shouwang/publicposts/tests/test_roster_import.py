"""``shouwang import posts FILE``: a 公益性岗位花名册 as a real XLSX (two title rows, header on row 3) and a
GB18030 CSV, all or nothing: a hostile file refused with every reason on its row and column and nothing
written; the clean file imported (posts and tenures, one batch, one audit row), the same file again
a no-op."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.common.errors import InputRefused
from shouwang.exchange.models import ImportBatch
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.publicposts.roster import HEADERS, post_roster_import
from shouwang.publicposts.selectors import post_holders_in
from shouwang.testing.builders import COUNTY, VILLAGE_A, make_household

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 15)
HEAD = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)  # 李建国 of H_LI
SPOUSE = idnumber.make(COUNTY, dt.date(1978, 6, 1), 22)  # 张玉兰
GRANDMA = idnumber.make(COUNTY, dt.date(1948, 1, 20), 42)  # 李秀英, 77


def row(**kw: str) -> list[str]:
    base = {
        "县": "会泽县",
        "乡镇": "古城街道",
        "行政村": "堂琅社区",
        "行政村代码": VILLAGE_A,
        "岗位名称": "堂琅护林员",
        "岗位类别": "护林员",
        "资金来源": "衔接推进乡村振兴补助资金",
        "月补贴": "800",
        "保险": "意外伤害保险",
        "岗位数": "2",
        "聘期（月）": "12",
        "姓名": "李建国",
        "证件号码": HEAD,
        "户编号": "H_LI",
        "聘用开始": "2025-01-01",
        "聘用结束": "2025-12-31",
        "离岗日期": "",
        "离岗原因": "",
    }
    base.update(kw)
    return [base[h] for h in HEADERS]


def xlsx(path: Path, rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["公益性岗位花名册"])
    ws.append(["填报单位：会泽县人力资源和社会保障局"])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def counts() -> tuple[int, ...]:
    return (
        PublicPost.objects.count(),
        PostHolder.objects.count(),
        ImportBatch.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_hostile_roster_is_refused_whole_then_the_clean_one_imported(tmp_path):
    make_household("H_LI")
    hostile = xlsx(
        tmp_path / "bad.xlsx",
        [
            row(),
            row(岗位名称="堂琅保洁员", 岗位类别="保洁员", 聘用开始="2025-03-01"),  # 一人一岗: overlaps row 4
            row(姓名="李秀英", 证件号码=GRANDMA, 岗位名称="堂琅保洁员", 岗位类别="保洁员"),  # 76 (R-AID-08)
            row(姓名="张玉兰", 证件号码=SPOUSE, 月补贴="80000", 岗位类别="看大门"),
            row(姓名="张玉兰", 证件号码=SPOUSE, 户编号="H_X", 离岗日期="2025-05-01"),
            row(行政村代码="530326999999", 证件号码="5303261975030800X1"),
        ],
    )
    before = counts()
    with pytest.raises(InputRefused) as exc:
        post_roster_import(path=hostile, today=TODAY)
    found = {(e.row, e.column) for e in exc.value.errors}
    reasons = " ".join(str(e) for e in exc.value.errors)
    assert (5, "聘用开始") in found and "一人一岗" in reasons
    assert (6, "聘用开始") in found and "聘用时76周岁" in reasons
    assert {(7, "月补贴"), (7, "岗位类别")} <= found
    assert {(8, "户编号"), (8, "离岗原因")} <= found
    assert {(9, "行政村代码"), (9, "证件号码")} <= found
    assert counts() == before
    clean = xlsx(
        tmp_path / "公益性岗位花名册.xlsx",
        [
            row(),
            row(
                姓名="张玉兰",
                证件号码=SPOUSE,
                聘用开始="2024-01-01",
                聘用结束="2024-12-31",
                离岗日期="2024-10-31",
                离岗原因="已实现其他稳定就业",
            ),
        ],
    )
    result = post_roster_import(path=clean, today=TODAY)
    assert (result.posts_created, result.holders_created) == (1, 2)
    post = PublicPost.objects.get()
    assert (post.name, post.post_class, post.stage, post.places) == ("堂琅护林员", "forest", "hired", 2)
    holders = {h.person.name: (h.status, h.exit_reason) for h in PostHolder.objects.all()}
    assert holders == {"李建国": ("active", ""), "张玉兰": ("ended", "stable_job")}
    assert post_holders_in(period="2025-06", county_codes=[COUNTY]).keys() == {
        PostHolder.objects.get(status="active").person_id
    }
    assert AuditEntry.objects.filter(action="import", object_type="import_batch").count() == 1
    again = post_roster_import(path=clean, today=TODAY)
    assert again.duplicate and counts()[:3] == (1, 2, 1)


def test_the_command_exits_2_with_every_reason(tmp_path, capsys):
    make_household("H_LI")
    bad = xlsx(tmp_path / "bad.xlsx", [row(月补贴="0")])
    with pytest.raises(SystemExit) as exc:
        call_command("import", "posts", str(bad))
    assert exc.value.code == 2 and "月补贴应大于0" in capsys.readouterr().err
    good = tmp_path / "good.csv"  # what Excel on Chinese Windows writes: GB18030, Chinese headers
    lines = [HEADERS, row(聘用开始="2024-06-01", 聘用结束="2025-05-31")]
    good.write_bytes("\r\n".join(",".join(cells) for cells in lines).encode("gb18030"))
    call_command("import", "posts", str(good))
    assert PostHolder.objects.count() == 1


def test_an_empty_roster_is_a_county_without_posts(tmp_path):
    result = post_roster_import(path=xlsx(tmp_path / "empty.xlsx", []), today=TODAY)
    assert (result.rows, result.holders_created, result.duplicate) == (0, 0, False)
    assert PublicPost.objects.count() == 0 and ImportBatch.objects.get().kind == "public_posts"
