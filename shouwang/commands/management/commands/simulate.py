"""``shouwang simulate``: write a synthetic county in the exchange formats, with ground truth
(CONTRACT §1; docs/simulator.md). The command only parses arguments and reports; the work is in
shouwang.simulator.services. It never touches the database."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shouwang.simulator import assumptions as A
from shouwang.simulator.fmt import month_number
from shouwang.simulator.services import SimulationRefused, simulation_run, simulation_validate


class Command(BaseCommand):
    help = (
        "生成一个模拟县（户籍、家庭成员、收入、各部门月度数据、群众自主申报及真实情况），"
        "同一随机种子输出逐字节相同。"
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        # Values are parsed by simulation_validate so every mistake gets a Chinese message (exit 2).
        parser.add_argument("--households", default=str(A.DEFAULT_HOUSEHOLDS), help="户数（默认90000）")
        parser.add_argument("--months", default=str(A.DEFAULT_MONTHS), help="模拟月数（默认24）")
        parser.add_argument("--seed", default="0", help="随机种子（默认0）")
        parser.add_argument("--out", default=None, help="输出目录（须为空目录，或加--force）")
        parser.add_argument("--start", default=A.DEFAULT_START, help="起始月份YYYY-MM（默认2024-01）")
        parser.add_argument("--county", default=A.DEFAULT_COUNTY, help="县级区划代码（默认530326会泽县）")
        parser.add_argument("--force", action="store_true", help="覆盖输出目录中上一次模拟的结果")
        parser.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        from datetime import date

        today = date.today()
        try:
            params = simulation_validate(
                households=options["households"],
                months=options["months"],
                seed=options["seed"],
                out=options["out"],
                start=options["start"],
                county=options["county"],
                force=options["force"],
                today_month=month_number(today.year, today.month),
            )
        except SimulationRefused as exc:
            for reason in exc.reasons:
                self.stderr.write(f"错误：{reason}")
            raise CommandError("参数有误，未写入任何文件。", returncode=2) from exc
        progress = not options["quiet"] and sys.stderr.isatty()
        summary = simulation_run(params=params, progress=progress)
        extra = "（户数超过15万，分布到全州市各县）" if len(summary.counties) > 1 else ""
        self.stdout.write(
            f"已生成模拟数据：{summary.households}户、{summary.persons}人、{summary.months}个月{extra}，"
            f"共{summary.files}个文件，输出目录 {summary.out}"
        )
