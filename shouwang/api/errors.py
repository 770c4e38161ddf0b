"""Every API error as Chinese JSON in the one shape of ``shouwang.common.apischema`` (CONTRACT §3).

Three places produce errors, and all three answer alike:

- ``StrictJsonParser``: a JSON body is read only when it is declared ``application/json`` (415 otherwise:
  a cross-site form or ``text/plain`` post cannot reach a public endpoint), is UTF-8 (422), parses (400),
  and holds no lone surrogate or NUL anywhere (422). It runs before the handler, so a refused body writes
  nothing, not even a throttle row.
- the exception handlers installed by ``errors_install`` (401, 403, 404, 409, 413, 415, 422, 400);
- ``ApiErrorMiddleware``, for what never reaches a handler: bodies over the limit (413, refused on the
  declared length before anything is read), unknown ``/api/v1/`` paths (404), wrong methods (405), and any
  other non-JSON error page Django would have sent.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.common.apischema import bounded, error_body, error_item
from shouwang.common.errors import InputRefused
from shouwang.common.limits import bad_text

API_PREFIX = "/api/v1/"
JSON_TYPE = "application/json"
JSON_UTF8 = "application/json; charset=utf-8"
# Endpoints that take other bodies and check their own size while streaming (CSV/XLSX/JSON feed pushes).
OWN_LIMIT_PATHS = re.compile(r"^/api/v1/feeds/[^/]+/?$")
STATUS_DETAIL = {
    400: "请求格式不正确",
    401: "未登录或令牌无效：请在请求头 Authorization 中提供有效的 Bearer 令牌",
    403: "无权执行此操作",
    404: "接口地址不存在",
    405: "该接口不支持此请求方法",
    413: "请求体过大",
    415: "请求体类型不受支持",
    422: "请求内容不合法",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
}
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为金额数字",
    "bool_parsing": "应为是/否",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "json_invalid": "请求体不是合法的JSON",
    "string_too_short": "内容过短",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体格式不正确",
    "list_type": "应为列表",
}


def max_body_bytes() -> int:
    return int(getattr(settings, "SHOUWANG_API_MAX_BODY_BYTES", 2_621_440))


def max_upload_bytes() -> int:
    return int(getattr(settings, "SHOUWANG_API_MAX_UPLOAD_BYTES", 12 * 1024 * 1024))


class BodyRefused(Exception):
    """A request body refused before parsing: its status and the shared error shape."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []


def _first_bad_text(data: Any) -> tuple[str, str] | None:
    """(field path, reason) of the first unstorable string in a parsed JSON document, keys included."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if why := bad_text(value):
                return path, why
        elif isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if why := bad_text(key):
                    return (path or "请求体"), "字段名" + why
                stack.append((where, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        ctype = (request.content_type or "").lower()
        if ctype != JSON_TYPE and not (ctype.startswith("application/") and ctype.endswith("+json")):
            raise BodyRefused(
                415,
                "请求体须为JSON，Content-Type 应为 application/json",
                [error_item(column="Content-Type", value=ctype, reason="应为 application/json")],
            )
        try:
            raw = request.body
        except RequestDataTooBig as exc:
            raise BodyRefused(413, _too_big_detail(max_body_bytes())) from exc
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BodyRefused(
                422, "请求体不是有效的UTF-8编码", [error_item(column="请求体", reason="编码应为UTF-8")]
            ) from exc
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            where = (
                f"第{exc.lineno}行第{exc.colno}列" if isinstance(exc, json.JSONDecodeError) else "嵌套过深"
            )
            raise BodyRefused(
                400, "请求体不是合法的JSON", [error_item(column="请求体", reason=f"JSON解析失败（{where}）")]
            ) from exc
        if found := _first_bad_text(data):
            column, why = found
            raise BodyRefused(
                422, f"请求内容不合法：“{column}”{why}", [error_item(column=column, reason=why)]
            )
        return data


def _too_big_detail(limit: int) -> str:
    size = f"{limit // (1024 * 1024)}MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)}KB"
    return f"请求体过大（上限{size}）"


def error_response(status: int, detail: str, errors: Any = ()) -> JsonResponse:
    response = JsonResponse(
        error_body(detail, errors),
        status=status,
        json_dumps_params={"ensure_ascii": False},
        content_type=JSON_UTF8,
    )
    return response


# Never echoed, even bounded: secrets and personal data.
UNECHOED = frozenset({"password", "token", "id_number", "contact_phone", "caller_phone", "phone", "photo"})


# The refusals every operation of a kind can answer, in the one error shape, added to the OpenAPI document
# so that a generated client and schemathesis know them (docs/api.md, "The OpenAPI document").
AUTHENTICATED_ERRORS = {401: "未登录或令牌无效", 403: "无权执行此操作"}
INPUT_ERRORS = {422: "请求内容不合法"}
PATH_ERRORS = {404: "未找到"}
JSON_BODY_ERRORS = {400: "请求体不是合法的JSON", 413: "请求体过大", 415: "请求体类型不受支持"}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _documented_errors(operation: dict[str, Any]) -> dict[int, str]:
    errors: dict[int, str] = {}
    if operation.get("security"):
        errors |= AUTHENTICATED_ERRORS
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    if params or body:
        errors |= INPUT_ERRORS
    if any(p.get("in") == "path" for p in params):
        errors |= PATH_ERRORS
    if body:
        errors |= JSON_BODY_ERRORS if JSON_TYPE in body else {413: JSON_BODY_ERRORS[413]}
    return errors


def _responses_by_text_status(responses: dict[Any, Any]) -> dict[str, Any]:
    """One entry per status, keyed by its text: ninja keys the ``response=`` statuses by int, and an
    operation's ``openapi_extra`` adds Chinese descriptions under text keys — the two would otherwise be
    written as two entries for one status (one without its schema). The description of the text entry wins,
    the schema of the int one stays."""
    out: dict[str, Any] = {}
    for status, entry in sorted(responses.items(), key=lambda kv: isinstance(kv[0], str)):
        out[str(status)] = {**out.get(str(status), {}), **entry}
    return out


class ShouwangApi(NinjaAPI):
    """NinjaAPI that keeps a bounded copy of each refused value, so a 422 can say what was wrong, and
    documents what every operation can answer: short operationIds (the handler's name, which a generated
    client uses as its function name) and the refusals each kind of operation can meet (``ErrorOut``)."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema["paths"].values():
            for operation in path.values():
                responses = _responses_by_text_status(operation.setdefault("responses", {}))
                operation["responses"] = responses
                for status, description in _documented_errors(operation).items():
                    if str(status) not in responses:
                        responses[str(status)] = {
                            "description": description,
                            "content": {JSON_TYPE: {"schema": ERROR_REF}},
                        }
        return schema

    def validation_error_from_error_contexts(self, error_contexts: list[Any]) -> ValidationError:
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            for e in context.pydantic_validation_error.errors(include_url=False, include_context=True):
                flat = model.__ninja_flatten_map_reverse__.get(e["loc"], e["loc"])
                loc = (model.__ninja_param_source__, *flat)
                value = e.get("input")
                echo = "" if isinstance(value, dict | list) or set(map(str, loc)) & UNECHOED else value
                ctx = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, int | str)}
                errors.append({**e, "loc": loc, "input": bounded(echo), "ctx": ctx})
        return ValidationError(errors)


