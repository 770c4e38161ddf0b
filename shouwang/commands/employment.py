"""Command-line glue of the 务工月监测 ledger (CONTRACT §4): ``shouwang import employment PATH... --period
YYYY-MM [--source NAME]`` and ``shouwang export employment --period YYYY-MM --out DIR [--county CODE]
[--format xlsx|csv]``; ``shouwang export transport-subsidy --county CODE --year YYYY --out DIR``."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tqdm import tqdm

from shouwang.common.errors import InputRefused


def employment_import_cli(options: Mapping[str, Any], out: Any) -> None:
    from shouwang.employment.services import KIND_LABELS, ledger_import

    bar = tqdm(total=100, desc="导入务工月监测", unit="%", file=sys.stderr, leave=False, disable=None)

    def progress(pct: int, stage: str) -> None:
        bar.set_postfix_str(stage)
        bar.update(max(0, pct - bar.n))

    try:
        result = ledger_import(
            paths=[Path(p) for p in options["paths"]],
            period=str(options["period"]),
            source=str(options.get("source") or "national"),
            progress=progress,
        )
    except InputRefused as exc:
        bar.close()
        print(exc.report(limit=None), file=sys.stderr)  # CONTRACT §1: every reason printed
        raise SystemExit(2) from exc
    bar.close()
    for f in result.files:
        name, label = Path(f.path).name, KIND_LABELS[f.kind]
        if f.duplicate:
            out.write(f"{label} {name}：已导入过相同文件，未作任何修改（批次#{f.batch_id}）")
            continue
        line = f"{label} {name}：{f.rows}行，新增{f.created}，更新{f.updated}"
        line += f"；批次#{f.batch_id}（期间{f.period}）"
        if f.supersedes_id:
            line += f"，替代批次#{f.supersedes_id}"
        out.write(line)
        for w in f.warnings[:50]:
            out.write(f"  提示：{w}")
        if len(f.warnings) > 50:
            out.write(f"  … 其余{len(f.warnings) - 50}条提示见批次记录")
    out.write(f"劳动力花名册：{result.roster_rows}人；用时{result.seconds:.1f}秒")


def employment_export_cli(options: Mapping[str, Any], out: Any) -> None:
    from shouwang.employment.services import ledger_export

    fmt = str(options.get("format") or "xlsx")
    try:
        result = ledger_export(
            period=str(options.get("period") or ""),
            out=Path(options["out"]),
            county=options.get("county") or None,
            fmt=fmt,
        )
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)
        raise SystemExit(2) from exc
    out.write(
        f"已导出务工月监测：已外出务工信息{result.episodes}行，计划外出务工信息{result.plans}行 → "
        + "、".join(str(p) for p in result.files)
        + "（含明文证件号码，已记入审计日志）"
    )


def transport_subsidy_export_cli(options: Mapping[str, Any], out: Any) -> None:
    """Compute the county's 交通补助 list for the year from the episodes (R-EMP-09), then write the notice
    list and the payment file. Exit 2 with every reason when an argument is wrong."""
    from shouwang.common.errors import RowError
    from shouwang.employment.services import transport_files_write, transport_subsidy_compute

    county, year = options.get("county") or "", str(options.get("year") or "")
    target = str(options.get("out") or "")
    errors = []
    if not county:
        errors.append(RowError(None, "--county", "", "须指定县级区划代码"))
    if not year.isdigit():
        errors.append(RowError(None, "--year", year, "须指定年度（如2026）"))
    if not target:
        errors.append(RowError(None, "--out", "", "须指定输出目录"))
    try:
        if errors:
            raise InputRefused("交通补助导出参数有误，未导出", errors)
        result = transport_subsidy_compute(county=county, year=int(year), actor="cli")
        files = transport_files_write(county=county, year=int(year), out=Path(target), actor="cli")
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)
        raise SystemExit(2) from exc
    out.write(
        f"交通补助{year}年度：应补{result.eligible}人（新增{result.created}，更新{result.updated}，"
        f"移出{result.removed}），候选{len(result.candidates)}人 → "
        + "、".join(str(p) for p in files)
        + "（发放清单含明文证件号码，已记入审计日志）"
    )


def transport_payment_import_cli(options: Mapping[str, Any], out: Any) -> None:
    from shouwang.employment.services.transport import transport_payment_import

    try:
        result = transport_payment_import(
            path=Path(options["path"]), county=str(options["county"]), year=int(options["year"]), actor="cli"
        )
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)
        raise SystemExit(2) from exc
    out.write(
        f"交通补助发放结果：{result.rows}行，发放成功{result.paid}人，发放失败{result.failed}人，"
        f"未变化{result.unchanged}人（已记入审计日志）"
    )
