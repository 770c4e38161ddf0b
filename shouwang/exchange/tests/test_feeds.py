"""Department feed import (issue 3 §1): file import, refusals, batch semantics, the lake, matching."""

import datetime as dt
import threading
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections

from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.commands.feeds import feed_import_cli
from shouwang.common import crypto, idnumber
from shouwang.exchange.choices import BatchStatusChoices
from shouwang.exchange.feeds import FEED_SPECS
from shouwang.exchange.lake import feed_files, lake_abspath
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.services import feed_batch_ingest
from shouwang.exchange.tests.test_feeds_support import (
    PERIOD,
    county_people,
    headers,
    stranger,
    valid_row,
    write_csv,
    write_xlsx,
)
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    return county_people(5)  # 15 registered persons in 5 households


def _ingest(kind, path, period=PERIOD, source=""):
    return feed_batch_ingest(kind=kind, path=path, period=period, source=source, actor="test")


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _snapshot():
    data = Path(django_settings.DATA_DIR)
    return (
        list(ImportBatch.objects.values_list("id", "status")),
        AuditEntry.objects.count(),
        _files_under(data),
    )


# --- Accepted deliveries --------------------------------------------------------------------------------


def test_medical_gb18030_with_chinese_headers_is_imported_matched_and_audited(tmp_path, people):
    rows = [valid_row("medical", pid, day=f"2024-03-{i + 1:02d}") for i, (_, pid) in enumerate(people)]
    path = write_csv(tmp_path / "医保2024-03.csv", headers("medical"), rows)

    batch = _ingest("medical", path)

    assert batch.status == BatchStatusChoices.SUCCEEDED and not batch.duplicate
    assert (batch.rows_total, batch.matched, batch.unmatched) == (15, 15, 0)
    assert batch.encoding == "gb18030" and batch.periods == ["2024-03"] and batch.source == "medical"
    assert batch.lake_path == f"lake/feeds/medical/2024-03/batch-{batch.pk}.parquet"
    lake = pl.read_parquet(lake_abspath(batch.lake_path))
    assert lake.schema == pl.Schema(
        {
            "row_no": pl.Int32,
            "batch_id": pl.Int64,
            "id_index": pl.Utf8,
            "id_masked": pl.Utf8,
            "settled_on": pl.Date,
            "total_cost": pl.Float64,
            "fund_paid": pl.Float64,
            "self_pay": pl.Float64,
            "inpatient": pl.Boolean,
            "person_id": pl.Int64,
            "household_no": pl.Utf8,
        }
    )
    assert lake["row_no"].to_list() == list(range(2, 17))
    assert lake["household_no"].to_list() == [hh for hh, _ in people]
    assert lake["id_index"].to_list() == crypto.blind_index_many([pid for _, pid in people])
    assert lake["id_masked"].to_list() == [idnumber.mask(pid) for _, pid in people]
    assert lake["settled_on"][0] == dt.date(2024, 3, 1) and lake["self_pay"][0] == 400.5
    assert set(lake["batch_id"]) == {batch.pk}
    # The original delivery is archived byte for byte.
    assert Path(batch.stored_path).read_bytes() == path.read_bytes()
    audit = AuditEntry.objects.get(action=AuditActionChoices.IMPORT, object_id=str(batch.pk))
    assert (
        audit.changes["rows"] == 15 and audit.changes["matched"] == 15 and audit.changes["kind"] == "medical"
    )
    assert audit.changes["checksum"] == batch.checksum and audit.actor_label == "test"


