"""``shouwang refresh-stats [--check REGION]``: rebuild the dashboards' pre-aggregated statistics.

Run after imports, screening runs and case transition batches (the console does it by itself after a
screening run or a case action started from its pages; decision 0450). ``--check`` then compares the
region's household and monitoring-object counts with a direct count over the households table and exits
with 1 if they differ.
"""

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from shouwang.common.errors import InputRefused, RowError


class Command(BaseCommand):
    help = "刷新区域统计（仪表盘使用的预汇总数据）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", metavar="REGION", help="刷新后与直接计数核对该区划的农户数和监测对象数"
        )
        parser.add_argument("--date", help="统计日期 YYYY-MM-DD（默认今天）")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shouwang.console.stats import stats_check, stats_refresh

        try:
            today = dt.date.fromisoformat(opts["date"]) if opts.get("date") else None
        except ValueError:
            exc = InputRefused("日期格式错误", [RowError(None, "--date", opts["date"], "日期应为YYYY-MM-DD")])
            print(exc.report(), file=sys.stderr)
            raise SystemExit(2) from None
        bar = tqdm(total=3, desc="刷新区域统计", unit="步", file=sys.stderr, leave=False, disable=None)
        stages = {"load": 1, "write": 2}

        def progress(stage: str, _n: int) -> None:
            bar.set_postfix_str(stage)
            bar.update(max(0, stages.get(stage, 0) - bar.n))

        refresh = stats_refresh(actor="cli", reason="命令行刷新", today=today, progress=progress)
        bar.update(3 - bar.n)
        bar.close()
        t = refresh.timings
        self.stdout.write(
            f"区域统计已刷新（#{refresh.pk}）：{refresh.rows}行，期间{refresh.first_period}至{refresh.last_period}，"
            f"最新筛查期间{refresh.latest_screened or '—'}；读取{t.get('load')}秒、汇总{t.get('compute')}秒、"
            f"写入{t.get('write')}秒"
        )
        if opts.get("check"):
            problems = stats_check(region_code=opts["check"], today=refresh.as_of)
            if problems:
                for p in problems:
                    self.stderr.write(p)
                raise SystemExit(1)
            self.stdout.write(f"核对 {opts['check']}：与直接计数一致")
