"""End to end through the command line: a real ``shouwang screen`` killed with SIGKILL while its run is
``running``, then ``shouwang screen`` again at once (issue 13). Its own SQLite file and data dir."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _shouwang(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shouwang", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_killed_screen_command_is_rerun_at_once(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "SHOUWANG_DATABASE_URL": f"sqlite:///{db}",
        "SHOUWANG_DATA_DIR": str(tmp_path / "data"),
        "SHOUWANG_VAR_DIR": str(tmp_path / "var"),
    }
    for args in (
        ("migrate", "-v0"),
        ("simulate", "--households", "400", "--months", "1", "--seed", "3", "--out", str(tmp_path / "sim")),
    ):
        done = _shouwang(env, tmp_path, *args)
        assert done.returncode == 0, done.stderr
    registry = sorted(str(p) for p in (tmp_path / "sim" / "registry").glob("*.csv"))
    done = _shouwang(env, tmp_path, "import", "registry", *registry)
    assert done.returncode == 0, done.stderr
    period = next((tmp_path / "sim" / "feeds").iterdir()).name

    worker = subprocess.Popen(
        [sys.executable, "-m", "shouwang", "screen", "--period", period, "--no-stats"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    conn = sqlite3.connect(db, timeout=30)
    query = "SELECT id, status, owner FROM screening_screeningrun WHERE period = ? ORDER BY id DESC"
    deadline = time.monotonic() + 60
    row = None
    while time.monotonic() < deadline and worker.poll() is None:
        row = conn.execute(query, [period]).fetchone()
        if row and row[1] == "running":
            worker.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    worker.wait()
    if worker.returncode != -signal.SIGKILL:
        pytest.skip("the screening finished before it could be killed")
    assert row is not None and row[2].split(":")[1] == str(worker.pid)

    again = _shouwang(env, tmp_path, "screen", "--period", period, "--no-stats")

    assert again.returncode == 0, again.stderr
    runs = conn.execute("SELECT id, status, error FROM screening_screeningrun ORDER BY id").fetchall()
    assert [(r[0], r[1]) for r in runs] == [(row[0], "failed"), (row[0] + 1, "succeeded")]
    assert "运行进程已中断" in runs[0][2]
    audit = conn.execute(
        "SELECT actor_label FROM audit_auditentry WHERE object_type = 'screening_run' AND object_id = ? "
        "AND action = 'update'",
        [str(row[0])],
    ).fetchall()
    assert audit == [("system:recovery",)]
