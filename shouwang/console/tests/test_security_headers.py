"""Security headers on every kind of page (console, API, citizen pages, field app) and no inline script or
inline event handler in any rendered page, so that the Content-Security-Policy never has to allow one
(docs/console.md "Security headers", decision 0012)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from shouwang.cases.notices import notice_render_html
from shouwang.testing.builders import COUNTY, make_household, make_user

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), fullscreen=(self), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
PUBLIC_PAGES = [
    "/login/",
    "/self-report/",
    "/self-report/track/",
    "/field/",
    "/field/login/",
    "/field/offline/",
]
CONSOLE_PAGES = [
    "/",
    "/dashboard/",
    "/households/",
    "/households/H_LI/",
    "/warnings/",
    "/cases/",
    "/exports/",
    "/screening/",
    "/screening/parameters/",
    "/batches/",
    "/audit/",
]
# <script> without src that is not a data block (json_script), an on…= handler, a javascript: URL, a
# <style> element.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def csp_parse(header: str) -> dict[str, list[str]]:
    """The policy as directive → sources; every directive exactly once."""
    parts = [p.split() for p in header.split(";") if p.strip()]
    policy = {p[0]: p[1:] for p in parts}
    assert len(policy) == len(parts), header
    return policy


def inline_problems(html: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script>", INLINE_SCRIPT),
        ("inline event handler", INLINE_HANDLER),
        ("javascript: URL", JS_URL),
        ("<style> element", STYLE_ELEMENT),
    ]:
        found += [f"{name}: {m.group(0)[:80]}" for m in pattern.finditer(html)]
    return found


def test_the_inline_checks_catch_what_they_look_for():
    bad = '<script>alert(1)</script><a onclick="x()">x</a><a href="javascript:x()">y</a><style>p{}</style>'
    assert len(inline_problems(bad)) == 4
    good = (
        '<script src="/static/x.js" defer></script><script id="d" type="application/json">{}</script>'
        '<span style="width: 5%">'
    )
    assert inline_problems(good) == []


def _assert_headers(response) -> None:
    assert csp_parse(response["Content-Security-Policy"]) == CSP
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # plain HTTP on the embedded default


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/api/v1/openapi.json", "/api/v1/warnings"])
def test_public_pages_and_the_api_carry_the_headers(path):
    response = Client().get(path)
    assert response.status_code in {200, 401}, (path, response.status_code)
    _assert_headers(response)
    if response["Content-Type"].startswith("text/html"):
        assert inline_problems(response.content.decode()) == []


def test_console_pages_carry_the_headers_and_no_inline_script():
    make_household("H_LI")
    client = Client()
    client.force_login(make_user("county", COUNTY))
    for path in CONSOLE_PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        _assert_headers(response)
        assert inline_problems(response.content.decode()) == [], path


def test_every_template_is_free_of_inline_script():
    """The templates themselves, so that a page no test renders cannot bring one back."""

    root = Path(__file__).resolve().parents[2]
    for template in root.glob("*/templates/**/*.html"):
        assert inline_problems(template.read_text(encoding="utf-8")) == [], template


def test_the_public_notice_has_no_inline_style():
    notice = type(
        "N",
        (),
        {
            "title": "公示",
            "village_name": "堂琅社区",
            "rows": [],
            "kind": "identification",
            "stage": "notice",
            "columns": [],
            "objection_text": "",
            "issuer": "",
            "issued_on": None,
        },
    )()
    assert inline_problems(notice_render_html(notice)) == []


def test_hsts_is_sent_only_when_https_is_on(settings, tmp_path):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    # The setting follows SHOUWANG_HTTPS: read in a fresh interpreter, as a deployment would.
    code = "import shouwang.settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"
    root = str(Path(__file__).resolve().parents[3])
    env = {"PYTHONPATH": root, "SHOUWANG_VAR_DIR": str(tmp_path), "PATH": ""}

    def read(**extra: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    on, off = read(SHOUWANG_HTTPS="1"), read()
    assert on == ["31536000", "True"]
    assert off == ["0", "False"]
