"""The 帮扶车间, 以工代赈 and 交通补助 pages (R-EMP-08/09): lists and details in the caller's region, the
quarterly check action with its refusal, the remuneration shares, the transport list with its reasons and
its two files; no raw codes on any of them."""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.console.tests.helpers import client_for
from shouwang.console.tests.test_no_raw_codes import Checker
from shouwang.employment.models import TransportSubsidy, WorkEpisode
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user
from shouwang.workshops.models import Workshop, WorkshopCheck
from shouwang.workshops.services import (
    relief_participant_add,
    relief_project_create,
    workshop_register,
    workshop_worker_add,
)

pytestmark = pytest.mark.django_db
YEAR = dt.date.today().year


def work_data(county: Any, village: str = VILLAGE_A, suffix: str = "") -> dict[str, Any]:
    """A workshop with four 脱贫 workers (fails the check), a 以工代赈 project with two paid people and
    two out-of-province labourers of this year (one eligible for the transport subsidy, one not)."""
    people = []
    for i in range(4):
        hh = make_household(
            f"HWP{suffix}{i}",
            village,
            members=[
                {"seq": 500 + i, "name": f"车间工{i}", "birth": dt.date(1985, 1, 1), "relation": "head"}
            ],
        )
        people.append(hh.members.get())
    workshop = workshop_register(
        actor=county,
        name=f"堂琅帮扶车间{suffix}",
        kind="home",
        village_code=village,
        operator="会泽县某竹编合作社",
        recognised_on=dt.date(YEAR - 1, 3, 1),
        recognition_doc="会人社联〔2025〕8号",
    )
    for p in people:
        workshop_worker_add(
            actor=county,
            workshop=workshop,
            person_id=p.pk,
            from_month=f"{YEAR - 1}-06",
            monthly_pay=Decimal("2200"),
        )
    project = relief_project_create(
        actor=county,
        name=f"堂琅产业路以工代赈{suffix}",
        county_code=COUNTY,
        year=YEAR,
        central_investment=Decimal("500000"),
        total_investment=Decimal("600000"),
        planned_remuneration=Decimal("160000"),
    )
    for p in people[:2]:
        relief_participant_add(
            actor=county,
            project=project,
            person_id=p.pk,
            from_month=f"{YEAR}-01",
            to_month=f"{YEAR}-01",
            pay=Decimal("3000"),
            paid_on=dt.date(YEAR, 1, 31),
        )
    for i, (start, end) in enumerate(((f"{YEAR}-01", f"{YEAR}-03"), (f"{YEAR}-01", f"{YEAR}-01"))):
        WorkEpisode.objects.create(
            person=people[i],
            household=people[i].household,
            county_code=COUNTY,
            township_code=village[:9],
            start_month=start,
            end_month=end,
            place_type="out_of_province",
            work_county="浙江省宁波市鄞州区",
            wage=Decimal("5200"),
            channel="migrant",
        )
    return {"workshop": workshop, "project": project, "people": people}


@pytest.fixture
def data():
    county = make_user("county", COUNTY, username="xianji", display_name="县级甲")
    return county, work_data(county)


def _clean(html: str, page: str) -> None:
    assert [str(f) for f in Checker().page_problems(page, html)] == []


def test_the_workshop_list_and_detail(data):
    county, d = data
    c = client_for(county)
    page = c.get(reverse("console:workshop_list"))
    html = page.content.decode()
    assert page.status_code == 200 and "堂琅帮扶车间" in html and "正常运行" in html and "居家式" in html
    _clean(html, "workshop list")
    detail = c.get(reverse("console:workshop_detail", args=[d["workshop"].pk]))
    text = detail.content.decode()
    assert "会人社联〔2025〕8号" in text and "车间工0" in text and "尚未开展季度检查" in text
    _clean(text, "workshop detail")
    # Another township's official: the workshop does not exist for them; a department officer gets 403.
    other = client_for(make_user("township", "530326102", username="tb"))
    assert other.get(reverse("console:workshop_detail", args=[d["workshop"].pk])).status_code == 404
    assert "堂琅帮扶车间" not in other.get(reverse("console:workshop_list")).content.decode()
    assert (
        client_for(make_user("department", COUNTY)).get(reverse("console:workshop_list")).status_code == 403
    )


