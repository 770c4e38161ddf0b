"""``shouwang import registry PATH... [--source NAME] [--period YYYY-MM] [--report FILE.json]`` and
``shouwang import feed KIND PATH --period YYYY-MM [--source NAME]`` (CONTRACT §1), and
``shouwang import selfreports PATH`` (self-reports received off-line, docs/channels.md), and
``shouwang import employment PATH... --period YYYY-MM`` (the 务工月监测 ledger, docs/employment.md), and
``shouwang import posts PATH`` (a 公益性岗位花名册, docs/publicposts.md).
``shouwang import entities|bindings|payouts PATH [--source NAME]`` and
``shouwang import loans PATH --period YYYY-MM`` (docs/industry.md), and
``shouwang import transport-payments PATH --county CODE --year YYYY`` (the 交通补助 payment result).

Exit codes: 0 imported (or the same file again: nothing changed); 2 refused (every reason printed on
stderr, nothing written); 1 anything else.
"""

import json
import sys
from argparse import ArgumentParser
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from shouwang.common.errors import InputRefused


class Command(BaseCommand):
    help = "导入户籍登记文件（registry）或部门数据（feed）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        reg = sub.add_parser("registry", help="导入农户、家庭成员、家庭收支文件（CSV或XLSX）")
        reg.add_argument("paths", nargs="+", metavar="PATH")
        reg.add_argument("--source", default="registry", help="数据来源（默认 registry）")
        reg.add_argument(
            "--period", default=None, help="批次期间 YYYY-MM（默认：收支文件取文件中的期间，其余取当月）"
        )
        reg.add_argument("--report", default=None, metavar="FILE.json", help="把完整的导入报告写入JSON文件")
        reg.add_argument("--no-stats", action="store_true", help="导入后不刷新驾驶舱统计")
        feed = sub.add_parser("feed", help="导入一次部门数据交付")
        feed.add_argument("kind", metavar="KIND")
        feed.add_argument("path", metavar="PATH")
        feed.add_argument("--period", required=True)
        feed.add_argument("--source", default="")
        emp = sub.add_parser(
            "employment", help="导入务工月监测：已外出务工信息、计划外出务工信息（XLSX或CSV）"
        )
        emp.add_argument("paths", nargs="+", metavar="PATH")
        emp.add_argument("--period", required=True, help="统计月份 YYYY-MM")
        emp.add_argument("--source", default="national", help="数据来源（默认 national：国家系统导出）")
        posts = sub.add_parser("posts", help="导入公益性岗位花名册（XLSX或CSV）")
        posts.add_argument("path", metavar="PATH")
        posts.add_argument("--period", default=None, help="花名册所属月份 YYYY-MM（默认当月）")
        posts.add_argument("--source", default="public_posts", help="数据来源（默认 public_posts）")
        for kind, text in (
            ("entities", "导入经营主体（--source market：市场监管经营状态）"),
            ("bindings", "导入双绑协议（企业—合作社、经营主体—农户）"),
            ("payouts", "导入联农带农兑现记录（收购款、租金、工资、分红、保底收益）"),
        ):
            ind = sub.add_parser(kind, help=text)
            ind.add_argument("path", metavar="PATH")
            ind.add_argument("--source", default="", help="数据来源")
        loans = sub.add_parser("loans", help="导入银行小额信贷月度数据（XLSX或CSV）")
        loans.add_argument("path", metavar="PATH")
        loans.add_argument("--period", required=True, help="报送月份 YYYY-MM")
        loans.add_argument("--source", default="bank", help="数据来源（默认 bank）")
        tp = sub.add_parser(
            "transport-payments", help="导入交通补助发放结果（发放清单回填“发放结果”“发放日期”）"
        )
        tp.add_argument("path", metavar="PATH")
        tp.add_argument("--county", required=True, help="县级区划代码")
        tp.add_argument("--year", required=True, type=int, help="年度")
        rep = sub.add_parser("selfreports", help="批量录入线下受理的自主申报（书面申请、热线来电）")
        rep.add_argument("path", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "feed":
            self._feed(options)
        elif options["subcommand"] == "employment":
            from shouwang.commands.employment import employment_import_cli

            employment_import_cli(options, self.stdout)
        elif options["subcommand"] == "posts":
            from shouwang.commands.posts import posts_import_cli

            posts_import_cli(options, self.stdout)
        elif options["subcommand"] in ("entities", "bindings", "payouts"):
            from shouwang.commands.industry import industry_import_cli

            industry_import_cli(options, self.stdout)
        elif options["subcommand"] == "loans":
            from shouwang.commands.industry import loan_import_cli

            loan_import_cli(options, self.stdout)
        elif options["subcommand"] == "transport-payments":
            from shouwang.commands.employment import transport_payment_import_cli

            transport_payment_import_cli(options, self.stdout)
        elif options["subcommand"] == "selfreports":
            self._selfreports(options)
        else:
            self._registry(options)

    def _feed(self, options: dict[str, Any]) -> None:
        from shouwang.commands.feeds import feed_import_cli

        feed_import_cli(options)

    def _selfreports(self, options: dict[str, Any]) -> None:
        import getpass

        from shouwang.channels.imports import self_reports_import

        try:
            r = self_reports_import(path=Path(options["path"]), actor=f"cli:{getpass.getuser()}")
        except InputRefused as exc:
            sys.stderr.write(exc.report(limit=None) + "\n")
            raise SystemExit(2) from exc
        self.stdout.write(
            f"{Path(options['path']).name}：{r.rows}行，新建申报{r.created}件（其中{r.matched}件已对应到农户），"
            f"并入此前的重复申报{r.merged}件；每件新申报已转为风险线索"
        )

    def _registry(self, options: dict[str, Any]) -> None:
        from shouwang.exchange.registry_import import KIND_LABELS, registry_import

        report_path = options.get("report")
        try:
            result = registry_import(
                paths=[Path(p) for p in options["paths"]],
                source=options.get("source") or "registry",
                period=options.get("period"),
                progress=True,
            )
        except InputRefused as exc:
            sys.stderr.write(exc.report(limit=None) + "\n")
            if report_path:
                _write_json(report_path, {"status": "refused", **exc.as_dict()})
            raise SystemExit(2) from exc
        out = self.stdout
        for f in result.files:
            name = Path(f.path).name
            label = KIND_LABELS[f.kind]
            if f.duplicate:
                note = "（该批次已被更正批次替代）" if f.duplicate_status == "superseded" else ""
                out.write(f"{label} {name}：已导入过相同文件，未作任何修改（批次#{f.batch_id}{note}）")
                continue
            line = (
                f"{label} {name}：{f.rows}行，新增{f.created}，更新{f.updated}，未变{f.unchanged}；"
                f"批次#{f.batch_id}（期间{f.period}）"
            )
            if f.supersedes_id:
                line += f"，替代批次#{f.supersedes_id}"
            out.write(line)
            for w in f.warnings:
                out.write(f"  提示：{w}")
            if f.quality:
                total = sum(f.quality.values())
                detail = "，".join(f"{code} {n}" for code, n in sorted(f.quality.items()))
                out.write(f"  数据质量提示{total}条（不影响导入）：{detail}")
        out.write(f"用时{result.seconds:.1f}秒")
        if not options.get("no_stats") and not all(f.duplicate for f in result.files):
            from shouwang.console.services import stats_refresh_cli

            stats_refresh_cli(reason="命令行导入登记数据后刷新", stdout=out, stderr=self.stderr)
        if report_path:
            _write_json(report_path, {"status": "imported", "files": [asdict(f) for f in result.files]})


def _write_json(path: str, data: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
