"""``shouwang screen --period YYYY-MM [--engine duckdb|spark|postgres] [--out FILE.jsonl]`` (CONTRACT §1)."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from shouwang.common.errors import InputRefused
from shouwang.screening.choices import EngineChoices
from shouwang.screening.exports import warnings_jsonl_write
from shouwang.screening.services import screening_run


class Command(BaseCommand):
    help = "运行某月的筛查预警，保存预警结果，可选输出 JSON Lines 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="期间 YYYY-MM")
        parser.add_argument("--engine", default=EngineChoices.DUCKDB, choices=EngineChoices.values)
        parser.add_argument("--out", help="把该期预警写成 JSON Lines 文件")
        parser.add_argument("--pg-url", help="PostgreSQL 引擎的临时表所在数据库（默认用本系统数据库）")
        parser.add_argument(
            "--refresh-params",
            action="store_true",
            help="重跑历史期间时使用最新参数版本（默认沿用该期上次运行的参数版本）",
        )
        parser.add_argument("--reason", default="", help="运行原因（记入运行记录和审计日志）")
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")
        parser.add_argument(
            "--no-stats",
            action="store_true",
            help="完成后不刷新驾驶舱统计（批量重跑时最后用 refresh-stats 一次刷新）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        bar = tqdm(total=100, desc=f"筛查 {opts['period']}", unit="%", file=sys.stderr, disable=opts["quiet"])

        def progress(percent: int, step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(max(0, percent - bar.n))

        try:
            run = screening_run(
                user=None,
                period=opts["period"],
                engine=opts["engine"],
                reason=opts["reason"],
                progress=progress,
                pg_url=opts.get("pg_url"),
                refresh_params=opts["refresh_params"],
            )
        except InputRefused as exc:
            bar.close()
            self.stderr.write(exc.report())
            raise SystemExit(2) from exc
        except Exception as exc:
            bar.close()
            self.stderr.write(f"筛查失败：{type(exc).__name__}: {exc}")
            raise SystemExit(1) from exc
        bar.close()
        c = run.counts
        self.stdout.write(
            f"筛查 {run.period} 完成（运行#{run.pk}，{run.engine}，{run.timings.get('total', 0):.1f}秒）："
            f"筛查{c.get('households_screened', 0)}户，预警{c.get('warnings', 0)}户 "
            f"{c.get('by_status', {})}，"
            f"上月预警解除{c.get('resolved_from_previous', 0)}户，规模性风险{c.get('scale_alerts', 0)}处"
        )
        if run.changes:
            ch = run.changes
            self.stdout.write(
                f"与上次结果相比：新增{ch['added']}户，移除{ch['removed']}户，信号变化{ch['changed']}户"
            )
        for note in run.notes:
            self.stdout.write(f"提示：{note}")
        if not opts["no_stats"]:
            from shouwang.console.services import stats_refresh_cli

            stats_refresh_cli(reason=f"筛查运行#{run.pk}完成后刷新", stdout=self.stdout, stderr=self.stderr)
        if opts.get("out"):
            n = warnings_jsonl_write(period=run.period, path=Path(opts["out"]))
            self.stdout.write(f"已写出 {n} 条预警到 {opts['out']}")
