"""Department push API (CONTRACT §3 ``POST /api/v1/feeds/{kind}``) and batch reports."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from shouwang.accounts.models import ApiToken, User
from shouwang.accounts.services import api_token_create
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.common import idnumber
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.services import feed_token_create
from shouwang.exchange.tests.test_feeds_support import (
    PERIOD,
    county_people,
    headers,
    stranger,
    valid_row,
    write_csv,
    write_xlsx,
)
from shouwang.testing.builders import COUNTY, make_user

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    return county_people(4)


@pytest.fixture
def medical_token():
    return feed_token_create(department="medical", region_code=COUNTY, actor="test")[1]


def _push(token, kind, body, *, content_type="text/csv", period=PERIOD):
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().post(
        f"/api/v1/feeds/{kind}?period={period}", data=body, content_type=content_type, headers=auth
    )


def _csv_bytes(tmp_path, kind, rows, *, encoding="gb18030") -> bytes:
    return write_csv(tmp_path / f"{kind}.csv", headers(kind), rows, encoding=encoding).read_bytes()


def _nothing_written():
    lake = Path(django_settings.DATA_DIR) / "lake"
    return not ImportBatch.objects.exists() and not (lake.exists() and any(lake.rglob("*.parquet")))


def test_department_token_pushes_csv_and_gets_the_batch_report(tmp_path, people, medical_token):
    rows = [valid_row("medical", pid) for _, pid in people] + [valid_row("medical", stranger(9))]
    body = _csv_bytes(tmp_path, "medical", rows)

    res = _push(medical_token, "medical", body)

    assert res.status_code == 201, res.content
    out = res.json()
    batch = ImportBatch.objects.get()
    assert out["batch_id"] == batch.pk and out["status"] == "succeeded" and out["duplicate"] is False
    assert (out["rows"], out["matched"], out["unmatched"]) == (13, 12, 1)
    assert out["unmatched_rows"] == [
        {
            "row": 14,
            "id_masked": idnumber.mask(stranger(9)),
            "reason": batch.report["unmatched_rows"][0]["reason"],
        }
    ]
    assert stranger(9) not in res.content.decode()
    assert out["periods"] == [PERIOD] and out["source"] == "medical" and out["encoding"] == "gb18030"
    user = User.objects.get(username=f"dept-medical-{COUNTY}")
    assert batch.created_by == user
    assert AuditEntry.objects.filter(action=AuditActionChoices.IMPORT, actor=user).count() == 1

    again = _push(medical_token, "medical", body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["batch_id"] == batch.pk and ImportBatch.objects.count() == 1

    report = Client().get(f"/api/v1/feeds/batches/{batch.pk}", HTTP_AUTHORIZATION=f"Bearer {medical_token}")
    assert report.status_code == 200 and report.json()["unmatched_rows"] == out["unmatched_rows"]


def test_xlsx_and_json_bodies_are_accepted(tmp_path, people, medical_token):
    path = write_xlsx(
        tmp_path / "m.xlsx", headers("medical"), [valid_row("medical", pid) for _, pid in people]
    )
    res = _push(medical_token, "medical", path.read_bytes(), content_type=XLSX)
    assert res.status_code == 201 and res.json()["encoding"] == "xlsx"

    objects = [
        {
            "id_number": pid,
            "settled_on": "2024-03-06",
            "total_cost": 99.5,
            "fund_paid": 50,
            "self_pay": "49.50",
            "inpatient": False,
        }
        for _, pid in people
    ]
    res = _push(medical_token, "medical", json.dumps(objects), content_type="application/json")
    assert res.status_code == 201, res.content
    out = res.json()
    first = ImportBatch.objects.get(status="superseded")
    assert out["rows"] == 12 and out["matched"] == 12 and out["supersedes"] == first.pk


def test_medical_token_pushing_credit_is_forbidden(tmp_path, people, medical_token):
    res = _push(medical_token, "credit", _csv_bytes(tmp_path, "credit", [valid_row("credit", people[0][1])]))
    assert res.status_code == 403 and "无权报送" in res.json()["detail"]
    assert _nothing_written()


def test_no_token_is_unauthorised(tmp_path, people):
    res = _push("", "medical", _csv_bytes(tmp_path, "medical", [valid_row("medical", people[0][1])]))
    assert res.status_code == 401
    assert _nothing_written()


def test_officials_without_a_feed_scope_cannot_push_but_a_scoped_token_can(tmp_path, people):
    county = make_user("county")
    body = _csv_bytes(tmp_path, "police", [valid_row("police", people[0][1])])
    plain = api_token_create(user=county)
    assert _push(plain, "police", body).status_code == 403
    scoped = api_token_create(user=county, scopes=["feeds:police"])
    assert _push(scoped, "police", body).status_code == 201


def test_bad_rows_are_refused_with_every_row_error(tmp_path, people, medical_token):
    bad_id = people[1][1][:17] + ("5" if people[1][1][17] != "5" else "6")
    rows = [
        valid_row("medical", people[0][1]),
        valid_row("medical", bad_id),
        valid_row("medical", people[2][1]),
    ]
    rows[2][2] = "-1"
    before = AuditEntry.objects.count()

    res = _push(medical_token, "medical", _csv_bytes(tmp_path, "medical", rows))

    assert res.status_code == 422
    out = res.json()
    assert "整批拒收" in out["detail"]
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(3, "证件号码"), (4, "总费用")]
    assert "校验位错误" in out["errors"][0]["reason"] and out["errors"][1]["reason"] == "金额不能为负数"
    assert _nothing_written() and AuditEntry.objects.count() == before


def test_unknown_kind_bad_period_and_json_number_ids_are_refused(tmp_path, people, medical_token):
    body = _csv_bytes(tmp_path, "medical", [valid_row("medical", people[0][1])])
    res = _push(medical_token, "tax", body)
    assert res.status_code == 422 and "未知的部门数据类型" in res.json()["detail"]
    res = _push(medical_token, "medical", body, period="2024-13")
    assert res.status_code == 422 and "格式错误" in res.json()["detail"]
    rows = [
        {
            "证件号码": int(people[0][1][:17] + "0"),
            "结算日期": "2024-03-01",
            "总费用": 1,
            "基金支付": 0,
            "个人自付": 1,
            "是否住院": "N",
        }
    ]
    res = _push(medical_token, "medical", json.dumps(rows), content_type="application/json")
    assert res.status_code == 422 and res.json()["errors"][0]["row"] == 2
    assert "必须是字符串" in res.json()["errors"][0]["reason"]
    housing_token = feed_token_create(department="housing", region_code=COUNTY, actor="test")[1]
    owner_as_number = [
        {"户主证件号码": int(people[0][1][:17] + "0"), "鉴定日期": "2024-03-01", "鉴定等级": "C"}
    ]
    res = _push(housing_token, "housing", json.dumps(owner_as_number), content_type="application/json")
    assert res.status_code == 422 and res.json()["errors"][0]["column"] == "户主证件号码"
    res = _push(medical_token, "medical", "{not json", content_type="application/json")
    assert res.status_code == 422
    res = _push(medical_token, "medical", body, content_type="application/pdf")
    assert res.status_code == 415
    assert _nothing_written()


def test_batch_reports_are_visible_to_their_department_and_overlapping_regions(
    tmp_path, people, medical_token
):
    res = _push(
        medical_token, "medical", _csv_bytes(tmp_path, "medical", [valid_row("medical", people[0][1])])
    )
    batch_id = res.json()["batch_id"]
    civil_token = feed_token_create(department="civil", region_code=COUNTY, actor="test")[1]
    county_token = api_token_create(user=make_user("county"))
    village_token = api_token_create(user=make_user("village"))

    def get(token, pk=batch_id):
        return Client().get(f"/api/v1/feeds/batches/{pk}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    other_county_token = api_token_create(user=make_user("county", "530381"))
    province_token = api_token_create(user=make_user("province"))

    assert get(civil_token) == 404
    assert get(village_token) == 404
    assert get(other_county_token) == 404  # a delivery of 会泽县's department is not 宣威市's business
    assert get(county_token) == 200
    assert get(province_token) == 200
    assert get(medical_token, 99999) == 404
    denied = AuditEntry.objects.filter(object_type="import_batch", action=AuditActionChoices.ACCESS_DENIED)
    assert denied.count() == 3
    assert (
        AuditEntry.objects.filter(object_type="import_batch", action=AuditActionChoices.NOT_FOUND).count()
        == 1
    )


def test_large_body_is_streamed_past_the_form_upload_limit(tmp_path, people, medical_token):
    ids = [pid for _, pid in people]
    rows = [valid_row("medical", ids[i % len(ids)], day=f"2024-03-{i % 28 + 1:02d}") for i in range(50_000)]
    body = _csv_bytes(tmp_path, "medical", rows, encoding="utf-8")
    assert len(body) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    res = _push(medical_token, "medical", body)
    assert res.status_code == 201, res.content[:300]
    assert res.json()["rows"] == 50_000 and res.json()["matched"] == 50_000


def test_feed_token_command_creates_a_scoped_department_token(capsys):
    out = io.StringIO()
    call_command("feed-token", "--department", "medical", "--region", COUNTY, stdout=out)
    token = out.getvalue().strip()
    row = ApiToken.objects.get(user__username=f"dept-medical-{COUNTY}")
    assert token.startswith(row.prefix) and row.scopes == ["feeds:medical"]
    assert (
        row.user.role == "department"
        and row.user.department == "medical"
        and not row.user.has_usable_password()
    )
    assert abs(row.expires_at - row.created_at - timedelta(days=365)) < timedelta(minutes=1)
    # Re-running reuses the account and adds a token.
    call_command("feed-token", "--department", "medical", "--region", COUNTY, stdout=io.StringIO())
    assert ApiToken.objects.filter(user=row.user).count() == 2
    with pytest.raises(SystemExit) as exc:
        call_command("feed-token", "--department", "tax", "--region", "530326001", stdout=io.StringIO())
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "“--department”列（值：tax）" in err and "“--region”列（值：530326001）" in err


def test_two_counties_departments_pushes_do_not_supersede_each_other(tmp_path, people):
    """A pusher speaks for its region: the same kind pushed by two counties is two streams (decision 0009)."""
    here = feed_token_create(department="medical", region_code=COUNTY, actor="test")[1]
    there = feed_token_create(department="medical", region_code="530302", actor="test")[1]
    rows = [valid_row("medical", pid) for _, pid in people]
    a = _push(here, "medical", _csv_bytes(tmp_path, "medical", rows))
    b = _push(there, "medical", _csv_bytes(tmp_path, "medical", rows[:1]))
    assert a.status_code == b.status_code == 201, (a.content, b.content)
    first, second = ImportBatch.objects.order_by("id")
    assert (first.region, second.region) == (COUNTY, "530302")
    assert first.status == second.status == "succeeded" and second.supersedes_id is None
    # The same county's correction still replaces its own delivery.
    c = _push(here, "medical", _csv_bytes(tmp_path, "medical", rows[:2]))
    assert c.status_code == 201, c.content
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "superseded" and second.status == "succeeded"
    assert ImportBatch.objects.latest("id").supersedes_id == first.pk
