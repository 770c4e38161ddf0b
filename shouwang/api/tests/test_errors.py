"""Every API error is Chinese JSON in one shape (docs/api.md "Errors"), over the real Django test client.

Each refusal also checks that nothing was written: self-reports, clues, audit rows and throttle rows.
"""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from shouwang.accounts.services import api_token_create
from shouwang.api.errors import STATUS_DETAIL
from shouwang.audit.models import AuditEntry
from shouwang.cases.models import Clue
from shouwang.channels.models import SelfReport, SubmissionThrottle
from shouwang.testing.builders import VILLAGE_A, make_user

pytestmark = pytest.mark.django_db
JSON = "application/json"
REPORT = {
    "village_code": VILLAGE_A,
    "difficulty": "unsafe_house",
    "subject_name": "张三",
    "contact_phone": "13912345678",
}


def _counts() -> dict[str, int]:
    return {
        "self_reports": SelfReport.objects.count(),
        "throttle": SubmissionThrottle.objects.count(),
        "clues": Clue.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def _shape(response: Any, status: int) -> dict[str, Any]:
    """The one shape: JSON, exactly ``detail`` (Chinese) and ``errors`` (items of row/column/value/reason)."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(JSON)
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and any("\u4e00" <= c <= "\u9fff" for c in body["detail"])
    for item in body["errors"]:
        assert set(item) == {"row", "column", "value", "reason"}
    return body


def _post_raw(path: str, raw: str | bytes, content_type: str = JSON, **extra: Any) -> Any:
    return Client().post(path, data=raw, content_type=content_type, **extra)


@pytest.fixture
def village_token() -> str:
    return api_token_create(user=make_user("village"), name="t")


# ------------------------------------------------------------------------------- invalid Unicode


@pytest.mark.parametrize("field", ["subject_name", "description", "reporter_name", "village_code"])
@pytest.mark.parametrize("bad", ["\ud800abc", "ab\x00c", "abc\udfff"])
def test_lone_surrogate_or_nul_in_a_self_report_is_422_and_writes_nothing(field, bad):
    before = _counts()
    raw = json.dumps({**REPORT, field: bad})  # ensure_ascii: the surrogate travels as a \\ud800 escape
    assert "\\u" in raw
    body = _shape(_post_raw("/api/v1/self-reports", raw), 422)
    reason = "含有非法字符（NUL）" if "\x00" in bad else "含有无效的Unicode字符（孤立代理项）"
    assert body["errors"] == [{"row": None, "column": field, "value": "", "reason": reason}]
    assert body["detail"] == f"请求内容不合法：“{field}”{reason}"
    assert _counts() == before  # no report, no clue, no audit row, and no throttle row


def test_surrogate_in_a_key_or_nested_value_and_invalid_utf8_are_422():
    before = _counts()
    nested = _shape(_post_raw("/api/v1/self-reports", json.dumps({**REPORT, "x": ["ok", "\ud83d"]})), 422)
    assert nested["errors"][0]["column"] == "x[1]"
    key = _shape(_post_raw("/api/v1/self-reports", json.dumps({**REPORT, "\ud800": 1})), 422)
    assert key["errors"][0]["reason"] == "字段名含有无效的Unicode字符（孤立代理项）"
    raw = json.dumps(REPORT, ensure_ascii=False).encode().replace("张三".encode(), b"\xed\xa0\x80")
    utf8 = _shape(_post_raw("/api/v1/self-reports", raw), 422)
    assert utf8["detail"] == "请求体不是有效的UTF-8编码"
    assert _counts() == before


def test_lone_surrogate_in_a_clue_is_422_and_writes_nothing(village_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {village_token}"}
    before = _counts()
    raw = json.dumps({"village_code": VILLAGE_A, "subject_name": "\ud800abc", "risk_types": ["illness"]})
    body = _shape(_post_raw("/api/v1/clues", raw, **auth), 422)
    assert body["errors"][0]["column"] == "subject_name"
    assert _counts() == before


def test_nul_in_a_path_is_422():
    body = _shape(Client().get("/api/v1/self-reports/AB%00CD"), 422)
    assert body["errors"][0]["column"] == "tracking_code"


# ------------------------------------------------------------------------------- content type


def test_the_feed_push_keeps_its_own_types_so_a_csv_is_not_415(village_token):
    # Not a JSON endpoint: a CSV body reaches the endpoint (refused there for the role, not for its type).
    response = _post_raw(
        "/api/v1/feeds/medical?period=2026-01",
        "a,b\n1,2\n",
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {village_token}",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        ("text/plain", json.dumps),
        ("application/x-www-form-urlencoded", urlencode),
        ("text/plain;charset=UTF-8", json.dumps),
    ],
)
def test_a_json_body_under_another_content_type_is_415_and_writes_nothing(content_type, encode):
    before = _counts()
    body = _shape(_post_raw("/api/v1/self-reports", encode(REPORT), content_type=content_type), 415)
    declared = content_type.split(";")[0]
    assert body == {
        "detail": "请求体须为JSON，Content-Type 应为 application/json",
        "errors": [
            {"row": None, "column": "Content-Type", "value": declared, "reason": "应为 application/json"}
        ],
    }
    assert _counts() == before


def test_a_multipart_form_post_is_415_and_writes_nothing():
    before = _counts()
    response = Client().post("/api/v1/self-reports", REPORT)  # the test client's default: multipart
    body = _shape(response, 415)
    assert body["errors"][0]["value"] == "multipart/form-data"
    assert _counts() == before
    # the same body as application/json is accepted: the type was the only problem
    assert _post_raw("/api/v1/self-reports", json.dumps(REPORT)).status_code == 201


# ------------------------------------------------------------------------------- each status


def test_401_without_or_with_a_bad_token():
    headers: dict[str, str]
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eA=="}):
        response = Client().get("/api/v1/cases/1", headers=headers)
        body = _shape(response, 401)
        assert body == {"detail": STATUS_DETAIL[401], "errors": []}
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/cases/1/no-such-step", "/api/v1/"])
def test_404_for_unknown_api_paths_is_json_not_the_console_page(path):
    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert _shape(response, 404) == {"detail": "接口地址不存在", "errors": []}
        assert b"<html" not in response.content.lower()


def test_405_names_the_allowed_methods():
    response = Client().delete("/api/v1/self-reports")
    body = _shape(response, 405)
    assert body["detail"] == "该接口不支持此请求方法（允许：POST）" and body["errors"] == []
    assert response["Allow"] == "POST"


def test_413_before_parsing_under_the_setting(settings):
    settings.SHOUWANG_API_MAX_BODY_BYTES = 1024
    before = _counts()
    raw = json.dumps({**REPORT, "description": "长" * 400})  # 1,300 bytes: over 1 KB
    body = _shape(_post_raw("/api/v1/self-reports", raw), 413)
    assert body == {
        "detail": "请求体过大（上限1KB）",
        "errors": [
            {
                "row": None,
                "column": "Content-Length",
                "value": str(len(raw.encode())),
                "reason": "不超过1024字节",
            }
        ],
    }
    assert _counts() == before


def test_a_20_mb_body_is_a_chinese_413_not_an_english_400():
    before = _counts()
    raw = b'{"subject_name": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    body = _shape(_post_raw("/api/v1/self-reports", raw), 413)
    assert body["detail"] == "请求体过大（上限2MB）"
    assert _counts() == before


def test_400_for_malformed_json():
    before = _counts()
    body = _shape(_post_raw("/api/v1/self-reports", '{"subject_name": '), 400)
    assert body == {
        "detail": "请求体不是合法的JSON",
        "errors": [{"row": None, "column": "请求体", "value": "", "reason": "JSON解析失败（第1行第18列）"}],
    }
    deep = _shape(_post_raw("/api/v1/self-reports", "[" * 100_000 + "]" * 100_000), 400)
    assert deep["errors"][0]["reason"] == "JSON解析失败（嵌套过深）"
    assert _counts() == before


def test_422_echo_is_bounded_and_names_the_field_and_its_limit():
    before = _counts()
    response = _post_raw("/api/v1/self-reports", json.dumps({**REPORT, "subject_name": "名" * 100_000}))
    body = _shape(response, 422)
    [item] = body["errors"]
    assert item["column"] == "subject_name" and item["reason"] == "内容过长：不超过32字"
    assert item["value"] == "名" * 100 + "…"  # the first 100 characters, not 100,000
    assert len(response.content) < 2000
    assert body["detail"] == "请求内容不合法：“subject_name”内容过长：不超过32字"
    assert _counts() == before  # refused by the schema: not even a throttle row


def test_422_from_a_service_keeps_the_shape_and_is_bounded():
    # A wrong village code is refused by the service (after the throttle row, as an attempt).
    response = _post_raw("/api/v1/self-reports", json.dumps({**REPORT, "village_code": "9" * 15}))
    body = _shape(response, 422)
    assert {"row": None, "column": "village_code", "value": "9" * 15, "reason": "请选择所在的行政村"} in body[
        "errors"
    ]
    assert SelfReport.objects.count() == 0


def test_the_error_shape_is_documented_in_the_openapi_components():
    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorOut"]["properties"]) == {"detail", "errors"}
    assert set(schemas["ErrorItemOut"]["properties"]) == {"row", "column", "value", "reason"}
    post = document["paths"]["/api/v1/self-reports"]["post"]
    for status in ("422", "429"):
        ref = post["responses"][status]["content"][JSON]["schema"]["$ref"]
        assert ref == "#/components/schemas/ErrorOut"


# ------------------------------------------------------------------------------- over-long fields


def _request_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component schema reachable from a JSON request body, nested ones included."""
    schemas = document["components"]["schemas"]
    found: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found[name] = schemas[name]
                    walk(schemas[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            walk(operation.get("requestBody", {}).get("content", {}).get(JSON, {}))
    return found


def _string_properties(schema: dict[str, Any]):
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        if any(option.get("type") == "number" for option in options):
            continue  # a Decimal: the number's text form, checked as a number
        for option in options:
            if option.get("type") == "string" and option.get("format") not in (
                "date",
                "date-time",
                "decimal",
            ):
                yield name, option
            if option.get("type") == "array" and option.get("items", {}).get("type") == "string":
                yield f"{name}[]", option["items"]


def test_every_string_of_every_json_input_has_a_length_limit():
    document = Client().get("/api/v1/openapi.json").json()
    schemas = _request_schemas(document)
    assert {"SelfReportIn", "ClueIn", "HotlineIn", "MeasureIn", "EntryIn", "RunIn", "TokenIn"} <= set(schemas)
    unbounded = [
        f"{schema_name}.{field}"
        for schema_name, schema in schemas.items()
        for field, prop in _string_properties(schema)
        if "maxLength" not in prop
    ]
    assert unbounded == []


def _self_report_limits() -> dict[str, int]:
    document = Client().get("/api/v1/openapi.json").json()
    schema = document["components"]["schemas"]["SelfReportIn"]
    return {name: prop["maxLength"] for name, prop in _string_properties(schema)}


@pytest.mark.parametrize(
    "field",
    [
        "village_code",
        "difficulty",
        "subject_name",
        "contact_phone",
        "filing_mode",
        "reporter_name",
        "id_number",
        "description",
    ],
)
def test_an_over_long_self_report_field_is_refused_naming_it_and_its_limit(field):
    limit = _self_report_limits()[field]
    before = _counts()
    body = _shape(_post_raw("/api/v1/self-reports", json.dumps({**REPORT, field: "一" * (limit + 1)})), 422)
    [item] = body["errors"]
    assert item["column"] == field and item["reason"] == f"内容过长：不超过{limit}字"
    assert len(item["value"]) <= 101
    assert _counts() == before


def test_limits_come_from_the_model_columns():
    limits = _self_report_limits()
    assert limits["reporter_name"] == SelfReport._meta.get_field("reporter_name").max_length
    assert limits["filing_mode"] == SelfReport._meta.get_field("filing_mode").max_length


def test_an_over_long_hotline_caller_name_is_refused_not_cut():
    token = api_token_create(user=make_user("township"), name="t")
    before = _counts()
    raw = json.dumps({"kind": "complaint", "content": "来电", "caller_name": "李" * 65})
    body = _shape(_post_raw("/api/v1/hotline-calls", raw, HTTP_AUTHORIZATION=f"Bearer {token}"), 422)
    assert (
        body["errors"][0]["column"] == "caller_name" and body["errors"][0]["reason"] == "内容过长：不超过64字"
    )
    assert _counts() == before
