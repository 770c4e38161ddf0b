"""The HTTP API, /api/v1/ (CONTRACT §3). Each app contributes a router from its ``api`` module."""

from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.api import router as accounts_router
from shouwang.accounts.auth import TokenAuth, TokenRejected
from shouwang.accounts.services import api_token_login
from shouwang.accounts.throttle import LoginThrottled
from shouwang.cases.api import router as cases_router
from shouwang.channels.api import router as channels_router
from shouwang.common.errors import InputRefused
from shouwang.exchange.api import router as exchange_router
from shouwang.field.api import router as field_router
from shouwang.registry.api import router as registry_router
from shouwang.screening.api import router as screening_router

api = NinjaAPI(
    title="守望 Shouwang API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


class ErrorOut(Schema):
    detail: str


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, tags=["auth"])
def auth_token(request: HttpRequest, payload: TokenIn) -> HttpResponse:
    try:
        token = api_token_login(username=payload.username, password=payload.password, request=request)
    except LoginThrottled as exc:
        refused = api.create_response(
            request, {"detail": exc.message, "retry_after": exc.retry_after}, status=429
        )
        refused["Retry-After"] = str(exc.retry_after)
        return refused
    if token is None:
        return api.create_response(request, {"detail": "用户名或密码错误"}, status=401)
    return api.create_response(request, {"token": token, "token_type": "Bearer"}, status=200)


@api.exception_handler(TokenRejected)
def _token_rejected(request: HttpRequest, exc: TokenRejected):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": exc.detail}, status=401)


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
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "model_attributes_type": "请求体格式不正确",
    "dict_type": "请求体格式不正确",
    "list_type": "应为列表",
}


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):  # type: ignore[no-untyped-def]
    """Input that does not fit the schema: every problem listed, in Chinese, nothing changed."""
    errors = []
    for e in exc.errors:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "payload", "query", "path")]
        kind = str(e.get("type", ""))
        # Our own validators raise ValueError with a Chinese message: keep it.
        own = str(e.get("msg", "")).removeprefix("Value error, ") if kind == "value_error" else ""
        errors.append({"field": ".".join(loc), "reason": own or _PYDANTIC_MESSAGES.get(kind, "取值不合法")})
    return api.create_response(request, {"detail": "请求内容不合法", "errors": errors}, status=422)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError):  # type: ignore[no-untyped-def]
    # E.g. a NUL byte or an out-of-range number that PostgreSQL refuses: bad input, not a server fault.
    return api.create_response(request, {"detail": "请求内容含有数据库无法保存的字符或数值"}, status=422)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(Forbidden)
def _forbidden(request: HttpRequest, exc: Forbidden):  # type: ignore[no-untyped-def]
    return api.create_response(request, {"detail": str(exc) or "无权执行此操作"}, status=403)


@api.exception_handler(InputRefused)
def _refused(request: HttpRequest, exc: InputRefused):  # type: ignore[no-untyped-def]
    return api.create_response(request, exc.as_dict(), status=422)


def _mount() -> None:

    api.add_router("/", accounts_router)
    api.add_router("/", registry_router)
    api.add_router("/", exchange_router)
    api.add_router("/", screening_router)
    api.add_router("/", cases_router)
    api.add_router("/", channels_router)
    api.add_router("/field", field_router)


_mount()
