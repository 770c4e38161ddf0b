"""The HTTP API, /api/v1/ (CONTRACT §3). Each app contributes a router from its ``api`` module."""

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.services import api_token_login
from shouwang.api.auth import TokenAuth
from shouwang.common.errors import InputRefused

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


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut}, tags=["auth"])
def auth_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict]:
    token = api_token_login(username=payload.username, password=payload.password, request=request)
    if token is None:
        return 401, {"detail": "用户名或密码错误"}
    return 200, {"token": token}


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
    from shouwang.cases.api import router as cases_router
    from shouwang.channels.api import router as channels_router
    from shouwang.exchange.api import router as exchange_router
    from shouwang.registry.api import router as registry_router
    from shouwang.screening.api import router as screening_router

    api.add_router("/", registry_router)
    api.add_router("/", exchange_router)
    api.add_router("/", screening_router)
    api.add_router("/", cases_router)
    api.add_router("/", channels_router)


_mount()
