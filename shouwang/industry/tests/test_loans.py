"""The bank's monthly 小额信贷 file (POLICY R-AID-06, R-IND-05): real CSV (UTF-8, GB18030) and XLSX files,
every R-AID-06 check refusing the whole file with row, column and rule and nothing written, a clean
re-submission accepted, the same file again a no-op, and the monthly overdue bulletin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.common.errors import InputRefused
from shouwang.exchange.models import ImportBatch
from shouwang.industry.models import Loan, LoanMonth
from shouwang.industry.selectors import household_loans, loan_bulletin, loan_overdue_list
from shouwang.industry.services import loan_import
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, make_user

pytestmark = pytest.mark.django_db

LI = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)  # 李建国, head of H_LI
LI_CHILD = idnumber.make(COUNTY, dt.date(2011, 9, 1), 31)
ZHANG = idnumber.make(COUNTY, dt.date(1978, 3, 8), 71)  # 张大, H_ZHANG
CHEN = idnumber.make(COUNTY, dt.date(1978, 3, 8), 81)  # 陈大, H_CHEN
WANG = idnumber.make(COUNTY, dt.date(1945, 1, 1), 61)  # 王老汉, H_WANG (79 in 2024)

HEADER = [
    "合同编号", "贷款银行", "户编号", "借款人身份证号", "借款人姓名", "贷款金额", "放款日期", "到期日期",
    "年利率", "贴息状态", "贷款用途", "户贷企用", "贷款余额", "逾期天数", "逾期金额", "贷款状态",
]  # fmt: skip


def loan(no: str, hh: str, pid: str, **kw: Any) -> list[str]:
    d = {
        "bank": "会泽农商银行",
        "amount": "50000",
        "start": "2024-03-01",
        "end": "2027-02-28",
        "rate": "3.45",
        "subsidy": "贴息",
        "purpose": "养牛",
        "ent": "N",
        "balance": "50000",
        "days": "0",
        "overdue": "0",
        "status": "正常",
    }
    d.update(kw)
    return [
        no, d["bank"], hh, pid, "", d["amount"], d["start"], d["end"], d["rate"], d["subsidy"],
        d["purpose"], d["ent"], d["balance"], d["days"], d["overdue"], d["status"],
    ]  # fmt: skip


MARCH = [
    loan("XD-001", "H_LI", LI, balance="40000"),
    loan(
        "XD-002", "H_ZHANG", ZHANG, amount="30000", balance="30000", days="45", overdue="5000", status="逾期"
    ),
    loan("XD-003", "H_CHEN", CHEN, amount="20000", balance="10000", ent="Y"),
]


def _snapshot() -> dict[str, Any]:
    return {
        "loans": list(Loan.objects.order_by("pk").values()),
        "months": list(LoanMonth.objects.order_by("pk").values()),
        "batches": ImportBatch.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _refused(path: Path, period: str = "2025-03") -> list[tuple[int | None, str, str]]:
    before = _snapshot()
    with pytest.raises(InputRefused) as exc:
        loan_import(path=path, period=period)
    assert _snapshot() == before, "a refused file must write nothing"
    return [(e.row, e.column, e.reason) for e in exc.value.errors]


def test_bank_file_is_imported_and_again_changes_nothing(
    households: dict[str, Any], files: Callable[..., Path]
) -> None:
    path = files("loans.xlsx", HEADER, MARCH)
    r = loan_import(path=path, period="2025-03")
    assert (r.created, r.updated, r.enterprise_use) == (3, 0, 1)
    li = Loan.objects.get(contract_no="XD-001")
    assert li.household == households["li"] and li.borrower.name == "李建国"
    assert li.township_code == TOWNSHIP_A and li.balance == Decimal(40000) and li.rate == Decimal("3.45")
    assert Loan.objects.get(contract_no="XD-003").enterprise_use is True
    assert LoanMonth.objects.filter(period="2025-03").count() == 3
    before = _snapshot()
    again = loan_import(path=path, period="2025-03")
    assert again.duplicate and again.batch_id == r.batch_id
    assert _snapshot() == before
    assert [str(x) for x in household_loans(household=households["li"])] == ["XD-001"]


def test_gb18030_csv_and_the_next_month(households: dict[str, Any], files: Callable[..., Path]) -> None:
    loan_import(path=files("m3.csv", HEADER, MARCH, encoding="gb18030"), period="2025-03")
    april = [
        loan("XD-001", "H_LI", LI, balance="35000"),
        loan("XD-002", "H_ZHANG", ZHANG, amount="30000", balance="0", status="结清"),
        loan("XD-003", "H_CHEN", CHEN, amount="20000", balance="10000", ent="Y"),
    ]
    r = loan_import(path=files("m4.csv", HEADER, april), period="2025-04")
    assert (r.created, r.updated) == (0, 2)
    assert Loan.objects.get(contract_no="XD-002").status == "settled"
    assert LoanMonth.objects.count() == 6
    # March is still what March's file said.
    assert LoanMonth.objects.get(loan__contract_no="XD-002", period="2025-03").overdue_amount == 5000


def test_every_r_aid_06_check_refuses_the_file(
    households: dict[str, Any], files: Callable[..., Path]
) -> None:
    bad = [
        loan("XD-101", "H_NONE", LI),  # unknown household
        loan("XD-102", "H_LI", ZHANG),  # borrower of another household
        loan("XD-103", "H_WANG", WANG),  # 79 on the loan date
        loan("XD-104", "H_ZHANG", ZHANG, amount="120000", balance="120000"),  # over 10万
        loan("XD-105", "H_CHEN", CHEN, end="2028-03-02"),  # 4 years
        loan("XD-106", "H_CHEN", CHEN),  # second active loan of 陈家
        loan("XD-107", "H_LI", LI_CHILD, balance="0", status="结清"),  # a 12-year-old
    ]
    errors = _refused(files("bad.csv", HEADER, bad))
    by_row = {row: (col, reason) for row, col, reason in errors}
    assert len(by_row) == len(errors) == 7, errors  # one reason per bad row
    assert by_row[2][0] == "户编号" and "户编号不存在" in by_row[2][1]
    assert by_row[3][0] == "借款人身份证号" and "不是该户成员" in by_row[3][1]
    assert by_row[4][0] == "借款人身份证号" and "79岁" in by_row[4][1]
    assert by_row[5][0] == "贷款金额" and "100,000.00元" in by_row[5][1]
    assert by_row[6][0] == "到期日期" and "超过3年" in by_row[6][1]
    assert by_row[7][0] == "合同编号" and "一户只能有一笔在贷" in by_row[7][1]
    assert by_row[8][0] == "借款人身份证号" and "12岁" in by_row[8][1]
    assert all("R-AID-06" in reason for _, _, reason in errors)
    # The corrected file is accepted.
    good = [loan("XD-104", "H_ZHANG", ZHANG, amount="80000", balance="80000"), loan("XD-105", "H_CHEN", CHEN)]
    r = loan_import(path=files("good.csv", HEADER, good), period="2025-03")
    assert r.created == 2
    assert any("超出部分不贴息" in w for w in r.warnings)  # above 5万: accepted with a notice


def test_a_stored_active_loan_blocks_a_second_one_until_settled(
    households: dict[str, Any], files: Callable[..., Path]
) -> None:
    loan_import(path=files("m3.csv", HEADER, MARCH), period="2025-03")
    renewal = [loan("XD-201", "H_LI", LI, start="2025-04-01", end="2026-03-31", status="续贷")]
    errors = _refused(files("renew.csv", HEADER, renewal), period="2025-04")
    assert errors == [
        (
            2,
            "合同编号",
            "同一户已有未结清的贷款（合同XD-001）：一户只能有一笔在贷，续贷须先结清（R-AID-06）",
        )
    ]
    settled = [loan("XD-001", "H_LI", LI, balance="0", status="结清"), *renewal]
    assert loan_import(path=files("renew2.csv", HEADER, settled), period="2025-04").created == 1


def test_extension_may_run_a_fourth_year(households: dict[str, Any], files: Callable[..., Path]) -> None:
    row = loan("XD-301", "H_LI", LI, end="2028-02-28", status="展期")
    assert loan_import(path=files("ext.csv", HEADER, [row]), period="2025-03").created == 1
    over = [loan("XD-301", "H_LI", LI, end="2028-03-02", status="展期")]
    assert _refused(files("ext2.csv", HEADER, over))[0][1] == "到期日期"


def test_inconsistent_balances_are_refused(households: dict[str, Any], files: Callable[..., Path]) -> None:
    rows = [
        loan("XD-401", "H_LI", LI, balance="60000"),
        loan("XD-402", "H_ZHANG", ZHANG, status="逾期"),
        loan("XD-403", "H_CHEN", CHEN, balance="100", status="结清"),
    ]
    cols = sorted((row, col) for row, col, _ in _refused(files("inc.csv", HEADER, rows)))
    assert cols == [(2, "贷款余额"), (3, "逾期金额"), (4, "贷款余额")]


def test_bulletin_townships_add_up_to_the_county(
    households: dict[str, Any], files: Callable[..., Path]
) -> None:
    loan_import(path=files("m3.csv", HEADER, MARCH), period="2025-03")
    county = make_user("county", COUNTY)
    rows, total = loan_bulletin(user=county, period="2025-03")
    assert [r.code for r in rows] == [TOWNSHIP_A, TOWNSHIP_B]
    a, b = rows
    assert (a.loans, a.balance, a.overdue_loans, a.enterprise_use) == (2, Decimal(50000), 0, 1)
    assert (b.loans, b.balance, b.overdue_loans, b.overdue_balance) == (1, Decimal(30000), 1, Decimal(30000))
    assert b.overdue_rate == Decimal("100.00") and a.overdue_rate == Decimal("0.00")
    assert total.loans == sum(r.loans for r in rows) == 3
    assert total.balance == sum(r.balance for r in rows) == Decimal(80000)
    assert total.overdue_balance == sum(r.overdue_balance for r in rows)
    assert total.overdue_rate == Decimal("37.50")  # 30,000 ÷ 80,000
    # A township official sees only the township.
    town = make_user("township", TOWNSHIP_A)
    town_rows, town_total = loan_bulletin(user=town, period="2025-03")
    assert [r.code for r in town_rows] == [TOWNSHIP_A] and town_total.overdue_loans == 0
    assert [m.loan.contract_no for m in loan_overdue_list(user=county, period="2025-03")] == ["XD-002"]
    assert loan_overdue_list(user=town, period="2025-03") == []


def test_command_line(households: dict[str, Any], files: Callable[..., Path], capsys: Any) -> None:
    path = files("m3.csv", HEADER, MARCH)
    call_command("import", "loans", str(path), "--period", "2025-03")
    assert "新增3" in capsys.readouterr().out
    bad = files("bad.csv", HEADER, [loan("XD-9", "H_NONE", LI)])
    with pytest.raises(SystemExit) as exc:
        call_command("import", "loans", str(bad), "--period", "2025-03")
    assert exc.value.code == 2
    assert "户编号不存在" in capsys.readouterr().err


def test_loans_page_per_township_and_scoped(households: dict[str, Any], files: Callable[..., Path]) -> None:
    loan_import(path=files("m3.csv", HEADER, MARCH), period="2025-03")
    c = Client()
    c.force_login(make_user("county", COUNTY))
    url = reverse("console:industry_loans")
    page = c.get(url).content.decode()  # defaults to the latest reported month
    assert "2025-03" in page and "古城街道" in page and "娜姑镇" in page
    assert "37.50%" in page and "100.00%" in page and "XD-002" in page and "张大" in page
    village = Client()
    village.force_login(make_user("village", VILLAGE_A))
    mine = village.get(url).content.decode()
    assert "古城街道" in mine and "娜姑镇" not in mine and "XD-002" not in mine
    assert "本月没有逾期贷款" in mine
    other = Client()
    other.force_login(make_user("county", "530302"))  # another county: nothing of this one
    assert "本月没有银行报送的在贷小额信贷" in other.get(url).content.decode()
    assert Client().get(url).status_code == 302


def test_household_page_shows_its_loans(households: dict[str, Any], files: Callable[..., Path]) -> None:
    loan_import(path=files("m3.csv", HEADER, MARCH), period="2025-03")
    c = Client()
    c.force_login(make_user("county", COUNTY))
    resp = c.get(reverse("console:household_detail", args=["H_ZHANG"]))
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "小额信贷" in page and "XD-002" in page and "逾期45天，5000.00元" in page
    assert "XD-001" not in page


def test_a_corrected_month_file_supersedes_the_earlier_one(
    households: dict[str, Any], files: Callable[..., Path]
) -> None:
    first = loan_import(path=files("m3.csv", HEADER, MARCH), period="2025-03")
    corrected = [MARCH[0], loan("XD-002", "H_ZHANG", ZHANG, amount="30000", balance="25000")]
    r = loan_import(path=files("m3b.csv", HEADER, corrected), period="2025-03")
    assert r.supersedes_id == first.batch_id
    assert sorted(LoanMonth.objects.filter(period="2025-03").values_list("loan__contract_no", flat=True)) == [
        "XD-001",
        "XD-002",
    ]
    _, total = loan_bulletin(user=make_user("county", COUNTY), period="2025-03")
    assert (total.loans, total.balance, total.overdue_loans) == (2, Decimal(65000), 0)
