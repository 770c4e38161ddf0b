"""`shouwang import registry` through the CLI with real files (issue 2 §4, CONTRACT §1–§2)."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from shouwang.audit.models import AuditEntry
from shouwang.common import crypto, idnumber
from shouwang.console.models import StatRefresh
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.tests import regfiles as rf
from shouwang.regions.models import Region
from shouwang.registry.income import income_compute
from shouwang.registry.models import DataQualityIssue, Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db


def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stderr(err):
        try:
            call_command("import", "registry", *[str(a) for a in args], stdout=out)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def imported(tmp_path: Path) -> list[Path]:
    files = rf.standard_files(tmp_path)
    code, _, err = run(*files)
    assert code == 0, err
    return files


# --- The happy path ----------------------------------------------------------------------------------


def test_imports_all_three_kinds_in_kind_order(tmp_path: Path) -> None:
    files = rf.standard_files(tmp_path)
    # Given in reverse order: processed households → persons → incomes anyway.
    code, out, err = run(*reversed(files))
    assert code == 0, err
    assert "新增2" in out and "新增6" in out
    # The dashboards follow a command-line import (and the same files again change nothing, not even them).

    assert "驾驶舱统计已刷新" in out and StatRefresh.objects.count() == 1
    assert run(*files)[0] == 0 and StatRefresh.objects.count() == 1
    li = Household.objects.get(household_no=rf.LI)
    assert li.village_id == rf.VILLAGE_A
    assert (li.province_code, li.prefecture_code, li.county_code, li.township_code) == (
        "53",
        "5303",
        "530326",
        "530326001",
    )
    assert li.group is not None and li.group.name == "第一村民小组" and li.group.parent_id == rf.VILLAGE_A
    assert li.head_name == "李建国"
    assert (li.registered_count, li.member_count) == (4, 4)
    assert li.phone_masked == "138****1234" and "13800001234" not in li.phone_sealed
    assert crypto.unseal(li.phone_sealed) == "13800001234"
    assert li.poverty_exit_year == 2019 and li.poverty_status == "former_poor"
    wang = Household.objects.get(household_no=rf.WANG)
    assert wang.monitoring_category == "marginal" and wang.identified_on == dt.date(2024, 3, 1)
    assert wang.relocated is False

    head = Person.objects.get(id_index=crypto.blind_index(rf.LI_HEAD))
    assert head.id_masked == idnumber.mask(rf.LI_HEAD)
    assert rf.LI_HEAD not in head.id_sealed and crypto.unseal(head.id_sealed) == rf.LI_HEAD
    assert head.birth_date == dt.date(1975, 3, 8) and head.sex == "M"
    assert head.work_months == 10 and head.work_place == "in_province"
    # Chinese labels accepted for enumerations and flags.
    wang_spouse = Person.objects.get(id_index=crypto.blind_index(rf.WANG_SPOUSE))
    assert (wang_spouse.relation, wang_spouse.sex, wang_spouse.dibao) == ("spouse", "F", True)
    assert wang_spouse.disability_grade == 2 and wang_spouse.labour == "lost"

    batches = {b.kind: b for b in ImportBatch.objects.all()}
    assert batches["households"].encoding == "gb18030"
    assert batches["persons"].encoding == "utf-8-sig"
    assert batches["incomes"].encoding == "xlsx"
    assert batches["incomes"].period == "2024-12"
    assert all(b.status == "succeeded" and b.progress == 100 for b in batches.values())
    for b in batches.values():
        assert (
            Path(b.stored_path).read_bytes()
            == Path(next(f for f in files if f.name == b.filename)).read_bytes()
        )
    imports = AuditEntry.objects.filter(action="import", object_type="import_batch")
    assert imports.count() == 3
    assert {e.changes["kind"] for e in imports} == {"households", "persons", "incomes"}
    # Inserts are covered by the import row; no per-row audit for new records.
    assert not AuditEntry.objects.filter(action="update").exclude(object_type="region_stats").exists()


def test_per_capita_income_follows_r_inc_02_and_r_obj_02(tmp_path: Path) -> None:
    """R-OBJ-02: a member who moved out is registered but not counted; R-INC-02 divides by the count."""
    rows = rf.persons()
    # The child moved out: still registered, no longer counted.
    header = [*rf.PERSON_HEADER, "residence"]
    rows = [[*r, "moved_out" if r[1] == rf.LI_CHILD else "present"] for r in rows]
    files = [
        rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_HEADER, rf.households()),
        rf.write_csv(tmp_path / "p.csv", header, rows),
        rf.write_csv(tmp_path / "i.csv", rf.INCOME_HEADER, rf.incomes("2024-12")),
    ]
    code, _, err = run(*files)
    assert code == 0, err
    li = Household.objects.get(household_no=rf.LI)
    assert (li.registered_count, li.member_count) == (4, 3)
    rec = IncomeRecord.objects.get(household=li, period="2024-12")
    expected = income_compute(
        wage=Decimal("30000"),
        business=Decimal("5000.50"),
        property=Decimal("1000"),
        transfer=Decimal("3000"),
        business_cost=Decimal("2000"),
        compliant_self_pay=Decimal("4000"),
        insurance_claims=Decimal("1000"),
        members=3,
    )
    assert rec.net_income == expected.net_income == Decimal("37000.50")
    assert rec.members_counted == 3
    assert rec.per_capita_net == expected.per_capita_net == Decimal("12333.50")
    assert rec.per_capita_reference == expected.per_capita_reference == Decimal("11333.50")
    assert (li.income_period, li.income_per_capita) == ("2024-12", Decimal("12333.50"))


def test_latest_period_sets_household_income(imported: list[Path], tmp_path: Path) -> None:
    older = rf.write_csv(tmp_path / "old.csv", rf.INCOME_HEADER, rf.incomes("2023-12"))
    code, _, err = run(older)
    assert code == 0, err
    li = Household.objects.get(household_no=rf.LI)
    assert li.income_period == "2024-12"  # an older period does not replace the latest one
    assert IncomeRecord.objects.filter(household=li).count() == 2


def test_same_file_twice_changes_nothing(imported: list[Path]) -> None:
    before = rf.db_state()
    code, out, err = run(*imported)
    assert code == 0, err
    assert out.count("已导入过相同文件，未作任何修改") == 3
    assert rf.db_state() == before


def test_corrected_file_supersedes_with_audit(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[1][2] = "张玉芬"  # name corrected
    rows[1][18] = "13912345678"  # phone added
    rows[0][11] = "12"  # work months
    corrected = rf.write_csv(tmp_path / "persons-v2.csv", rf.PERSON_HEADER, rows, "utf-8-sig")
    old_batch = ImportBatch.objects.get(kind="persons")
    code, out, err = run(corrected)
    assert code == 0, err
    assert "更新2" in out and "未变4" in out and f"替代批次#{old_batch.pk}" in out
    old_batch.refresh_from_db()
    new_batch = ImportBatch.objects.get(kind="persons", status="succeeded")
    assert old_batch.status == "superseded" and new_batch.supersedes_id == old_batch.pk
    assert (new_batch.rows_created, new_batch.rows_updated, new_batch.rows_unchanged) == (0, 2, 4)

    spouse = Person.objects.get(id_index=crypto.blind_index(rf.LI_SPOUSE))
    assert spouse.name == "张玉芬" and spouse.phone_masked == "139****5678"
    assert spouse.source_batch_id == new_batch.pk
    updates = {e.object_id: e for e in AuditEntry.objects.filter(action="update", object_type="person")}
    assert set(updates) == {
        str(spouse.pk),
        str(Person.objects.get(id_index=crypto.blind_index(rf.LI_HEAD)).pk),
    }
    changes = updates[str(spouse.pk)].changes
    assert changes["name"] == ["张玉兰", "张玉芬"]
    assert changes["phone"] == ["", "139****5678"]
    assert changes["id_number"] == idnumber.mask(rf.LI_SPOUSE)
    # Never a clear ID or phone in the audit log.
    blob = json.dumps([e.changes for e in AuditEntry.objects.all()], ensure_ascii=False)
    assert rf.LI_SPOUSE not in blob and "13912345678" not in blob
    assert updates[str(spouse.pk)].region_code == rf.VILLAGE_A


def test_corrected_households_file_updates_and_audits(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.households()
    rows[1][6] = "Y"  # relocated
    rows[1][7] = "sudden"
    code, _, err = run(rf.write_csv(tmp_path / "h2.csv", rf.HOUSEHOLD_HEADER, rows))
    assert code == 0, err
    e = AuditEntry.objects.get(action="update", object_type="household", object_id=rf.WANG)
    assert e.changes == {"relocated": [False, True], "monitoring_category": ["marginal", "sudden"]}
    wang = Household.objects.get(household_no=rf.WANG)
    assert wang.relocated and wang.monitoring_category == "sudden"
    # Derived figures survive a households-only file.
    assert (wang.member_count, wang.head_name) == (2, "王德福")


def test_member_change_recomputes_latest_income(imported: list[Path], tmp_path: Path) -> None:
    """A persons file that changes who counts (R-OBJ-02) updates the latest per-capita figures."""
    header = [*rf.PERSON_HEADER, "residence"]
    rows = [[*r, "deceased" if r[1] == rf.LI_MOTHER else "present"] for r in rf.persons()]
    code, _, err = run(rf.write_csv(tmp_path / "p2.csv", header, rows))
    assert code == 0, err
    li = Household.objects.get(household_no=rf.LI)
    assert (li.registered_count, li.member_count) == (4, 3)
    rec = IncomeRecord.objects.get(household=li, period="2024-12")
    assert rec.members_counted == 3 and rec.per_capita_net == Decimal("12333.50")
    assert li.income_per_capita == Decimal("12333.50")
    e = AuditEntry.objects.get(action="update", object_type="household", object_id=rf.LI)
    assert e.changes["member_count"] == [4, 3]
    assert e.changes["income_per_capita"] == ["9250.13", "12333.50"]
    inc = AuditEntry.objects.get(action="update", object_type="income")
    assert inc.changes["members_counted"] == [4, 3]


def test_person_may_move_when_file_names_both_households(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[2][0] = rf.WANG  # 李明 moves to 王家; the file lists both households
    rows[2][4] = "grandchild"
    code, _, err = run(rf.write_csv(tmp_path / "p2.csv", rf.PERSON_HEADER, rows))
    assert code == 0, err
    child = Person.objects.get(id_index=crypto.blind_index(rf.LI_CHILD))
    assert child.household.household_no == rf.WANG
    li, wang = Household.objects.get(household_no=rf.LI), Household.objects.get(household_no=rf.WANG)
    assert (li.registered_count, wang.registered_count) == (3, 3)
    e = AuditEntry.objects.get(action="update", object_type="person", object_id=str(child.pk))
    assert e.changes["household_no"] == [rf.LI, rf.WANG]


def test_quality_warnings_are_reported_without_blocking(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[2][10] = "ordinary"  # 15-year-old recorded as labour (R-KPI-05 2_01_011)
    rows[0][13] = "N"  # head without medical insurance
    rows[5][9] = "1"  # grade 1 disability
    rows[5][10] = "ordinary"  # … with ordinary labour
    code, out, err = run(
        rf.write_csv(tmp_path / "p2.csv", rf.PERSON_HEADER, rows), "--report", tmp_path / "r.json"
    )
    assert code == 0, err
    assert "数据质量提示" in out and "P01_MINOR_LABOUR" in out and "P03_DISABLED_LABOUR" in out
    issues = DataQualityIssue.objects.filter(batch__kind="persons", batch__status="succeeded")
    codes = {(i.code, i.person.name if i.person else "") for i in issues}
    assert ("P01_MINOR_LABOUR", "李明") in codes
    assert ("P09_NO_MEDICAL_INSURANCE", "李建国") in codes
    assert ("P03_DISABLED_LABOUR", "赵金凤") in codes
    assert all(i.severity == "warning" for i in issues)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["status"] == "imported" and report["files"][0]["quality"]["P01_MINOR_LABOUR"] == 1
    batch = ImportBatch.objects.get(kind="persons", status="succeeded")
    assert batch.report["quality"]["P01_MINOR_LABOUR"] == 1
    # Re-importing the original file replaces the findings of these households.
    rows_ok = rf.write_csv(tmp_path / "p3.csv", rf.PERSON_HEADER, rf.persons())
    assert run(rows_ok)[0] == 0
    assert not DataQualityIssue.objects.filter(code="P01_MINOR_LABOUR").exists()


def test_quality_ages_are_taken_at_the_registry_date(tmp_path: Path) -> None:
    """Ages in the checks are on the date the registry describes (--period, else the incomes' period):
    李明 (born 2011-09) was 12 at the end of 2023 — junior school age then, not a finding."""
    rows = rf.persons()
    rows[2][7] = "primary"  # in primary school at 12: fine in 2023-12
    files = [
        rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_HEADER, rf.households()),
        rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows),
        rf.write_csv(tmp_path / "i.csv", rf.INCOME_HEADER, rf.incomes("2023-12")),
    ]
    assert run(*files)[0] == 0
    assert not DataQualityIssue.objects.filter(code__in=["P01_MINOR_LABOUR", "P08_OUT_OF_SCHOOL"]).exists()
    rows[2][10] = "ordinary"  # a 12-year-old labourer in 2023-12: P01 even though he is 15 today
    code, out, _ = run(rf.write_csv(tmp_path / "p2.csv", rf.PERSON_HEADER, rows), "--period", "2023-12")
    assert code == 0 and "P01_MINOR_LABOUR 1" in out
    issue = DataQualityIssue.objects.get(code="P01_MINOR_LABOUR")
    assert "12岁" in issue.message


def test_unknown_columns_are_warnings(tmp_path: Path) -> None:
    header = [*rf.HOUSEHOLD_HEADER, "备注"]
    rows = [[*r, "x"] for r in rf.households()]
    code, out, err = run(rf.write_csv(tmp_path / "h.csv", header, rows))
    assert code == 0, err
    assert "未知列“备注”已忽略" in out
    assert ImportBatch.objects.get().warnings == ["未知列“备注”已忽略"]


def test_period_option_and_batch_identity(imported: list[Path], tmp_path: Path) -> None:
    f = rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_HEADER, rf.households())
    code, _, err = run(f, "--period", "2025-01", "--source", "township-a")
    assert code == 0, err
    b = ImportBatch.objects.get(source="township-a")
    assert (b.kind, b.period, b.supersedes_id) == ("households", "2025-01", None)


# --- Refusals: exit 2, every error with row and column, database unchanged -------------------------------


def refused(*files: Path) -> str:
    before = rf.db_state()
    code, out, err = run(*files)
    assert code == 2, (out, err)
    assert rf.db_state() == before, "a refused import must not change the database"
    assert "未写入任何数据" in err
    return err


def test_refusal_excel_scientific_notation(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[2][1] = "5.30326E+17"
    err = refused(rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows))
    assert "第4行“id_number”列" in err and "科学计数法" in err


def test_refusal_excel_numeric_id_cell_in_xlsx(imported: list[Path], tmp_path: Path) -> None:
    rows: list[list[object]] = [list(r) for r in rf.persons()]
    rows[0][1] = int(rf.LI_HEAD[:17] + "0") if rf.LI_HEAD[17] == "X" else int(rf.LI_HEAD)  # a number cell
    err = refused(rf.write_xlsx(tmp_path / "p.xlsx", rf.PERSON_LABELS, rows))
    assert "第2行“证件号码”列" in err and "科学计数法" in err


def test_refusal_lost_digits(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[0][1] = rf.LI_HEAD[:15] + "000"  # Excel kept 15 significant digits
    rows[1][1] = rf.LI_SPOUSE[:15]  # digits cut off
    err = refused(rf.write_csv(tmp_path / "p.csv", rf.PERSON_LABELS, rows, "gb18030"))
    assert "第2行“证件号码”列" in err and "丢失了末几位" in err
    assert "第3行“证件号码”列" in err and "只有15位" in err


def test_refusal_bad_check_character(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    wrong = "0" if rf.WANG_HEAD[17] != "0" else "1"
    rows[4][1] = rf.WANG_HEAD[:17] + wrong
    err = refused(rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows))
    assert "第6行“id_number”列" in err and "校验位错误" in err


def test_refusal_duplicate_id_in_file(tmp_path: Path) -> None:
    rows = rf.persons()
    rows[5][1] = rows[4][1]
    rows[5][3] = "男"
    err = refused(
        rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_HEADER, rf.households()),
        rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows),
    )
    assert "p.csv：第7行“id_number”列" in err and "与第6行重复" in err
    assert not Household.objects.exists()  # the valid households file was not written either


def test_refusal_id_registered_in_another_household(imported: list[Path], tmp_path: Path) -> None:
    """The ID belongs to 李家; a file that puts it in 王家 without listing 李家 is refused (decision 0101)."""
    rows = [r for r in rf.persons() if r[0] == rf.WANG]
    rows.append(
        rf.person(rf.WANG, rf.LI_CHILD, "李明", "M", "grandchild", school_status="junior", labour="none")
    )
    err = refused(rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows))
    assert "第4行“id_number”列" in err and f"已登记在户{rf.LI}" in err
    assert rf.LI_CHILD not in err  # the message shows the masked ID only


def test_refusal_unknown_village_code(tmp_path: Path) -> None:
    rows = rf.households()
    rows[1][1] = "530326999999"
    rows[0][1] = "5303260010"
    err = refused(rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_LABELS, rows))
    assert "第3行“行政村代码”列（值：530326999999）" in err and "不存在" in err
    assert "第2行“行政村代码”列" in err and "12位数字" in err
    assert not Region.objects.filter(level="group").exists()


def test_refusal_person_whose_household_is_missing(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.persons()
    rows[5][0] = "5303269999999999"
    err = refused(rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rows))
    assert "第7行“household_no”列（值：5303269999999999）" in err and "户编号不存在" in err


def test_refusal_negative_money_and_bad_period(imported: list[Path], tmp_path: Path) -> None:
    rows = rf.incomes()
    rows[0][2] = "-100"
    rows[1][6] = "12.345"
    rows[1][1] = "2024/12"
    err = refused(rf.write_csv(tmp_path / "i.csv", rf.INCOME_HEADER, rows))
    assert "第2行“wage”列（值：-100）：金额不能为负数" in err
    assert "第3行“business_cost”列" in err and "两位小数" in err
    assert "第3行“period”列" in err


def test_refusal_undecodable_file(imported: list[Path], tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_bytes(",".join(rf.PERSON_HEADER).encode() + b"\n" + b"\xff\xfe\xfa\x80 broken\n")
    err = refused(path)
    assert "文件编码无法识别" in err


def test_refusal_empty_and_truncated_xlsx(imported: list[Path], tmp_path: Path) -> None:

    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    header_only = rf.write_xlsx(tmp_path / "persons-header.xlsx", rf.PERSON_LABELS, [])
    full = rf.write_xlsx(tmp_path / "p.xlsx", rf.PERSON_LABELS, rf.persons())
    truncated = tmp_path / "persons-truncated.xlsx"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    err = refused(empty)
    assert "empty.xlsx" in err
    err = refused(header_only)
    assert "没有数据行" in err
    err = refused(truncated)
    assert "XLSX文件已损坏或不完整" in err


def test_refusal_truncated_csv_names_the_row(imported: list[Path], tmp_path: Path) -> None:
    path = rf.write_csv(tmp_path / "p.csv", rf.PERSON_HEADER, rf.persons())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last line is cut mid-row
    err = refused(path)
    assert "第7行" in err and "截断" in err


def test_refusal_consistency_and_impossible_values(imported: list[Path], tmp_path: Path) -> None:
    header = [*rf.PERSON_HEADER, "birth_date"]
    rows = [[*r, ""] for r in rf.persons()]
    rows[0][3] = "F"  # the ID says male
    rows[1][19] = "1979-06-01"  # the ID says 1978-06-01
    rows[5][9] = "5"  # disability grade 1–4
    rows[0][11] = "13"  # more than 12 months in 12 months
    rows[2][4] = "boss"  # unknown relation
    rows[3][18] = "1380000"  # phone not 11 digits
    err = refused(rf.write_csv(tmp_path / "p.csv", header, rows))
    assert "第2行“sex”列（值：F）：性别与证件号码不符" in err
    assert "第3行“birth_date”列" in err and "出生日期与证件号码" in err
    assert "第7行“disability_grade”列" in err and "1–4" in err
    assert "第2行“work_months”列" in err
    assert "第4行“relation”列（值：boss）" in err
    assert "第5行“phone”列" in err and "11位" in err


def test_refusal_reports_every_file_and_writes_json_report(tmp_path: Path) -> None:
    hh = rf.households()
    hh[0][4] = "rich"
    inc = rf.incomes()
    inc[0][3] = "-1"
    report = tmp_path / "report.json"
    before = rf.db_state()
    code, _, err = run(
        rf.write_csv(tmp_path / "h.csv", rf.HOUSEHOLD_HEADER, hh),
        rf.write_csv(tmp_path / "i.csv", rf.INCOME_HEADER, inc),
        "--report",
        report,
    )
    assert code == 2 and rf.db_state() == before
    assert "h.csv：第2行“poverty_status”列（值：rich）" in err
    assert "i.csv：第2行“business”列（值：-1）" in err
    data = json.loads(report.read_text())
    assert data["status"] == "refused"
    assert {(e["file"], e["row"], e["column"]) for e in data["errors"]} >= {
        ("h.csv", 2, "poverty_status"),
        ("i.csv", 2, "business"),
    }


def test_same_kind_twice_in_one_invocation_is_refused(tmp_path: Path) -> None:
    a = rf.write_csv(tmp_path / "h1.csv", rf.HOUSEHOLD_HEADER, rf.households()[:1])
    b = rf.write_csv(tmp_path / "h2.csv", rf.HOUSEHOLD_HEADER, rf.households()[1:])
    err = refused(a, b)
    assert "同一批次" in err