@pytest.mark.parametrize("kind", sorted(FEED_SPECS))
def test_every_kind_accepts_a_valid_xlsx_delivery(tmp_path, people, kind):
    rows = [valid_row(kind, pid) for _, pid in people[:3]]
    if kind == "water":
        rows = rows[:1]
    path = write_xlsx(tmp_path / f"{kind}.xlsx", headers(kind, chinese=kind != "credit"), rows)

    batch = _ingest(kind, path)

    assert batch.status == BatchStatusChoices.SUCCEEDED and batch.encoding == "xlsx"
    lake = pl.read_parquet(lake_abspath(batch.lake_path))
    assert "id_number" not in lake.columns
    spec = FEED_SPECS[kind]
    types = {c.name: c.type for c in spec.columns}
    for name, t in types.items():
        if name == "id_number":
            continue
        expected = {"date": pl.Date, "money": pl.Float64, "flag": pl.Boolean, "int": pl.Int32}.get(t, pl.Utf8)
        assert lake.schema[name] == expected, name
    if kind == "water":
        # One lake row per (delivered row, household of the village): H000..H004 are all in VILLAGE_A.
        assert lake["household_no"].to_list() == [f"H{i:03d}" for i in range(5)]
        assert set(lake["row_no"]) == {2} and batch.matched == 1
    else:
        assert lake["person_id"].null_count() == 0 and batch.matched == 3


def test_enumerations_accept_chinese_labels_and_store_codes(tmp_path, people):
    rows = [[people[0][1], "2024-03-02", "临时救助", "300.5"], [people[1][1], "2024-03-03", "退出低保", ""]]
    batch = _ingest("civil", write_csv(tmp_path / "civil.csv", headers("civil"), rows))
    lake = pl.read_parquet(lake_abspath(batch.lake_path))
    assert lake["event"].to_list() == ["temp_aid", "dibao_cancelled"]
    assert lake["amount"].to_list() == [300.5, None]


def test_ten_percent_unknown_ids_are_accepted_and_each_one_reported(tmp_path, people):
    known = [valid_row("medical", pid, day="2024-03-10") for _, pid in people] * 3  # 45 rows
    unknown_ids = [stranger(s) for s in range(5)]
    rows = known[:20] + [valid_row("medical", u, day="2024-03-11") for u in unknown_ids] + known[20:]

    batch = _ingest("medical", write_csv(tmp_path / "m.csv", headers("medical"), rows))

    assert (batch.rows_total, batch.matched, batch.unmatched) == (50, 45, 5)
    report = batch.report["unmatched_rows"]
    assert [r["row"] for r in report] == [22, 23, 24, 25, 26]
    assert [r["id_masked"] for r in report] == [idnumber.mask(u) for u in unknown_ids]
    assert all("登记库中没有" in r["reason"] for r in report)
    assert not any(u in str(batch.report) for u in unknown_ids)
    lake = pl.read_parquet(lake_abspath(batch.lake_path))
    assert lake.height == 50  # unmatched rows are kept, never dropped
    assert lake.filter(pl.col("person_id").is_null())["row_no"].to_list() == [22, 23, 24, 25, 26]


def test_lake_parquet_holds_no_clear_id(tmp_path, people):
    ids = [pid for _, pid in people] + [stranger(1)]
    rows = [valid_row("police", pid) for pid in ids]
    batch = _ingest("police", write_csv(tmp_path / "p.csv", headers("police"), rows))
    path = lake_abspath(batch.lake_path)
    raw = path.read_bytes()
    # Every value decoded (compression would hide a clear ID from a plain byte scan) and the bytes too.
    cells = [str(v) for col in pq.read_table(path).columns for v in col.to_pylist()]
    text = "\n".join(cells)
    assert idnumber.mask(ids[0]) in text  # the scan does see the ID columns
    for pid in ids:
        assert pid not in text and pid.encode() not in raw and pid[:17].encode() not in raw
    metadata = str(pq.read_metadata(path).to_dict())
    assert not any(pid in metadata for pid in ids)


def test_same_file_twice_changes_nothing(tmp_path, people):
    path = write_csv(tmp_path / "h.csv", headers("housing"), [valid_row("housing", pid) for _, pid in people])
    first = _ingest("housing", path)
    before = _snapshot()

    again = _ingest("housing", path)

    assert again.duplicate and again.pk == first.pk
    assert _snapshot() == before


