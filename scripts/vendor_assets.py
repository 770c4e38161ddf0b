#!/usr/bin/env python3
"""Copy the front-end packages' distribution files into the static tree Django serves (docs/frontend.md).

`make install` runs `npm ci --ignore-scripts` in frontend/ (versions pinned by frontend/package-lock.json)
and then this script. It checks that every package in node_modules is exactly the version the lock file
pins, copies the files listed in ASSETS (and each package's licence) into
shouwang/field/static/vendor/<package>/, and writes vendor/manifest.json (package, version, file, sha256).
The vendor directory is generated: it ignores itself in git. Nothing is fetched at run time; pages load
/static/vendor/… from the app's own server. Standard library only, so it runs before the virtualenv exists.

Exit codes: 0 copied; 1 node_modules missing or not matching the lock file (the message says what to run).
"""

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
DEST = ROOT / "shouwang" / "field" / "static" / "vendor"

# package → files (relative to the package) the UI loads; each lands under vendor/<package>/<basename>.
ASSETS: dict[str, list[str]] = {
    "htmx.org": ["dist/htmx.min.js"],
    "echarts": ["dist/echarts.min.js"],
    # ES module build: the field app imports it with <script type="module">.
    "idb-keyval": ["dist/index.js"],
}
LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "license", "LICENCE")


def fail(message: str) -> None:
    print(f"vendor_assets: {message}", file=sys.stderr)
    raise SystemExit(1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked_versions() -> dict[str, str]:
    lock = json.loads((FRONTEND / "package-lock.json").read_text(encoding="utf-8"))
    return {
        key.removeprefix("node_modules/"): str(meta["version"])
        for key, meta in lock.get("packages", {}).items()
        if key.startswith("node_modules/") and "version" in meta
    }


def main() -> int:
    pinned = locked_versions()
    wanted = json.loads((FRONTEND / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name in ASSETS:
        if name not in wanted:
            fail(f"{name} is copied but not a dependency in frontend/package.json")
    modules = FRONTEND / "node_modules"
    if not modules.is_dir():
        fail("frontend/node_modules is missing: run `cd frontend && npm ci --ignore-scripts` first")
    manifest: dict[str, dict[str, object]] = {}
    staging = DEST.with_name("vendor.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name, files in sorted(ASSETS.items()):
        package_dir = modules / name
        meta_path = package_dir / "package.json"
        if not meta_path.exists():
            fail(f"{name} is not installed: run `cd frontend && npm ci --ignore-scripts`")
        installed = json.loads(meta_path.read_text(encoding="utf-8"))["version"]
        if installed != pinned.get(name) or installed != wanted[name]:
            fail(
                f"{name} {installed} installed, but package.json asks {wanted[name]} and the lock file "
                f"pins {pinned.get(name)}: run `cd frontend && npm ci --ignore-scripts`"
            )
        out = staging / name
        out.mkdir()
        copied: dict[str, str] = {}
        for rel in files:
            source = package_dir / rel
            if not source.is_file():
                fail(f"{name}@{installed} has no {rel}")
            shutil.copyfile(source, out / source.name)
            copied[source.name] = sha256(source)
        for licence in LICENCE_NAMES:
            if (package_dir / licence).is_file():
                shutil.copyfile(package_dir / licence, out / "LICENSE")
                break
        manifest[name] = {"version": installed, "files": copied}
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    # Generated, never committed: the directory ignores itself.
    (staging / ".gitignore").write_text("*\n")
    shutil.rmtree(DEST, ignore_errors=True)
    staging.rename(DEST)
    summary = ", ".join(f"{n} {m['version']}" for n, m in manifest.items())
    print(f"vendor_assets: {summary} → {DEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
