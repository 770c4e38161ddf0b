"""Village notice and announcement (R-ID-02/03/04): official layout, no personal data."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from shouwang.cases import services
from shouwang.cases.notices import notice_build, notice_render_html, notice_render_pdf
from shouwang.cases.tests.helpers import D0, Api, drive, set_today, threshold
from shouwang.common import idnumber
from shouwang.regions.models import Region
from shouwang.registry.choices import HealthChoices
from shouwang.testing.builders import COUNTY, VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db
BANK_ACCOUNT = "6228480402564890018"
DIAGNOSIS = "尿毒症"


@pytest.fixture
def in_notice(monkeypatch):
    users = {r: make_user(r) for r in ("village", "township", "county")}
    set_today(monkeypatch, D0)
    hh = make_household("H_LI", group_name="三组", phone="13912345678")
    clue = services.clue_submit(
        actor=users["village"],
        channel="cadre_visit",
        household=hh,
        risk_types=["illness", "education"],
        description=f"户主患{DIAGNOSIS}，补助打到银行卡{BANK_ACCOUNT}",
        evidence={"bank_account": BANK_ACCOUNT, "diagnosis": DIAGNOSIS},
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="notice_start", start=D0, monkeypatch=monkeypatch)
    return hh, case, users


def forbidden_strings(hh) -> list[str]:
    ids = [
        idnumber.make(COUNTY, p.birth_date, seq)
        for p, seq in zip(hh.members.order_by("id"), (11, 22, 31, 42), strict=True)
    ]
    health = [str(HealthChoices(p.health).label) for p in hh.members.all() if p.health != "healthy"]
    assert health == ["长期慢性病"]
    return [*ids, "13912345678", BANK_ACCOUNT, DIAGNOSIS, *health]


def test_notice_contains_households_and_no_personal_data(in_notice):
    hh, _case, _ = in_notice
    village = Region.objects.get(code=VILLAGE_A)
    notice = notice_build(
        village=village, kind="identification", stage="notice", on=D0 + dt.timedelta(days=5)
    )
    html = notice_render_html(notice)
    assert "关于堂琅社区居民委员会防止返贫致贫监测对象识别结果的公示" in html
    # Not yet approved: the category proposed from 户类型 and income (R-OBJ-01), not an empty column.
    assert "H_LI" in html and "李建国" in html and "三组" in html and "脱贫不稳定户" in html
    assert "因病、因学" in html
    assert "2025年03月07日至2025年03月11日" in html and "异议" in html
    for secret in forbidden_strings(hh):
        assert secret not in html, secret
    assert not re.search(r"\d{17}[\dX]", html)  # no 18-character ID
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # no 11-digit mobile
    assert not re.search(r"\d{16,19}", html)  # no bank account


def test_notice_through_the_api_is_audited_and_region_scoped(in_notice):
    _hh, _case, users = in_notice
    api = Api(users["village"])
    r = api.get(f"/api/v1/notices/{VILLAGE_A}", kind="identification", stage="notice")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "H_LI" in r.content.decode()
    other = Api(make_user("village", "530326001002", username="v2"))
    assert other.get(f"/api/v1/notices/{VILLAGE_A}").status_code == 404
    bad = api.get(f"/api/v1/notices/{VILLAGE_A}", stage="poster")
    assert bad.status_code == 422 and "公告" in bad.json()["detail"]


def test_notice_pdf_in_chinese_layout(in_notice):
    pytest.importorskip("reportlab", reason="reportlab not installed: PDF notices unavailable")
    village = Region.objects.get(code=VILLAGE_A)
    notice = notice_build(
        village=village, kind="identification", stage="notice", on=D0 + dt.timedelta(days=5)
    )
    pdf = notice_render_pdf(notice)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf and len(pdf) > 1000
    # the PDF is rendered from the same allow-listed rows as the HTML
    assert [r.household_no for r in notice.rows] == ["H_LI"]
    assert set(vars(notice.rows[0])) == {"household_no", "head_name", "group_name", "category", "risks"}


def test_announcement_in_township_name(in_notice, monkeypatch):
    hh, case, users = in_notice
    set_today(monkeypatch, D0 + dt.timedelta(days=13))
    services.case_transition(
        case=case,
        action="township_review",
        actor=users["township"],
        data={"notice_ended_on": "2025-03-11", "reviewed_on": "2025-03-12"},
        expected_version=case.version,
    )
    case.refresh_from_db()
    case = services.case_transition(
        case=case,
        action="county_approve",
        actor=users["county"],
        data={"approved_on": "2025-03-13", "category": "unstable"},
        expected_version=case.version,
    )
    case = services.case_transition(
        case=case,
        action="announce",
        actor=users["township"],
        data={"announced_on": "2025-03-14"},
        expected_version=case.version,
    )
    notice = notice_build(
        village=Region.objects.get(code=VILLAGE_A),
        kind="identification",
        stage="announcement",
        on=D0 + dt.timedelta(days=13),
    )
    html = notice_render_html(notice)
    assert "古城街道人民政府" in html and "脱贫不稳定户" in html and "公告" in html
    for secret in forbidden_strings(hh):
        assert secret not in html


@pytest.mark.parametrize(
    ("status", "wage", "category"),
    [
        ("ordinary", None, "边缘易致贫户"),  # no income known: inside the range by 户类型
        ("ordinary", Decimal(6000), "边缘易致贫户"),  # inside the range (8700)
        ("former_poor", Decimal(6000), "脱贫不稳定户"),
        ("former_poor", Decimal(60000), "突发严重困难户"),  # above the range: only as a sudden hardship
    ],
)
def test_notice_shows_the_proposed_category_before_county_approval(monkeypatch, status, wage, category):
    users = {r: make_user(r) for r in ("village", "township", "county")}
    set_today(monkeypatch, D0)
    threshold()
    income = {"wage": wage} if wage is not None else None
    hh = make_household("H_CAT", poverty_status=status, income=income)
    clue = services.clue_submit(
        actor=users["village"], channel="cadre_visit", household=hh, risk_types=["illness"]
    )
    assert clue.case is not None
    case = drive(clue.case, users, until="notice_start", start=D0, monkeypatch=monkeypatch)
    assert case.category == ""  # the county gives it at approval (R-ID-02 step 6)
    notice = notice_build(
        village=Region.objects.get(code=VILLAGE_A),
        kind="identification",
        stage="notice",
        on=D0 + dt.timedelta(days=5),
    )
    assert [r.category for r in notice.rows] == [category]
    assert category in notice_render_html(notice)
