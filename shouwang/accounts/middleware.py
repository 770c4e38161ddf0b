"""One place that notices refused requests, whichever interface refused them (docs/accounts.md
"Refused access"): the API's 401 and 403, the console's 403 pages (role gates, CSRF), and list queries
for a region outside the user's. Refusals a guard already audited (``access_*``: "not yours" as 404, a
refused reveal) are not written twice.
"""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from shouwang.accounts.access import signed_in_with_region
from shouwang.accounts.refusals import RefusalKindChoices, refusal_record
from shouwang.audit.models import AuditActionChoices, AuditEntry

# Wrong passwords on the token endpoint are audited by the login itself.
LOGIN_PATHS = ("/api/v1/auth/token",)
TOKEN_PREFIX_CHARS = 8


def _reason(request: HttpRequest, response: HttpResponse, default: str) -> str:
    given = getattr(request, "refusal_reason", "")
    if given:
        return str(given)
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            detail = json.loads(response.content).get("detail")
        except (ValueError, AttributeError):
            detail = None
        if isinstance(detail, str) and detail:
            return detail
    return default


def _attempted(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return f"token:{token.strip()[:TOKEN_PREFIX_CHARS]}…"
    return "anonymous"


class RefusalAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = timezone.now()
        response = self.get_response(request)
        status = response.status_code
        if status == 401 and request.path not in LOGIN_PATHS:
            self._record(request, RefusalKindChoices.UNAUTHENTICATED, "令牌无效、已过期或已吊销")
        elif status == 403 and not self._already_audited(request, started):
            self._record(request, RefusalKindChoices.FORBIDDEN, _reason(request, response, "拒绝访问"))
        elif status < 400:
            self._region_check(request)
        return response

    def _record(self, request: HttpRequest, kind: str, reason: str) -> None:
        refusal_record(
            user=getattr(request, "user", None),
            kind=kind,
            address=str(request.META.get("REMOTE_ADDR", "")),
            method=request.method or "",
            path=request.path,
            reason=reason,
            attempted=_attempted(request),
        )

    def _already_audited(self, request: HttpRequest, started: object) -> bool:
        official = signed_in_with_region(getattr(request, "user", None))
        return (
            official is not None
            and AuditEntry.objects.filter(
                actor=official, action=AuditActionChoices.ACCESS_DENIED, at__gte=started
            ).exists()
        )

    def _region_check(self, request: HttpRequest) -> None:
        """A list asked for a region outside the user's subtree. The list itself falls back to the
        user's own region (nothing leaks); the attempt is still worth a row."""
        wanted = request.GET.get("region", "")
        if not wanted:
            return  # the common case: no session or user is loaded for it
        official = signed_in_with_region(getattr(request, "user", None))
        if official is not None and not wanted.startswith(official.region_code):
            self._record(request, RefusalKindChoices.OUT_OF_REGION, f"查询辖区以外的区划：{wanted[:20]}")
