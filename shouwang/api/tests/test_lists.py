"""The API's lists through the real API with role tokens: filters, the caller's region, keyset pages,
refusals, and a page's query count that does not grow with the list (docs/api.md "Lists")."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case, Clue
from shouwang.cases.services import clue_submit
from shouwang.cases.tests.helpers import D0, JPEG, Api, set_today
from shouwang.console.tests.helpers import open_case, warning_for
from shouwang.field.tests.helpers import make_group
from shouwang.registry.models import Household
from shouwang.testing.builders import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


def head(n: int) -> list[dict[str, Any]]:
    return [{"seq": 200 + n, "name": f"户主{n}", "birth": dt.date(1970, 1, 1), "relation": "head"}]


def households(prefix: str, village: str, count: int, start: int = 0) -> list[Household]:
    return [make_household(f"{prefix}{n}", village, members=head(start + n)) for n in range(count)]


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def walk(api: Api, path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a list, page by page; and how many pages it took."""
    items, pages, cursor = [], 0, None
    while True:
        body = ok(api.get(path, **params, **({"cursor": cursor} if cursor else {})))
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 100


@pytest.fixture
def world(monkeypatch):
    """Five open cases in 古城街道 (township A), opened on different days, one in 娜姑镇 (township B)."""
    set_today(monkeypatch, D0)
    village = make_user("village")
    other = make_user("village", VILLAGE_B)
    cases = []
    for n, h in enumerate(households("A", VILLAGE_A, 5)):
        cases.append(open_case(h, village, reported_on=D0 - dt.timedelta(days=2 * n)))
    (b_household,) = households("B", VILLAGE_B, 1, start=50)
    outside = open_case(b_household, other)
    return {"cases": cases, "outside": outside, "village": village}


def test_case_list_is_the_callers_region_sorted_by_due_date(world):
    township = Api(make_user("township"))
    body = ok(township.get("/api/v1/cases"))
    ids = [c["id"] for c in body["items"]]
    assert body["total"] == 5 and body["next_cursor"] is None
    assert world["outside"].pk not in ids
    # Oldest due date first: the case reported earliest is due first.
    assert ids == [c.pk for c in reversed(world["cases"])]
    item = body["items"][0]
    assert item["state"] == "clue" and item["state_label"] == "风险线索"
    assert item["village_code"] == VILLAGE_A and item["household_no"] == "A4"
    assert [s["action"] for s in item["next_steps"]] == ["home_check"]
    # The other township sees only its own.
    other = Api(make_user("township", TOWNSHIP_B))
    assert [c["id"] for c in ok(other.get("/api/v1/cases"))["items"]] == [world["outside"].pk]


def test_case_list_filters(world, monkeypatch):
    township = Api(make_user("township"))
    # 15-day limit (R-ID-03): on D0 + 10 the cases reported 6 and 8 days before D0 are overdue.
    set_today(monkeypatch, D0 + dt.timedelta(days=10))
    late = ok(township.get("/api/v1/cases", overdue="true"))
    assert {c["household_no"] for c in late["items"]} == {"A3", "A4"}
    assert all(c["overdue"] and c["days_overdue"] > 0 for c in late["items"])
    on_time = ok(township.get("/api/v1/cases", overdue="false"))
    assert {c["household_no"] for c in on_time["items"]} == {"A0", "A1", "A2"}
    assert not any(c["overdue"] for c in on_time["items"])
    # The flag is computed on read: the batch never ran, the stored column still says False.
    assert not Case.objects.filter(overdue=True).exists()

    assert ok(township.get("/api/v1/cases", step="home_check"))["total"] == 5
    assert ok(township.get("/api/v1/cases", step="compare"))["total"] == 0
    assert ok(township.get("/api/v1/cases", state="clue"))["total"] == 5
    assert ok(township.get("/api/v1/cases", state="monitoring"))["total"] == 0
    assert ok(township.get("/api/v1/cases", kind="elimination"))["total"] == 0
    Case.objects.filter(pk=world["cases"][1].pk).update(category="sudden")
    assert [c["id"] for c in ok(township.get("/api/v1/cases", category="sudden"))["items"]] == [
        world["cases"][1].pk
    ]
    assert ok(township.get("/api/v1/cases", village=VILLAGE_A))["total"] == 5
    # Another township's village: nothing, not its cases.
    assert ok(township.get("/api/v1/cases", village=VILLAGE_B)) == {
        "items": [],
        "next_cursor": None,
        "total": 0,
    }

    for bad in ({"state": "nonsense"}, {"step": "fly"}, {"village": "12ab"}, {"overdue": "maybe"}):
        r = township.get("/api/v1/cases", **bad)
        assert r.status_code == 422, bad
        assert r.json()["detail"] and r.json()["errors"]


