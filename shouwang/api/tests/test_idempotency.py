"""``Idempotency-Key`` on the creating POSTs (shouwang.api.idempotency, docs/api.md "Idempotency")."""

import datetime as dt
import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from shouwang.api.idempotency import IDEMPOTENT_VIEWS
from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Case, CaseDocument, Clue, Visit
from shouwang.cases.tests.helpers import D0, JPEG, Api, set_today
from shouwang.channels.models import SelfReport
from shouwang.common.models import IdempotentRequest
from shouwang.regions.services import regions_load
from shouwang.testing.builders import VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db


def post(api: Api, path: str, body: dict, key: str | None):
    headers = {**api.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return api.client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def clue_body(household_no: str = "H_IDEM", **extra) -> dict:
    return {"household_no": household_no, "risk_types": ["illness"], "description": "户主住院", **extra}


@pytest.fixture
def village(monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_IDEM")
    user = make_user("village")
    api = Api(user)
    api.user_id = user.pk  # type: ignore[attr-defined]
    return api


def counts() -> tuple[int, int, int]:
    return Clue.objects.count(), Case.objects.count(), AuditEntry.objects.count()


def test_the_same_key_and_request_is_answered_once_and_replayed(village):
    first = post(village, "/api/v1/clues", clue_body(), "key-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    after_first = counts()
    again = post(village, "/api/v1/clues", clue_body(), "key-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content and again["Content-Type"] == "application/json; charset=utf-8"
    assert counts() == after_first  # no second clue, no second audit row
    row = IdempotentRequest.objects.get()
    assert (row.caller, row.key, row.method, row.path, row.status) == (
        f"user:{village.user_id}",
        "key-1",
        "POST",
        "/api/v1/clues",
        201,
    )
    # without a key the same request is a new clue, as before
    assert post(village, "/api/v1/clues", clue_body(), None).status_code == 201
    assert Clue.objects.count() == after_first[0] + 1


def test_the_same_key_for_another_request_is_refused_in_chinese_and_does_nothing(village):
    assert post(village, "/api/v1/clues", clue_body(), "key-2").status_code == 201
    before = counts()
    other = post(village, "/api/v1/clues", clue_body(description="另一条线索"), "key-2")
    assert other.status_code == 422
    assert "幂等键已用于另一个请求".encode() in other.content  # UTF-8 text, not \\u escapes
    assert other.json()["errors"][0]["column"] == "Idempotency-Key"
    assert counts() == before
    # the same body to another path is another request too
    elsewhere = post(village, "/api/v1/hotline-calls", {"kind": "policy_question", "content": "问"}, "key-2")
    assert elsewhere.status_code == 422 and counts() == before


def test_keys_belong_to_their_caller(village):
    assert post(village, "/api/v1/clues", clue_body(), "shared").status_code == 201
    colleague = Api(make_user("village", username="village_2"))
    second = post(colleague, "/api/v1/clues", clue_body(), "shared")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Clue.objects.count() == 2 and IdempotentRequest.objects.count() == 2


def test_a_refused_request_does_not_keep_its_key(village, monkeypatch):
    future = (D0 + dt.timedelta(days=3)).isoformat()
    before = counts()
    refused = post(village, "/api/v1/clues", clue_body(reported_on=future), "key-3")
    assert refused.status_code == 422 and counts()[:2] == before[:2]
    assert not IdempotentRequest.objects.exists()
    # the corrected request may use the same key
    fixed = post(village, "/api/v1/clues", clue_body(), "key-3")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed


def test_a_request_still_running_is_answered_409_and_not_run_again(village):
    assert post(village, "/api/v1/clues", clue_body(), "key-4").status_code == 201
    IdempotentRequest.objects.update(status=0, body="")  # as if the first were still executing
    before = counts()
    busy = post(village, "/api/v1/clues", clue_body(), "key-4")
    assert busy.status_code == 409 and "正在办理中" in busy.json()["detail"]
    assert counts() == before and IdempotentRequest.objects.get().status == 0


def test_keys_are_kept_24_hours(village):
    assert post(village, "/api/v1/clues", clue_body(), "key-5").status_code == 201
    IdempotentRequest.objects.update(created_at=timezone.now() - dt.timedelta(hours=24, minutes=1))
    again = post(village, "/api/v1/clues", clue_body(), "key-5")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Clue.objects.count() == 2 and IdempotentRequest.objects.count() == 1  # the old one pruned


@pytest.mark.parametrize("key", ["", "x" * 256, "带中文的键", "has space"])
def test_a_malformed_key_is_refused(village, key):
    before = counts()
    r = village.client.post(
        "/api/v1/clues",
        json.dumps(clue_body()),
        content_type="application/json",
        headers={**village.headers, "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert r.status_code == 422 and "幂等键格式不正确" in r.json()["detail"]
    assert counts() == before and not IdempotentRequest.objects.exists()


def test_an_upload_is_replayed_and_another_file_under_the_same_key_refused(village):
    case_id = post(village, "/api/v1/clues", clue_body(), None).json()["case_id"]

    def upload(content: bytes):
        f = SimpleUploadedFile("授权书.jpg", content, content_type="image/jpeg")
        return village.client.post(
            f"/api/v1/cases/{case_id}/documents",
            {"file": f, "kind": "authorisation"},
            headers={**village.headers, "Idempotency-Key": "doc-1"},
        )

    first = upload(JPEG)
    assert first.status_code == 201
    again = upload(JPEG)
    assert (
        again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.content == first.content
    )
    assert CaseDocument.objects.filter(case_id=case_id).count() == 1
    other = upload(JPEG + b"\0")
    assert other.status_code == 422 and CaseDocument.objects.filter(case_id=case_id).count() == 1


def test_a_visit_retried_after_a_lost_answer_gets_the_first_answer_not_a_conflict(village):
    case_id = post(village, "/api/v1/clues", clue_body(), None).json()["case_id"]
    version = Case.objects.get(pk=case_id).version
    body = {"expected_version": version, "visited_on": D0.isoformat(), "notes": "入户了解病情"}
    first = post(village, f"/api/v1/cases/{case_id}/visits", body, "visit-1")
    assert first.status_code == 201
    again = post(village, f"/api/v1/cases/{case_id}/visits", body, "visit-1")
    assert again.status_code == 201 and again.json() == first.json()  # not 409 on the now-stale version
    assert Visit.objects.filter(case_id=case_id).count() == 1
    assert Case.objects.get(pk=case_id).version == version + 1


def test_the_public_self_report_is_keyed_by_client_address(village):
    body = {
        "village_code": VILLAGE_A,
        "difficulty": "medical_bills",
        "subject_name": "王芳",
        "contact_phone": "13800001234",
        "description": "住院费用高",
    }
    public = Client(REMOTE_ADDR="10.0.0.7")
    headers = {"Idempotency-Key": "sr-1"}
    first = public.post("/api/v1/self-reports", json.dumps(body), "application/json", headers=headers)
    assert first.status_code == 201
    again = public.post("/api/v1/self-reports", json.dumps(body), "application/json", headers=headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert SelfReport.objects.count() == 1
    assert IdempotentRequest.objects.get().caller == "ip:10.0.0.7"


def test_the_openapi_documents_the_header_on_exactly_the_creating_posts(village):
    spec = village.get("/api/v1/openapi.json").json()
    documented = set()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in op.get("parameters", [])):
                assert method == "post", path
                documented.add(path)
    assert {
        "/api/v1/clues",
        "/api/v1/clues/{clue_id}/resolve",
        "/api/v1/cases/{case_id}/transitions",
        "/api/v1/cases/{case_id}/documents",
        "/api/v1/cases/{case_id}/measures",
        "/api/v1/cases/{case_id}/visits",
        "/api/v1/self-reports",
        "/api/v1/hotline-calls",
        "/api/v1/screening/runs",
        "/api/v1/screening/parameters",
    } == documented
    assert len(IDEMPOTENT_VIEWS) == len(documented)
    assert "/api/v1/auth/token" not in documented  # a token is a secret: never stored for replay


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (SHOUWANG_DATABASE_URL)")
def test_two_identical_requests_at_once_run_once(monkeypatch):
    regions_load()
    set_today(monkeypatch, D0)
    make_household("H_RACE_KEY")
    api = Api(make_user("village"))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            r = post(api, "/api/v1/clues", clue_body("H_RACE_KEY"), "race-key")
            statuses.append(r.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    # one ran; the other either waited and was answered with its result, or was told it is still running
    assert sorted(statuses) in ([201, 201], [201, 409]), statuses
    assert Clue.objects.filter(household__household_no="H_RACE_KEY").count() == 1
