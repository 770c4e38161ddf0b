"""JSON with Chinese as UTF-8 text (not \\uXXXX escapes), from handlers, refusals and the middleware."""

import json

import pytest

from shouwang.cases.tests.helpers import D0, Api, set_today
from shouwang.testing.builders import make_household, make_user

pytestmark = pytest.mark.django_db
UTF8_JSON = "application/json; charset=utf-8"


def test_answers_and_refusals_carry_chinese_as_utf8(monkeypatch):
    set_today(monkeypatch, D0)
    make_household("H_UTF")
    api = Api(make_user("village"))
    created = api.post("/api/v1/clues", {"household_no": "H_UTF", "risk_types": ["illness"]})
    case = api.get(f"/api/v1/cases/{created.json()['case_id']}")
    assert case.status_code == 200 and case["Content-Type"] == UTF8_JSON
    assert "风险线索".encode() in case.content and b"\\u" not in case.content
    # a refusal from a handler (exception handler) …
    missing = api.get("/api/v1/cases/999999")
    assert missing.status_code == 404 and missing["Content-Type"] == UTF8_JSON
    assert missing.content == json.dumps({"detail": "未找到", "errors": []}, ensure_ascii=False).encode()
    # … a validation error …
    bad = api.post("/api/v1/clues", {"household_no": "H_UTF", "risk_types": "illness"})
    assert bad.status_code == 422 and "应为列表".encode() in bad.content and b"\\u" not in bad.content
    # … and one the middleware writes (an unknown path)
    nowhere = api.get("/api/v1/no-such-thing")
    assert nowhere.status_code == 404 and nowhere["Content-Type"] == UTF8_JSON
    assert "接口地址不存在".encode() in nowhere.content