def test_corrected_file_supersedes_the_earlier_one_which_stays(tmp_path, people):
    rows = [valid_row("education", pid, day="2024-03-20") for _, pid in people]
    first = _ingest("education", write_csv(tmp_path / "e1.csv", headers("education"), rows))
    first_lake = lake_abspath(first.lake_path)
    first_bytes = first_lake.read_bytes()
    corrected_rows = [*rows[:-1], valid_row("education", people[-1][1], day="2024-02-28")]

    second = _ingest("education", write_csv(tmp_path / "e2.csv", headers("education"), corrected_rows))

    first.refresh_from_db()
    assert first.status == BatchStatusChoices.SUPERSEDED
    assert second.status == BatchStatusChoices.SUCCEEDED and second.supersedes_id == first.pk
    assert second.periods == ["2024-02", "2024-03"]
    assert second.report["affected_periods"] == ["2024-02", "2024-03"]
    assert feed_files("education") == [("education", PERIOD, second.pk, lake_abspath(second.lake_path))]
    assert first_lake.read_bytes() == first_bytes  # the old delivery stays, unchanged
    assert not first_lake.stat().st_mode & 0o222  # lake files are read-only
    audit = AuditEntry.objects.get(action=AuditActionChoices.IMPORT, object_id=str(second.pk))
    assert audit.changes["superseded"] == [first.pk]
    # Another source for the same kind and period is a separate delivery, not a correction.
    third = _ingest(
        "education", write_csv(tmp_path / "e3.csv", headers("education"), rows[:2]), source="职校"
    )
    assert third.supersedes_id is None
    assert [f[2] for f in feed_files("education", PERIOD, PERIOD)] == [second.pk, third.pk]


def test_feed_files_filters_by_kind_and_period(tmp_path, people):
    pid = people[0][1]
    a = _ingest("police", write_csv(tmp_path / "a.csv", headers("police"), [valid_row("police", pid)]))
    b = _ingest(
        "police",
        write_csv(tmp_path / "b.csv", headers("police"), [valid_row("police", pid, day="2024-04-02")]),
        period="2024-04",
    )
    c = _ingest("civil", write_csv(tmp_path / "c.csv", headers("civil"), [valid_row("civil", pid)]))
    assert [f[2] for f in feed_files()] == [c.pk, a.pk, b.pk]
    assert [f[2] for f in feed_files("police", period_from="2024-04")] == [b.pk]
    assert [f[2] for f in feed_files(period_to="2024-03")] == [c.pk, a.pk]
    assert all(f[3].is_file() for f in feed_files())


def test_late_rows_of_the_two_previous_months_are_accepted(tmp_path, people):
    days = ["2024-03-01", "2024-02-15", "2024-01-31"] + ["2024-03-09"] * 20
    rows = [valid_row("disaster", people[i % 15][1], day=d) for i, d in enumerate(days)]
    batch = _ingest("disaster", write_csv(tmp_path / "d.csv", headers("disaster"), rows))
    assert batch.periods == ["2024-01", "2024-02", "2024-03"]
    assert batch.report["period_rows"] == {"2024-01": 1, "2024-02": 1, "2024-03": 21}


