"""Read models the console pages need beyond the domain selectors: the region picker."""

from dataclasses import dataclass
from typing import Any

from shouwang.regions.models import Region
from shouwang.regions.selectors import region_ancestors


@dataclass(frozen=True)
class RegionPicker:
    """Where the user is looking (``current``), the way back up to their own region (``trail``,
    outermost first, ending with ``current``) and the way down (``children``)."""

    current: Region
    trail: list[Region]
    children: list[Region]


def region_picker_get(*, user: Any, region_code: str = "") -> RegionPicker | None:
    """The picker for ``region_code`` inside the user's subtree; a code outside it (or none) falls back
    to the user's own region — region codes are public NBS data, so this reveals nothing."""
    home = user.region_id or ""
    if not home:
        return None
    code = region_code if region_code and region_code.startswith(home) else home
    wanted = [c for c in region_ancestors(code) if len(c) >= len(home)]
    by_code = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    trail = [by_code[c] for c in wanted if c in by_code]
    if not trail or trail[-1].code != code:
        # Unknown code inside the subtree: behave as if none was given.
        return region_picker_get(user=user) if code != home else None
    children = list(Region.objects.filter(parent_id=code).order_by("code"))
    return RegionPicker(current=trail[-1], trail=trail, children=children)
