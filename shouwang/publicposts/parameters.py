"""Hiring rules by region and year (R-EMP-07). Defaults are POLICY's (16 to 60, 65 with a health check, one
post per household, the cadre-family rule on, target households only, a 5-day notice); a ``PostParameter``
row overrides them for a province (its switches) or a smaller area, like ``cases.parameters``."""

from dataclasses import dataclass, fields

from django.db.models import Q

from shouwang.publicposts.models import PostParameter


@dataclass(frozen=True)
class PostParams:
    min_age: int = 16
    max_age: int = 60
    max_age_health_checked: int = 65
    household_cap: int = 1
    cadre_family_rule: bool = True
    target_households_only: bool = True
    notice_days: int = 5
    source: str = "默认值（POLICY）"


_FIELDS = [f.name for f in fields(PostParams) if f.name != "source"]


def post_params_get(*, region_code: str, year: int) -> PostParams:
    """The rules in force for ``region_code`` (any level, usually a post's village) in ``year``."""
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region_code)]
    rows = list(
        PostParameter.objects.filter(Q(region_code__in=[*prefixes, ""]), Q(year=year) | Q(year__isnull=True))
    )
    if not rows:
        return PostParams()
    best = max(rows, key=lambda r: (len(r.region_code), r.year is not None, r.version))
    source = f"参数 {best.region_code or '默认'}/{best.year or '各年'} 第{best.version}版"
    return PostParams(**{f: getattr(best, f) for f in _FIELDS}, source=source)