def test_water_rows_match_the_households_of_their_village_group(tmp_path, people):
    make_household(
        "B001",
        VILLAGE_B,
        members=[{"seq": 7, "name": "王某", "birth": dt.date(1950, 1, 1), "relation": "head"}],
    )
    rows = [
        [VILLAGE_A, "1组", "2024-03-01", "2024-03-04", "停水"],
        [VILLAGE_B, "", "2024-01-20", "", "quality"],
        [VILLAGE_A, "9组", "2024-03-02", "", "distance"],
    ]
    batch = _ingest("water", write_csv(tmp_path / "w.csv", headers("water"), rows))
    lake = pl.read_parquet(lake_abspath(batch.lake_path))
    by_row = {r: lake.filter(pl.col("row_no") == r)["household_no"].to_list() for r in (2, 3, 4)}
    assert by_row == {2: ["H000", "H002", "H004"], 3: ["B001"], 4: [None]}
    assert (batch.rows_total, batch.matched, batch.unmatched) == (3, 2, 1)
    assert batch.report["unmatched_rows"] == [
        {"row": 4, "id_masked": None, "reason": "该行政村（村民小组）没有在册农户"}
    ]
    # The ongoing issue since January counts for every month of the tolerance window.
    assert batch.periods == ["2024-01", "2024-02", "2024-03"]


def test_header_only_delivery_is_an_empty_batch_that_can_correct_a_wrong_one(tmp_path, people):
    wrong = _ingest(
        "civil", write_csv(tmp_path / "c1.csv", headers("civil"), [valid_row("civil", people[0][1])])
    )
    empty = _ingest("civil", write_csv(tmp_path / "c2.csv", headers("civil"), []))
    assert (empty.rows_total, empty.matched, empty.unmatched, empty.periods) == (0, 0, 0, [])
    assert empty.supersedes_id == wrong.pk and empty.report["affected_periods"] == [PERIOD]
    lake = pl.read_parquet(lake_abspath(empty.lake_path))
    assert lake.height == 0 and lake.schema["event_on"] == pl.Date and lake.schema["amount"] == pl.Float64
    assert [f[2] for f in feed_files("civil")] == [empty.pk]


# --- Refusals: exit 2, a Chinese message naming row and column, nothing written -------------------------


def _refused(capsys, kind, path, period=PERIOD) -> str:
    before = _snapshot()
    with pytest.raises(SystemExit) as exc:
        feed_import_cli({"kind": kind, "path": str(path), "period": period, "source": None})
    assert exc.value.code == 2
    assert _snapshot() == before
    assert not ImportBatch.objects.exists()
    assert not (Path(django_settings.DATA_DIR) / "lake").exists() or not _files_under(
        Path(django_settings.DATA_DIR) / "lake"
    )
    return capsys.readouterr().err


def test_bad_check_character_is_refused(tmp_path, capsys, people):
    good = people[0][1]
    bad = good[:17] + ("5" if good[17] != "5" else "6")
    rows = [valid_row("medical", good), valid_row("medical", bad)]
    err = _refused(capsys, "medical", write_csv(tmp_path / "m.csv", headers("medical"), rows))
    assert "第3行“证件号码”列" in err and "校验位错误" in err


def test_id_mangled_by_excel_is_refused(tmp_path, capsys, people):
    rows = [
        valid_row("civil", people[0][1]),
        valid_row("civil", "5.30326E+17"),
        valid_row("civil", "53032619750308"),
    ]
    err = _refused(capsys, "civil", write_csv(tmp_path / "c.csv", headers("civil"), rows))
    assert "第3行“证件号码”列" in err and "科学计数法" in err
    assert "第4行“证件号码”列" in err


def test_id_stored_as_number_in_xlsx_is_refused(tmp_path, capsys, people):
    rows: list[list] = [
        valid_row("police", people[0][1]),
        [float(people[1][1][:17] + "0"), "2024-03-05", "death"],
    ]
    err = _refused(capsys, "police", write_xlsx(tmp_path / "p.xlsx", headers("police"), rows))
    assert "第3行“证件号码”列" in err


def test_unknown_kind_is_refused(tmp_path, capsys, people):
    path = write_csv(tmp_path / "x.csv", headers("medical"), [valid_row("medical", people[0][1])])
    err = _refused(capsys, "tax", path)
    assert "未知的部门数据类型“tax”" in err and "medical" in err
    err = _refused(capsys, "households", path)  # a registry kind is not a feed
    assert "未知的部门数据类型" in err


