"""``shouwang bench load [--households N] [--rate R] [--seconds S] [--workers W] [--json]``: the web server
under mixed console / API / public traffic, over real HTTP on the loopback address.

``bench_load_cli(options)`` (wired into the ``bench`` command):

1. makes sure the configured database holds N console-bench households (``console/bench.py``: built once
   through the registry import, with warnings, cases, planner and dashboard statistics), gives the bench's
   county, village and province users a fresh random password and files one self-report (public look-up);
2. starts ``shouwang serve`` itself (gunicorn, ``--workers`` processes) on 127.0.0.1 and a free port, with
   ``SHOUWANG_SERVER_TIMING=1`` so each response carries the CPU time its request cost the server;
3. logs the users in through the login page and the API token endpoint, like a browser and a client would;
   The public look-ups come from ``CITIZENS`` citizens, each with a self-report of their own and, on
   127.0.0.1, their own loopback address (127.0.0.11 …): the status look-up is throttled per address and per
   code (issue 13), so one address polling one code at 12 requests/s would measure the throttle, not the
   server;
4. sends ``rate × seconds`` requests on an open-loop schedule (request i is due at ``i / rate`` seconds,
   whether or not the earlier ones have answered) with aiohttp (decision 0011), pages drawn by weight;
5. reports the rate achieved, p50/p95/p99 latency per page and overall (measured from the moment a request
   was due, so a client or server that falls behind shows in the figures), errors, the server's CPU per
   request per page, and the server processes' total CPU.

Bounded in count and time (at most ``rate × seconds`` requests, every request with a 30-s timeout, the run
stopped at ``seconds + 30`` s) and loopback only: any other host is refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from django.db import connection
from django.test.utils import override_settings

from shouwang.accounts.models import User
from shouwang.channels.choices import DepartmentItemChoices, FilingModeChoices
from shouwang.channels.models import SelfReport
from shouwang.channels.services import self_report_submit
from shouwang.console.bench import COUNTY, PREFIX, bench_data, bench_users
from shouwang.registry.models import Household

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_RATE = 1000
MAX_SECONDS = 600
REQUEST_TIMEOUT = 30
GRACE = 30
WARMUP_PER_PAGE = 6
START_TIMEOUT = 120
BENCH_REPORTER = "负载测试"
CITIZENS = 240
CITIZEN_FIRST_ADDRESS = 11  # 127.0.0.11 … 127.0.0.250
NAME_CHARS = "安宝成德芳刚国海华建杰静军兰丽林玲敏明娜宁平强荣瑞山涛伟文霞祥秀燕勇玉云珍志忠"
TIMING_RE = re.compile(r"cpu;dur=([0-9.]+)")


class LoadBenchRefused(Exception):
    """A refused option (the message is Chinese and shown as is)."""


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # county | village | province | api | public
    method: str
    path: str
    weight: int
    form: dict[str, str] = field(default_factory=dict)


def pages_mix(*, household_nos: list[str]) -> list[Page]:
    """The traffic mix: officials' console pages (70 %), the API (18 %), the public self-report look-up
    (12 %). Household pages rotate over a sample of households (``{no}`` filled per request), look-ups over
    the citizens (``{code}``, sent from the citizen's own session)."""
    first = household_nos[0]
    return [
        Page("work_queue_county", "county", "GET", "/", 10),
        Page("work_queue_village", "village", "GET", "/", 10),
        Page("dashboard_county", "county", "GET", "/dashboard/", 8),
        Page("dashboard_province", "province", "GET", "/dashboard/", 4),
        Page("household_list", "county", "GET", "/households/", 8),
        Page("search", "county", "POST", "/households/", 8, {"q": first}),
        Page("household_page", "county", "GET", "/households/{no}/", 14),
        Page("warning_list", "county", "GET", "/warnings/", 5),
        Page("case_list", "county", "GET", "/cases/", 3),
        Page("api_household", "api", "GET", "/api/v1/households/{no}", 12),
        Page("api_warnings", "api", "GET", "/api/v1/warnings", 6),
        Page("public_status", "public", "GET", "/api/v1/self-reports/{code}", 12),
    ]


# ------------------------------------------------------------------------------------------ preparation


def _refuse_unless_loopback(host: str) -> None:
    if host not in LOOPBACK:
        raise LoadBenchRefused(f"负载测试只能在本机回环地址上运行（127.0.0.1），拒绝目标主机：{host}")


def _free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _passwords(users: dict[str, User]) -> dict[str, str]:
    """A fresh random password for each bench user (they are the bench's own accounts)."""
    out = {}
    for role, user in users.items():
        password = secrets.token_urlsafe(18)
        user.set_password(password)
        user.save(update_fields=["password"])
        out[role] = password
    return out


def _tracking_codes(village: str, citizens: int = CITIZENS) -> list[str]:
    """One self-report per bench citizen (filed once, reused after), through the real service. The filing
    limits per address, phone and name are for the public; the bench files its citizens' reports itself,
    each with its own phone and name, under limits wide enough for them."""
    codes = list(
        SelfReport.objects.filter(reporter_name=BENCH_REPORTER)
        .order_by("id")
        .values_list("tracking_code", flat=True)[:citizens]
    )
    wide = dict.fromkeys(("ip", "phone", "subject"), (3600, citizens * 2))
    with override_settings(SHOUWANG_PUBLIC_RATE_LIMITS=wide):
        for i in range(len(codes), citizens):
            n = len(NAME_CHARS)
            name = "负载" + NAME_CHARS[i // n % n] + NAME_CHARS[i % n]
            report, _ = self_report_submit(
                village_code=village,
                difficulty=DepartmentItemChoices.BASIC_LIVING,
                subject_name=name,
                contact_phone=f"139{i:08d}",
                filing_mode=FilingModeChoices.PROXY,
                reporter_name=BENCH_REPORTER,
                description="负载测试用的自主申报（合成数据）",
            )
            codes.append(report.tracking_code)
    return codes


def _citizen_address(host: str, i: int) -> str | None:
    """The loopback address citizen ``i`` sends from (127.0.0.11 …), or None where the server is not on
    127.0.0.1 (one address for all; the throttle then answers 429s that the report counts)."""
    return f"127.0.0.{CITIZEN_FIRST_ADDRESS + i}" if host == "127.0.0.1" else None


def _start_server(host: str, port: int, workers: int) -> subprocess.Popen[str]:
    env = {**os.environ, "SHOUWANG_SERVER_TIMING": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "shouwang", "serve", "--host", host, "--port", str(port)]
    cmd += ["--workers", str(workers)]
    # cwd outside any source tree, as the CLI wants it.
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd="/"
    )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop_server(proc)
                err = proc.stderr.read() if proc.stderr else ""
                raise LoadBenchRefused(f"Web服务未能启动（退出码 {proc.poll()}）：\n{err[-2000:]}") from None
            time.sleep(0.2)


def _stop_server(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (the gunicorn master and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


# ------------------------------------------------------------------------------------------ traffic


@dataclass
class Sample:
    page: str
    ok: bool
    latency_ms: float
    cpu_ms: float | None
    error: str = ""


async def _login(session: aiohttp.ClientSession, username: str, password: str) -> str:
    async with session.get("/login/") as r:
        await r.read()
    csrf = _cookie(session, "csrftoken")
    form = {"csrfmiddlewaretoken": csrf, "username": username, "password": password}
    async with session.post("/login/", data=form, allow_redirects=False) as r:
        await r.read()
        if r.status != 302:
            raise LoadBenchRefused(f"测试用户{username}登录失败（HTTP {r.status}）")
    return _cookie(session, "csrftoken")


def _cookie(session: aiohttp.ClientSession, name: str) -> str:
    for cookie in session.cookie_jar:
        if cookie.key == name:
            return cookie.value
    return ""


async def _token(session: aiohttp.ClientSession, username: str, password: str) -> str:
    async with session.post("/api/v1/auth/token", json={"username": username, "password": password}) as r:
        body = await r.json(content_type=None)
        if r.status != 200:
            raise LoadBenchRefused(f"测试用户{username}获取API令牌失败（HTTP {r.status}）")
    return str(body["token"])


async def _warm(
    session: aiohttp.ClientSession, url: str, page: Page, headers: dict[str, str], csrf: str
) -> None:
    kwargs: dict[str, Any] = {"headers": headers, "allow_redirects": False}
    if page.method == "POST":
        kwargs["data"] = {**page.form, "csrfmiddlewaretoken": csrf}
    try:
        async with session.request(page.method, url, **kwargs) as r:
            await r.read()
    except (aiohttp.ClientError, TimeoutError):
        pass  # the measured run counts errors


async def _drive(
    base: str,
    pages: list[Page],
    *,
    users: dict[str, User],
    passwords: dict[str, str],
    household_nos: list[str],
    codes: list[str],
    host: str,
    rate: float,
    seconds: float,
    seed: int,
    cpu_probe: Any,
) -> tuple[list[Sample], float, float, float]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=512)
    common: dict[str, Any] = {"base_url": base, "timeout": timeout, "connector": connector}
    common["connector_owner"] = False
    sessions: dict[str, aiohttp.ClientSession] = {}
    csrf: dict[str, str] = {}
    headers: dict[str, dict[str, str]] = {"public": {}}
    try:
        for role in ("county", "village", "province"):
            sessions[role] = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), **common)
            csrf[role] = await _login(sessions[role], users[role].username, passwords[role])
            headers[role] = {}
        sessions["api"] = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), **common)
        # Each citizen their own session (and, on 127.0.0.1, their own address) and tracking code.
        citizens: list[tuple[aiohttp.ClientSession, str]] = []
        for i, code in enumerate(codes):
            address = _citizen_address(host, i)
            own = aiohttp.TCPConnector(limit=8, local_addr=(address, 0) if address else None)
            session = aiohttp.ClientSession(
                base_url=base, timeout=timeout, connector=own, cookie_jar=aiohttp.DummyCookieJar()
            )
            sessions[f"citizen-{i}"] = session
            citizens.append((session, code))
        token = await _token(sessions["api"], users["county"].username, passwords["county"])
        headers["api"] = {"Authorization": f"Bearer {token}"}

        def _target(page: Page, no: str, citizen: int) -> tuple[aiohttp.ClientSession, str]:
            if page.who == "public":
                session, code = citizens[citizen % len(citizens)]
                return session, page.path.replace("{code}", code)
            return sessions[page.who], page.path.replace("{no}", no)

        # Warm-up, not measured: every worker loads its templates and code paths and opens its connection.
        warm = [page for page in pages for _ in range(WARMUP_PER_PAGE)]
        for i in range(0, len(warm), 8):
            await asyncio.gather(
                *(
                    _warm(*_target(p, household_nos[0], n), p, headers[p.who], csrf.get(p.who, ""))
                    for n, p in enumerate(warm[i : i + 8], start=i)
                )
            )
        cpu_start = cpu_probe()

        rng = random.Random(seed)
        total = int(rate * seconds)
        plan = rng.choices(pages, weights=[p.weight for p in pages], k=total)
        nos = [rng.choice(household_nos) for _ in range(total)]
        who = [rng.randrange(len(citizens)) for _ in range(total)]
        samples: list[Sample] = []

        async def one(page: Page, no: str, citizen: int, due: float) -> None:
            session, url = _target(page, no, citizen)
            kwargs: dict[str, Any] = {"headers": headers[page.who], "allow_redirects": False}
            if page.method == "POST":
                kwargs["data"] = {**page.form, "csrfmiddlewaretoken": csrf[page.who]}
            try:
                async with session.request(page.method, url, **kwargs) as r:
                    await r.read()
                    found = TIMING_RE.search(r.headers.get("Server-Timing", ""))
                    latency = (time.perf_counter() - due) * 1000
                    ok = r.status == 200
                    samples.append(
                        Sample(
                            page.name,
                            ok,
                            latency,
                            float(found.group(1)) if found else None,
                            "" if ok else f"HTTP {r.status}",
                        )
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                latency = (time.perf_counter() - due) * 1000
                samples.append(Sample(page.name, False, latency, None, type(exc).__name__))

        tasks = []
        start = time.perf_counter()
        cpu0 = time.process_time()
        for i, (page, no, citizen) in enumerate(zip(plan, nos, who, strict=True)):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(page, no, citizen, due)))
        _, pending = await asyncio.wait(tasks, timeout=GRACE) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        elapsed = time.perf_counter() - start
        for _ in pending:
            samples.append(Sample("(unfinished)", False, GRACE * 1000.0, None, "unfinished"))
        return samples, elapsed, time.process_time() - cpu0, cpu_start
    finally:
        for session in sessions.values():
            await session.close()
        await connector.close()