def test_pages_walk_every_case_exactly_once(world, monkeypatch):
    # Cases without a due date sort last and are paged through too.
    Case.objects.filter(pk__in=[world["cases"][0].pk, world["cases"][2].pk]).update(due_on=None)
    county = Api(make_user("county"))
    items, pages = walk(county, "/api/v1/cases", limit=2)
    ids = [c["id"] for c in items]
    assert len(ids) == len(set(ids)) == 6 and pages == 3
    assert set(ids) == {c.pk for c in world["cases"]} | {world["outside"].pk}
    assert [c["due_on"] for c in items][-2:] == [None, None]
    first = ok(county.get("/api/v1/cases", limit=2))
    assert first["total"] == 6 and first["next_cursor"]


@pytest.mark.parametrize("cursor", ["abc", "not-a-cursor", "W10", "WyJ4IiwgInkiXQ"])
def test_a_garbled_cursor_is_refused(world, cursor):
    r = Api(make_user("township")).get("/api/v1/cases", cursor=cursor)
    assert r.status_code == 422
    assert "翻页游标无效" in r.json()["detail"]
    assert r["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_limit_out_of_range_is_refused(world, limit):
    assert Api(make_user("township")).get("/api/v1/cases", limit=limit).status_code == 422


def test_lists_refuse_roles_without_access(world):
    before = (Case.objects.count(), Clue.objects.count(), AuditEntry.objects.filter(action="reveal").count())
    department = Api(make_user("department"))
    for path in ("/api/v1/cases", "/api/v1/clues", "/api/v1/staff/self-reports", "/api/v1/audit"):
        r = department.get(path)
        assert r.status_code == 403, path
        assert r.json()["detail"]
    assert Api(world["village"]).get("/api/v1/audit").status_code == 403
    grid = make_user("grid", make_group(VILLAGE_A, "一组").code)
    assert Api(grid).get("/api/v1/staff/self-reports").status_code == 403
    # Refusals change nothing, and each is recorded as one (the API's 403s are audited).
    assert (
        Case.objects.count(),
        Clue.objects.count(),
        AuditEntry.objects.filter(action="reveal").count(),
    ) == before
    assert AuditEntry.objects.filter(action="access_denied").count() == 6
    assert Api().get("/api/v1/cases").status_code == 401


PAGED = ("/api/v1/cases", "/api/v1/clues", "/api/v1/audit", "/api/v1/warnings", "/api/v1/staff/self-reports")


def test_one_page_costs_the_same_queries_for_a_short_and_a_long_list(world, django_assert_max_num_queries):
    api = Api(make_user("county"))

    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            ok(api.get(path, limit=5))
        return len(ctx.captured_queries)

    queries("/api/v1/cases")  # the token's first use writes its ``last_used``
    short = {path: queries(path) for path in PAGED}
    for n, h in enumerate(households("C", VILLAGE_A, 20, start=100)):
        open_case(h, world["village"], reported_on=D0 - dt.timedelta(days=n % 7))
        warning_for(h, "2025-02")
        _self_report(VILLAGE_A, f"1391234{n:04d}", f"申报人{n}")
    long = {path: queries(path) for path in PAGED}
    assert long == short
    assert ok(api.get("/api/v1/clues"))["total"] == 6 + 40  # a clue per case and per report: it grew
    for path in PAGED:
        with django_assert_max_num_queries(8):
            ok(api.get(path, limit=200))


# ------------------------------------------------------------------------------------------------- clues


def test_unmatched_clues_are_listed_with_their_id_and_can_be_resolved(world):
    village = world["village"]
    waiting = clue_submit(
        actor=village,
        channel="hotline",
        village_code=VILLAGE_A,
        subject_name="赵六",
        risk_types=["illness"],
        description="热线来电：家人重病",
    )
    elsewhere = clue_submit(
        actor=make_user("township", TOWNSHIP_B),
        channel="hotline",
        village_code=VILLAGE_B,
        subject_name="钱七",
        risk_types=["illness"],
    )
    api = Api(make_user("township"))
    body = ok(api.get("/api/v1/clues", unmatched="true"))
    assert [c["id"] for c in body["items"]] == [waiting.pk]
    item = body["items"][0]
    assert item["household_no"] is None and item["subject_name"] == "赵六" and item["case_id"] is None
    assert elsewhere.pk not in [c["id"] for c in ok(api.get("/api/v1/clues"))["items"]]
    assert ok(api.get("/api/v1/clues", unmatched="true", village=VILLAGE_B))["total"] == 0
    # All clues of the region (the five cases' clues too), paged.
    items, _ = walk(api, "/api/v1/clues", limit=2)
    assert len(items) == 6 and len({c["id"] for c in items}) == 6

    # The id is what POST /clues/{id}/resolve takes.
    resolved = ok(Api(village).post(f"/api/v1/clues/{item['id']}/resolve", {"household_no": "A0"}))
    assert resolved["clue_id"] == waiting.pk
    assert ok(api.get("/api/v1/clues", unmatched="true"))["total"] == 0
    assert ok(api.get("/api/v1/clues", unmatched="false"))["total"] == 6


# ----------------------------------------------------------------------------------------- self-reports


def _self_report(village: str, phone: str, name: str) -> str:
    body = {
        "village_code": village,
        "difficulty": "basic_living",
        "subject_name": name,
        "contact_phone": phone,
        "description": "家里老人生病，生活困难",
    }
    return str(ok(Api().post("/api/v1/self-reports", body), 201)["tracking_code"])


def test_staff_list_read_and_reveal_a_self_report(world):
    code = _self_report(VILLAGE_A, "13912345678", "孙八")
    other = _self_report(VILLAGE_B, "13987654321", "周九")
    staff = Api(make_user("township"))
    body = ok(staff.get("/api/v1/staff/self-reports"))
    assert [r["tracking_code"] for r in body["items"]] == [code]
    item = body["items"][0]
    assert item["phone_masked"] != "13912345678" and "1234" not in item["phone_masked"]
    assert item["status"] == "submitted" and item["subject_name"] == "孙八"
    assert ok(staff.get("/api/v1/staff/self-reports", status="answered"))["total"] == 0

    views = AuditEntry.objects.filter(object_type="self_report", action="view", object_id=code)
    one = ok(staff.get(f"/api/v1/staff/self-reports/{code}"))
    assert one["description"] == "家里老人生病，生活困难" and "13912345678" not in str(one)
    assert views.count() == 1

    reveal = ok(staff.post(f"/api/v1/staff/self-reports/{code}/reveal-phone", {"reason": "回访核实"}))
    assert reveal == {"tracking_code": code, "phone": "13912345678"}
    row = AuditEntry.objects.get(object_type="self_report.phone", object_id=code)
    assert row.action == "reveal" and row.reason == "回访核实" and row.region_code == VILLAGE_A

    # Another region's report: 404 like a missing one, nothing revealed.
    assert staff.get(f"/api/v1/staff/self-reports/{other}").status_code == 404
    r = staff.post(f"/api/v1/staff/self-reports/{other}/reveal-phone", {"reason": "x"})
    assert r.status_code == 404 and "13987654321" not in r.content.decode()
    assert not AuditEntry.objects.filter(object_type="self_report.phone", object_id=other).exists()
    assert staff.get("/api/v1/staff/self-reports/NOPE1234").status_code == 404
    # Filed without an ID, the report's clue waits for its household, and says which report it is.
    (clue,) = ok(staff.get("/api/v1/clues", unmatched="true", channel="self_report"))["items"]
    assert clue["tracking_code"] == code and clue["id"] == item["clue_id"]


# ------------------------------------------------------------------------------------------------- audit


def test_audit_api_gives_the_old_to_new_record_of_a_transition_in_scope(world):
    case = world["cases"][0]
    village = Api(world["village"])
    doc = ok(village.upload(f"/api/v1/cases/{case.pk}/documents", JPEG), 201)
    ok(
        village.post(
            f"/api/v1/cases/{case.pk}/transitions",
            {
                "action": "home_check",
                "expected_version": 1,
                "data": {"checked_on": D0.isoformat(), "authorisation_document_id": doc["id"]},
            },
        )
    )
    county = Api(make_user("county"))
    body = ok(county.get("/api/v1/audit", object_type="case", object_id=str(case.pk), action="transition"))
    (entry,) = body["items"]
    assert entry["changes"]["state"] == ["clue", "home_check"]
    assert entry["changes"]["version"] == [1, 2] and entry["version"] == 2
    assert entry["actor"] == world["village"].username and entry["role"] == "village"
    assert entry["region_code"] == VILLAGE_A and entry["region_name"]
    assert entry["action_label"] == "流程操作"
    # The whole trail of the case, newest first.
    trail = ok(county.get("/api/v1/audit", object_type="case", object_id=str(case.pk)))["items"]
    of_case = {"object_type": "case", "object_id": str(case.pk)}
    assert trail[0]["id"] > trail[-1]["id"] and {"create", "transition"} <= {e["action"] for e in trail}
    assert ok(county.get("/api/v1/audit", actor=world["village"].username))["total"] >= 2
    # ``at`` is the real time of writing (not the workflow's clock): today's entries, none tomorrow.
    today, total = timezone.localdate(), len(trail)
    one_day = dt.timedelta(days=1)
    assert (
        ok(county.get("/api/v1/audit", **of_case, since=today.isoformat(), until=today.isoformat()))["total"]
        == total
    )
    assert ok(county.get("/api/v1/audit", **of_case, since=(today + one_day).isoformat()))["total"] == 0
    assert ok(county.get("/api/v1/audit", **of_case, until=(today - one_day).isoformat()))["total"] == 0

    # An auditor of the other township does not see township A's entries.
    auditor_b = Api(make_user("auditor", TOWNSHIP_B))
    assert ok(auditor_b.get("/api/v1/audit", object_type="case", object_id=str(case.pk)))["total"] == 0
    mine = ok(auditor_b.get("/api/v1/audit", limit=200))["items"]
    assert mine and all(e["region_code"].startswith(TOWNSHIP_B) for e in mine)
    # Reading the log writes nothing to it (like the console's audit page).
    count = AuditEntry.objects.count()
    ok(county.get("/api/v1/audit"))
    assert AuditEntry.objects.count() == count


def test_audit_pages_walk_once_newest_first(world):
    items, pages = walk(Api(make_user("county")), "/api/v1/audit", limit=3)
    ids = [e["id"] for e in items]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids)) and pages > 1


