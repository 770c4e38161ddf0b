"""Who is doing a piece of background work, and whether that process still lives (crash recovery, issue 13).

A screening run or an import batch records its **owner** — ``host:pid:start`` (the process start time in
clock ticks since boot, from ``/proc``; ``0`` where there is no ``/proc``) — and a **heartbeat** timestamp
that the work refreshes as it goes. Another process decides whether the work is abandoned:

* same host: the owner is gone when no process has that pid, or the process with that pid started at
  another time (the pid was reused). A live owner is never abandoned, however old its heartbeat: a long
  phase on this host is still work in progress (decision 0009).
* another host (or an owner recorded before owners existed): the heartbeat decides — older than
  ``settings.WORK_STALE_AFTER`` (default 10 minutes) means abandoned.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from functools import cache

from django.conf import settings
from django.utils import timezone

DEFAULT_STALE_AFTER = dt.timedelta(minutes=10)


def stale_after() -> dt.timedelta:
    value = getattr(settings, "WORK_STALE_AFTER", DEFAULT_STALE_AFTER)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=float(value))


@cache
def this_host() -> str:
    return socket.gethostname()[:64] or "localhost"


def process_start(pid: int) -> int | None:
    """Start time of process ``pid`` (clock ticks after boot); 0 without ``/proc``; None: no such process."""
    if not _has_proc():
        return _exists_without_proc(pid)
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return _exists_without_proc(pid)
    # The command name (field 2) is in parentheses and may contain spaces: split after the last ")".
    fields = stat[stat.rfind(b")") + 2 :].split()
    # After the name: state is field 3, so starttime (field 22) is index 19 here.
    if len(fields) > 19 and fields[0] != b"Z":
        return int(fields[19])
    return None  # a zombie has finished its work


@cache
def _has_proc() -> bool:
    return os.path.isdir("/proc/self")


def _exists_without_proc(pid: int) -> int | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return 0
    return 0


def owner_token(pid: int | None = None) -> str:
    """``host:pid:start`` of this process (or of ``pid`` on this host)."""
    pid = os.getpid() if pid is None else pid
    return f"{this_host()}:{pid}:{process_start(pid) or 0}"


def owner_parse(owner: str) -> tuple[str, int, int] | None:
    host, _, rest = owner.rpartition(":")
    host, _, pid = host.rpartition(":")
    try:
        return (host, int(pid), int(rest)) if host else None
    except ValueError:
        return None


def owner_alive(owner: str) -> bool | None:
    """True/False for an owner on this host; None when this host cannot tell (another host, no owner)."""
    parsed = owner_parse(owner)
    if parsed is None or parsed[0] != this_host():
        return None
    _, pid, start = parsed
    current = process_start(pid)
    if current is None:
        return False
    return start == 0 or current in (0, start)


def work_abandoned(
    owner: str, heartbeat_at: dt.datetime | None, *, stale: dt.timedelta | None = None
) -> bool:
    """Is the work of ``owner``, last heard of at ``heartbeat_at``, abandoned? (see the module docstring)"""
    alive = owner_alive(owner)
    if alive is not None:
        return not alive
    if heartbeat_at is None:
        return True
    return timezone.now() - heartbeat_at > (stale if stale is not None else stale_after())
