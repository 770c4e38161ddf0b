"""On the embedded default (a real SQLite *file*, real processes) imports never block readers, and a lock
that cannot be taken is a Chinese error with a retry hint (docs/decisions/0010).

Each test works on a copy of one migrated database file. An import is held inside its write transaction
with the ``pause_point`` test hook (``SHOUWANG_PAUSE_AT=registry-import``) for as long as the test needs;
meanwhile a ``shouwang serve`` process answers pages and a second import tries its luck.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shouwang.exchange.tests import regfiles

PASSWORD = "Lock-test-2024"
PAUSE = "registry-import"


def _env(var: Path, **extra: str) -> dict[str, str]:
    # The embedded default whatever the suite runs on: the PostgreSQL run's database URL is not passed on.
    base = {k: v for k, v in os.environ.items() if k != "SHOUWANG_DATABASE_URL"}
    return {**base, "SHOUWANG_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1", **extra}


def _shouwang(var: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shouwang", *args],
        env=_env(var, **extra),
        capture_output=True,
        check=False,
        text=True,
        timeout=180,
        cwd=var.parent,
    )


def _start(var: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shouwang", *args],
        env=_env(var, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=var.parent,
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the standard registry files imported and a county official."""
    root = tmp_path_factory.mktemp("locking")
    var = root / "var"
    files = regfiles.standard_files(root)
    for args in (
        ("migrate", "-v0"),
        ("import", "registry", *map(str, files), "--no-stats"),
        ("user-create", "--username", "county", "--role", "county", "--region", regfiles.COUNTY),
        ("user-create", "--username", "county2", "--role", "county", "--region", regfiles.COUNTY),
    ):
        extra = ("--password", PASSWORD) if args[0] == "user-create" else ()
        done = _shouwang(var, *args, *extra)
        assert done.returncode == 0, done.stderr
    return var