# ------------------------------------------------------------------------------------------ report


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0}
    p50, p95, p99 = np.percentile(np.array(values), [50, 95, 99])
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1)}


def summarize(samples: list[Sample], *, elapsed: float) -> dict[str, Any]:
    pages: dict[str, Any] = {}
    for name in sorted({s.page for s in samples}):
        mine = [s for s in samples if s.page == name]
        cpu = [s.cpu_ms for s in mine if s.cpu_ms is not None]
        pages[name] = {
            "requests": len(mine),
            "errors": sum(not s.ok for s in mine),
            **_percentiles([s.latency_ms for s in mine]),
            "cpu_ms_mean": round(sum(cpu) / len(cpu), 2) if cpu else None,
        }
    cpu_all = [s.cpu_ms for s in samples if s.cpu_ms is not None]
    errors: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            errors[f"{s.page}: {s.error}"] = errors.get(f"{s.page}: {s.error}", 0) + 1
    return {
        "requests": len(samples),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rate_achieved": round(sum(s.ok for s in samples) / elapsed, 1) if elapsed else 0.0,
        **_percentiles([s.latency_ms for s in samples]),
        "cpu_ms_mean": round(sum(cpu_all) / len(cpu_all), 2) if cpu_all else None,
        "pages": pages,
    }


