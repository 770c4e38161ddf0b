"""Bearer-token authentication for the API and the field app's sync endpoint (tokens: accounts.services)."""

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from shouwang.accounts.models import User
from shouwang.accounts.services import api_token_user


class TokenRejected(AuthenticationError):
    """A token that exists but may no longer be used (revoked or expired): 401 with a Chinese reason, so
    an integrator knows to sign in again rather than to look for a typo."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)
        self.detail = detail


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user``, ``request.token_scopes`` and
    ``request.api_token_id`` (the token used, for ``POST /auth/logout``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = api_token_user(token)
        if row is None:
            return None
        if row.revoked:
            raise TokenRejected("令牌已吊销（已退出登录或被管理员收回），请重新登录获取新令牌")
        if row.expires_at <= timezone.now():
            raise TokenRejected("令牌已过期，请重新登录获取新令牌")
        request.user = row.user
        request.token_scopes = list(row.scopes)  # type: ignore[attr-defined]
        request.api_token_id = row.pk  # type: ignore[attr-defined]
        return row.user
