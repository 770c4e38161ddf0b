"""Middleware of the common layer: response headers Django and django-csp do not set, and the web's last line
of defence against SQLite's one-writer rule (docs/decisions/0010).

A request whose write cannot take the database lock in time (a console action during a long import)
answers 503 with a Chinese message and ``Retry-After`` — JSON in the API's one error shape under ``/api/``,
plain text elsewhere — never a 500 with a traceback. Nothing was written: the request's transaction
rolled back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shouwang.common.apischema import error_body
from shouwang.common.dblock import BUSY_MESSAGE, RETRY_AFTER_SECONDS, DatabaseBusy, is_locked

log = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (isinstance(exception, DatabaseBusy) or is_locked(exception)):
            return None
        log.warning("database busy: %s %s answered 503 (%s)", request.method, request.path, exception)
        return busy_response(request)


def busy_response(request: HttpRequest) -> HttpResponse:
    text = f"{BUSY_MESSAGE}（约{RETRY_AFTER_SECONDS}秒后），本次操作未生效"
    if request.path.startswith("/api/"):
        response = HttpResponse(
            json.dumps(error_body(text), ensure_ascii=False),
            status=503,
            content_type="application/json; charset=utf-8",
        )
    else:
        response = HttpResponse(text, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (settings.PERMISSIONS_POLICY): browser features off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
