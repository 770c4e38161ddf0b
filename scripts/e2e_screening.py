"""End-to-end screening check in one process (issue 16 "Must show"): the same chain as e2e_screening.sh —
simulate, import the registry, then month by month the department feeds, the yearly income survey, the
citizens' self-reports and the 务工月监测 exports (``import employment``), screen, and finally ``evaluate`` —
without paying a command's start-up for every file, which dominates the shell script on a busy machine.

    .venv/bin/python scripts/e2e_screening.py --households 8000 --months 24 --seed 301 [--work DIR]
        [--engine duckdb] [--no-employment]

Everything goes to DIR (default /tmp/shouwang-e2e-<seed>): ./var (SQLite), the simulated files, the
refusals (refused.txt) and evaluation.json. ``--no-employment`` leaves the ledger out (the chain as it was
before issue 16), for before/after figures on the same seed.
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path

import django
from django.core.management import call_command


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=8000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=301)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--work")
    ap.add_argument("--no-employment", action="store_true")
    ap.add_argument("--keep", action="store_true", help="reuse DIR/sim if it exists")
    a = ap.parse_args()
    work = Path(a.work or f"/tmp/shouwang-e2e-{a.seed}")
    sim = work / "sim"
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "var", ignore_errors=True)
    os.environ["SHOUWANG_VAR_DIR"] = str(work / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    django.setup()

    refused: list[str] = []

    def run(*args: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        code: object = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                call_command(*args, stdout=out, stderr=err)
            except SystemExit as exc:
                code = exc.code
        if code not in (0, None):
            refused.append(f"{' '.join(args)} → {code}\n{(out.getvalue() + err.getvalue())[-2000:]}")
            if code != 2:
                raise SystemExit(f"failed: {' '.join(args)}\n{err.getvalue()[-3000:]}")
            return 2
        return 0

    t0 = time.time()
    run("migrate", "-v", "0")
    if not (a.keep and sim.exists()):
        run("simulate", "--households", str(a.households), "--months", str(a.months), "--seed", str(a.seed),
            "--out", str(sim))  # fmt: skip
    reg = sim / "registry"
    run("import", "registry", str(reg / "households.csv"), str(reg / "persons.csv"), str(reg / "incomes.csv"),
        "--no-stats")  # fmt: skip
    months = sorted(p.name for p in (sim / "feeds").iterdir() if p.is_dir())
    for period in months:
        for path in sorted((sim / "feeds" / period).glob("*.csv")):
            run("import", "feed", path.stem, str(path), "--period", period)
        reports = sim / "channels" / period / "self_reports.csv"
        if reports.exists():
            run("import", "selfreports", str(reports))
        updates = reg / "updates" / period
        if updates.is_dir():
            run("import", "registry", *map(str, sorted(updates.glob("*.csv"))), "--no-stats")
        ledger = sim / "employment" / period
        if not a.no_employment and ledger.is_dir():
            run("import", "employment", *map(str, sorted(ledger.glob("*.xlsx"))), "--period", period)
        run("screen", "--period", period, "--engine", a.engine, "--quiet")
        print(f"{period} screened ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    out = io.StringIO()
    call_command("evaluate", "--truth", str(sim / "truth"), "--from", months[0], "--to", months[-1],
                 "--misses", str(work / "misses.csv"), stdout=out)  # fmt: skip
    (work / "evaluation.json").write_text(out.getvalue())
    (work / "refused.txt").write_text("\n\n".join(refused))
    ev = json.loads(out.getvalue())
    print(json.dumps(ev, ensure_ascii=False)[:200], file=sys.stderr)
    print(f"done in {time.time() - t0:.0f} s, {len(refused)} refused; {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
