"""Command-line glue of the public-welfare post roster: ``shouwang import posts FILE [--period YYYY-MM]
[--source NAME]`` (docs/publicposts.md "Import")."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shouwang.common.errors import InputRefused


def posts_import_cli(options: Mapping[str, Any], out: Any) -> None:
    from shouwang.publicposts.roster import post_roster_import

    try:
        result = post_roster_import(
            path=Path(options["path"]),
            period=options.get("period") or None,
            source=str(options.get("source") or "public_posts"),
        )
    except InputRefused as exc:
        print(exc.report(limit=None), file=sys.stderr)  # CONTRACT §1: every reason printed
        raise SystemExit(2) from exc
    name = Path(result.path).name
    if result.duplicate:
        out.write(f"公益性岗位花名册 {name}：已导入过相同文件，未作任何修改（批次#{result.batch_id}）")
        return
    line = (
        f"公益性岗位花名册 {name}：{result.rows}行，新设岗位{result.posts_created}个，"
        f"在岗记录新增{result.holders_created}、更新{result.holders_updated}；批次#{result.batch_id}"
    )
    if result.supersedes_id:
        line += f"，替代批次#{result.supersedes_id}"
    out.write(line)
    for w in result.warnings[:50]:
        out.write(f"  提示：{w}")
