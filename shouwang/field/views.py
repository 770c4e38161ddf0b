"""Field app pages (docs/field.md). The app shell is static HTML with no personal data, so the service
worker may cache it; the household list and the queue are handled by the JavaScript (static/field/app.js)
against /api/v1/field/. Adapters only (STYLE 2): login and logout call the console's session services.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.accounts.throttle import LoginThrottled, wait_text
from shouwang.console.forms import LoginForm
from shouwang.console.services import session_login, session_logout

# What the service worker keeps for offline use: the shell, the offline page and the static files
# the shell loads (vendor files come from the npm packages, docs/frontend.md).
STATIC_PRECACHE = (
    "field/app.css",
    "field/app.js",
    "vendor/idb-keyval/index.js",
    "field/icons/icon-192.png",
)
PAGE_PRECACHE = ("/field/", "/field/offline/")


def _no_cache(response: HttpResponse) -> HttpResponse:
    # Always revalidated: the service worker decides what is used offline, not the HTTP cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _no_cache(render(request, "field/app.html"))


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return _no_cache(render(request, "field/offline.html"))


@lru_cache(maxsize=1)
def _shell_version() -> str:
    """A hash of everything the service worker precaches: a new release installs a new worker, which
    replaces the old cache. Computed once per process (static files do not change while it runs)."""
    digest = hashlib.sha256()
    for name in STATIC_PRECACHE:
        found = finders.find(name)
        path = Path(found if isinstance(found, str) else "")
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"missing")
    for template in ("field/app.html", "field/offline.html", "field/sw.js"):
        digest.update(render_to_string(template).encode())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    if settings.DEBUG:
        _shell_version.cache_clear()
    body = render_to_string(
        "field/sw.js",
        {
            "version": _shell_version(),
            "precache": json.dumps([*PAGE_PRECACHE, *(static(n) for n in STATIC_PRECACHE)]),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/field/"
    return _no_cache(response)


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    icon = "field/icons/icon-{}.png"
    data = {
        "name": "守望 · 网格员",
        "short_name": "守望网格",
        "description": "防止返贫动态监测：网格员走访、入户核实与一键报送",
        "lang": "zh-CN",
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f3f5f8",
        "theme_color": "#1f3a60",
        "icons": [
            {"src": static(icon.format(192)), "sizes": "192x192", "type": "image/png"},
            {"src": static(icon.format(512)), "sizes": "512x512", "type": "image/png"},
            {
                "src": static(icon.format("maskable-512")),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return _no_cache(response)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/field/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/field/"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST if request.method == "POST" else None)
    failed = False
    throttled: LoginThrottled | None = None
    if form.is_bound and form.is_valid():
        try:
            user = session_login(request=request, **form.cleaned_data)
        except LoginThrottled as exc:
            throttled = exc
        else:
            if user is not None:
                return redirect(_safe_next(request))
            failed = True
    response = render(
        request,
        "field/login.html",
        {
            "form": form,
            "failed": failed,
            "wait": wait_text(throttled.retry_after) if throttled else "",
            "next": _safe_next(request),
        },
        status=429 if throttled else 200,
    )
    if throttled:
        response["Retry-After"] = str(throttled.retry_after)
    return response


@csrf_protect
@never_cache
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    session_logout(request=request, channel="field")
    return redirect("field:login")
