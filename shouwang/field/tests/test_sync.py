"""The field API: today's work (scoped, masked), and the sync protocol — applied, duplicate, conflict,
rejected — through the cases app's services, with role and region enforced per entry (docs/field.md)."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from shouwang.accounts.models import User
from shouwang.audit.models import AuditEntry
from shouwang.cases import clock
from shouwang.cases import services as cases
from shouwang.cases.models import Case, CaseDocument, Clue, Visit
from shouwang.field.models import FieldSubmission
from shouwang.field.services import MAX_ENTRIES
from shouwang.field.tests.helpers import (
    entry,
    make_clue_case,
    make_field_household,
    make_group,
    make_monitored_case,
    photo_data_url,
)
from shouwang.registry.models import IncomeRecord
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_user

pytestmark = pytest.mark.django_db
SYNC = "/api/v1/field/sync"
TODAY = "/api/v1/field/today"


@pytest.fixture
def grid_world():
    """One village with two groups; the grid worker looks after group 一组 only."""
    group1 = make_group(VILLAGE_A, "一组")
    group2 = make_group(VILLAGE_A, "二组")
    hh_due = make_field_household("H_DUE", VILLAGE_A, group=group1, phone="13911112222")
    hh_clue = make_field_household("H_CLUE", VILLAGE_A, group=group1, phone="13911113333")
    hh_calm = make_field_household("H_CALM", VILLAGE_A, group=group1, phone="13911114444")
    hh_other = make_field_household("H_OTHER", VILLAGE_A, group=group2, phone="13911115555")
    hh_far = make_field_household("H_FAR", VILLAGE_B, phone="13911116666")
    grid = make_user("grid", group1.code, username="grid1")
    village = make_user("village", VILLAGE_A, username="cadre1")
    monitored = make_monitored_case(hh_due, risk_level="yellow", decided_days_ago=40)
    clue_case = make_clue_case(hh_clue, village)
    other_case = make_monitored_case(hh_other, risk_level="red", decided_days_ago=3)
    far_case = make_monitored_case(hh_far)
    return {
        "grid": grid,
        "village": village,
        "hh": {"due": hh_due, "clue": hh_clue, "calm": hh_calm, "other": hh_other, "far": hh_far},
        "monitored": monitored,
        "clue_case": clue_case,
        "other_case": other_case,
        "far_case": far_case,
    }


def session_client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def today(client: Client) -> dict[str, Any]:
    r = client.get(TODAY)
    assert r.status_code == 200, r.content
    return r.json()


def card(data: dict[str, Any], household_no: str) -> dict[str, Any]:
    return next(h for h in data["households"] if h["household_no"] == household_no)


def sync(client: Client, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    r = client.post(SYNC, json.dumps({"entries": list(entries)}), content_type="application/json")
    assert r.status_code == 200, r.content
    return r.json()["results"]


# ---------------------------------------------------------------------------------------------- today


def test_today_lists_only_the_grid_and_only_masked_data(grid_world):
    client = session_client(grid_world["grid"])
    data = today(client)
    assert {h["household_no"] for h in data["households"]} == {"H_DUE", "H_CLUE", "H_CALM"}
    assert [d["household_no"] for d in data["visits_due"]] == ["H_DUE"]  # yellow, 40 days > 30
    assert data["visits_due"][0]["days_overdue"] == 10
    assert [c["household_no"] for c in data["checks"]] == ["H_CLUE"]
    assert data["can_home_check"] is False  # R-ID-02 step 1 is the village cadre's
    due = card(data, "H_DUE")
    assert due["head_name"] == grid_world["hh"]["due"].head_name and due["group_name"] == "一组"
    assert due["case"]["risk_level"] == "yellow" and due["risk_labels"] == ["因病"]
    assert due["case"]["base_version"].startswith(f"{grid_world['monitored'].pk}.9.0.")
    assert card(data, "H_CALM")["case"] is None
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("13911112222", "1391111", "id_masked", "phone", "address", "5303261975"):
        assert secret not in text


def test_today_for_a_village_cadre_covers_the_village(grid_world):
    data = today(session_client(grid_world["village"]))
    assert {h["household_no"] for h in data["households"]} == {"H_DUE", "H_CLUE", "H_CALM", "H_OTHER"}
    assert data["can_home_check"] is True
    # red tier (weekly, R-ID-06) decided 3 days ago: due within the week
    assert [d["household_no"] for d in data["visits_due"]] == ["H_DUE", "H_OTHER"]


def test_today_query_count_does_not_grow_with_households(grid_world, django_assert_max_num_queries):
    for i in range(30):
        make_field_household(f"H_MORE{i:02d}", VILLAGE_A, group=grid_world["grid"].region)
    client = session_client(grid_world["grid"])
    with django_assert_max_num_queries(30):
        assert len(today(client)["households"]) == 33


@pytest.mark.parametrize("role", ["county", "township", "auditor", "department"])
def test_other_roles_get_403(grid_world, role):
    user = make_user(role)
    client = session_client(user)
    assert client.get(TODAY).status_code == 403
    r = client.post(SYNC, json.dumps({"entries": []}), content_type="application/json")
    assert r.status_code == 403
    assert "网格员" in r.json()["detail"]


def test_anonymous_gets_401():
    assert Client().get(TODAY).status_code == 401
    assert Client().get("/api/v1/field/session").status_code == 401


# ---------------------------------------------------------------------------------------------- visits


def test_visit_applied_with_photo_income_and_new_risk(grid_world):
    client = session_client(grid_world["grid"])
    due = card(today(client), "H_DUE")
    case = grid_world["monitored"]
    e = entry(
        "visit",
        "H_DUE",
        case=case,
        base=due["case"]["base_version"],
        visited_on=clock.today().isoformat(),
        notes="户主腰伤，暂停务工",
        risk_level="red",
        risk_types=["unstable_employment"],
        risk_note="务工中断",
        income={"period": clock.today().strftime("%Y-%m"), "wage": "6000", "business": "1200.5"},
        photo=photo_data_url(),
    )
    [result] = sync(client, e)
    assert result["status"] == "applied", (result["message"], result["errors"])
    visit = Visit.objects.get(pk=result["ids"]["visit_id"])
    assert visit.notes == "户主腰伤，暂停务工" and visit.visitor == grid_world["grid"]
    doc = CaseDocument.objects.get(pk=result["ids"]["document_id"])
    assert doc.kind == "home_check_photo" and doc.case == case and doc.content_type == "image/jpeg"
    clue = Clue.objects.get(pk=result["ids"]["clue_id"])
    assert clue.channel == "cadre_visit" and clue.case == case and clue.source_ref == f"field:{e['uuid']}"
    case.refresh_from_db()
    assert case.risk_level == "red" and "unstable_employment" in case.risk_types
    income = IncomeRecord.objects.get(household=grid_world["hh"]["due"], period=e["data"]["income"]["period"])
    assert (
        str(income.wage) == "6000.00" and str(income.business) == "1200.50" and str(income.transfer) == "0.00"
    )
    sub = FieldSubmission.objects.get(uuid=e["uuid"])
    assert sub.user == grid_world["grid"] and sub.case == case and sub.result["ids"]["visit_id"] == visit.pk
    assert AuditEntry.objects.filter(object_type="field_submission", object_id=e["uuid"]).count() == 1
    assert (
        AuditEntry.objects.filter(object_type="visit", object_id=str(visit.pk), action="create").count() == 1
    )
    # The answer carries the new version: the next visit from this phone does not conflict.
    assert result["current_version"] != due["case"]["base_version"]
    assert result["server"]["last_visit_on"] == clock.today().isoformat()
    [second] = sync(
        client,
        entry("visit", "H_DUE", case=case, base=result["current_version"], visited_on=str(clock.today())),
    )
    assert second["status"] == "applied", (second["message"], second["errors"])


def test_resending_the_same_entry_is_a_duplicate_never_a_second_visit(grid_world):
    client = session_client(grid_world["grid"])
    base = card(today(client), "H_DUE")["case"]["base_version"]
    e = entry("visit", "H_DUE", case=grid_world["monitored"], base=base, visited_on=str(clock.today()))
    first, again = sync(client, e, e)
    assert first["status"] == "applied"
    assert again["status"] == "duplicate" and again["ids"] == first["ids"]
    [later] = sync(client, e)
    assert later["status"] == "duplicate"
    assert Visit.objects.filter(case=grid_world["monitored"]).count() == 1
    assert FieldSubmission.objects.count() == 1


def test_someone_elses_uuid_is_not_found(grid_world):
    client = session_client(grid_world["grid"])
    base = card(today(client), "H_DUE")["case"]["base_version"]
    e = entry("visit", "H_DUE", case=grid_world["monitored"], base=base, visited_on=str(clock.today()))
    assert sync(client, e)[0]["status"] == "applied"
    [r] = sync(session_client(grid_world["village"]), e)
    assert r["status"] == "rejected" and r["ids"] == {}
    assert Visit.objects.count() == 1


def test_conflict_when_another_visit_was_recorded_since(grid_world):
    client = session_client(grid_world["grid"])
    seen = card(today(client), "H_DUE")
    case = grid_world["monitored"]
    # Meanwhile the village cadre records a visit on the server.
    cases.visit_record(case=case, actor=grid_world["village"], visited_on=clock.today(), notes="村委会走访")
    e = entry("visit", "H_DUE", case=case, base=seen["case"]["base_version"], visited_on=str(clock.today()))
    [r] = sync(client, e)
    assert r["status"] == "conflict", r
    assert any("已登记走访" in c and "村委会走访" in c for c in r["changes"])
    assert r["server"]["last_visit_on"] == clock.today().isoformat()
    assert r["current_version"] != seen["case"]["base_version"]
    assert Visit.objects.filter(case=case).count() == 1  # nothing overwritten, nothing added
    assert not FieldSubmission.objects.exists()
    # The worker read both versions and resends as new against the current record.
    resend = {**e, "uuid": entry("visit", "H_DUE")["uuid"], "base_version": r["current_version"]}
    [ok] = sync(client, resend)
    assert ok["status"] == "applied"
    assert Visit.objects.filter(case=case).count() == 2


def test_conflict_when_the_case_moved_on(grid_world):
    client = session_client(grid_world["village"])
    seen = card(today(client), "H_CLUE")
    case = grid_world["clue_case"]
    cases.case_transition(
        case=case,
        action="reject",
        actor=grid_world["village"],
        data={"reason": "经核实不符合"},
        expected_version=case.version,
    )
    [r] = sync(
        client,
        entry("visit", "H_CLUE", case=case, base=seen["case"]["base_version"], visited_on=str(clock.today())),
    )
    assert r["status"] == "conflict"
    assert any("不予纳入" in c for c in r["changes"]), r["changes"]
    assert r["server"]["case"] is None


def test_missing_or_garbled_base_version_is_a_conflict_not_a_blind_write(grid_world):
    client = session_client(grid_world["grid"])
    for base in ("", "1.2", "x.y.z.w"):
        [r] = sync(
            client, entry("visit", "H_DUE", case=grid_world["monitored"], base=base, visited_on="2025-01-01")
        )
        assert r["status"] == "conflict"
    assert not Visit.objects.exists()


# ---------------------------------------------------------------------------------------------- region


def test_entries_outside_the_grid_are_not_found_like_missing_ones(grid_world):
    client = session_client(grid_world["grid"])
    other, far = grid_world["other_case"], grid_world["far_case"]
    results = sync(
        client,
        entry("visit", "H_OTHER", case=other, base=f"{other.pk}.9.0.0", visited_on=str(clock.today())),
        entry("visit", "H_FAR", case=far, base=f"{far.pk}.9.0.0", visited_on=str(clock.today())),
        entry("visit", "H_NOPE", case=Case(pk=999999), base="999999.1.0.0", visited_on=str(clock.today())),
        entry("report", "H_FAR", risk_types=["illness"]),
        # a case of the grid's own household under another household's number
        entry("visit", "H_OTHER", case=grid_world["monitored"], base="1.1.0.0", visited_on="2025-01-01"),
    )
    assert [r["status"] for r in results] == ["rejected"] * 5
    assert len({r["message"] for r in results}) == 1  # "not yours" reads exactly like "does not exist"
    assert not Visit.objects.exists() and not FieldSubmission.objects.exists()
    assert Clue.objects.filter(household__household_no="H_FAR").count() == 0
    denied = AuditEntry.objects.filter(actor=grid_world["grid"], action="access_denied")
    assert {a.object_id for a in denied} >= {str(other.pk), str(far.pk), "H_FAR"}
    assert AuditEntry.objects.filter(
        actor=grid_world["grid"], action="not_found", object_id="999999"
    ).exists()


def test_one_bad_entry_does_not_stop_the_others(grid_world):
    client = session_client(grid_world["grid"])
    base = card(today(client), "H_DUE")["case"]["base_version"]
    good = entry("visit", "H_DUE", case=grid_world["monitored"], base=base, visited_on=str(clock.today()))
    future = (clock.today() + dt.timedelta(days=3)).isoformat()
    bad = entry("report", "H_CALM", risk_types=["illness"], reported_on=future)
    r_bad, r_good = sync(client, bad, good)
    assert r_bad["status"] == "rejected" and "晚于今天" in r_bad["message"]
    assert r_good["status"] == "applied"


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"uuid": "not-a-uuid"}, "uuid", "UUID"),
        ({"kind": "delete_everything"}, "kind", "可选"),
        ({"data": {"visited_on": "2025-13-40", "notes": "x"}}, "visited_on", "日期格式"),
        ({"data": {"notes": "x"}}, "visited_on", "必须填写日期"),
        ({"data": {"visited_on": "2025-01-01", "notes": 5}}, "notes", "应为文本"),
        (
            {"data": {"visited_on": "2025-01-01", "risk_types": ["aliens"]}},
            "risk_types",
            "不是可记录的风险类型",
        ),
        (
            {"data": {"visited_on": "2025-01-01", "income": {"period": "2025-01", "wage": "abc"}}},
            "income.wage",
            "金额",
        ),
        ({"data": {"visited_on": "2025-01-01", "income": {"wage": "1"}}}, "income.period", "收入期间"),
        ({"photo": "@@@not base64@@@"}, "photo", "照片数据无效"),
        ({"photo": "data:image/jpeg;base64,aGVsbG8="}, "file", "只接受JPEG"),
        ({"data": {"visited_on": "2025-01-01", "risk_level": "purple"}}, "risk_level", "走访等级无效"),
    ],
)
def test_bad_entries_are_rejected_with_chinese_reasons_and_change_nothing(grid_world, change, column, reason):
    client = session_client(grid_world["grid"])
    base = card(today(client), "H_DUE")["case"]["base_version"]
    e = entry("visit", "H_DUE", case=grid_world["monitored"], base=base, visited_on=str(clock.today()))
    e.update(change)
    [r] = sync(client, e)
    assert r["status"] == "rejected", r
    assert any(x["column"] == column and reason in x["reason"] for x in r["errors"]), r
    assert not Visit.objects.exists() and not FieldSubmission.objects.exists()
    assert not CaseDocument.objects.exists()


def test_too_many_entries_refused_whole(grid_world):
    client = session_client(grid_world["grid"])
    many = [entry("report", "H_CALM", risk_types=["illness"]) for _ in range(MAX_ENTRIES + 1)]
    r = client.post(SYNC, json.dumps({"entries": many}), content_type="application/json")
    assert r.status_code == 422 and "最多" in r.json()["detail"]
    assert not Clue.objects.filter(household__household_no="H_CALM").exists()


# ---------------------------------------------------------------------------------------------- home check


def test_home_check_by_the_village_cadre_moves_the_case(grid_world):
    client = session_client(grid_world["village"])
    check = card(today(client), "H_CLUE")["check"]
    case = grid_world["clue_case"]
    e = entry(
        "home_check",
        "H_CLUE",
        case=case,
        base=check["base_version"],
        checked_on=str(clock.today()),
        findings="户主住院，家中无其他劳动力",
        risk_types=["illness", "labour_shortage"],
        photo=photo_data_url(),
    )
    [r] = sync(client, e)
    assert r["status"] == "applied", (r["message"], r["errors"])
    case.refresh_from_db()
    assert case.state == "home_check" and case.home_checked_on == clock.today()
    assert case.risk_types == ["illness", "labour_shortage"]
    doc = CaseDocument.objects.get(pk=r["ids"]["document_id"])
    assert doc.kind == "authorisation"
    assert r["server"]["check"] is None  # nothing left to check
    # The same check again (a retry) is a duplicate, not a second transition.
    assert sync(client, e)[0]["status"] == "duplicate"


def test_home_check_needs_the_signed_authorisation_photo(grid_world):
    client = session_client(grid_world["village"])
    check = card(today(client), "H_CLUE")["check"]
    [r] = sync(
        client,
        entry(
            "home_check",
            "H_CLUE",
            case=grid_world["clue_case"],
            base=check["base_version"],
            checked_on=str(clock.today()),
            findings="属实",
        ),
    )
    assert r["status"] == "rejected" and "授权查询书" in r["message"]
    assert Case.objects.get(pk=grid_world["clue_case"].pk).state == "clue"


def test_home_check_by_a_grid_worker_is_refused_by_role(grid_world):
    client = session_client(grid_world["grid"])
    check = card(today(client), "H_CLUE")["check"]
    [r] = sync(
        client,
        entry(
            "home_check",
            "H_CLUE",
            case=grid_world["clue_case"],
            base=check["base_version"],
            checked_on=str(clock.today()),
            findings="属实",
            photo=photo_data_url(),
        ),
    )
    assert r["status"] == "rejected" and "村干部" in r["message"]
    assert not CaseDocument.objects.exists()


def test_home_check_on_a_stale_version_is_a_conflict(grid_world):
    client = session_client(grid_world["village"])
    check = card(today(client), "H_CLUE")["check"]
    # Another clue attaches meanwhile (new risk): the case version moves on.
    cases.clue_submit(
        actor=grid_world["grid"],
        channel="cadre_visit",
        household=grid_world["hh"]["clue"],
        risk_types=["housing"],
    )
    [r] = sync(
        client,
        entry(
            "home_check",
            "H_CLUE",
            case=grid_world["clue_case"],
            base=check["base_version"],
            checked_on=str(clock.today()),
            findings="属实",
            photo=photo_data_url(),
        ),
    )
    assert r["status"] == "conflict"
    assert any("新线索并入" in c for c in r["changes"]), r["changes"]
    assert Case.objects.get(pk=grid_world["clue_case"].pk).state == "clue"
    assert not CaseDocument.objects.exists()


# ---------------------------------------------------------------------------------------------- reports


def test_one_tap_report_opens_a_case_for_a_household_without_one(grid_world):
    client = session_client(grid_world["grid"])
    e = entry(
        "report",
        "H_CALM",
        risk_types=["disaster"],
        description="山体滑坡冲毁厨房",
        green_channel=True,
        photo=photo_data_url(),
    )
    [r] = sync(client, e)
    assert r["status"] == "applied", (r["message"], r["errors"])
    clue = Clue.objects.get(pk=r["ids"]["clue_id"])
    assert clue.channel == "cadre_visit" and clue.green_channel and clue.created_by == grid_world["grid"]
    assert clue.case is not None and clue.case.state == "clue" and clue.case.risk_level == "red"
    assert CaseDocument.objects.get(pk=r["ids"]["document_id"]).kind == "other"
    # The new case shows up at once on the phone as a home check to do.
    assert r["server"]["check"]["id"] == clue.case.pk


def test_one_tap_report_of_an_unregistered_person_waits_in_the_village(grid_world):
    # A grid worker whose grid is the whole village (the cases rules scope a clue without a household
    # by its village; a worker whose grid is one village group is refused with a clear reason).
    client = session_client(make_user("grid", VILLAGE_A, username="grid_village"))
    [r] = sync(
        client, entry("report", "", risk_types=["illness"], subject_name="张三", description="独居老人")
    )
    assert r["status"] == "applied", (r["message"], r["errors"])
    clue = Clue.objects.get(pk=r["ids"]["clue_id"])
    assert clue.household is None and clue.village_id == VILLAGE_A and clue.subject_name == "张三"
    [no_name] = sync(client, entry("report", "", risk_types=["illness"]))
    assert no_name["status"] == "rejected" and "姓名" in no_name["message"]
    [no_risk] = sync(client, entry("report", "H_CALM"))
    assert no_risk["status"] == "rejected" and "风险" in no_risk["message"]
    [group_level] = sync(
        session_client(grid_world["grid"]), entry("report", "", risk_types=["illness"], subject_name="张三")
    )
    assert group_level["status"] == "rejected" and "村民小组" in group_level["message"]
    assert Clue.objects.filter(subject_name="张三").count() == 1


# ---------------------------------------------------------------------------------------------- auth


def test_session_posts_need_the_csrf_token(grid_world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(grid_world["grid"])
    body = json.dumps({"entries": [entry("report", "H_CALM", risk_types=["illness"])]})
    assert client.post(SYNC, body, content_type="application/json").status_code == 403
    assert not Clue.objects.filter(household__household_no="H_CALM").exists()
    token = client.get("/api/v1/field/session").json()["csrf_token"]
    r = client.post(SYNC, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied"


def test_bearer_token_clients_sync_without_csrf(grid_world):
    client = Client(enforce_csrf_checks=True)
    r = client.post(
        "/api/v1/auth/token",
        {"username": "grid1", "password": "test-pass-123"},
        content_type="application/json",
    )
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    body = json.dumps({"entries": [entry("report", "H_CALM", risk_types=["illness"])]})
    r = client.post(SYNC, body, content_type="application/json", headers=headers)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied"
    assert client.get(TODAY, headers=headers).status_code == 200


def test_two_visits_queued_offline_for_one_household_both_apply(grid_world):
    """Both entries carry the version seen before the first: the worker's own first visit is not a change
    they failed to see. Someone else's visit in between still is."""
    client = session_client(grid_world["grid"])
    base = card(today(client), "H_DUE")["case"]["base_version"]
    case = grid_world["monitored"]
    monday = entry("visit", "H_DUE", case=case, base=base, visited_on=str(clock.today()), notes="第一次")
    tuesday = entry("visit", "H_DUE", case=case, base=base, visited_on=str(clock.today()), notes="第二次")
    first, second = sync(client, monday, tuesday)
    assert (first["status"], second["status"]) == ("applied", "applied"), second["changes"]
    assert Visit.objects.filter(case=case).count() == 2
    # A third entry queued on the same old version, after the cadre's visit: a conflict.
    cases.visit_record(case=case, actor=grid_world["village"], visited_on=clock.today(), notes="村委会")
    [third] = sync(
        client,
        entry("visit", "H_DUE", case=case, base=second["current_version"], visited_on=str(clock.today())),
    )
    assert third["status"] == "conflict"