def test_the_check_action_and_its_refusal(data):
    county, d = data
    c = client_for(county)
    quarter = f"{YEAR}Q1"
    done = c.post(reverse("console:workshop_check"), {"quarter": quarter}, follow=True)
    html = done.content.decode()
    assert f"{YEAR}年第一季度检查帮扶车间1个，达标0个，状态变化1个" in html and "监测待处置" in html
    detail = c.get(reverse("console:workshop_detail", args=[d["workshop"].pk])).content.decode()
    assert "吸纳脱贫劳动力4人，少于5人" in detail and "正常运行 →" in detail
    _clean(detail, "workshop detail after a check")
    before = (WorkshopCheck.objects.count(), AuditEntry.objects.filter(action="transition").count())
    refused = c.post(reverse("console:workshop_check"), {"quarter": f"{YEAR + 1}Q4"})
    assert refused.status_code == 422 and "尚未开始，不能检查" in refused.content.decode()
    _clean(refused.content.decode(), "refused check")
    village = client_for(make_user("village", VILLAGE_A))
    assert village.post(reverse("console:workshop_check"), {"quarter": quarter}).status_code == 403
    assert (WorkshopCheck.objects.count(), AuditEntry.objects.filter(action="transition").count()) == before
    d["workshop"].refresh_from_db()
    assert d["workshop"].status == "pending"


def test_relief_projects_show_the_shares(data):
    county, d = data
    c = client_for(county)
    html = c.get(reverse("console:relief_project_list")).content.decode()
    assert "堂琅产业路以工代赈" in html and "32.0%" in html and "1.2%" in html
    _clean(html, "relief list")
    detail = c.get(reverse("console:relief_project_detail", args=[d["project"].pk])).content.decode()
    assert "车间工1" in detail and "6,000" in detail
    _clean(detail, "relief detail")
    other = client_for(make_user("village", VILLAGE_B, username="vb"))
    assert other.get(reverse("console:relief_project_detail", args=[d["project"].pk])).status_code == 404


