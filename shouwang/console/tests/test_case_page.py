"""The case page: the permission matrix, the transition forms of the user's role, Chinese refusals,
the "已被他人处理" conflict, and document upload."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shouwang.accounts.models import User
from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case
from shouwang.console.tests.helpers import JPEG, TODAY, client_for, home_check, open_case, set_today
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(monkeypatch):
    set_today(monkeypatch, TODAY)
    return open_case(make_household("H_LI", VILLAGE_A), make_user("village", VILLAGE_A))


def url(case_or_id) -> str:
    return reverse("console:case_detail", args=[getattr(case_or_id, "pk", case_or_id)])


def post(c, case, action: str, **data):
    case.refresh_from_db()
    return c.post(
        reverse("console:case_transition", args=[case.pk]),
        {"action": action, "expected_version": data.pop("version", case.version), **data},
    )


def test_permission_matrix(case):
    for user in (
        make_user("", VILLAGE_A, username="nobody"),
        make_user("village", VILLAGE_B),
        make_user("department", COUNTY, department="medical"),
    ):
        c = client_for(user)
        missing = c.get(url(999999))
        response = c.get(url(case))
        assert response.status_code == missing.status_code == 404 and response.content == missing.content
        assert AuditEntry.objects.filter(actor=user, object_type="case", action="access_denied").count() == 1
    for role, region in (
        ("village", VILLAGE_A),
        ("township", TOWNSHIP_A),
        ("county", COUNTY),
        ("province", "53"),
    ):
        user = make_user(role, region, username=f"ok_{role}")
        response = client_for(user).get(url(case))
        assert response.status_code == 200
        assert AuditEntry.objects.filter(actor=user, object_type="case", action="view").count() == 1
    assert client_for(make_user("grid", VILLAGE_A)).get("/cases/").status_code == 200


def test_forms_are_those_of_the_users_role(case):
    village = client_for(make_user("village", VILLAGE_A, username="cun2")).get(url(case)).content.decode()
    assert 'value="home_check"' in village and 'for="home_check-checked_on"' in village
    county = client_for(make_user("county", COUNTY)).get(url(case)).content.decode()
    assert 'value="home_check"' not in county and "下一步“入户核实”由村干部办理" in county


def test_a_step_through_the_page(case):
    user = make_user("village", VILLAGE_A, username="cun2")
    c = client_for(user)
    doc = c.post(reverse("console:case_document", args=[case.pk]), {"kind": "authorisation", "file": _jpeg()})
    assert doc.status_code == 302
    document = case.documents.get()
    response = post(
        c,
        case,
        "home_check",
        checked_on=TODAY.isoformat(),
        authorisation_document_id=document.pk,
        risk_types=["illness", "education"],
        findings="情况属实",
    )
    assert response.status_code == 302 and response["Location"] == url(case)
    case.refresh_from_db()
    assert case.state == "home_check" and case.risk_types == ["illness", "education"]
    assert AuditEntry.objects.filter(object_type="case", action="transition", actor=user).count() == 1
    page = c.get(url(case)).content.decode()
    assert "已办理：入户核实" in page and "申请及承诺授权查询书" in page


def test_refusals_are_shown_in_chinese_with_the_field(case):
    village = make_user("village", VILLAGE_A, username="cun2")
    home_check(case, village, TODAY)
    township = client_for(make_user("township", TOWNSHIP_A))
    post(township, case, "compare", compared_on=TODAY.isoformat(), conflicts_note="核实无误")
    c = client_for(village)
    response = post(
        c,
        case,
        "village_review",
        reviewed_on=TODAY.isoformat(),
        attendance="10",
        votes_for="8",
        votes_against="5",
        result="passed",
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "赞成票数：赞成与反对票合计超过参会人数10" in body and 'role="alert"' in body
    assert 'value="8"' in body  # the form keeps what was typed
    case.refresh_from_db()
    assert case.state == "data_comparison"  # nothing written
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    body = post(c, case, "village_review", reviewed_on=future).content.decode()
    assert "日期不能晚于今天" in body and "参会人数：必须填写" in body


def test_wrong_role_is_refused_with_the_reason(case):
    response = post(
        client_for(make_user("township", TOWNSHIP_A)), case, "home_check", checked_on=TODAY.isoformat()
    )
    assert response.status_code == 403
    assert "“入户核实”须由村干部办理" in response.content.decode()


def test_conflict_says_someone_else_has_acted(case):
    c = client_for(make_user("village", VILLAGE_A, username="cun2"))
    stale = case.version
    Case.objects.filter(pk=case.pk).update(version=stale + 1)  # another officer acted meanwhile
    response = post(c, case, "reject", version=stale, reason="不符合条件")
    assert response.status_code == 409
    assert "已被他人处理" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "clue"


def test_outside_the_region_a_transition_is_404(case):
    c = client_for(make_user("village", VILLAGE_B))
    assert post(c, case, "reject", reason="x").status_code == 404


def test_a_bad_upload_is_refused_in_chinese(case):
    c = client_for(make_user("village", VILLAGE_A, username="cun2"))

    bad = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = c.post(
        reverse("console:case_document", args=[case.pk]), {"kind": "authorisation", "file": bad}
    )
    assert response.status_code == 422 and "只接受JPEG、PNG照片或PDF扫描件" in response.content.decode()


def _jpeg():

    return SimpleUploadedFile("授权书.jpg", JPEG, content_type="image/jpeg")


def test_the_notice_of_a_case_in_its_village_notice(case):
    village = User.objects.get(username=f"village_{VILLAGE_A}")
    c = client_for(village)
    notice = reverse("console:case_notice", args=[case.pk, "notice"])
    assert notice not in c.get(url(case)).content.decode()  # not yet in the notice
    Case.objects.filter(pk=case.pk).update(state="public_notice", notice_started_on=TODAY)
    page = c.get(url(case)).content.decode()
    assert notice in page and "不少于5天（至2025-03-24）" in page
    before = AuditEntry.objects.filter(action="export", object_type="notice").count()
    text = c.get(notice).content.decode()
    assert "关于" in text and "的公示" in text and "H_LI" in text and "信息比对" in text
    assert AuditEntry.objects.filter(action="export", object_type="notice").count() == before + 1
    pdf = c.get(notice, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert c.get(reverse("console:case_notice", args=[case.pk, "poster"])).status_code == 404
    other = client_for(make_user("village", VILLAGE_B))
    assert other.get(notice).status_code == 404
    assert AuditEntry.objects.filter(action="export", object_type="notice").count() == before + 2
