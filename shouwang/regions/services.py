"""Loading the region tree."""

import csv
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from shouwang.regions.choices import CODE_LENGTH, RegionLevelChoices
from shouwang.regions.models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "yunnan_2023.csv"


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


def village_groups_ensure(*, village: Region, names: list[str]) -> list[Region]:
    """Create the village groups (monitoring grids) of one village: code = village code + 3 digits."""
    existing = {g.name: g for g in village.children.filter(level=RegionLevelChoices.GROUP)}
    out = []
    for i, name in enumerate(names, start=1):
        if name in existing:
            out.append(existing[name])
            continue
        n = i
        code = f"{village.code}{n:03d}"
        while Region.objects.filter(code=code).exists():
            n += 100
            code = f"{village.code}{n:03d}"
        out.append(
            Region.objects.create(
                code=code,
                name=name,
                level=RegionLevelChoices.GROUP,
                parent=village,
                full_name=f"{village.full_name}{name}",
            )
        )
    return out