def bench_load(
    *,
    households: int,
    rate: float,
    seconds: float,
    workers: int,
    host: str = "127.0.0.1",
    seed: int = 20240601,
) -> dict[str, Any]:
    _refuse_unless_loopback(host)
    if not 0 < rate <= MAX_RATE:
        raise LoadBenchRefused(f"--rate 必须在 0 到 {MAX_RATE} 之间")
    if not 0 < seconds <= MAX_SECONDS:
        raise LoadBenchRefused(f"--seconds 必须在 0 到 {MAX_SECONDS} 之间")
    if households < 1:
        raise LoadBenchRefused("--households 必须大于0")
    data = bench_data(households=households, seed=seed)
    users = bench_users()
    passwords = _passwords(users)
    household_nos = list(
        Household.objects.filter(household_no__startswith=PREFIX, county_code=COUNTY)
        .order_by("id")
        .values_list("household_no", flat=True)[:200]
    )
    # About 25 requests per citizen's look-ups (3 look-ups each at the mix's 12 %), 240 at 100/s × 60 s.
    codes = _tracking_codes(users["village"].region_id, max(1, min(CITIZENS, int(rate * seconds) // 25)))
    pages = pages_mix(household_nos=household_nos)
    port = _free_port(host)
    proc = _start_server(host, port, workers)
    try:
        base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        samples, elapsed, client_cpu, cpu_before = asyncio.run(
            _drive(
                base,
                pages,
                users=users,
                passwords=passwords,
                household_nos=household_nos,
                codes=codes,
                host=host,
                rate=rate,
                seconds=seconds,
                seed=seed,
                cpu_probe=lambda: _tree_cpu_seconds(proc.pid),
            )
        )
        server_cpu = _tree_cpu_seconds(proc.pid) - cpu_before
    finally:
        _stop_server(proc)
    report = summarize(samples, elapsed=elapsed)
    return {
        "database": connection.vendor,
        "households": data["households"],
        "workers": workers,
        "rate_target": rate,
        "seconds_target": seconds,
        "seconds": round(elapsed, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / len(samples), 2) if samples else None,
        "client_cpu_seconds": round(client_cpu, 1),
        "cores": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **report,
    }


def bench_load_cli(options: dict[str, Any]) -> None:
    """Entry point for ``shouwang bench load``."""
    try:
        figures = bench_load(
            households=int(options["households"]),
            rate=float(options["rate"]),
            seconds=float(options["seconds"]),
            workers=int(options["workers"]),
            host=options["host"],
            seed=int(options["seed"]),
        )
    except LoadBenchRefused as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    if options.get("json"):
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(
        f"数据库 {figures['database']}，农户 {figures['households']:,} 户，{figures['workers']} 个工作进程；"
        f"目标 {figures['rate_target']:g} 次/秒 × {figures['seconds_target']:g} 秒"
    )
    print(
        f"实际 {figures['rate_achieved']} 次/秒，共 {figures['requests']} 次，错误 {figures['errors']} 次；"
        f"服务端CPU {figures['server_cpu_ms_per_request']} 毫秒/次"
    )
    print(f"{'页面':<22}{'次数':>7}{'错误':>6}{'P50ms':>9}{'P95ms':>9}{'P99ms':>9}{'CPU ms':>9}")
    rows = [*figures["pages"].items(), ("（合计）", figures)]
    for name, r in rows:
        print(
            f"{name:<22}{r['requests']:>7}{r['errors']:>6}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
            f"{r['cpu_ms_mean'] if r['cpu_ms_mean'] is not None else '-':>9}"
        )
    for kind, n in figures["error_kinds"].items():
        print(f"  错误 {kind}: {n}")
