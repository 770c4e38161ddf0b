"""Command-line glue of the department feeds: ``shouwang import feed`` (CONTRACT §1) and its batch report."""

import getpass
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tqdm import tqdm

from shouwang.common.errors import InputRefused
from shouwang.exchange.services import feed_batch_ingest


def feed_import_cli(options: Mapping[str, Any]) -> None:
    """``shouwang import feed KIND PATH --period YYYY-MM [--source NAME]`` (CONTRACT §1).

    Prints the batch report on stdout; on refusal prints every reason on stderr and exits 2."""
    # ``disable=None``: a bar on a terminal, nothing in logs and pipes.
    bar = tqdm(total=100, desc="导入部门数据", unit="%", file=sys.stderr, leave=False, disable=None)

    def progress(pct: int, stage: str) -> None:
        bar.set_postfix_str(stage)
        bar.update(max(0, pct - bar.n))

    try:
        batch = feed_batch_ingest(
            kind=str(options["kind"]),
            path=Path(options["path"]),
            period=str(options["period"] or ""),
            source=str(options.get("source") or ""),
            actor=f"cli:{getpass.getuser()}",
            progress=progress,
        )
    except InputRefused as exc:
        bar.close()
        print(exc.report(limit=None), file=sys.stderr)  # CONTRACT §1: every reason printed
        raise SystemExit(2) from exc
    bar.close()
    print(feed_batch_summary(batch))


def feed_batch_summary(batch: Any, *, unmatched_limit: int = 50) -> str:
    """The human-readable batch report (CLI)."""
    kind = f"{batch.get_kind_display()}（{batch.kind}）"
    if batch.duplicate:
        state = batch.get_status_display()
        return (
            f"该文件已导入过：批次#{batch.pk} {kind} 来源{batch.source} 期间{batch.period}（{state}），"
            "未做任何更改"
        )
    lines = [
        f"批次#{batch.pk} 已导入：{kind} 来源{batch.source} 期间{batch.period}（编码{batch.encoding}）",
        f"  行数{batch.rows_total}，匹配{batch.matched}，未匹配{batch.unmatched}",
        f"  数据所属期间：{'、'.join(batch.periods) or '-'}",
        f"  数据湖文件：{batch.lake_path}",
    ]
    if batch.supersedes_id:
        affected = "、".join(batch.report.get("affected_periods", []))
        lines.append(f"  替代了批次#{batch.supersedes_id}；需重新筛查的期间：{affected}")
    lines += [f"  提示：{w}" for w in batch.warnings]
    unmatched = batch.report.get("unmatched_rows", [])
    if unmatched:
        lines.append(f"  未匹配名单（共{len(unmatched)}行，证件号码已脱敏）：")
        lines += [
            f"    第{u['row']}行 {u.get('id_masked') or ''} {u['reason']}"
            for u in unmatched[:unmatched_limit]
        ]
        if len(unmatched) > unmatched_limit:
            lines.append(
                f"    … 其余{len(unmatched) - unmatched_limit}行见 GET /api/v1/feeds/batches/{batch.pk}"
            )
    return "\n".join(lines)
