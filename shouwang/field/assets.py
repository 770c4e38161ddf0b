"""The front-end packages the pages load (htmx, ECharts, idb-keyval), copied into ``static/vendor`` at install
time by ``scripts/vendor_assets.py`` with a manifest of their files and sha256 (docs/frontend.md).

``vendor_problems()`` says, in Chinese, what is missing or altered. ``shouwang serve`` refuses to start on any
problem: a package built from a source tree where ``make install`` never ran would otherwise serve pages whose
scripts answer 404, and nothing would say why (issue 14).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


def vendor_problems(directory: Path | None = None) -> list[str]:
    """What is wrong with the vendored front-end files ([] when every file of the manifest is intact)."""
    root = directory or VENDOR_DIR
    manifest = root / "manifest.json"
    try:
        packages = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"缺少前端资源清单 {manifest}"]
    except (OSError, ValueError) as exc:
        return [f"前端资源清单 {manifest} 无法读取：{exc}"]
    problems = []
    for package, meta in sorted(packages.items()):
        for name, digest in sorted(meta.get("files", {}).items()):
            path = root / package / name
            if not path.is_file():
                problems.append(f"缺少 {package} {meta.get('version', '')} 的文件 {name}")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                problems.append(f"{package} 的文件 {name} 与清单中的校验值不符（已损坏或被改动）")
    if not packages:
        problems.append(f"前端资源清单 {manifest} 是空的")
    return problems