@dataclass
class Site:
    var: Path
    pause: Path
    db: Path

    def lock_held(self) -> bool:
        """True while some connection holds the write lock (a raw connection cannot take it at once)."""
        con = sqlite3.connect(self.db, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return True
        finally:
            con.close()

    def count(self, sql: str, *params: object) -> int:
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return int(con.execute(sql, params).fetchone()[0])
        finally:
            con.close()


@pytest.fixture
def site(template: Path, tmp_path: Path) -> Site:
    var = tmp_path / "var"
    shutil.copytree(template, var)
    pause = tmp_path / "pause"
    pause.mkdir()
    return Site(var=var, pause=pause, db=var / "shouwang.sqlite3")


def _held_import(site: Site, tmp: Path) -> subprocess.Popen[str]:
    """An import of a changed households file, stopped inside its write transaction."""
    rows = regfiles.households()
    for row in rows:
        row[3] = row[3] + "（门牌更正）"
    path = regfiles.write_csv(tmp / "households-corrected.csv", regfiles.HOUSEHOLD_HEADER, rows)
    proc = _start(
        site.var,
        "import",
        "registry",
        str(path),
        "--no-stats",
        SHOUWANG_PAUSE_AT=PAUSE,
        SHOUWANG_PAUSE_DIR=str(site.pause),
    )
    deadline = time.monotonic() + 60
    while not (site.pause / f"{PAUSE}.reached").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the import did not reach its write phase: {proc.communicate()}")
        time.sleep(0.05)
    assert site.lock_held()
    return proc


def _release(site: Site, proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    (site.pause / f"{PAUSE}.release").touch()
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.fixture
def held(site: Site, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = _held_import(site, tmp_path)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            (site.pause / f"{PAUSE}.release").touch()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    port = _free_port()
    # A state-changing request waits 1 s (not 30 s) for the lock here, so the 503 test is quick.
    proc = _start(
        site.var,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--threads",
        "2",
        SHOUWANG_SQLITE_BUSY_MS="1000",
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not start: {proc.communicate()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, path: str, data: dict[str, str] | bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=20) as r:
                return r.status, dict(r.headers), r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode("utf-8")

    def login_form(self, username: str) -> dict[str, str]:
        _, _, page = self.request("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        return {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}

    def login(self, username: str) -> None:
        status, _, page = self.request("/login/", self.login_form(username))
        assert status == 200 and "退出" in page, page[:500]


def _views(site: Site, username: str) -> int:
    return site.count(
        "SELECT count(*) FROM audit_auditentry WHERE action='view' AND object_type='household' "
        "AND object_id=? AND actor_label=?",
        regfiles.LI,
        username,
    )


def test_a_household_page_answers_while_an_import_holds_the_write_lock(site, server, tmp_path):
    browser = Browser(server)
    browser.login("county")
    before = _views(site, "county")
    proc = _held_import(site, tmp_path)
    started = time.monotonic()
    status, _, page = browser.request(f"/households/{regfiles.LI}/")
    seconds = time.monotonic() - started
    # The page answered while the import still held the lock: it did not queue behind it.
    assert site.lock_held()
    assert status == 200 and regfiles.LI in page
    print(f"household page during the import: {seconds:.3f}s")
    # The look is not lost: it waits in the durable spool, and the import moves it in when it commits.
    assert _views(site, "county") == before
    assert list((site.var / "audit-spool").iterdir())
    code, _, err = _release(site, proc)
    assert code == 0, err
    assert _views(site, "county") == before + 1
    assert not list((site.var / "audit-spool").iterdir())
    # The row keeps the time of the look, not of the flush.
    look, imported = (
        site.count(
            "SELECT CAST(strftime('%s', max(at)) AS INTEGER) FROM audit_auditentry WHERE action=?", action
        )
        for action in ("view", "import")
    )
    assert look <= imported


def test_a_write_that_cannot_get_the_lock_answers_503_in_chinese(site, server, tmp_path):
    console, api = Browser(server), Browser(server)
    form = console.login_form("county2")
    sessions = site.count("SELECT count(*) FROM django_session")
    with_proc = _held_import(site, tmp_path)
    try:
        status, headers, text = console.request("/login/", form)
        assert status == 503 and "数据库正忙" in text and "Traceback" not in text
        assert headers["Retry-After"] == "30"
        status, headers, text = api.request(
            "/api/v1/auth/token",
            b'{"username": "county2", "password": "' + PASSWORD.encode() + b'"}',
            {"Content-Type": "application/json"},
        )
        assert status == 503 and headers["Retry-After"] == "30"
        assert headers["Content-Type"].startswith("application/json")
        assert "数据库正忙" in text
    finally:
        code, _, err = _release(site, with_proc)
    assert code == 0, err
    # Nothing of the refused logins was written.
    assert site.count("SELECT count(*) FROM django_session") == sessions
    assert site.count("SELECT count(*) FROM audit_auditentry WHERE actor_label='county2'") == 0


def test_a_second_import_fails_in_chinese_after_its_bound_or_waits_and_proceeds(site, held, tmp_path):
    path = regfiles.write_csv(tmp_path / "incomes.csv", regfiles.INCOME_HEADER, regfiles.incomes("2025-01"))
    batches = site.count("SELECT count(*) FROM exchange_importbatch")
    # Bounded at 3 s: it says it waits, then gives up cleanly (exit 75, Chinese, no traceback).
    refused = _shouwang(site.var, "import", "registry", str(path), "--no-stats", SHOUWANG_LOCK_WAIT="3")
    assert refused.returncode == 75
    assert "等待中" in refused.stderr
    assert "数据库正忙" in refused.stderr and "重新执行" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert site.count("SELECT count(*) FROM exchange_importbatch") == batches
    # With the default bound it waits for the first import, then proceeds.
    patient = _start(site.var, "import", "registry", str(path), "--no-stats")
    assert patient.stderr is not None
    assert "等待中" in patient.stderr.readline()  # blocks until it says it waits
    code, _, err = _release(site, held)
    assert code == 0, err
    _, err = patient.communicate(timeout=120)
    assert patient.returncode == 0, err
    assert "Traceback" not in err
    assert site.count("SELECT count(*) FROM exchange_importbatch") == batches + 2
    assert site.count("SELECT count(*) FROM exchange_importbatch WHERE filename='incomes.csv'") == 1
