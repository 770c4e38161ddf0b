"""Shared view helpers: the one "not found" page, the 403 page, role gates and small parsers.

Views are adapters (STYLE 2): parse the request, call one guard/selector/service, render. Anything showing
personal data is ``never_cache`` so that browsers and proxies keep no copy.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import Viewer
from shouwang.common.errors import InputRefused
from shouwang.console.forms import RevealForm


def not_found(request: HttpRequest) -> HttpResponse:
    """The one "not found" page. It echoes nothing from the request, so a record outside the user's
    region and one that does not exist give byte-identical responses."""
    return render(request, "console/404.html", status=404)


def forbidden(request: HttpRequest, message: Any = "") -> HttpResponse:
    # The reason the refusal audit records (shouwang.accounts.middleware).
    request.refusal_reason = str(message)  # type: ignore[attr-defined]
    return render(request, "console/403.html", {"message": message}, status=403)


def role_required(check: Callable[[Viewer], bool], message: Any) -> Callable[..., Any]:
    """403 (with a Chinese reason) unless ``check(user)``: pages a role has no business on."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                return forbidden(request, str(message))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def revealed(
    request: HttpRequest, reveal: Callable[[str], str], *, label: str, back_url: str, back_label: str
) -> HttpResponse:
    """A reveal action's answer: the reason from the posted form, ``reveal(reason)`` (the service checks the
    right and writes the audit row), the clear value shown once with the way back."""
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        value = reveal(reason)
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    context = {"label": label, "value": value, "back_url": back_url, "back_label": back_label}
    return render(request, "console/revealed.html", context)


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def refusal_messages(
    exc: InputRefused, labels: dict[str, str] | None = None, *, with_message: bool = False
) -> list[str]:
    """Every reason of a refusal, each naming its field in Chinese (after the summary if asked)."""
    labels = labels or {}
    out = [exc.message] if with_message else []
    for e in exc.errors or []:
        label = labels.get(e.column or "", "")
        out.append(f"{label}：{e.reason}" if label else e.reason)
    return out or [str(exc)]
