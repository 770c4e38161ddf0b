"""``shouwang serve`` starts gunicorn (two worker processes) in a real process and answers over real HTTP
(127.0.0.1 only)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest
from django.core.management import CommandError, call_command

from shouwang.field import assets
from shouwang.field.assets import vendor_problems


class _Served(NamedTuple):
    base: str
    var: Path
    pid: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def server(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "SHOUWANG_VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shouwang",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"serve did not start (exit {proc.poll()}):\n{out}")
                time.sleep(0.2)
        yield _Served(base, tmp_path / "var", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_answers_with_the_login_page_and_static_files(server):
    base, var = server.base, server.var
    status, headers, _ = _get(base + "/")
    assert status in (200, 302)
    assert headers["Location"].startswith("/login/")
    assert headers.get("Server", "").startswith("gunicorn")  # runserver would say WSGIServer

    status, headers, body = _get(base + "/login/")
    assert status == 200
    text = body.decode()
    assert "用户登录" in text
    assert "runserver" not in text

    status, headers, body = _get(base + "/static/console/console.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"--navy" in body
    assert (var / "static" / "console" / "console.css").exists()  # collectstatic ran into STATIC_ROOT


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_serve_runs_several_worker_processes(server):
    status, _, _ = _get(server.base + "/login/")
    assert status == 200
    master = server.pid
    # --workers 2: the master forks two processes that serve requests; on a busy machine the second may
    # still be starting when the first answers.
    deadline = time.monotonic() + 20
    workers = _children(master)
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = _children(master)
    assert len(workers) == 2


def _vendor_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "vendor"
    shutil.copytree(assets.VENDOR_DIR, copy)
    return copy


def test_the_vendored_front_end_files_are_checked_against_their_manifest(tmp_path):
    vendor = _vendor_copy(tmp_path)
    assert vendor_problems(vendor) == []
    (vendor / "htmx.org" / "htmx.min.js").unlink()
    (vendor / "echarts" / "echarts.min.js").write_text("altered", encoding="utf-8")
    problems = vendor_problems(vendor)
    assert len(problems) == 2
    assert "缺少 htmx.org" in problems[1] and "htmx.min.js" in problems[1]
    assert "echarts 的文件 echarts.min.js 与清单中的校验值不符" in problems[0]
    (vendor / "manifest.json").unlink()
    assert vendor_problems(vendor) == [f"缺少前端资源清单 {vendor / 'manifest.json'}"]


@pytest.mark.django_db
def test_serve_refuses_to_start_without_its_front_end_files(tmp_path, monkeypatch):
    vendor = _vendor_copy(tmp_path)
    (vendor / "idb-keyval" / "index.js").unlink()
    monkeypatch.setattr(assets, "VENDOR_DIR", vendor)
    port = _free_port()
    with pytest.raises(CommandError, match="前端资源不完整，Web服务未启动") as refused:
        call_command("serve", "--port", str(port), "--workers", "1", "--no-collectstatic")
    assert "缺少 idb-keyval" in str(refused.value) and "make install" in str(refused.value)
    with socket.socket() as s:  # nothing listens: the server never started
        assert s.connect_ex(("127.0.0.1", port)) != 0
