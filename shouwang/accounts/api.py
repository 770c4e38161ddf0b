"""API endpoints of one's own sign-in: logout (revoke the token used) and one's own tokens (docs/accounts.md).

``POST /auth/token`` itself stays in ``shouwang.api.urls`` with the API object, which also renders a revoked
or expired token as 401 (``accounts.auth.TokenRejected``).
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from shouwang.accounts.actors import request_user
from shouwang.accounts.models import ApiToken
from shouwang.accounts.services import api_token_list, api_token_revoke

router = Router(tags=["auth"])


class MessageOut(Schema):
    detail: str


class TokenRowOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool


@router.post("/auth/logout", response=MessageOut)
def auth_logout(request: HttpRequest) -> dict[str, str]:
    """Revoke the bearer token of this request; it answers 401 from now on."""
    user = request_user(request)
    token_id: int = request.api_token_id  # type: ignore[attr-defined]
    api_token_revoke(actor=user, token_id=token_id, owner=user, reason="退出登录")
    return {"detail": "已退出登录，令牌已吊销"}


@router.get("/auth/tokens", response=list[TokenRowOut])
def auth_tokens(request: HttpRequest) -> list[ApiToken]:
    """The caller's own tokens, newest first (never the secret, only its first characters)."""
    return api_token_list(user=request_user(request))


@router.post("/auth/tokens/{token_id}/revoke", response=TokenRowOut)
def auth_token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    """Revoke one of the caller's own tokens; another user's token id answers 404, like a missing one."""
    user = request_user(request)
    return api_token_revoke(actor=user, token_id=token_id, owner=user, reason="用户吊销令牌")
