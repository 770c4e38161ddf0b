"""Bearer-token authentication for the API and the field app's sync endpoint (tokens: accounts.services)."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from shouwang.accounts.models import User
from shouwang.accounts.services import api_token_user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user`` and ``request.token_scopes``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = api_token_user(token)
        if found is None:
            return None
        user, scopes = found
        request.user = user
        request.token_scopes = scopes  # type: ignore[attr-defined]
        return user
