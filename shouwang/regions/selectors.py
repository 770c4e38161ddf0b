from django.db.models import QuerySet

from shouwang.regions.choices import LEVEL_BY_LENGTH
from shouwang.regions.models import Region


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_children(*, code: str) -> QuerySet[Region]:
    return Region.objects.filter(parent_id=code).order_by("code")


def region_level_of(code: str) -> str:
    return LEVEL_BY_LENGTH[len(code)]


def region_ancestors(code: str) -> list[str]:
    """Codes of the region and every ancestor, outermost first."""
    return [code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(code)]
