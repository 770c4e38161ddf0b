"""Command-line glue of the industry files (CONTRACT §4): ``shouwang import entities|bindings|payouts PATH
[--source NAME]`` (docs/industry.md)."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shouwang.common.errors import InputRefused


def industry_import_cli(options: Mapping[str, Any], out: Any) -> None:
    from shouwang.industry.services import KIND_LABELS, industry_import

    kind = str(options["subcommand"])
    try:
        result = industry_import(
            kind=kind, path=Path(options["path"]), source=str(options.get("source") or "")
        )
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)  # CONTRACT §1: every reason printed
        raise SystemExit(2) from exc
    name, label = Path(result.path).name, KIND_LABELS[kind]
    if result.duplicate:
        out.write(f"{label} {name}：已导入过相同文件，未作任何修改（批次#{result.batch_id}）")
        return
    line = (
        f"{label} {name}：{result.rows}行，新增{result.created}，更新{result.updated}；批次#{result.batch_id}"
    )
    if result.supersedes_id:
        line += f"，替代批次#{result.supersedes_id}"
    if result.status_changes:
        line += f"；经营状态变更{result.status_changes}个"
    if result.incomes_updated:
        line += f"；{result.incomes_updated}户家庭收入已计入兑现"
    out.write(line)
    for w in result.warnings[:50]:
        out.write(f"  提示：{w}")


def loan_import_cli(options: Mapping[str, Any], out: Any) -> None:
    """``shouwang import loans PATH --period YYYY-MM`` (R-AID-06)."""
    from shouwang.industry.services import loan_import

    try:
        r = loan_import(
            path=Path(options["path"]),
            period=str(options["period"]),
            source=str(options.get("source") or "bank"),
        )
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)
        raise SystemExit(2) from exc
    name = Path(r.path).name
    if r.duplicate:
        out.write(f"小额信贷 {name}：已导入过相同文件，未作任何修改（批次#{r.batch_id}）")
        return
    line = f"小额信贷 {name}（{r.period}）：{r.rows}行，新增{r.created}，更新{r.updated}；批次#{r.batch_id}"
    if r.supersedes_id:
        line += f"，替代批次#{r.supersedes_id}"
    if r.enterprise_use:
        line += f"；户贷企用{r.enterprise_use}笔（已标记，须整改）"
    out.write(line)
    for w in r.warnings[:50]:
        out.write(f"  提示：{w}")
