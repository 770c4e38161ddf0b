"""``shouwang bench load`` at tiny scale: a real server, real HTTP on 127.0.0.1, a few requests (the 60-s run
at 100 requests/s is the benchmark's, docs/performance.md "Load")."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shouwang.channels.models import SelfReport
from shouwang.console.bench_load import (
    BENCH_REPORTER,
    LoadBenchRefused,
    Sample,
    _citizen_address,
    _tracking_codes,
    bench_load,
    summarize,
)
from shouwang.registry.models import Household
from shouwang.testing.builders import VILLAGE_A


def _cli(var: Path, *args: str, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOUWANG_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1"}
    env.pop("SHOUWANG_DATABASE_URL", None)  # its own SQLite file under var
    return subprocess.run(
        [sys.executable, "-m", "shouwang", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
        check=False,
    )


@pytest.mark.parametrize("host", ["10.0.0.8", "192.168.1.1", "example.org", "0.0.0.0"])
@pytest.mark.django_db
def test_a_host_other_than_loopback_is_refused_before_anything_happens(host):
    with pytest.raises(LoadBenchRefused, match="只能在本机回环地址"):
        bench_load(households=10, rate=10, seconds=1, workers=1, host=host)
    assert Household.objects.count() == 0  # no bench data built, no server started


def test_the_cli_refuses_other_hosts_with_a_chinese_message(tmp_path):
    done = _cli(tmp_path / "var", "bench", "load", "--host", "192.168.1.20", "--seconds", "1")
    assert done.returncode == 2
    assert "只能在本机回环地址上运行" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "var" / "shouwang.sqlite3").exists()  # refused before touching a database


def test_rates_and_durations_are_bounded():
    with pytest.raises(LoadBenchRefused, match="--rate"):
        bench_load(households=10, rate=5000, seconds=1, workers=1)
    with pytest.raises(LoadBenchRefused, match="--seconds"):
        bench_load(households=10, rate=10, seconds=3600, workers=1)


def test_summary_counts_errors_and_percentiles():
    samples = [Sample("a", True, float(ms), 2.0) for ms in range(1, 101)]
    samples.append(Sample("b", False, 5000.0, None, "HTTP 500"))
    report = summarize(samples, elapsed=2.0)
    assert report["requests"] == 101
    assert report["errors"] == 1 and report["error_kinds"] == {"b: HTTP 500": 1}
    assert report["rate_achieved"] == 50.0  # successful requests per second
    assert report["pages"]["a"]["p50_ms"] == 50.5 and report["pages"]["a"]["p99_ms"] == 99.0
    assert report["pages"]["a"]["cpu_ms_mean"] == 2.0 and report["pages"]["b"]["cpu_ms_mean"] is None


def test_a_tiny_load_run_over_real_http(tmp_path):
    var = tmp_path / "var"
    assert _cli(var, "migrate").returncode == 0
    done = _cli(
        var,
        "bench",
        "load",
        "--households",
        "150",
        "--rate",
        "10",
        "--seconds",
        "2",
        "--workers",
        "2",
        "--json",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout)
    assert figures["database"] == "sqlite" and figures["workers"] == 2
    assert figures["requests"] == 20 and figures["errors"] == 0, figures["error_kinds"]
    assert figures["rate_achieved"] > 0
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert figures["server_cpu_seconds"] > 0
    for page in figures["pages"].values():  # every response carried the server's CPU time
        assert page["cpu_ms_mean"] is not None and page["cpu_ms_mean"] > 0
    assert set(figures["pages"]) <= {
        "work_queue_county",
        "work_queue_village",
        "dashboard_county",
        "dashboard_province",
        "household_list",
        "search",
        "household_page",
        "warning_list",
        "case_list",
        "api_household",
        "api_warnings",
        "public_status",
    }


@pytest.mark.django_db
def test_citizens_each_have_a_code_and_an_address_of_their_own():
    codes = _tracking_codes(VILLAGE_A, 5)
    assert len(set(codes)) == 5
    assert SelfReport.objects.filter(reporter_name=BENCH_REPORTER).count() == 5
    assert _tracking_codes(VILLAGE_A, 3) == codes[:3]  # reused, nothing filed again
    assert SelfReport.objects.filter(reporter_name=BENCH_REPORTER).count() == 5
    assert [_citizen_address("127.0.0.1", i) for i in (0, 239)] == ["127.0.0.11", "127.0.0.250"]
    assert _citizen_address("::1", 0) is None