# -------------------------------------------------------------------------------- visits, candidates, queue


def test_overdue_visits_and_candidates_use_the_envelope(world, monkeypatch):
    # Data setup: three monitored households whose identification was long ago (R-ID-06 tiers).
    for n, case in enumerate(world["cases"][:3]):
        Case.objects.filter(pk=case.pk).update(
            state="monitoring", decided_on=D0 - dt.timedelta(days=200 + n), risk_level="yellow"
        )
    api = Api(make_user("township"))
    items, pages = walk(api, "/api/v1/visits/overdue", limit=2)
    assert pages == 2 and sorted(i["case_id"] for i in items) == sorted(c.pk for c in world["cases"][:3])
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)
    assert ok(api.get("/api/v1/visits/overdue", limit=1))["total"] == 3
    assert api.get("/api/v1/visits/overdue", cursor="zzz").status_code == 422
    body = ok(api.get("/api/v1/elimination-candidates"))
    assert set(body) == {"items", "next_cursor", "total"} and body["total"] == len(body["items"])
    # Another township's monitoring staff see none of these.
    assert ok(Api(make_user("township", TOWNSHIP_B)).get("/api/v1/visits/overdue"))["total"] == 0


def test_work_queue_as_data(world, monkeypatch):
    set_today(monkeypatch, D0 + dt.timedelta(days=10))
    body = ok(Api(make_user("township", TOWNSHIP_A)).get("/api/v1/work-queue"))
    assert body["next_cursor"] is None and body["total"] == len(body["items"])
    sections = {s["key"]: s for s in body["items"]}
    cases = sections["cases"]
    # Due within three days or past (the console's section): all but the one reported on D0.
    assert cases["count"] == 4
    assert {i["case_id"] for i in cases["items"]} == {c.pk for c in world["cases"][1:]}
    assert all(i["overdue"] == (i["days_over"] > 0) for i in cases["items"])
    assert world["outside"].pk not in {i["case_id"] for i in cases["items"]}
    # No queue for a department user: an empty list.
    assert ok(Api(make_user("department")).get("/api/v1/work-queue"))["items"] == []


def test_warnings_list_shares_the_envelope_and_the_old_cursor(world):
    for h in Household.objects.filter(household_no__startswith="A"):
        warning_for(h, "2025-02")
    api = Api(make_user("township"))
    body = ok(api.get("/api/v1/warnings", period="2025-02", limit=2))
    assert body["total"] == 5 and len(body["items"]) == 2 and body["next_cursor"]
    items, _ = walk(api, "/api/v1/warnings", period="2025-02", limit=2)
    assert [w["household_no"] for w in items] == ["A0", "A1", "A2", "A3", "A4"]
    # A cursor kept from before (period~household_no) still works, as ``after``.
    old = ok(api.get("/api/v1/warnings", period="2025-02", after="2025-02~A2"))
    assert [w["household_no"] for w in old["items"]] == ["A3", "A4"]
    assert api.get("/api/v1/warnings", cursor="???").status_code == 422
    assert Clue.objects.count() == 6  # listing created nothing