def test_period_that_does_not_match_the_data_is_refused(tmp_path, capsys, people):
    # A January file delivered as June: every row is older than the two months' tolerance.
    rows = [valid_row("medical", people[i % 15][1], day=f"2024-01-{i % 28 + 1:02d}") for i in range(30)]
    err = _refused(
        capsys, "medical", write_csv(tmp_path / "m.csv", headers("medical"), rows), period="2024-06"
    )
    assert "与报送期间不符" in err and "“结算日期”列" in err and "2024-01" in err
    assert "第2行“结算日期”列" in err


def test_mostly_old_rows_are_refused_even_inside_the_tolerance(tmp_path, capsys, people):
    # All rows from P-2: each alone is a tolerated late row, but a whole file of them is a wrong period.
    rows = [valid_row("housing", people[i % 15][1], day="2024-01-10") for i in range(25)]
    err = _refused(capsys, "housing", write_csv(tmp_path / "h.csv", headers("housing"), rows))
    assert "只有0%的记录日期在2024-02至2024-03之间" in err and "记录最多的月份是2024-01" in err


def test_rows_after_the_period_and_future_dates_are_refused(tmp_path, capsys, people):
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    rows = [
        valid_row("police", people[0][1]),
        valid_row("police", people[1][1], day="2024-04-01"),
        valid_row("police", people[2][1], day=future),
    ]
    err = _refused(capsys, "police", write_csv(tmp_path / "p.csv", headers("police"), rows))
    assert "第3行“事件日期”列（值：2024-04-01）：日期晚于报送期间2024-03" in err
    assert "第4行“事件日期”列" in err and "晚于今天" in err


def test_future_period_is_refused(tmp_path, capsys, people):
    next_year = f"{dt.date.today().year + 1}-01"
    path = write_csv(tmp_path / "p.csv", headers("police"), [valid_row("police", people[0][1])])
    assert "不能晚于当前月份" in _refused(capsys, "police", path, period=next_year)
    assert "格式应为YYYY-MM" in _refused(capsys, "police", path, period="2024-13")


def test_truncated_csv_is_refused(tmp_path, capsys, people):
    path = write_csv(tmp_path / "m.csv", headers("medical"), [valid_row("medical", pid) for _, pid in people])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 12])  # the transfer stopped inside the last line
    err = _refused(capsys, "medical", path)
    assert "第16行" in err and "可能被截断" in err


