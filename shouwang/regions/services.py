"""Loading the region tree, and the village groups (monitoring grids) that no official register holds."""

import csv
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from shouwang.common.errors import InputRefused
from shouwang.regions.choices import CODE_LENGTH, RegionLevelChoices
from shouwang.regions.models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "yunnan_2023.csv"
IN_CHUNK = 5_000  # villages per query (SQLite limits the bound parameters of one statement)


def region_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def regions_load(*, rows: Iterable[dict[str, str]] | None = None, model: type[Region] = Region) -> int:
    """Create missing regions (idempotent). ``model`` lets the data migration pass its historical model."""
    rows = list(region_rows() if rows is None else rows)
    existing = set(model.objects.values_list("code", flat=True))
    names: dict[str, str] = {r["code"]: r["name"] for r in rows}
    names.update(dict(model.objects.values_list("code", "name")))
    new = []
    for r in sorted(rows, key=lambda r: len(r["code"])):
        if r["code"] in existing:
            continue
        chain, code = [], r["code"]
        while code:
            chain.append(names.get(code, ""))
            parent_len = max((n for n in CODE_LENGTH.values() if n < len(code)), default=0)
            code = code[:parent_len] if parent_len else ""
        new.append(
            model(
                code=r["code"],
                name=r["name"],
                level=r["level"],
                parent_id=r["parent_code"] or None,
                full_name="".join(reversed(chain)),
            )
        )
    with transaction.atomic():
        model.objects.bulk_create(new, batch_size=2000)
    return len(new)


def village_groups_ensure(*, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(village code, group name) -> group code, creating the missing village groups (the monitoring grids)
    in bulk. An existing group of that name under the village is kept; a new one gets code = village code +
    the lowest 3-digit number not yet used in its village, new groups taken in (village, name) order.
    Idempotent, and the same codes whatever order the pairs come in."""
    pairs = set(pairs)
    if not pairs:
        return {}
    villages = sorted({v for v, _ in pairs})
    existing: dict[tuple[str, str], str] = {}
    used: dict[str, set[int]] = defaultdict(set)
    full: dict[str, str] = {}
    for i in range(0, len(villages), IN_CHUNK):
        chunk = villages[i : i + IN_CHUNK]
        groups = Region.objects.filter(level=RegionLevelChoices.GROUP, parent_id__in=chunk).order_by("code")
        for code, name, parent in groups.values_list("code", "name", "parent_id"):
            existing.setdefault((parent, name), code)
            used[parent].add(int(code[12:]))
        full.update(Region.objects.filter(code__in=chunk).values_list("code", "full_name"))
    new = []
    for village, name in sorted(pairs - set(existing)):
        n = 1
        while n in used[village]:
            n += 1
        if n > 999:
            raise InputRefused(f"行政村{village}的村民小组超过999个", [])
        used[village].add(n)
        code = f"{village}{n:03d}"
        existing[(village, name)] = code
        new.append(
            Region(
                code=code,
                name=name[:64],
                level=RegionLevelChoices.GROUP,
                parent_id=village,
                full_name=f"{full.get(village, '')}{name}"[:255],
            )
        )
    Region.objects.bulk_create(new, batch_size=2000)
    return {pair: existing[pair] for pair in pairs}
