"""The simulated territory: villages of the demo county (or of its whole prefecture for large runs)
from the NBS 2023 code list in shouwang/regions/data, read as a file — the simulator never touches the
database."""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shouwang.simulator import assumptions as A

REGIONS_CSV = Path(__file__).resolve().parent.parent / "regions" / "data" / "yunnan_2023.csv"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str


@dataclass
class Places:
    province_name: str
    prefecture_code: str
    prefecture_name: str
    county_codes: list[str]  # simulated counties, sorted
    county_names: list[str]
    # Villages (行政村 / 社区), sorted by code; arrays are aligned.
    village_codes: list[str]
    village_names: list[str]
    village_county: np.ndarray  # index into county_codes
    village_township: np.ndarray  # index into township_codes
    village_is_community: np.ndarray  # 社区居民委员会 (urban or relocation community)
    village_groups: np.ndarray  # number of 村民小组, 4–12
    township_codes: list[str]
    township_names: list[str]
    # ID area codes of people who marry in from outside the simulated counties (other Yunnan counties).
    outside_county_codes: list[int]

    @property
    def n_villages(self) -> int:
        return len(self.village_codes)

    @property
    def n_townships(self) -> int:
        return len(self.township_codes)


def load_regions(path: Path = REGIONS_CSV) -> dict[str, Region]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["code"]: Region(row["code"], row["name"], row["level"], row["parent_code"])
            for row in csv.DictReader(fh)
        }


def groups_for_village(code: str) -> int:
    """Number of village groups, fixed by the village code so every run and seed agrees."""
    return A.GROUPS_MIN + zlib.crc32(code.encode("ascii")) % (A.GROUPS_MAX - A.GROUPS_MIN + 1)


def group_name(number: int) -> str:
    return f"第{number}村民小组"


def county_check(code: str, regions: dict[str, Region] | None = None) -> str | None:
    """None if ``code`` is a county with villages in the code list, else the reason in Chinese."""
    regions = regions if regions is not None else load_regions()
    region = regions.get(code)
    if region is None:
        return f"县级代码“{code}”不在云南省2023年区划代码表中"
    if region.level != "county":
        return f"代码“{code}”（{region.name}）不是县级区划"
    if not any(r.level == "village" and r.code.startswith(code) for r in regions.values()):
        return f"{region.name}（{code}）在区划代码表中没有行政村"
    return None


def places_load(*, county: str, households: int, regions: dict[str, Region] | None = None) -> Places:
    regions = regions if regions is not None else load_regions()
    county_region = regions[county]
    prefecture = regions[county_region.parent_code]
    province = regions[prefecture.parent_code]
    if households > A.SINGLE_COUNTY_MAX_HOUSEHOLDS:
        counties = sorted(
            r.code for r in regions.values() if r.level == "county" and r.parent_code == prefecture.code
        )
    else:
        counties = [county]
    county_index = {c: i for i, c in enumerate(counties)}
    townships = sorted(
        r.code for r in regions.values() if r.level == "township" and r.parent_code in county_index
    )
    township_index = {c: i for i, c in enumerate(townships)}
    villages = sorted(
        r.code for r in regions.values() if r.level == "village" and r.parent_code in township_index
    )
    outside = sorted(
        int(r.code)
        for r in regions.values()
        if r.level == "county" and r.code not in county_index and r.code.startswith("53")
    )
    return Places(
        province_name=province.name,
        prefecture_code=prefecture.code,
        prefecture_name=prefecture.name,
        county_codes=counties,
        county_names=[regions[c].name for c in counties],
        village_codes=villages,
        village_names=[regions[v].name for v in villages],
        village_county=np.array([county_index[v[:6]] for v in villages], dtype=np.int16),
        village_township=np.array([township_index[v[:9]] for v in villages], dtype=np.int32),
        village_is_community=np.array([regions[v].name.endswith("居民委员会") for v in villages]),
        village_groups=np.array([groups_for_village(v) for v in villages], dtype=np.int16),
        township_codes=townships,
        township_names=[regions[t].name for t in townships],
        outside_county_codes=outside,
    )
