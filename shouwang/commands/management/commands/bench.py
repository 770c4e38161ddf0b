"""``shouwang bench screening --households N [--engines …] [--json]`` and
``shouwang bench import --persons N [--json]`` (CONTRACT §1), and ``shouwang bench console --households N
[--json]`` (console pages' server time), and ``shouwang bench load [--rate R] [--seconds S] [--json]`` (the
web server under mixed traffic on the loopback address, shouwang.console.bench_load).

``screening`` is implemented by shouwang.screening.bench (dispatched lazily); ``import`` by
shouwang.exchange.bench_registry; ``employment --labourers N`` (a month's 务工月监测 import and
roster, issue 16) by shouwang.employment.bench.
"""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shouwang.common.errors import InputRefused


class Command(BaseCommand):
    help = "性能测试：筛查引擎对比（screening）、户籍导入吞吐量（import）或控制台页面耗时（console）"
    help += "或Web服务负载（load）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        scr = sub.add_parser("screening", help="同一份模拟数据上对比各筛查引擎的耗时")
        scr.add_argument("--households", type=int, required=True)
        scr.add_argument("--engines", default="duckdb,postgres,spark")
        scr.add_argument("--json", action="store_true")
        scr.add_argument("--pg-url", dest="pg_url", default=None, help="PostgreSQL引擎的数据库")
        scr.add_argument("--months", type=int, default=None, help="模拟历史月数（默认12）")
        scr.add_argument("--seed", type=int, default=None)
        scr.add_argument("--fresh", action="store_true", default=None, help="重新生成模拟数据")
        scr.add_argument(
            "--no-end-to-end",
            dest="end_to_end",
            action="store_false",
            help="不做端到端测试（导入测试库后，从户籍快照到预警入库的真实筛查）",
        )
        scr.add_argument(
            "--e2e-database-url",
            dest="e2e_url",
            default=None,
            help="端到端测试用的数据库（须为空库或本测试曾导入的库；默认测试目录下的SQLite文件）",
        )
        con = sub.add_parser("console", help="控制台页面服务端耗时（农户列表、农户页、县级驾驶舱）")
        con.add_argument("--households", type=int, required=True)
        con.add_argument("--json", action="store_true")
        load = sub.add_parser(
            "load", help="Web服务负载测试：本机回环地址上的混合流量（控制台、API、公众查询）"
        )
        load.add_argument("--households", type=int, default=20000, help="测试数据户数（默认 20000）")
        load.add_argument("--rate", type=float, default=100, help="目标请求速率，次/秒（默认 100）")
        load.add_argument("--seconds", type=float, default=60, help="持续秒数（默认 60）")
        load.add_argument("--workers", type=int, default=None, help="Web服务工作进程数（默认按CPU核数）")
        load.add_argument("--host", default="127.0.0.1", help="只允许本机回环地址（默认 127.0.0.1）")
        load.add_argument("--seed", type=int, default=20240601)
        load.add_argument("--json", action="store_true")
        emp = sub.add_parser("employment", help="务工月监测：一个月的务工经历、计划导入和劳动力花名册耗时")
        emp.add_argument("--labourers", type=int, required=True, help="劳动力人数（约数，按年龄生成）")
        emp.add_argument("--json", action="store_true")
        emp.add_argument("--seed", type=int, default=20240601)
        emp.add_argument("--keep", action="store_true", help="保留导入的测试数据（默认测完即删除）")
        imp = sub.add_parser("import", help="户籍导入吞吐量（在当前配置的数据库上）")
        imp.add_argument("--persons", type=int, required=True)
        imp.add_argument("--json", action="store_true")
        imp.add_argument("--seed", type=int, default=20240601)
        imp.add_argument("--keep", action="store_true", help="保留导入的测试数据（默认测完即删除）")
        imp.add_argument(
            "--generator",
            choices=["simulator", "synthetic"],
            default="simulator",
            help="测试数据来源：simulator（模拟县，默认）或 synthetic（快速合成，人数精确）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "screening":
            from shouwang.screening.bench import bench_screening_cli

            bench_screening_cli(options)
            return
        if options["subcommand"] == "console":
            from shouwang.console.bench import bench_console_cli

            bench_console_cli(options)
            return
        if options["subcommand"] == "load":
            from shouwang.commands.management.commands.serve import default_workers
            from shouwang.console.bench_load import bench_load_cli

            if options["workers"] is None:
                options["workers"] = default_workers()
            bench_load_cli(options)
            return
        if options["subcommand"] == "employment":
            from shouwang.employment.bench import bench_employment_cli

            if options["labourers"] < 1:
                raise CommandError("--labourers 必须大于0")
            try:
                bench_employment_cli(options, self.stdout)
            except InputRefused as exc:  # generated input refused: a bug (exit 1)
                raise CommandError("测试数据被导入拒绝：\n" + exc.report()) from exc
            return
        self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        from shouwang.exchange.bench_registry import bench_import

        if options["persons"] < 1:
            raise CommandError("--persons 必须大于0")
        try:
            figures = bench_import(
                persons=options["persons"],
                keep=options["keep"],
                seed=options["seed"],
                generator=options["generator"],
            )
        except InputRefused as exc:  # generated input refused: a bug, not the user's input (exit 1)
            raise CommandError("测试数据被导入拒绝：\n" + exc.report()) from exc
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        rows = [
            ("数据库", figures["database"]),
            ("户数", f"{figures['households']:,}"),
            ("人数", f"{figures['persons']:,}"),
            ("导入用时（秒）", f"{figures['seconds']:.2f}"),
            ("人/秒", f"{figures['persons_per_second']:,.0f}"),
            ("峰值内存（MB）", f"{figures['peak_rss_mb']:.0f}"),
        ]
        width = max(len(k) for k, _ in rows) + 2
        for k, v in rows:
            self.stdout.write(f"{k:<{width}}{v}")
