"""``shouwang workshop-check --quarter 2026Q3 [--county CODE ...] [--date YYYY-MM-DD]``: the quarterly check
of the 帮扶车间 (POLICY R-EMP-08; docs/workshops.md). Each workshop goes to 正常运行, 监测待处置 or, when the
buffer has run, 清理; re-running a quarter replaces its result. Exit 0 done, 2 refused (every reason
printed, nothing changed)."""

import datetime as dt
import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.common.errors import InputRefused


class Command(BaseCommand):
    help = "帮扶车间季度检查：正常运行、监测待处置，缓冲期满仍不达标的清理"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="季度，如 2026Q3")
        parser.add_argument("--county", action="append", default=[], help="只检查该县（可重复）")
        parser.add_argument("--date", help="检查日期（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        from shouwang.workshops.choices import WorkshopStatusChoices
        from shouwang.workshops.periods import quarter_label
        from shouwang.workshops.services import workshop_check_quarter

        today = None
        if options.get("date"):
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                sys.stderr.write(f"参数 --date 的值“{options['date']}”不是有效日期（YYYY-MM-DD）\n")
                raise SystemExit(2) from None
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        try:
            result = workshop_check_quarter(
                quarter=options["quarter"], actor=f"cli:{user}", county_codes=options["county"], today=today
            )
        except InputRefused as exc:
            sys.stderr.write(exc.report(limit=None) + "\n")
            raise SystemExit(2) from exc
        labels = dict(WorkshopStatusChoices.choices)
        for name, before, after in result.changed:
            self.stdout.write(f"{name}：{labels[before]} → {labels[after]}")
        counts = "，".join(f"{labels[s]}{n}个" for s, n in sorted(result.by_status.items()))
        self.stdout.write(
            f"{quarter_label(result.quarter)}检查帮扶车间{result.checked}个，达标{result.passed}个"
            + (f"；{counts}" if counts else "")
        )
