"""``shouwang screening_schedule [--once] [--interval S]``: the screening worker (no broker, DESIGN).

Each round it (1) queues re-runs of screened months that a feed batch imported after their last run
may change (a late or corrected delivery, docs/screening.md "Re-screening"), optionally queues the
latest delivered month if it was never screened, then (2) executes queued runs oldest first — the
runs started from the API or the console are rows in ``ScreeningRun`` until a worker picks them up.
"""

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shouwang.common.errors import InputRefused
from shouwang.exchange.batches import batches_abandon_dead
from shouwang.exchange.lake import lake_sweep_incoming
from shouwang.screening.choices import RunSourceChoices, RunStatusChoices
from shouwang.screening.models import ScreeningRun
from shouwang.screening.recovery import screening_runs_abandon
from shouwang.screening.services import (
    screening_rescreen_queue,
    screening_run_create,
    screening_run_execute,
)


class Command(BaseCommand):
    help = "筛查调度：为新到或更正的部门数据排队重新筛查，并依次执行排队中的筛查"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只处理一轮后退出")
        parser.add_argument("--interval", type=int, default=60, help="轮询间隔秒数（默认60）")
        parser.add_argument("--no-rescreen", action="store_true", help="不自动为迟到或更正的批次重新筛查")
        parser.add_argument("--latest", action="store_true", help="若最新交付月份从未筛查，则排队筛查该月")
        parser.add_argument(
            "--abandon-after",
            type=int,
            default=0,
            help="超过该分钟数无心跳的运行中筛查，即使进程仍在也标记失败（进程已中断的运行总是立即处理）",
        )
        parser.add_argument("--pg-url", help="PostgreSQL 引擎的临时表所在数据库")

    def handle(self, *args: Any, **opts: Any) -> None:
        while True:
            self._round(opts)
            if opts["once"]:
                return
            time.sleep(max(1, opts["interval"]))

    def _round(self, opts: dict[str, Any]) -> None:
        # Runs and import batches whose process is gone are failed at once (with an audit row each);
        # --abandon-after also fails live runs not heard of for that long.
        older = timedelta(minutes=opts["abandon_after"]) if opts["abandon_after"] else None
        for run in screening_runs_abandon(older_than=older):
            self.stdout.write(f"已将中断的筛查运行#{run.pk}（{run.period}）标记为失败：{run.error}")
        for batch in batches_abandon_dead():
            self.stdout.write(f"已将中断的导入批次#{batch.pk}标记为失败")
        for path in lake_sweep_incoming():
            self.stdout.write(f"已删除中断导入遗留的数据湖临时文件 {path}")
        if not opts["no_rescreen"]:
            for run in screening_rescreen_queue(user=None):
                self.stdout.write(f"排队重新筛查 {run.period}（运行#{run.pk}）：{run.reason}")
        if opts["latest"]:
            self._queue_latest()
        queued = ScreeningRun.objects.filter(
            source=RunSourceChoices.SCREENING, status=RunStatusChoices.QUEUED
        )
        for run in queued.order_by("created_at", "id"):
            try:
                screening_run_execute(run=run, pg_url=opts.get("pg_url"))
            except InputRefused as exc:
                self.stderr.write(f"筛查 {run.period}（运行#{run.pk}）被拒绝：\n{exc.report()}")
                continue
            except Exception as exc:
                self.stderr.write(f"筛查 {run.period}（运行#{run.pk}）失败：{type(exc).__name__}: {exc}")
                continue
            c = run.counts
            self.stdout.write(
                f"筛查 {run.period} 完成（运行#{run.pk}）：预警{c.get('warnings', 0)}户，"
                f"变化 { ({k: v for k, v in run.changes.items() if not k.endswith('_households')}) }"
            )

    def _queue_latest(self) -> None:
        from shouwang.exchange.choices import FEED_KINDS, BatchStatusChoices
        from shouwang.exchange.models import ImportBatch

        latest = (
            ImportBatch.objects.filter(kind__in=FEED_KINDS, status=BatchStatusChoices.SUCCEEDED)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        if (
            latest
            and not ScreeningRun.objects.filter(period=latest, source=RunSourceChoices.SCREENING).exists()
        ):
            run = screening_run_create(user=None, period=latest, reason="最新交付月份")
            self.stdout.write(f"排队筛查 {latest}（运行#{run.pk}）")
