"""``shouwang evaluate --truth DIR --from YYYY-MM --to YYYY-MM [--misses CSV]`` (CONTRACT §1): one JSON
object, and with ``--misses`` the risks not found within one month as CSV."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.channels.selectors import self_report_household_months
from shouwang.common.errors import InputRefused
from shouwang.screening.evaluation import evaluate
from shouwang.screening.periods import period_parse


class Command(BaseCommand):
    help = "用模拟器真值评估已保存的预警：召回率、精确率、发现时滞（按风险类型）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--truth", required=True, help="模拟输出的 truth 目录")
        parser.add_argument("--from", dest="first", required=True, help="起始期间 YYYY-MM")
        parser.add_argument("--to", dest="last", required=True, help="结束期间 YYYY-MM")
        parser.add_argument("--misses", default=None, help="另存1个月内未发现的风险清单（CSV）")
        parser.add_argument("--indent", type=int, default=None, help="JSON缩进（默认单行）")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            period_parse(opts["first"])
            period_parse(opts["last"])
            result = evaluate(
                truth=Path(opts["truth"]),
                first=opts["first"],
                last=opts["last"],
                misses=Path(opts["misses"]) if opts["misses"] else None,
                self_reports=self_report_household_months(),
            )
        except InputRefused as exc:
            self.stderr.write(exc.report())
            raise SystemExit(2) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=opts["indent"]))
