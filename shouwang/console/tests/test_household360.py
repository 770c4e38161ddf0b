"""The household 360° page: warnings and signals, cases with their history, plan, visits, the income chart
data, and the department evidence read from the lake's Parquet files (scoped and audited)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.console.tests.helpers import TODAY, client_for, home_check, open_case, set_today, warning_for
from shouwang.exchange.services import feed_batch_ingest
from shouwang.registry.models import IncomeRecord
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
HEAD_ID = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)  # 李建国, head of make_household's default family


@pytest.fixture
def li(monkeypatch):
    set_today(monkeypatch, TODAY)
    hh = make_household(
        "H_LI",
        VILLAGE_A,
        income={
            "wage": Decimal(24000),
            "business": Decimal(0),
            "property": Decimal(0),
            "transfer": Decimal(0),
            "business_cost": Decimal(0),
        },
        income_period="2024-06",
    )

    IncomeRecord.objects.create(
        household=hh,
        period="2024-12",
        wage=Decimal(20000),
        business=0,
        property=0,
        transfer=0,
        business_cost=0,
        net_income=Decimal(20000),
        members_counted=4,
        per_capita_net=Decimal(5000),
        per_capita_reference=Decimal(5000),
    )
    warning_for(hh, "2025-02", risk_types=["illness"])
    village = make_user("village", VILLAGE_A)
    case = open_case(hh, village)
    home_check(case, village, TODAY)
    return hh


def test_page_shows_warnings_cases_and_income_chart(li):
    c = client_for(make_user("county", COUNTY))
    response = c.get(reverse("console:household_detail", args=["H_LI"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "MED-SELFPAY" in body and "新预警" in body  # the month's warning and its signal
    assert "识别纳入 #" in body and "入户核实" in body and "2025-03-20" in body  # case history, business date
    assert HEAD_ID not in body and idnumber.mask(HEAD_ID) in body
    chart = response.context["h360"].income_chart
    assert chart["periods"] == ["2024-06", "2024-12"] and chart["per_capita"] == [6000.0, 5000.0]
    assert 'id="data-income"' in body  # the chart's data for ECharts
    assert 'hx-get="/households/H_LI/evidence/"' in body


def test_evidence_timeline_from_the_lake(li, tmp_path: Path):

    csv = tmp_path / "medical.csv"
    csv.write_text(
        "id_number,settled_on,total_cost,fund_paid,self_pay,inpatient\n"
        f"{HEAD_ID},2025-02-10,12000.00,7000.00,5000.00,Y\n"
        f"{idnumber.make(COUNTY, dt.date(1980, 1, 1), 99)},2025-02-11,100.00,50.00,50.00,N\n",
        encoding="utf-8",
    )
    feed_batch_ingest(kind="medical", path=csv, period="2025-02", actor="cli:test")
    c = client_for(make_user("county", COUNTY))
    url = reverse("console:household_evidence", args=["H_LI"])
    fragment = c.get(url, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert fragment.status_code == 200 and not body.lstrip().startswith("<!DOCTYPE")
    assert "医保" in body and "李建国" in body and "5,000.00" in body and "2025-02-10" in body
    assert idnumber.mask(HEAD_ID) in body and HEAD_ID not in body
    assert "2025-02-11" not in body  # another person's settlement
    assert c.get(url).content.decode().lstrip().startswith("<!DOCTYPE")  # without htmx: a whole page
    assert (
        AuditEntry.objects.filter(object_type="household", object_id="H_LI", reason="evidence").count() == 2
    )
    outsider = client_for(make_user("village", VILLAGE_B))
    missing = outsider.get(reverse("console:household_evidence", args=["H_NONE"]))
    refused = outsider.get(url)
    assert refused.status_code == 404 and refused.content == missing.content


def test_household_page_query_count(li, django_assert_max_num_queries):
    c = client_for(make_user("county", COUNTY))
    c.get(reverse("console:household_detail", args=["H_LI"]))
    with django_assert_max_num_queries(25):  # +1: the 小额信贷 loans (R-AID-06)
        c.get(reverse("console:household_detail", args=["H_LI"]))


def test_the_page_carries_the_next_actions_its_state_allows(monkeypatch):
    set_today(monkeypatch, TODAY)
    hh = make_household("H_NEXT", VILLAGE_A)
    warning = warning_for(hh, "2025-02", risk_types=["illness"])
    village = make_user("village", VILLAGE_A)
    c = client_for(village)
    url = reverse("console:household_detail", args=["H_NEXT"])
    page = c.get(url).content.decode()
    verify = reverse("console:warning_clue", args=[warning.pk])
    assert verify in page and "核实预警（转为风险线索）" in page
    assert "登记走访" not in page and "提出风险消除" not in page  # nothing monitored yet
    # The warning verified: the case opens and the button gives way to the case.
    assert c.post(verify, {"next": url}).status_code == 302
    page = c.get(url).content.decode()
    case = hh.cases.get()
    assert verify not in page and reverse("console:case_detail", args=[case.pk]) in page
    # Monitored: record a visit, propose elimination.
    type(case).objects.filter(pk=case.pk).update(state="monitoring", decided_on=TODAY)
    page = c.get(url).content.decode()
    assert reverse("console:visit_create", args=[case.pk]) in page
    assert f"{reverse('console:case_detail', args=[case.pk])}?act=propose_elimination" in page
    # A reader without the right to act sees the case but not the buttons.
    seen = client_for(make_user("auditor", COUNTY, username="aud")).get(url)
    assert seen.status_code == 200 and reverse("console:case_detail", args=[case.pk]) in seen.content.decode()
    assert reverse("console:visit_create", args=[case.pk]) not in seen.content.decode()
    assert "?act=propose_elimination" not in seen.content.decode()
