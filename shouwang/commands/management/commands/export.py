"""``shouwang export KIND --user NAME [filters] --out FILE.xlsx`` and ``shouwang export --run-queued``.

KIND: ``households`` 农户名单, ``warnings`` 预警名单, ``cases`` 案件清单, ``dashboard`` 区域统计汇总.
``shouwang export employment --period YYYY-MM --out DIR [--county CODE] [--format xlsx|csv]`` writes the
务工月监测 ledger in the national layout instead (CONTRACT §4, docs/employment.md), and
``shouwang export transport-subsidy --county CODE --year YYYY --out DIR`` computes the year's 交通补助 list
from the episodes and writes its notice list and payment file (R-EMP-09, docs/employment.md).
The export is scoped and audited exactly as in the console (as the given user: their region and role),
IDs and phones masked, text cells safe from formula injection; a tqdm bar on stderr shows the rows written.
``--run-queued`` finishes export jobs the web server queued but did not complete (e.g. after a restart).

Exit codes (CONTRACT §1): 0 written; 2 refused (unknown user, kind or filter value; every reason printed,
nothing written); 1 anything else.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from shouwang.common.errors import InputRefused, RowError

if TYPE_CHECKING:
    from shouwang.accounts.models import User

FILTERS = {
    "region": r"^\d{2,15}$",
    "period": r"^\d{4}-(0[1-9]|1[0-2])$",
    "status": r"^[a-z_]+$",
    "risk_type": r"^[a-z_]+$",
    "monitoring": r"^[a-z_]+$",
    "poverty_status": r"^[a-z_]+$",
    "income_band": r"^[a-z_]+$",
    "case_kind": r"^[a-z_]+$",
    "state": r"^[a-z_]+$",
    "due": r"^[a-z_]+$",
}


class Command(BaseCommand):
    help = "导出Excel（农户名单、预警名单、案件清单或区域统计汇总），按用户的角色和区划范围，证件号码脱敏"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", nargs="?", help="households | warnings | cases | dashboard")
        parser.add_argument("--user", help="以该用户的角色和区划导出（审计日志记在该用户名下）")
        parser.add_argument("--out", help="输出文件（.xlsx）")
        for name in FILTERS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")
        parser.add_argument("--unverified", action="store_true", help="预警名单：仅未核实的")
        parser.add_argument("--run-queued", action="store_true", help="执行排队中的导出任务")
        parser.add_argument("--county", default="", help="employment：只导出该区划（县代码）")
        parser.add_argument("--format", default="xlsx", choices=("xlsx", "csv"), help="employment：文件格式")
        parser.add_argument("--year", default="", help="transport-subsidy：年度")

    def handle(self, *args: Any, **opts: Any) -> None:
        from shouwang.console.choices import ExportKindChoices, ExportStatusChoices
        from shouwang.console.exports import export_job_run
        from shouwang.console.models import ExportJob

        if opts.get("kind") == "employment":
            from shouwang.commands.employment import employment_export_cli

            if not opts.get("period") or not opts.get("out"):
                self._refuse(
                    InputRefused(
                        "导出参数有误，未导出",
                        [
                            RowError(
                                None, "--period/--out", "", "employment 须指定 --period YYYY-MM 和 --out 目录"
                            )
                        ],
                    )
                )
            employment_export_cli(opts, self.stdout)
            return
        if opts.get("kind") == "transport-subsidy":
            from shouwang.commands.employment import transport_subsidy_export_cli

            transport_subsidy_export_cli(opts, self.stdout)
            return
        if opts["run_queued"]:
            for queued in ExportJob.objects.filter(status=ExportStatusChoices.QUEUED).order_by("id"):
                done = export_job_run(job=queued)
                self.stdout.write(f"导出#{done.pk} {done.get_status_display()}：{done.rows}行")
            return
        errors: list[RowError] = []
        kind = opts.get("kind") or ""
        if kind not in ExportKindChoices.values:
            errors.append(RowError(None, "KIND", kind, "可选：" + "、".join(ExportKindChoices.values)))
        if not opts.get("user"):
            errors.append(RowError(None, "--user", "", "必须指定导出用户"))
        if not opts.get("out") or not str(opts["out"]).endswith(".xlsx"):
            errors.append(RowError(None, "--out", opts.get("out") or "", "输出文件须以 .xlsx 结尾"))
        for name, pattern in FILTERS.items():
            if opts.get(name) and not re.match(pattern, opts[name]):
                errors.append(RowError(None, f"--{name.replace('_', '-')}", opts[name], "取值格式错误"))
        user = self._user(opts.get("user") or "", errors)
        if errors or user is None:  # no user name, or an unknown one, is among the errors
            self._refuse(InputRefused("导出参数有误，未导出", errors))
        filters = {k: opts[k] for k in FILTERS if opts.get(k) and k != "case_kind"}
        if opts.get("case_kind"):
            filters["kind"] = opts["case_kind"]
        if opts["unverified"]:
            filters["unverified"] = "1"
        self._run(user=user, kind=kind, filters=filters, out=Path(opts["out"]))

    def _user(self, username: str, errors: list[RowError]) -> User | None:
        from shouwang.accounts.models import User

        user = User.objects.filter(username=username).first() if username else None
        if username and user is None:
            errors.append(RowError(None, "--user", username, "用户不存在"))
        return user

    def _refuse(self, exc: InputRefused) -> NoReturn:
        # Command-line arguments, not file cells: "参数 --user（值：x）：用户不存在".
        lines = [exc.message]
        for e in exc.errors:
            value = f"（值：{e.value}）" if e.value else ""
            lines.append(f"  - 参数 {e.column}{value}：{e.reason}")
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2)

    def _run(self, *, user: User, kind: str, filters: dict[str, str], out: Path) -> None:
        from shouwang.accounts.access import Forbidden
        from shouwang.console.exports import export_create

        bar = tqdm(desc="导出", unit="行", file=sys.stderr, leave=False, disable=None)

        def progress(n: int, total: int | None) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.update(n - bar.n)

        try:
            job = export_create(user=user, kind=kind, filters=filters, inline=True, progress=progress)
        except Forbidden as exc:
            bar.close()
            self._refuse(InputRefused(str(exc), [RowError(None, "--user", user.username, str(exc))]))
        bar.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(job.stored_path, out)
        self.stdout.write(
            f"已导出{job.get_kind_display()}：{job.rows}行 → {out}（导出#{job.pk}，已记入审计日志）"
        )