def test_the_transport_list_with_reasons_and_its_files(data):
    county, _d = data
    c = client_for(county)
    html = c.get(reverse("console:transport_subsidy")).content.decode()
    assert f"{YEAR}年01月至{YEAR}年03月连续省外务工3个月，满3个月" in html
    assert f"{YEAR}年01月至{YEAR}年01月连续省外务工1个月，不足3个月" in html
    _clean(html, "transport list")
    c.post(reverse("console:transport_subsidy_compute"), {"year": str(YEAR)})
    assert TransportSubsidy.objects.filter(year=YEAR).count() == 1
    html = c.get(reverse("console:transport_subsidy")).content.decode()
    assert "应补" in html
    _clean(html, "transport list after compute")
    notice = c.get(reverse("console:transport_subsidy_file", args=["notice"]) + f"?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(notice.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[3][4] == "车间工0" and "*" in str(rows[3][5])
    payment = c.get(reverse("console:transport_subsidy_file", args=["payment"]) + f"?year={YEAR}")
    prow = list(load_workbook(io.BytesIO(payment.content)).worksheets[0].iter_rows(values_only=True))[3]
    assert "*" not in str(prow[5]) and len(str(prow[5])) == 18
    assert AuditEntry.objects.filter(object_type="transport_subsidy", action="export").count() == 2
    township = client_for(make_user("township", TOWNSHIP_A, username="xiangji", display_name="乡级甲"))
    assert township.get(reverse("console:transport_subsidy_file", args=["payment"])).status_code == 403
    assert township.post(reverse("console:transport_subsidy_compute"), {"year": str(YEAR)}).status_code == 403
    assert "车间工0" in township.get(reverse("console:transport_subsidy")).content.decode()
    assert Workshop.objects.count() == 1


def test_the_forms_refuse_next_to_their_fields_then_save(data):
    county, d = data
    c = client_for(county)
    # A 以工代赈 project below the minimum share: refused under 计划劳务报酬, nothing saved.
    url = reverse("console:relief_project_create")
    post = {
        "name": "堂琅水渠",
        "year": str(YEAR),
        "central_investment": "100000",
        "total_investment": "120000",
        "planned_remuneration": "20000",
    }
    before = AuditEntry.objects.count()
    refused = c.post(url, post)
    assert refused.status_code == 422
    errors = refused.context["form"].errors["planned_remuneration"]
    assert "计划劳务报酬占中央资金20.0%，低于30%的最低比例" in str(errors)
    _clean(refused.content.decode(), "refused project")
    assert AuditEntry.objects.count() == before
    saved = c.post(url, {**post, "planned_remuneration": "35000"}, follow=True)
    assert "以工代赈项目已登记" in saved.content.decode() and "35.0%" in saved.content.decode()
    # A workshop recognised from the form, then a worker added by ID number; a 15-year-old refused.
    form = c.get(reverse("console:workshop_create"))
    assert form.status_code == 200 and "古城街道 · 堂琅社区" in form.content.decode()
    _clean(form.content.decode(), "workshop form")
    created = c.post(
        reverse("console:workshop_create"),
        {
            "name": "新车间",
            "kind": "factory",
            "village": VILLAGE_A,
            "operator": "某公司",
            "recognised_on": f"{YEAR}-01-05",
            "recognition_doc": "会人社联〔2026〕1号",
        },
        follow=True,
    )
    assert "帮扶车间已认定" in created.content.decode()
    workshop = Workshop.objects.get(name="新车间")
    teen = make_household(
        "HTEEN",
        VILLAGE_A,
        members=[{"seq": 91, "name": "少年", "birth": dt.date(YEAR - 15, 1, 1), "relation": "head"}],
    )
    add = reverse("console:workshop_worker_create", args=[workshop.pk])
    young = c.post(
        add, {"id_number": idnumber.make(COUNTY, dt.date(YEAR - 15, 1, 1), 91), "from_month": f"{YEAR}-02"}
    )
    assert young.status_code == 422 and "未满16周岁" in str(young.context["form"].errors["from_month"])
    unknown = c.post(
        add, {"id_number": idnumber.make(COUNTY, dt.date(1970, 1, 1), 99), "from_month": f"{YEAR}-02"}
    )
    assert "本辖区没有该证件号码的登记人员" in str(unknown.context["form"].errors["id_number"])
    adult = d["people"][0]
    ok = c.post(
        add,
        {
            "id_number": idnumber.make(COUNTY, adult.birth_date, 500),
            "from_month": f"{YEAR - 2}-01",
            "to_month": f"{YEAR - 2}-12",
        },
        follow=True,
    )
    assert "务工人员已登记" in ok.content.decode() and teen.members.count() == 1
    assert (
        client_for(make_user("village", VILLAGE_A)).get(reverse("console:workshop_create")).status_code == 403
    )


def test_a_participant_is_added_and_the_paid_share_moves(data):
    county, d = data
    c = client_for(county)
    url = reverse("console:relief_participant_create", args=[d["project"].pk])
    person = d["people"][2]
    ident = idnumber.make(COUNTY, person.birth_date, 502)
    late = c.post(
        url, {"id_number": ident, "from_month": f"{YEAR + 1}-01", "to_month": f"{YEAR + 1}-02", "pay": "100"}
    )
    assert late.status_code == 422 and f"项目年度{YEAR}年内" in str(late.context["form"].errors["from_month"])
    ok = c.post(
        url,
        {"id_number": ident, "from_month": f"{YEAR}-02", "to_month": f"{YEAR}-03", "pay": "4000"},
        follow=True,
    )
    html = ok.content.decode()
    assert "务工人员及劳务报酬已登记" in html and "2.0%" in html and "车间工2" in html


def test_a_worker_leaves_and_a_bad_month_is_refused(data):
    county, d = data
    c = client_for(county)
    worker = d["workshop"].workers.order_by("pk").first()
    url = reverse("console:workshop_worker_end", args=[d["workshop"].pk, worker.pk])
    refused = c.post(url, {"to_month": "2020-01"}, follow=True)
    assert "结束月份格式应为YYYY-MM，且不早于开始月份" in refused.content.decode()
    worker.refresh_from_db()
    assert worker.to_month == ""
    done = c.post(url, {"to_month": f"{YEAR}-01"}, follow=True)
    assert "已登记离岗" in done.content.decode()
    worker.refresh_from_db()
    assert worker.to_month == f"{YEAR}-01"
    other = client_for(make_user("township", "530326102", username="tb2"))
    assert other.post(url, {"to_month": f"{YEAR}-02"}).status_code == 404
