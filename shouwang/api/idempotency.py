"""``Idempotency-Key`` on the API's creating POSTs (docs/api.md "Idempotency", decisions/0020).

A client that lost the answer to a POST may send it again with the same ``Idempotency-Key`` header and
gets the first answer back (status and body, with ``Idempotent-Replayed: true``) instead of a second
clue, visit or upload. Implemented once, for every operation named in ``IDEMPOTENT_VIEWS``:

- ``idempotency_install`` wraps those operations' view functions (before the routers are mounted). The
  wrapper runs after authentication and input validation, so the caller is known and a malformed request
  never takes a key. It claims the key by inserting an ``IdempotentRequest`` row (unique on caller + key)
  in its own committed transaction: of two identical requests at once exactly one inserts, the other finds
  the row still executing and is answered 409, so the work is never done twice.
- ``IdempotencyMiddleware`` sees the final response: a 2xx answer is stored on the claimed row, anything
  else (a refusal, a conflict, a server error — all of which change nothing) releases the key so that a
  corrected retry can run.

The same key with a different request (method, path, parameters or body) is refused with 422. Keys belong
to their caller (the signed-in user, or the client address on the public self-report endpoint) and are
kept 24 hours, pruned as new keys are claimed.
"""

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from pydantic import BaseModel

from shouwang.common.errors import InputRefused, RowError
from shouwang.common.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP = dt.timedelta(hours=24)
KEY_MAX = 255

# The POSTs that create something (view function names). Not here, on purpose: POST /auth/token (its answer
# is a secret, never stored), /auth/logout and token revocation (repeating them changes nothing), the
# self-report confirmation and answer and the hotline close (they update one row once; a repeat is refused
# by its state), POST /feeds/{kind} (the file's checksum already makes a repeat answer the first batch,
# without streaming the body twice), and POST /field/sync (each entry carries its own UUID, docs/field.md).
IDEMPOTENT_VIEWS = frozenset(
    {
        "clue_create",
        "clue_resolve",
        "case_transition",
        "case_document",
        "case_measures",
        "case_visit",
        "self_report_create",
        "hotline_call_create",
        "screening_run_start",
        "parameter_create",
    }
)

HEADER_DOC = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "幂等键（可选，1–255个可见ASCII字符，建议用UUID）。同一调用方以同一幂等键重发相同请求时，"
        "不再重复办理，直接返回首次的结果（状态码与内容相同，响应头 Idempotent-Replayed: true）；"
        "同一幂等键用于不同请求时返回422。幂等键保留24小时。"
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX},
}


def _caller(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"[:64]


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "chunks") and hasattr(value, "seek"):  # an uploaded file: its name and content
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"name": getattr(value, "name", ""), "sha256": digest.hexdigest()}
    return value


def request_fingerprint(request: HttpRequest, values: dict[str, Any]) -> str:
    """The request as the handler received it: method, path and the parsed parameters and body."""
    plain = {k: _plain(v) for k, v in values.items()}
    text = json.dumps([request.method, request.path, plain], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key_refused(key: str, reason: str) -> InputRefused:
    return InputRefused(f"幂等键{reason}", [RowError(None, HEADER, key[:64], reason)])


def _claim(request: HttpRequest, key: str, fingerprint: str) -> IdempotentRequest | HttpResponse:
    """Claim the key for this request, or answer with what the first request with it answered."""
    caller = _caller(request)
    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(
                caller=caller,
                key=key,
                method=str(request.method),
                path=request.path[:255],
                request_hash=fingerprint,
            )
    except IntegrityError:
        pass
    first = IdempotentRequest.objects.filter(caller=caller, key=key).first()
    if first is None:  # released between our insert and this read: the caller may simply retry
        raise HttpError(409, "同一幂等键的请求刚刚结束，请重试")
    if first.request_hash != fingerprint:
        raise _key_refused(
            key, "已用于另一个请求：同一幂等键只能用于完全相同的请求，新的请求请换用新的幂等键"
        )
    if first.status == 0:
        raise HttpError(409, "同一幂等键的请求正在办理中，请稍后重试以取得其结果")
    replay = HttpResponse(first.body, status=first.status, content_type=first.content_type)
    replay[REPLAYED_HEADER] = "true"
    return replay


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Honour ``Idempotency-Key`` on one view function (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, **values: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, **values)
        if not 1 <= len(key) <= KEY_MAX or not all("!" <= ch <= "~" for ch in key):
            raise _key_refused(key, f"格式不正确：应为1–{KEY_MAX}个可见ASCII字符（建议用UUID）")
        claimed = _claim(request, key, request_fingerprint(request, values))
        if isinstance(claimed, HttpResponse):
            return claimed
        request.idempotent_claim = claimed  # type: ignore[attr-defined]
        try:
            return view(request, **values)
        except BaseException:
            _release(claimed)
            request.idempotent_claim = None  # type: ignore[attr-defined]
            raise

    return wrapper


def _release(claim: IdempotentRequest) -> None:
    IdempotentRequest.objects.filter(pk=claim.pk, status=0).delete()


def idempotency_install(router: Router) -> None:
    """Wrap the router's creating POSTs and document the header on them (call before ``add_router``)."""
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            if "POST" not in operation.methods or operation.view_func.__name__ not in IDEMPOTENT_VIEWS:
                continue
            operation.view_func = idempotent(operation.view_func)
            extra = dict(operation.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), HEADER_DOC]
            operation.openapi_extra = extra


class IdempotencyMiddleware:
    """Store a claimed request's 2xx answer; release the key after any other answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        claim: IdempotentRequest | None = getattr(request, "idempotent_claim", None)
        if claim is None:
            return response
        if 200 <= response.status_code < 300 and not response.streaming:
            IdempotentRequest.objects.filter(pk=claim.pk).update(
                status=response.status_code,
                body=response.content.decode("utf-8", errors="replace"),
                content_type=response.get("Content-Type", "application/json; charset=utf-8")[:100],
            )
        else:
            _release(claim)
        return response
