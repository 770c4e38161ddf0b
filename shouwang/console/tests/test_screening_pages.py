"""Screening runs from the console (county and above; progress polled with htmx), the parameter editor
(new versions only, audited) and the department delivery batches."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.console.models import StatRefresh
from shouwang.console.tests.helpers import client_for
from shouwang.exchange.services import feed_batch_ingest
from shouwang.screening.models import Parameter, ScreeningRun
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db
RUNS = reverse("console:screening_runs")
PARAMS = reverse("console:parameters")


def test_county_starts_a_run_and_follows_its_progress(django_capture_on_commit_callbacks):
    make_household(
        "H_LOW",
        VILLAGE_A,
        income={
            "wage": Decimal(8000),
            "business": Decimal(0),
            "property": Decimal(0),
            "transfer": Decimal(0),
            "business_cost": Decimal(0),
        },
        income_period="2025-01",
    )
    c = client_for(make_user("county", COUNTY))
    assert "开始筛查" in c.get(RUNS).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(RUNS, {"period": "2025-02", "engine": "duckdb", "reason": "月度筛查"})
    run = ScreeningRun.objects.get(period="2025-02")
    assert response.status_code == 302 and response["Location"] == reverse(
        "console:screening_run_detail", args=[run.pk]
    )
    assert run.status == "succeeded" and run.counts["households_screened"] == 1
    assert StatRefresh.objects.filter(status="succeeded").exists()  # refreshed after the run
    fragment = c.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'id="run-progress"' in fragment and "hx-trigger" not in fragment and "预警户数" in fragment
    # A run still going is polled every two seconds.
    ScreeningRun.objects.filter(pk=run.pk).update(status="running", progress=35)
    fragment = c.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'aria-valuenow="35"' in fragment


def test_a_second_start_is_refused_loudly_and_bad_input_in_chinese():
    c = client_for(make_user("county", COUNTY))
    ScreeningRun.objects.create(period="2025-03", engine="duckdb", status="queued")
    busy = c.post(RUNS, {"period": "2025-03", "engine": "duckdb"})
    assert busy.status_code == 422 and "正在进行" in busy.content.decode()
    bad = c.post(RUNS, {"period": "2025-13", "engine": "duckdb"})
    assert bad.status_code == 422 and "期间格式应为YYYY-MM" in bad.content.decode()
    assert ScreeningRun.objects.count() == 1


def test_township_sees_runs_but_may_not_start_one():
    c = client_for(make_user("township", TOWNSHIP_A))
    assert "开始筛查" not in c.get(RUNS).content.decode()
    assert c.post(RUNS, {"period": "2025-02", "engine": "duckdb"}).status_code == 403
    assert not ScreeningRun.objects.exists()
    assert client_for(make_user("", COUNTY, username="nobody")).get(RUNS).status_code == 403


def test_parameter_editor_sets_a_new_version():
    user = make_user("county", COUNTY)
    c = client_for(user)
    page = c.get(PARAMS)
    threshold = next(p for p in page.context["page"]["effective"] if p["key"] == "threshold")
    year = page.context["page"]["year"]
    response = c.post(
        PARAMS,
        {"region_code": COUNTY, "year": year, "key": "threshold", "value": "9100", "note": "县政府文件调整"},
    )
    assert response.status_code == 302
    row = Parameter.objects.get(region_code=COUNTY, key="threshold", year=year)
    assert row.value == Decimal("9100") and row.version == 1 and row.created_by == user
    after = next(p for p in c.get(PARAMS).context["page"]["effective"] if p["key"] == "threshold")
    assert after["value"] == Decimal("9100") and after["source"] == f"{COUNTY}/{year}/v1"
    assert after["value"] != threshold["value"]
    audit = AuditEntry.objects.get(object_type="screening_parameter", action="create")
    assert audit.changes["value"][1] == "9100" and audit.reason == "县政府文件调整"
    # Refusals: a region outside the user's, a missing note, a township user.
    outside = c.post(
        PARAMS, {"region_code": "5301", "year": year, "key": "threshold", "value": "1", "note": "x"}
    )
    assert outside.status_code == 403 and "只能设置本级及下辖区划" in outside.content.decode()
    no_note = c.post(PARAMS, {"region_code": COUNTY, "year": year, "key": "threshold", "value": "1"})
    assert no_note.status_code == 422 and "请填写调整说明与依据" in no_note.content.decode()
    township = client_for(make_user("township", TOWNSHIP_A))
    assert "保存为新版本" not in township.get(PARAMS).content.decode()
    refused = township.post(
        PARAMS, {"region_code": TOWNSHIP_A, "year": year, "key": "threshold", "value": "1", "note": "x"}
    )
    assert refused.status_code == 403
    assert Parameter.objects.filter(created_by__isnull=False).count() == 1


def test_batches_page(tmp_path: Path):

    make_household("H_LI", VILLAGE_A)
    head = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)
    stranger = idnumber.make(COUNTY, dt.date(1981, 1, 1), 99)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    header = "id_number,event_on,event,amount\n"
    first.write_text(header + f"{head},2025-02-03,temp_aid,500.00\n", encoding="utf-8")
    second.write_text(
        header + f"{head},2025-02-03,temp_aid,600.00\n{stranger},2025-02-04,temp_aid,1.00\n", encoding="utf-8"
    )
    old = feed_batch_ingest(kind="civil", path=first, period="2025-02", actor="cli:test")
    new = feed_batch_ingest(kind="civil", path=second, period="2025-02", actor="cli:test")
    c = client_for(make_user("county", COUNTY))
    listing = c.get(reverse("console:batches"), {"period": "2025-02"})
    body = listing.content.decode()
    assert listing.status_code == 200 and "已被更正批次替代" in body and "50.0%" in body
    assert f'替代 <a href="/batches/{old.pk}/">#{old.pk}</a>' in body
    detail = c.get(reverse("console:batch_detail", args=[new.pk])).content.decode()
    assert idnumber.mask(stranger) in detail and stranger not in detail
    assert client_for(make_user("village", VILLAGE_A)).get(reverse("console:batches")).status_code == 403
