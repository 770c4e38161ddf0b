"""Shared Playwright fixtures for browser tests (docs/frontend.md "Browser tests").

Debian's chromium (/usr/bin/chromium, ``apt-get install chromium``; .ci/run installs it when missing)
driven by ``playwright.sync_api``: no browser download, nothing from the internet. Each context is a
fresh chromium with its own empty user-data directory (service workers, IndexedDB and cookies never
leak between tests). Tests skip with a clear reason when chromium is not installed.

Use from a conftest::

    from shouwang.testing.browser import *  # noqa: F403  (fixtures: browser_context, base_url, screenshot)

and mark the tests ``@pytest.mark.browser`` and ``@pytest.mark.django_db(transaction=True)`` (the live
server runs in another thread and must see committed data; the root conftest reloads the region tree
for transactional tests).

Playwright's sync API keeps an asyncio event loop running in the test thread while it is started, and
Django then refuses ORM calls from that thread (SynchronousOnlyOperation). The module-scoped
``playwright_session`` therefore sets DJANGO_ALLOW_ASYNC_UNSAFE for the life of one test module only and
restores it afterwards, so no other test runs without Django's check.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

__all__ = [
    "CHROMIUM",
    "DESKTOP",
    "PHONE",
    "SMALL_PHONE",
    "base_url",
    "browser_context",
    "console_login",
    "field_login",
    "playwright_session",
    "screenshot",
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
CSP_MARK = "CSP violation:"
# Runs before the page's own scripts (injected by the browser, so the CSP does not apply to it).
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    f"'{CSP_MARK} ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
)
ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS_ENV = "SHOUWANG_SCREENSHOTS"
PASSWORD = "test-pass-123"  # shouwang.testing.builders.make_user

_MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
# Viewports: an iPhone-sized phone with touch (self-report), the small Android phone the field app
# must fit (360×740), and a desktop for the console.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": _MOBILE_UA,
}
SMALL_PHONE: dict[str, Any] = {**PHONE, "viewport": {"width": 360, "height": 740}}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"未安装 Debian chromium（{CHROMIUM}），跳过浏览器测试：apt-get install chromium")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(playwright_session: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Factory: ``browser_context(**PHONE)`` → a new chromium with a fresh user-data dir (closed after
    the test). Chinese locale and the project's time zone, so dates typed in the page match the server."""
    contexts: list[Any] = []
    violations: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and (
            "Content Security Policy" in message.text or message.text.startswith(CSP_MARK)
        ):
            violations.append(message.text)

    def new(**options: Any) -> Any:
        profile = tmp_path / f"chromium-profile-{len(contexts)}"
        context = playwright_session.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            service_workers="allow",
            **options,
        )
        context.set_default_timeout(15_000)
        # Every page reports what the Content-Security-Policy refused; the test fails on any of it.
        context.add_init_script(CSP_LISTENER)
        context.on("console", on_console)
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()
    assert violations == [], "CSP violations:\n" + "\n".join(violations)


@pytest.fixture
def base_url(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[..., Path]:
    """``screenshot(page, "field-app-phone")`` → PNG. Written to docs/screenshots/ when
    SHOUWANG_SCREENSHOTS=1 (or to the directory it names), else to the test's temporary directory, so a
    plain test run never rewrites the committed pictures."""
    target = os.environ.get(SCREENSHOTS_ENV, "")
    folder = ROOT / "docs" / "screenshots" if target == "1" else Path(target) if target else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        assert path.stat().st_size > 2000, f"{path} is suspiciously small"
        return path

    return shot


def console_login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the console's login page and wait until it has left it."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def field_login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the field app's login page; it lands on /field/ with the cards loaded."""
    page.goto(f"{base_url}/field/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/field/")
    page.wait_for_function("() => !document.querySelector('#main').textContent.includes('正在加载')")