def _validation_items(exc: ValidationError) -> list[dict[str, Any]]:
    items = []
    for e in exc.errors:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "payload", "query", "path")]
        kind = str(e.get("type", ""))
        ctx = e.get("ctx") or {}
        if kind == "value_error":  # our own validators raise ValueError with a Chinese message
            reason = str(e.get("msg", "")).removeprefix("Value error, ")
        elif kind == "string_too_long":
            reason = f"内容过长：不超过{ctx.get('max_length')}字"
        elif kind == "too_long":
            reason = f"条目过多：不超过{ctx.get('max_length')}项"
        else:
            reason = _PYDANTIC_MESSAGES.get(kind, "取值不合法")
        value = e.get("input", "") if kind != "missing" and not isinstance(e.get("input"), dict) else ""
        items.append(error_item(column=".".join(loc), value=value, reason=reason))
    return items


def errors_install(api: NinjaAPI) -> None:
    """Register the handlers that turn every refusal into the one shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        items = _validation_items(exc)
        detail = "请求内容不合法：" + "；".join(f"“{i['column']}”{i['reason']}" for i in items[:5])
        return respond(request, 422, error_body(detail, items))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, BodyRefused):
            return respond(request, cause.status, error_body(cause.detail, cause.errors))
        detail = STATUS_DETAIL.get(exc.status_code, "请求未能处理")
        if exc.status_code != 401 and not isinstance(exc, AuthenticationError) and _is_chinese(str(exc)):
            detail = str(exc)
        return respond(request, exc.status_code, error_body(detail))

    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        # E.g. an out-of-range number that PostgreSQL refuses: bad input, not a server fault.
        return respond(request, 422, error_body("请求内容含有数据库无法保存的字符或数值"))

    def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
        return respond(request, 404, error_body("未找到"))

    def forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
        return respond(request, 403, error_body(str(exc) or STATUS_DETAIL[403]))

    def refused(request: HttpRequest, exc: InputRefused) -> HttpResponse:
        return respond(request, 422, error_body(exc.message, exc.as_dict()["errors"]))

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ValidationError, invalid),
        (HttpError, http_error),
        (DataError, data_error),
        (NotFound, not_found),
        (Forbidden, forbidden),
        (InputRefused, refused),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class ApiErrorMiddleware:
    """Under /api/v1/: refuse oversized bodies before reading them; make every error page Chinese JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if refusal := self._too_big(request):
            return refusal
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(JSON_TYPE):
            allow = response.get("Allow")
            detail = STATUS_DETAIL.get(response.status_code, "请求未能处理")
            if response.status_code == 405 and allow:
                detail += f"（允许：{allow}）"
            replaced = error_response(response.status_code, detail)
            if allow:
                replaced["Allow"] = allow
            return replaced
        return response

    def _too_big(self, request: HttpRequest) -> HttpResponse | None:
        if OWN_LIMIT_PATHS.match(request.path):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(400, "Content-Length 请求头不正确")
        multipart = (request.content_type or "").lower() == "multipart/form-data"
        limit = max_upload_bytes() if multipart else max_body_bytes()
        if length > limit:
            return error_response(
                413,
                _too_big_detail(limit),
                [error_item(column="Content-Length", value=bounded(length), reason=f"不超过{limit}字节")],
            )
        return None
