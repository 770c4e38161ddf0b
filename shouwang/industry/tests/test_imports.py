"""The entity, binding and payout files through their promised interface (CONTRACT §4, POLICY R-IND-02/03):
real CSV (UTF-8 and GB18030) and XLSX files, all-or-nothing batches, every refusal naming row, column and
rule with nothing written, and paid payouts reaching the household's income record by source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.exchange.models import ImportBatch
from shouwang.industry.models import Binding, BusinessEntity, EntityStatusChange, Payout, PayoutIncome
from shouwang.industry.services import industry_import
from shouwang.industry.tests.conftest import (
    COOP_A,
    COOP_B,
    ENT,
    FARM,
    PAYOUT_HEADER,
    PAYOUT_ROWS,
    TODAY,
)
from shouwang.registry.models import IncomeRecord

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, Any]:
    """Everything an import may write."""
    return {
        "entities": list(BusinessEntity.objects.order_by("pk").values()),
        "status": EntityStatusChange.objects.count(),
        "bindings": list(Binding.objects.order_by("pk").values()),
        "payouts": list(Payout.objects.order_by("pk").values()),
        "incomes": list(IncomeRecord.objects.order_by("pk").values()),
        "applied": PayoutIncome.objects.count(),
        "batches": ImportBatch.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _refused(kind: str, path: Path) -> list[tuple[int | None, str, str]]:
    before = _snapshot()
    with pytest.raises(InputRefused) as exc:
        industry_import(kind=kind, path=path, today=TODAY)
    assert _snapshot() == before, "a refused file must write nothing"
    return [(e.row, e.column, e.reason) for e in exc.value.errors]


def test_entities_and_bindings_are_imported(county: dict[str, Any]) -> None:
    assert BusinessEntity.objects.count() == 4
    ent = BusinessEntity.objects.get(credit_code=ENT)
    assert (ent.entity_type, ent.level, ent.status) == ("enterprise", "provincial", "normal")
    coop = BusinessEntity.objects.get(credit_code=COOP_A)
    assert (coop.township_code, coop.village_code) == ("530326001", "530326001001")
    upper = Binding.objects.select_related("partner").get(binding_no="SB-2023-001")
    assert upper.partner is not None
    assert (upper.level, upper.entity.credit_code, upper.partner.credit_code) == (
        "enterprise_coop",
        ENT,
        COOP_A,
    )
    li = Binding.objects.get(binding_no="SB-2023-101")
    assert li.household == county["li"] and li.link_modes == ["order", "floor_dividend"]
    assert (li.floor_price, li.dividend_ratio, li.guaranteed_income, li.jobs) == (
        Decimal("28.50"),
        Decimal(5),
        Decimal(1200),
        1,
    )
    assert li.end_on == dt.date(2027, 12, 31)
    assert set(ImportBatch.objects.values_list("kind", "status")) == {
        ("entities", "succeeded"),
        ("bindings", "succeeded"),
    }
    assert AuditEntry.objects.filter(action="import", object_type="import_batch").count() == 2


def test_paid_payouts_become_income_by_source(county: dict[str, Any], files: Callable[..., Path]) -> None:
    li_before = IncomeRecord.objects.get(household=county["li"], period="2024-12")
    result = industry_import(
        kind="payouts", path=files("payouts.csv", PAYOUT_HEADER, PAYOUT_ROWS), today=TODAY
    )
    assert (result.created, result.incomes_updated) == (4, 2)
    li = IncomeRecord.objects.get(household=county["li"], period="2024-12")
    # R-IND-03: 收购款 → 生产经营性 (+3,000); 保底收益 → 财产性 (+1,200).
    assert (li.wage, li.business, li.property) == (Decimal(20000), Decimal(9000), Decimal(1200))
    assert li.net_income == li_before.net_income + 4200
    assert li.per_capita_net == (li.net_income / li.members_counted).quantize(Decimal("0.01"))
    county["li"].refresh_from_db()
    assert county["li"].income_per_capita == li.per_capita_net
    zhang = IncomeRecord.objects.get(household=county["zhang"], period="2024-12")
    # Only what was paid counts (1,000 of 1,300 租金); the unpaid 2025 wage is outside and unpaid.
    assert (zhang.wage, zhang.property) == (Decimal(15000), Decimal(1000))
    assert (
        AuditEntry.objects.filter(object_type="income_record", reason__contains="联农带农兑现").count() == 2
    )

    # The same file again changes nothing; a corrected file adds only the difference, never twice.
    again = industry_import(
        kind="payouts", path=files("payouts.csv", PAYOUT_HEADER, PAYOUT_ROWS), today=TODAY
    )
    assert again.duplicate
    fixed = [[*r[:6], "1300", *r[7:]] if r[2] == "租金" else r for r in PAYOUT_ROWS]
    corrected = industry_import(kind="payouts", path=files("payouts2.csv", PAYOUT_HEADER, fixed), today=TODAY)
    assert (corrected.updated, corrected.incomes_updated, corrected.supersedes_id) == (1, 1, result.batch_id)
    zhang.refresh_from_db()
    assert zhang.property == Decimal(1300)
    li.refresh_from_db()
    assert li.property == Decimal(1200)


def test_entity_refusals_name_row_column_and_rule(households: Any, files: Callable[..., Path]) -> None:
    bad = files(
        "entities.csv",
        ["统一社会信用代码", "主体名称", "主体类型", "龙头企业级别", "县代码", "经营状态"],
        [
            ["91530326MA6K000019", "错码公司", "龙头企业", "", "530326", "正常"],  # wrong check character
            [COOP_A, "", "", "", "", "正常"],  # unknown code without name, type, county
            [FARM, "农场", "家庭农场", "国家级", "530326", "正常"],  # only enterprises have a level
            [ENT, "公司", "龙头企业", "", "999999", "歇业"],  # unknown county and status
        ],
    )
    errors = _refused("entities", bad)
    assert (2, "统一社会信用代码", "统一社会信用代码校验位错误（GB 32100）（R-IND-02）") in errors
    assert any(e[:2] == (3, "统一社会信用代码") and "未登记的统一社会信用代码" in e[2] for e in errors)
    assert (4, "龙头企业级别", "只有龙头企业有级别（R-IND-02）") in errors
    assert any(e[:2] == (5, "县代码") for e in errors) and any(e[:2] == (5, "经营状态") for e in errors)


def test_binding_refusals_then_clean_resubmission(households: Any, files: Callable[..., Path]) -> None:
    industry_import(
        kind="entities",
        path=files(
            "e.csv",
            ["统一社会信用代码", "主体名称", "主体类型", "县代码"],
            [[ENT, "云岭牧业", "龙头企业", "530326"], [COOP_A, "堂琅合作社", "农民专业合作社", "530326"]],
        ),
        today=TODAY,
    )
    header = [
        "协议编号",
        "带动主体信用代码",
        "合作社信用代码",
        "户编号",
        "利益联结方式",
        "开始日期",
        "结束日期",
    ]
    rows = [
        ["SB-1", COOP_A, "", "H_NOBODY", "订单收购", "2023-01-01", ""],  # missing household
        ["SB-2", COOP_A, "", "H_LI", "入股分红", "2024-05-01", "2023-05-01"],  # dates inverted
        ["SB-3", COOP_B, "", "H_LI", "托管", "2024-05-01", ""],  # credit code not registered
        ["SB-4", ENT, COOP_A, "", "订单+炒股", "2024-05-01", ""],  # an unknown link mode
    ]
    errors = _refused("bindings", files("b.csv", header, rows))
    assert (2, "户编号", "户编号不存在：不能与不存在的农户绑定（R-IND-02）") in errors
    assert (3, "结束日期", "协议结束日期早于开始日期（R-IND-02）") in errors
    assert (4, "带动主体信用代码", "未登记的统一社会信用代码：请先导入经营主体（R-IND-02）") in errors
    assert any(e[:2] == (5, "利益联结方式") and "炒股" not in e[2] for e in errors)
    clean = [
        ["SB-1", COOP_A, "", "H_LI", "订单收购", "2023-01-01", ""],
        ["SB-4", ENT, COOP_A, "", "订单+分红", "2024-05-01", ""],
    ]
    result = industry_import(kind="bindings", path=files("b2.csv", header, clean), today=TODAY)
    assert result.created == 2 and Binding.objects.count() == 2


def test_payout_refusals(county: dict[str, Any], files: Callable[..., Path]) -> None:
    rows = [
        [
            "SB-2023-101",
            "H_LI",
            "收购款",
            "2023-01-15",
            "100",
            "2023-01-20",
            "100",
            "一卡通",
            "",
        ],  # before start
        ["SB-2023-101", "H_CHEN", "分红", "2024-06-30", "500", "", "", "", ""],  # not bound by this agreement
        ["SB-2023-102", "H_ZHANG", "租金", "2024-06-30", "-650", "", "", "", ""],  # negative amount
        ["SB-9999", "H_LI", "租金", "2024-06-30", "650", "", "", "", ""],  # no such agreement
    ]
    errors = _refused("payouts", files("p.csv", PAYOUT_HEADER, rows))
    assert (2, "应付日期", "应付日期早于协议开始日期2023-02-01（R-IND-03）") in errors
    assert (2, "实付日期", "实付日期早于协议开始日期2023-02-01（R-IND-03）") in errors
    assert (3, "户编号", "该户不是此协议的绑定农户：不能向未绑定的农户兑现（R-IND-03）") in errors
    assert (4, "应付金额", "金额不能为负数（R-IND-03）") in errors
    assert (5, "协议编号", "协议编号不存在：兑现须对应已导入的双绑协议（R-IND-03）") in errors
    assert Payout.objects.count() == 0


def test_market_feed_in_gb18030_changes_status_with_date_and_source(
    county: dict[str, Any], files: Callable[..., Path]
) -> None:
    header = ["统一社会信用代码", "经营状态", "状态日期"]
    no_date = files("market0.csv", header, [[COOP_B, "注销", ""]], encoding="gb18030")
    errors = [e for e in _refused_market(no_date)]
    assert errors == [(2, "状态日期", "经营状态变更须填写状态日期（R-IND-02）")]
    path = files(
        "market.csv", header, [[COOP_B, "注销", "2025-02-10"], [ENT, "正常", ""]], encoding="gb18030"
    )
    result = industry_import(kind="entities", path=path, source="market", today=TODAY)
    assert (result.updated, result.status_changes) == (1, 1)
    coop = BusinessEntity.objects.get(credit_code=COOP_B)
    assert (coop.status, coop.status_on, coop.status_source) == ("closed", dt.date(2025, 2, 10), "market")
    assert coop.name == "娜姑核桃专业合作社"  # a status row leaves the other fields alone
    change = coop.status_changes.first()
    assert change is not None and (change.old_status, change.status, change.source) == (
        "normal",
        "closed",
        "market",
    )
    assert AuditEntry.objects.filter(object_type="business_entity", object_id=COOP_B).count() == 1


def _refused_market(path: Path) -> list[tuple[int | None, str, str]]:
    before = _snapshot()
    with pytest.raises(InputRefused) as exc:
        industry_import(kind="entities", path=path, source="market", today=TODAY)
    assert _snapshot() == before
    return [(e.row, e.column, e.reason) for e in exc.value.errors]


def test_command_line(county: dict[str, Any], files: Callable[..., Path], capsys: Any) -> None:
    bad = files(
        "p.csv", PAYOUT_HEADER, [["SB-2023-101", "H_CHEN", "分红", "2024-06-30", "500", "", "", "", ""]]
    )
    with pytest.raises(SystemExit) as exc:
        call_command("import", "payouts", str(bad))
    assert exc.value.code == 2
    assert "第2行“户编号”列" in capsys.readouterr().err
    good = files("p2.xlsx", PAYOUT_HEADER, PAYOUT_ROWS)
    call_command("import", "payouts", str(good))
    assert Payout.objects.count() == 4


def test_one_bad_row_refuses_the_whole_xlsx_then_the_clean_file_goes_in(
    county: dict[str, Any], tmp_path: Path
) -> None:
    """Excel's own cell types (dates, numbers) are read as the text they show; one bad row among good ones
    refuses the file with nothing written; the corrected file is accepted."""

    def book(rows: list[list[Any]]) -> Path:
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(PAYOUT_HEADER)
        for r in rows:
            ws.append(r)
        path = tmp_path / f"p{len(list(tmp_path.iterdir()))}.xlsx"
        wb.save(path)
        return path

    good = [
        "SB-2023-101",
        "H_LI",
        "收购款",
        dt.datetime(2024, 6, 30),
        3000,
        dt.datetime(2024, 7, 5),
        3000.5,
        "一卡通",
    ]
    late = ["SB-2023-102", "H_ZHANG", "租金", dt.datetime(2023, 1, 31), 650, None, None, None]
    errors = _refused("payouts", book([good, late]))
    assert errors == [(3, "应付日期", "应付日期早于协议开始日期2023-03-01（R-IND-03）")]
    result = industry_import(kind="payouts", path=book([good]), today=TODAY)
    assert result.created == 1
    payout = Payout.objects.get()
    assert (payout.due_on, payout.paid_amount) == (dt.date(2024, 6, 30), Decimal("3000.50"))
