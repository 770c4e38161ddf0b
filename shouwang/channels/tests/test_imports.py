"""``shouwang import selfreports``: self-reports received off-line, entered as one all-or-nothing batch."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Clue
from shouwang.cases.tests.helpers import D0, set_today
from shouwang.channels.models import SelfReport
from shouwang.common import idnumber
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household

pytestmark = pytest.mark.django_db
HEADER = (
    "reported_on,channel,reporter_relation,reporter_name,subject_name,id_number,village_code,group_name,"
    "difficulty,description,contact_phone\n"
)


@pytest.fixture
def today(monkeypatch):
    set_today(monkeypatch, D0)


def _file(tmp_path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "self_reports.csv"
    path.write_bytes((HEADER + "\n".join(rows) + "\n").encode(encoding))
    return path


def test_rows_become_dated_self_reports_and_clues(tmp_path, today):
    hh = make_household("H_IMP", village_code=VILLAGE_B)
    number = idnumber.make(COUNTY, hh.members.get(relation="head").birth_date, 11)
    earlier = (D0 - dt.timedelta(days=40)).isoformat()
    path = _file(
        tmp_path,
        [
            f"{earlier},mini_program,self,,李建国,{number},{VILLAGE_A},第1村民小组,医疗困难,看病花了很多钱,13912345678",
            f"{D0.isoformat()},hotline_12345,other,邻居王五,赵六,,{VILLAGE_A},,住房困难,房子漏雨,13812345678",
            f"{D0.isoformat()},written,self,,钱七,,{VILLAGE_A},,dropout,,13712345678",
        ],
        encoding="gb18030",  # a township's spreadsheet saved as CSV
    )
    out = io.StringIO()
    call_command("import", "selfreports", str(path), stdout=out)
    assert "3行，新建申报3件（其中1件已对应到农户）" in out.getvalue()

    reports = {r.subject_name: r for r in SelfReport.objects.select_related("clue")}
    assert set(reports) == {"李建国", "赵六", "钱七"}
    matched = reports["李建国"]
    # Dated the day it was received, filed under the platform's item for "medical", routed by ID.
    assert matched.submitted_on == D0 - dt.timedelta(days=40)
    assert matched.difficulty == "medical_bills"
    assert matched.clue is not None and matched.clue.household_id == hh.pk
    assert matched.clue.reported_on == matched.submitted_on and matched.clue.risk_types == ["illness"]
    proxy = reports["赵六"]
    assert proxy.filing_mode == "proxy" and proxy.reporter_name == "邻居王五"
    assert proxy.difficulty == "unsafe_house" and proxy.description.startswith("经12345热线受理")
    assert reports["钱七"].difficulty == "dropout" and reports["钱七"].description == "书面申请"
    assert Clue.objects.count() == 3
    batch = AuditEntry.objects.get(object_type="self_report_batch")
    assert batch.changes == {"rows": 3, "created": 3, "merged": 0, "matched": 1}


def test_a_repeat_within_the_window_is_merged(tmp_path, today):
    day = D0.isoformat()
    row = f"{day},mini_program,self,,张三,,{VILLAGE_A},,生活困难,,13912345678"
    path = _file(tmp_path, [row, row.replace("13912345678", "13900000000")])
    out = io.StringIO()
    call_command("import", "selfreports", str(path), stdout=out)
    assert "新建申报1件" in out.getvalue() and "重复申报1件" in out.getvalue()
    assert SelfReport.objects.get().duplicate_count == 1


def test_bad_rows_refuse_the_whole_file_and_change_nothing(tmp_path, today, capsys):
    tomorrow = (D0 + dt.timedelta(days=1)).isoformat()
    path = _file(
        tmp_path,
        [
            f"{D0.isoformat()},mini_program,self,,张三,,{VILLAGE_A},,生活困难,,13912345678",
            f"{D0.isoformat()},mini_program,self,,李四,,{VILLAGE_A},,生活困难,,12345",
            f"{tomorrow},mini_program,self,,王五,,999999999999,,天气不好,,13912345679",
            f"2025-13-01,mini_program,other,,赵六,,{VILLAGE_A},,生活困难,,13912345670",
        ],
    )
    audits = AuditEntry.objects.count()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "selfreports", str(path), stdout=io.StringIO())
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "整批拒收" in err
    for expected in (
        "第3行“contact_phone”列",
        "第4行“reported_on”列",
        "受理日期不能晚于今天",
        "第4行“village_code”列",
        "第4行“difficulty”列",
        "第5行“reported_on”列",
        "第5行“reporter_name”列",  # another person's report must name who filed it
    ):
        assert expected in err, expected
    assert not SelfReport.objects.exists() and not Clue.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_missing_columns_are_named(tmp_path, today, capsys):
    path = tmp_path / "x.csv"
    path.write_text("reported_on,subject_name\n2025-01-01,张三\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("import", "selfreports", str(path), stdout=io.StringIO())
    err = capsys.readouterr().err
    assert "village_code" in err and "contact_phone" in err and "difficulty" in err


def test_a_month_without_reports_is_a_header_only_file(tmp_path, today):
    path = tmp_path / "self_reports.csv"
    path.write_text(HEADER, encoding="utf-8")
    out = io.StringIO()
    call_command("import", "selfreports", str(path), stdout=out)
    assert "0行，新建申报0件" in out.getvalue()
    assert not SelfReport.objects.exists()


def test_a_truncated_row_refuses_the_file(tmp_path, today, capsys):
    path = _file(tmp_path, [f"{D0.isoformat()},mini_program,self,,张三,,{VILLAGE_A}"])
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "selfreports", str(path), stdout=io.StringIO())
    assert exit_.value.code == 2 and "第2行" in capsys.readouterr().err
    assert not SelfReport.objects.exists()
