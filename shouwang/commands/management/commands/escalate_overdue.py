"""`shouwang escalate_overdue`: mark cases past their 15-day limit and escalate them (督办), and escalate
self-reports unanswered after 10 days (R-ID-03, R-ID-07). Safe to run repeatedly (e.g. daily by cron)."""

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.cases.services import case_escalate_overdue
from shouwang.channels.services import self_report_escalate_overdue


class Command(BaseCommand):
    help = "标记超期案件并逐级督办（村→乡镇→县），督办超期未答复的群众申报"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期判断是否超期（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                sys.stderr.write(f"参数 --date 的值“{options['date']}”不是有效日期（YYYY-MM-DD）\n")
                raise SystemExit(2) from None
        cases = case_escalate_overdue(today=today)
        reports = self_report_escalate_overdue(today=today)
        for c in cases:
            self.stdout.write(
                f"案件#{c.pk} {c.household.household_no} 超过时限{c.due_on}，督办至{c.escalated_to}"
            )
        for r in reports:
            self.stdout.write(f"群众申报 {r.tracking_code} 超时未答复，督办至{r.escalated_to}")
        self.stdout.write(f"督办案件{len(cases)}件，督办群众申报{len(reports)}件")
