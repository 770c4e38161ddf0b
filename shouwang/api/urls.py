"""The HTTP API, /api/v1/ (CONTRACT §3). Each app contributes a router from its ``api`` module."""

from django.http import HttpRequest, HttpResponse
from ninja import Schema

from shouwang.accounts.auth import TokenAuth
from shouwang.accounts.services import api_token_login
from shouwang.api.errors import ShouwangApi, StrictJsonParser, errors_install
from shouwang.cases.api import router as cases_router
from shouwang.channels.api import router as channels_router
from shouwang.common.apischema import ErrorOut
from shouwang.exchange.api import router as exchange_router
from shouwang.field.api import router as field_router
from shouwang.registry.api import router as registry_router
from shouwang.screening.api import router as screening_router

api = ShouwangApi(
    title="守望 Shouwang API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    parser=StrictJsonParser(),
)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut}, tags=["auth"])
def auth_token(request: HttpRequest, payload: TokenIn) -> HttpResponse:
    token = api_token_login(username=payload.username, password=payload.password, request=request)
    if token is None:
        return api.create_response(request, {"detail": "用户名或密码错误"}, status=401)
    return api.create_response(request, {"token": token, "token_type": "Bearer"}, status=200)


errors_install(api)


def _mount() -> None:

    api.add_router("/", registry_router)
    api.add_router("/", exchange_router)
    api.add_router("/", screening_router)
    api.add_router("/", cases_router)
    api.add_router("/", channels_router)
    api.add_router("/field", field_router)


_mount()
