"""Process identity and liveness with real processes (common.liveness)."""

import datetime as dt
import os
import signal
import subprocess
import sys

from django.utils import timezone

from shouwang.common.liveness import owner_alive, owner_parse, owner_token, work_abandoned


def test_owner_token_names_this_process() -> None:
    host, pid, start = owner_parse(owner_token()) or ("", 0, 0)
    assert host and pid == os.getpid() and start > 0
    assert owner_alive(owner_token()) is True


def test_a_killed_process_is_dead_and_its_work_abandoned_whatever_its_heartbeat() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    token = owner_token(proc.pid)
    assert owner_alive(token) is True
    assert not work_abandoned(token, timezone.now() - dt.timedelta(days=1))  # alive: never abandoned
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert owner_alive(token) is False
    assert work_abandoned(token, timezone.now())


def test_a_reused_pid_is_another_process() -> None:
    host, pid, start = owner_parse(owner_token()) or ("", 0, 0)
    assert owner_alive(f"{host}:{pid}:{start + 1}") is False


def test_another_host_or_no_owner_is_judged_by_the_heartbeat() -> None:
    now = timezone.now()
    stale = dt.timedelta(minutes=5)
    assert owner_alive("elsewhere:1:1") is None
    assert not work_abandoned("elsewhere:1:1", now - dt.timedelta(minutes=4), stale=stale)
    assert work_abandoned("elsewhere:1:1", now - dt.timedelta(minutes=6), stale=stale)
    assert work_abandoned("", None)
