"""The HTTP API, /api/v1/ (CONTRACT §3). Each app contributes a router from its ``api`` module."""

from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.renderers import JSONRenderer

from shouwang.accounts.api import router as accounts_router
from shouwang.accounts.auth import TokenAuth, TokenRejected
from shouwang.accounts.models import User
from shouwang.accounts.services import api_token_login
from shouwang.accounts.throttle import LoginThrottled
from shouwang.api.audit import router as audit_router
from shouwang.api.errors import ShouwangApi, StrictJsonParser, errors_install
from shouwang.api.idempotency import idempotency_install
from shouwang.api.lists import router as lists_router
from shouwang.api.selfreports import router as staff_self_reports_router
from shouwang.cases.api import router as cases_router
from shouwang.channels.api import router as channels_router
from shouwang.common.apischema import ErrorOut, error_body
from shouwang.common.limits import max_length
from shouwang.employment.api import router as employment_router
from shouwang.exchange.api import router as exchange_router
from shouwang.field.api import router as field_router
from shouwang.industry.api import router as industry_router
from shouwang.publicposts.api import router as publicposts_router
from shouwang.registry.api import router as registry_router
from shouwang.screening.api import router as screening_router
from shouwang.workshops.api import router as workshops_router


class Utf8JsonRenderer(JSONRenderer):
    """Chinese as UTF-8 text, not \\uXXXX escapes, so it reads as it is in logs and curl
    (``Content-Type: application/json; charset=utf-8``)."""

    json_dumps_params = {"ensure_ascii": False}


api = ShouwangApi(
    title="守望 Shouwang API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=StrictJsonParser(),
    renderer=Utf8JsonRenderer(),
)


# Long enough for any passphrase a person types; bounded so a megabyte "password" is refused before hashing.
PASSWORD_INPUT_MAX = 256


class TokenIn(Schema):
    username: str = Field(max_length=max_length(User, "username"))
    password: str = Field(max_length=PASSWORD_INPUT_MAX)


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, tags=["auth"])
def auth_token(request: HttpRequest, payload: TokenIn) -> HttpResponse:
    try:
        token = api_token_login(username=payload.username, password=payload.password, request=request)
    except LoginThrottled as exc:
        refused = api.create_response(
            request, {**error_body(exc.message), "retry_after": exc.retry_after}, status=429
        )
        refused["Retry-After"] = str(exc.retry_after)
        return refused
    if token is None:
        return api.create_response(request, error_body("用户名或密码错误"), status=401)
    return api.create_response(request, {"token": token, "token_type": "Bearer"}, status=200)


errors_install(api)


@api.exception_handler(TokenRejected)
def _token_rejected(request: HttpRequest, exc: TokenRejected):  # type: ignore[no-untyped-def]
    """A revoked or expired token: the reason, in the one error shape (a subclass of the 401 that
    ``errors_install`` answers, so this more specific handler wins)."""
    return api.create_response(request, error_body(exc.detail), status=401)


def _mount() -> None:
    for router in (
        accounts_router,
        registry_router,
        exchange_router,
        screening_router,
        cases_router,
        channels_router,
        field_router,
    ):
        idempotency_install(router)
    api.add_router("/", accounts_router)
    api.add_router("/", registry_router)
    api.add_router("/", exchange_router)
    api.add_router("/", screening_router)
    api.add_router("/", employment_router)
    api.add_router("/", publicposts_router)
    api.add_router("/", industry_router)
    api.add_router("/", workshops_router)
    api.add_router("/", cases_router)
    api.add_router("/", channels_router)
    api.add_router("/", lists_router)
    api.add_router("/", staff_self_reports_router)
    api.add_router("/", audit_router)
    api.add_router("/field", field_router)


_mount()
