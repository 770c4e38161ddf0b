"""找政府 (R-ID-07): public submission, routing, duplicates, rate limits, tracking without personal data,
escalation after 10 days, the citizen's sign-off; the public pages; hotline intake."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.cases import services as case_services
from shouwang.cases.models import Clue
from shouwang.cases.tests.helpers import D0, Api, set_today
from shouwang.channels import services
from shouwang.channels.models import HotlineCall, SelfReport, SubmissionThrottle
from shouwang.common import idnumber
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def report(api: Api, **over):
    body = {
        "village_code": VILLAGE_A,
        "difficulty": "unsafe_house",
        "subject_name": "张三",
        "contact_phone": PHONE,
        **over,
    }
    return api.post("/api/v1/self-reports", body)


@pytest.fixture
def today(monkeypatch):
    set_today(monkeypatch, D0)


def test_unmatched_report_waits_in_its_village_and_tracking_shows_no_personal_data(today):
    public = Api()
    r = report(public, filing_mode="proxy", reporter_name="邻居李四", description="房子裂缝很大")
    assert r.status_code == 201, r.content
    code = r.json()["tracking_code"]
    assert len(code) == 10
    row = SelfReport.objects.get(tracking_code=code)
    assert row.phone_masked == "139****5678" and PHONE not in row.phone_sealed
    assert row.clue is not None
    clue = row.clue
    assert clue.channel == "self_report" and clue.village_id == VILLAGE_A and clue.household is None
    assert clue.risk_types == ["housing"]
    status = public.get(f"/api/v1/self-reports/{code}").json()
    text = str(status)
    for secret in (PHONE, "张三", "李四", "房子裂缝"):
        assert secret not in text
    assert status["stage"] == "工作人员正在核实申报人信息"
    # the village cadre resolves the household; the case opens
    village = make_user("village")
    hh = make_household("H_ZS")
    case = case_services.clue_household_resolve(clue=clue, household=hh, actor=village)
    assert case.clues.get().pk == clue.pk
    assert public.get(f"/api/v1/self-reports/{code.lower()}").json()["stage"] == "等待村、乡镇工作人员受理"


def test_report_with_id_is_routed_to_the_household_case(today):
    hh = make_household("H_ID", village_code=VILLAGE_B)
    head = hh.members.get(relation="head")
    number = idnumber.make(COUNTY, head.birth_date, 11)
    r = report(
        Api(), village_code=VILLAGE_A, id_number=number, subject_name="李建国", difficulty="medical_bills"
    )
    assert r.status_code == 201
    row = SelfReport.objects.get(tracking_code=r.json()["tracking_code"])
    assert row.clue is not None
    clue = row.clue
    # matched by blind index: routed to the household's own village (and so its township), not the one typed
    assert clue.household_id == hh.pk and clue.village_id == VILLAGE_B and clue.case is not None
    assert row.subject_id_masked == idnumber.mask(number) and number not in row.subject_id_sealed


def test_duplicate_within_window_returns_same_code(today, monkeypatch):
    first = report(Api()).json()["tracking_code"]
    set_today(monkeypatch, D0 + dt.timedelta(days=3))
    again = report(Api(), contact_phone="13700000000")
    assert again.status_code == 200 and again.json() == {
        "tracking_code": first,
        "duplicate": True,
        "message": "您已提交过相同的申报，已合并到原申报，请用原查询码查询进度",
    }
    assert SelfReport.objects.get().duplicate_count == 1
    assert Clue.objects.count() == 1
    other = report(Api(), difficulty="water_outage")
    assert other.status_code == 201 and other.json()["tracking_code"] != first


def _from(address: str, **over):
    body = {
        "village_code": VILLAGE_A,
        "difficulty": "dropout",
        "subject_name": "甲",
        "contact_phone": PHONE,
        **over,
    }
    return Client(REMOTE_ADDR=address).post("/api/v1/self-reports", body, content_type="application/json")


def _assert_limited(response, what: str, window_seconds: int) -> None:
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "errors"} and what in body["detail"] and "请稍后再试" in body["detail"]
    assert 0 < int(response["Retry-After"]) <= window_seconds
    assert body["errors"][0]["reason"] == f"请{response['Retry-After']}秒后再试"


def test_villagers_behind_one_address_are_not_blocked_but_one_phone_flooding_is(today):
    """A carrier puts a village behind one address: 20 villagers report from it, all accepted (the old
    per-address cap of 10 refused the 11th); one phone flooding from the same address is refused."""
    statuses = [
        _from("10.9.8.7", subject_name=f"村民{i}", contact_phone=f"1380000{i:04d}").status_code
        for i in range(20)
    ]
    assert statuses == [201] * 20
    flood = [_from("10.9.8.7", subject_name=f"人{i}").status_code for i in range(5)]
    assert flood == [201] * 5
    before = SelfReport.objects.count()
    blocked = _from("10.9.8.7", subject_name="第六人")
    _assert_limited(blocked, "同一联系电话", 86400)
    # the same phone from another address is still refused; other villagers still get through
    _assert_limited(_from("10.1.1.1", subject_name="第七人"), "同一联系电话", 86400)
    assert _from("10.9.8.7", subject_name="村民甲", contact_phone="13700001111").status_code == 201
    assert SelfReport.objects.count() == before + 1


def test_one_person_reported_from_many_phones_is_capped(today):
    difficulties = ["dropout", "unsafe_house", "medical_bills", "water_outage"]
    statuses = [
        _from(f"10.0.0.{i}", subject_name="王五", contact_phone=f"1390000{i:04d}", difficulty=d).status_code
        for i, d in enumerate(difficulties)
    ]
    assert statuses[:3] == [201] * 3 and statuses[3] == 429
    assert SelfReport.objects.filter(subject_name="王五").count() == 3


def test_per_address_cap_still_exists(today, settings):
    settings.SHOUWANG_PUBLIC_RATE_LIMITS = {"ip": (3600, 3)}
    statuses = [
        _from("10.9.9.9", subject_name=f"丙{i}", contact_phone=f"1350000{i:04d}").status_code
        for i in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    _assert_limited(_from("10.9.9.9", subject_name="丁", contact_phone="13500009999"), "同一网络", 3600)


def test_status_look_ups_are_throttled_per_code_and_per_address(today, settings):
    settings.SHOUWANG_PUBLIC_RATE_LIMITS = {"st_code": (3600, 3), "st_ip": (3600, 5)}
    code = report(Api()).json()["tracking_code"]
    reader = Client(REMOTE_ADDR="10.2.2.2")
    other = Client(REMOTE_ADDR="10.3.3.3")
    assert [reader.get(f"/api/v1/self-reports/{code}").status_code for _ in range(3)] == [200] * 3
    _assert_limited(other.get(f"/api/v1/self-reports/{code}"), "该查询码查询过于频繁", 3600)
    # guessing codes from one address: misses count too, and the address is shut out
    guesses = [reader.get(f"/api/v1/self-reports/ABCDEFGH{i:02d}").status_code for i in range(2)]
    assert guesses == [404, 404]
    _assert_limited(reader.get("/api/v1/self-reports/ABCDEFGH99"), "查询过于频繁", 3600)
    # the public web page shares the limit
    page = other.get(f"/self-report/track/{code}/")
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode() and page["Retry-After"]


def test_throttle_rows_leave_once_no_window_needs_them(today, settings, monkeypatch):
    settings.SHOUWANG_PUBLIC_RATE_LIMITS = {"st_code": (3600, 100), "st_ip": (3600, 100)}
    code = report(Api()).json()["tracking_code"]
    reader = Client(REMOTE_ADDR="10.4.4.4")
    assert reader.get(f"/api/v1/self-reports/{code}").status_code == 200
    looked = SubmissionThrottle.objects.filter(scope__startswith="st_")
    assert looked.count() == 2
    # two hours on: this key's old rows go as it is used again (the window is one hour)...
    looked.update(at=timezone.now() - dt.timedelta(hours=2))
    stranger = SubmissionThrottle.objects.create(scope="ip", key="x" * 32)
    SubmissionThrottle.objects.filter(pk=stranger.pk).update(at=timezone.now() - dt.timedelta(days=2))
    assert reader.get(f"/api/v1/self-reports/{code}").status_code == 200
    assert SubmissionThrottle.objects.filter(scope__startswith="st_").count() == 2  # only the new ones
    assert SubmissionThrottle.objects.filter(pk=stranger.pk).exists()  # another key: kept until a sweep
    # ...and a sweep removes every row older than the longest window (one day), whoever's
    monkeypatch.setattr(services, "SWEEP_EVERY", 1)
    assert reader.get(f"/api/v1/self-reports/{code}").status_code == 200
    assert not SubmissionThrottle.objects.filter(pk=stranger.pk).exists()
    assert SubmissionThrottle.objects.filter(scope__startswith="st_").count() == 4  # recent rows stay
    assert services.throttle_sweep() == 0


def test_invalid_input_is_refused_in_chinese(today):
    r = report(
        Api(), village_code="530326001", difficulty="x", contact_phone="123", id_number="530326197503081234"
    )
    assert r.status_code == 422
    body = r.json()
    assert {e["column"] for e in body["errors"]} == {
        "village_code",
        "difficulty",
        "contact_phone",
        "id_number",
    }
    assert "请选择所在的行政村" in body["detail"]
    assert "530326197503081234" not in r.content.decode()
    assert SelfReport.objects.count() == 0


def test_unanswered_report_escalates_after_10_days_and_citizen_signs_off(today, monkeypatch):
    code = report(Api()).json()["tracking_code"]
    assert services.self_report_escalate_overdue(today=D0 + dt.timedelta(days=10)) == []
    escalated = services.self_report_escalate_overdue(today=D0 + dt.timedelta(days=11))
    assert [r.tracking_code for r in escalated] == [code]
    public = Api()
    status = public.get(f"/api/v1/self-reports/{code}").json()
    assert status["escalated"] and not status["can_confirm"]
    assert public.post(f"/api/v1/self-reports/{code}/confirm", {"satisfied": True}).status_code == 422
    staff = Api(make_user("township"))
    r = staff.post(f"/api/v1/self-reports/{code}/response", {"response": "已安排住建部门鉴定房屋"})
    assert r.status_code == 200 and r.json()["response"] == "已安排住建部门鉴定房屋"
    other = Api(make_user("township", "530326102", username="tb"))
    assert other.post(f"/api/v1/self-reports/{code}/response", {"response": "x"}).status_code == 404
    signed = public.post(f"/api/v1/self-reports/{code}/confirm", {"satisfied": False, "comment": "还没鉴定"})
    assert signed.status_code == 200 and signed.json()["status"] == "confirmed"
    assert AuditEntry.objects.filter(object_type="self_report", reason="群众签单").count() == 1


def test_rejection_reason_reaches_the_tracking_page(today):
    hh = make_household("H_REJ")
    number = idnumber.make(COUNTY, hh.members.get(relation="head").birth_date, 11)
    code = report(Api(), id_number=number, subject_name="李建国").json()["tracking_code"]
    case = Clue.objects.get(source_ref=f"self_report:{code}").case
    assert case is not None
    case_services.case_transition(
        case=case,
        action="reject",
        actor=make_user("village"),
        data={"reason": "经核实家庭收入较高"},
        expected_version=case.version,
    )
    status = Api().get(f"/api/v1/self-reports/{code}").json()
    assert status["rejection_reason"] == "经核实家庭收入较高" and status["can_confirm"]


def test_public_pages_without_javascript(today):
    c = Client()
    page = c.get("/self-report/").content.decode()
    assert "<script" not in page and "曲靖市" in page
    page = c.get("/self-report/", {"region": "530326001"}).content.decode()
    assert "堂琅社区居民委员会" in page
    form = c.get("/self-report/", {"region": VILLAGE_A}).content.decode()
    assert 'name="difficulty"' in form and "<script" not in form
    bad = c.post("/self-report/", {"village_code": VILLAGE_A, "subject_name": "", "contact_phone": "1"})
    assert bad.status_code == 422 and "请填写11位手机号码" in bad.content.decode()
    ok = c.post(
        "/self-report/",
        {
            "village_code": VILLAGE_A,
            "subject_name": "王五",
            "contact_phone": "13611112222",
            "difficulty": "dropout",
        },
    )
    assert ok.status_code == 302
    track = c.get(ok["Location"]).content.decode()
    filed = SelfReport.objects.get()
    code = filed.tracking_code
    assert code in track and "王五" not in track and "13611112222" not in track
    # What happens next, and by when: the day after which an unanswered report goes to the county.
    by = filed.submitted_on + dt.timedelta(days=10)
    assert "接下来" in track and f"最迟在 {by.year}年{by.month}月{by.day}日 前答复" in track
    assert Api().get(f"/api/v1/self-reports/{code}").json()["answer_by"] == by.isoformat()
    # The citizens' own not-found page, with the way back (not the console's).
    missing = c.get("/self-report/track/NOSUCHCODE/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "没有找到查询码为“NOSUCHCODE”的申报" in text and 'href="/self-report/"' in text
    assert "登录" not in text and "<script" not in text


def test_sign_off_needs_an_answer_and_a_choice_nothing_preselected(today):
    code = report(Api()).json()["tracking_code"]
    c = Client()
    page = c.get(f"/self-report/track/{code}/").content.decode()
    assert "确认签单" not in page  # not answered yet: nothing to sign
    refused = c.post(f"/self-report/track/{code}/", {"satisfied": "yes"})
    assert "尚未办结答复" in refused.content.decode()
    Api(make_user("township")).post(f"/api/v1/self-reports/{code}/response", {"response": "已上门核实"})
    page = c.get(f"/self-report/track/{code}/").content.decode()
    assert "确认签单" in page and "checked" not in page
    no_choice = c.post(f"/self-report/track/{code}/", {"comment": "好"})
    assert "请选择您对办理结果是否满意" in no_choice.content.decode()
    assert Api().post(f"/api/v1/self-reports/{code}/confirm", {"comment": "好"}).status_code == 422
    report_ = SelfReport.objects.get(tracking_code=code)
    assert report_.status == "answered" and report_.confirmed_at is None  # nothing changed
    signed = c.post(f"/self-report/track/{code}/", {"satisfied": "no", "comment": "还要再看看"})
    assert signed.status_code == 200 and "群众已签单确认" in signed.content.decode()
    report_.refresh_from_db()
    assert report_.status == "confirmed" and report_.satisfied is False


def test_hotline_help_request_becomes_a_clue_and_closes(today):
    make_household("H_HOT")
    staff = Api(make_user("county"))
    r = staff.post(
        "/api/v1/hotline-calls",
        {
            "kind": "help_request",
            "content": "老人摔伤住院",
            "household_no": "H_HOT",
            "risk_types": ["accident"],
            "caller_phone": "13800138000",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["clue_id"] and body["case_id"] and body["status"] == "open"
    assert HotlineCall.objects.get().phone_masked == "138****8000"
    closed = staff.post(f"/api/v1/hotline-calls/{body['id']}/close", {"answer": "已转村委会入户核实"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    q = staff.post(
        "/api/v1/hotline-calls",
        {"kind": "policy_question", "content": "雨露计划怎么申请", "answer": "已解答"},
    )
    assert q.status_code == 201 and q.json()["status"] == "closed" and q.json()["clue_id"] is None
    village = Api(make_user("village"))
    assert village.post("/api/v1/hotline-calls", {"kind": "complaint", "content": "x"}).status_code == 403


def test_the_stage_moves_with_the_status(today):
    """The stage is read from the status and the case as they are now: it moves when staff answer and
    when the citizen signs off (it used to stay at "waiting" for an unmatched report)."""
    public = Api()
    code = report(public).json()["tracking_code"]
    stage = lambda: public.get(f"/api/v1/self-reports/{code}").json()["stage"]  # noqa: E731
    assert stage() == "工作人员正在核实申报人信息"
    services.self_report_escalate_overdue(today=D0 + dt.timedelta(days=11))
    assert stage() == "超时未答复，已督办至县级"
    Api(make_user("township")).post(f"/api/v1/self-reports/{code}/response", {"response": "已安排鉴定"})
    assert stage() == "工作人员已答复，请查看答复并签单确认"
    public.post(f"/api/v1/self-reports/{code}/confirm", {"satisfied": True})
    assert stage() == "群众已签单确认，本次申报办结"
