"""Excel exports: masked IDs and phones, formula-injection safety, the audit row, large exports as a
background job with a progress row, downloads only by their creator, and the command line."""

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.console import exports
from shouwang.console.exports import safe_cell
from shouwang.console.models import ExportJob
from shouwang.console.tests.helpers import client_for, warning_for, xlsx_rows
from shouwang.registry.models import Household
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
EXPORTS = reverse("console:export_list")
EVIL = '=HYPERLINK("http://x","点我")'


def _sheet(response) -> list[tuple]:
    return xlsx_rows(response)


@pytest.fixture
def households():
    make_household(
        "H_EVIL",
        VILLAGE_A,
        members=[{"seq": 11, "name": EVIL, "birth": dt.date(1975, 3, 8), "relation": "head"}],
        address="+86 村东头",
    )
    for i in range(3):
        make_household(
            f"H_{i}",
            VILLAGE_A,
            members=[{"seq": 20 + i, "name": f"户主{i}", "birth": dt.date(1970, 1, 1), "relation": "head"}],
        )
    make_household(
        "H_FAR",
        VILLAGE_B,
        members=[{"seq": 40, "name": "远方", "birth": dt.date(1970, 1, 1), "relation": "head"}],
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86", "'+86"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("李四", "李四"),
        (-3, -3),
        (None, None),
        ("1=1", "1=1"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_household_export_is_masked_safe_scoped_and_audited(households):
    user = make_user("township", "530326001")
    c = client_for(user)
    response = c.post(EXPORTS, {"kind": "households", "f_region": VILLAGE_A, "f_monitoring": ""})
    assert response.status_code == 302
    download = c.get(response["Location"])
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(download)
    assert rows[0][0] == "户编号" and len(rows) == 5  # header + the four households of the village
    evil = next(r for r in rows if r[0] == "H_EVIL")
    assert evil[1] == "'" + EVIL  # shown as text, never evaluated
    head_id = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)
    assert evil[2] == idnumber.mask(head_id)
    flat = repr(rows)
    assert head_id not in flat and "13800001234" not in flat and "138****1234" in flat
    assert "H_FAR" not in flat
    audit = AuditEntry.objects.get(action="export")
    assert audit.actor == user and audit.changes["rows"] == 4
    assert audit.changes["filters"] == {"region": VILLAGE_A} and audit.changes["kind"] == "households"


def test_a_search_term_is_never_stored_with_an_export(households):
    c = client_for(make_user("county", COUNTY))
    number = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)
    c.post(EXPORTS, {"kind": "households", "f_region": COUNTY, "q": number})
    job = ExportJob.objects.get()
    assert number not in repr(job.filters) and number not in repr(
        AuditEntry.objects.get(action="export").changes
    )


def test_a_large_export_is_a_background_job_with_progress(
    households, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "LARGE_EXPORT_ROWS", 2)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    user = make_user("county", COUNTY)
    c = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(EXPORTS, {"kind": "households", "f_region": COUNTY})
    assert response["Location"] == EXPORTS
    job = ExportJob.objects.get()
    assert job.status == "succeeded" and job.rows == 5 and job.progress == 100
    row = c.get(reverse("console:export_progress", args=[job.pk]), headers={"HX-Request": "true"})
    body = row.content.decode()
    assert body.startswith("<tr") and "下载" in body and "hx-trigger" not in body  # finished: polling stops
    ExportJob.objects.filter(pk=job.pk).update(status="running", progress=40)
    running = c.get(reverse("console:export_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert (
        'hx-trigger="every 2s"' in running.content.decode()
        and 'aria-valuenow="40"' in running.content.decode()
    )


def test_only_the_creator_may_download(households):
    owner = client_for(make_user("county", COUNTY))
    owner.post(EXPORTS, {"kind": "households"})
    job = ExportJob.objects.get()
    other = client_for(make_user("county", COUNTY, username="another_county"))
    url = reverse("console:export_download", args=[job.pk])
    missing = other.get(reverse("console:export_download", args=[job.pk + 100]))
    refused = other.get(url)
    assert refused.status_code == missing.status_code == 404 and refused.content == missing.content
    assert AuditEntry.objects.filter(object_type="export", action="access_denied").count() == 1
    assert (
        client_for(make_user("", COUNTY, username="nobody")).post(EXPORTS, {"kind": "households"}).status_code
        == 403
    )


def test_warning_export(households):

    warning_for(Household.objects.get(household_no="H_EVIL"), "2025-02", risk_types=["illness", "water"])
    c = client_for(make_user("county", COUNTY))
    response = c.post(EXPORTS, {"kind": "warnings", "f_period": "2025-02"})
    rows = _sheet(c.get(response["Location"]))
    assert rows[1][:3] == ("2025-02", "H_EVIL", "'" + EVIL) and rows[1][6] == "因病、因安全饮水"


def test_export_command(households, tmp_path: Path, capsys):
    out = tmp_path / "名单.xlsx"
    call_command(
        "export",
        "households",
        "--user",
        make_user("county", COUNTY).username,
        "--region",
        VILLAGE_A,
        "--out",
        str(out),
    )
    assert "已导出农户名单：4行" in capsys.readouterr().out
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 5
    with pytest.raises(SystemExit) as refused:
        call_command("export", "nothing", "--user", "ghost", "--out", str(tmp_path / "x.csv"))
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert "用户不存在" in err and "households" in err and ".xlsx" in err
    assert ExportJob.objects.count() == 1  # the refused one wrote nothing