def test_truncated_xlsx_is_refused(tmp_path, capsys, people):
    path = write_xlsx(
        tmp_path / "m.xlsx", headers("medical"), [valid_row("medical", pid) for _, pid in people]
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "XLSX文件已损坏或不完整" in _refused(capsys, "medical", path)


@pytest.mark.parametrize(
    "case",
    [
        ("medical", "总费用", "-5", "金额不能为负数"),
        ("medical", "是否住院", "也许", "应为Y或N"),
        ("medical", "结算日期", "2024/03/05", "日期格式应为YYYY-MM-DD"),
        ("civil", "事件类型", "dibao", "不是有效的事件类型"),
        ("disability", "残疾等级", "5", "应在1到4之间"),
        ("education", "在学状态", "missing", "不是有效的在学状态"),
        ("housing", "鉴定等级", "E", "不是有效的鉴定等级"),
        ("employment", "月份", "2024-3", "期间格式应为YYYY-MM"),
        ("employment", "就业状态", "retired", "不是有效的就业状态"),
        ("disaster", "损失金额", "12.345", "最多保留两位小数"),
        ("water", "行政村代码", "530326001999", "行政村代码不存在"),
        ("water", "问题类型", "flood", "不是有效的问题类型"),
        ("police", "事件类型", "arrest", "不是有效的事件类型"),
        ("credit", "逾期天数", "-1", "应在0到36500之间"),
        ("credit", "贷款余额", "", "不能为空"),
    ],
)
def test_invalid_values_are_refused_per_kind(tmp_path, capsys, people, case):
    kind, column, value, reason = case
    header = headers(kind)
    bad = valid_row(kind, people[1][1])
    bad[header.index(column)] = value
    rows = [valid_row(kind, people[0][1]), bad]
    err = _refused(capsys, kind, write_csv(tmp_path / f"{kind}.csv", header, rows))
    assert f"第3行“{column}”列" in err and reason in err


def test_medical_payments_above_the_total_are_refused(tmp_path, capsys, people):
    bad = valid_row("medical", people[0][1])
    bad[3], bad[4] = "900.00", "400.51"  # 900 + 400.51 > 1200.50 by one cent
    err = _refused(capsys, "medical", write_csv(tmp_path / "m.csv", headers("medical"), [bad]))
    assert "第2行“个人自付”列" in err and "超过总费用" in err


def test_duplicate_loan_numbers_are_refused(tmp_path, capsys, people):
    rows = [valid_row("credit", people[0][1]), valid_row("credit", people[0][1])]
    err = _refused(capsys, "credit", write_csv(tmp_path / "c.csv", headers("credit"), rows))
    assert "第3行“贷款编号”列" in err and "重复" in err


def test_missing_column_is_refused(tmp_path, capsys, people):
    header = headers("medical")[:-1]
    rows = [valid_row("medical", people[0][1])[:-1]]
    err = _refused(capsys, "medical", write_csv(tmp_path / "m.csv", header, rows))
    assert "缺少必填列“是否住院”" in err


def test_cli_prints_the_batch_report(tmp_path, capsys, people):
    rows = [valid_row("civil", pid) for _, pid in people[:2]] + [valid_row("civil", stranger(3))]
    path = write_csv(tmp_path / "c.csv", headers("civil"), rows, encoding="utf-8-sig")
    feed_import_cli({"kind": "civil", "path": str(path), "period": PERIOD, "source": "民政局"})
    out = capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert f"批次#{batch.pk} 已导入" in out and "行数3，匹配2，未匹配1" in out
    assert f"第4行 {idnumber.mask(stranger(3))}" in out and stranger(3) not in out
    assert batch.source == "民政局" and batch.encoding == "utf-8-sig"
    feed_import_cli({"kind": "civil", "path": str(path), "period": PERIOD, "source": "民政局"})
    assert "该文件已导入过" in capsys.readouterr().out


def test_shouwang_import_feed_command(tmp_path, capsys, people):
    """The CONTRACT §1 command line (argument parsing and dispatch included)."""

    path = write_csv(tmp_path / "p.csv", headers("police"), [valid_row("police", pid) for _, pid in people])
    call_command("import", "feed", "police", str(path), "--period", PERIOD, "--source", "交警")
    assert ImportBatch.objects.get().source == "交警"
    assert "行数15，匹配15，未匹配0" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        call_command("import", "feed", "police", str(path), "--period", "2023-01")
    assert exc.value.code == 2
    assert "第2行“事件日期”列" in capsys.readouterr().err
    assert ImportBatch.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_corrections_leave_exactly_one_batch_in_force(tmp_path, people):
    """Two different files for one (kind, source, period) at the same moment: one supersedes the other."""

    if connection.vendor != "postgresql":
        pytest.skip("needs separate connections to one database (SQLite tests use an in-memory database)")
    paths = [
        write_csv(
            tmp_path / f"p{i}.csv", headers("police"), [valid_row("police", pid) for _, pid in people[i:]]
        )
        for i in range(4)
    ]
    barrier = threading.Barrier(len(paths))
    errors: list[BaseException] = []

    def run(path):
        try:
            barrier.wait()
            _ingest("police", path)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ImportBatch.objects.count() == 4
    assert ImportBatch.objects.filter(status=BatchStatusChoices.SUCCEEDED).count() == 1
    assert len(feed_files("police")) == 1
