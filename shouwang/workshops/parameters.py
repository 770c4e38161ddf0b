"""R-EMP-08's numbers by region and year: defaults from POLICY, overridden by ``WorkshopParameter`` rows
(the most specific region, then the exact year, then the highest version; as ``cases.parameters``)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from shouwang.workshops.models import WorkshopParameter


@dataclass(frozen=True)
class WorkshopParams:
    min_workers: int = 5  # ≥ 5 脱贫 workers (柳江)
    worker_min_months: int = 3  # a worker counts with ≥ 3 months there …
    worker_min_pay: Decimal = Decimal("5000")  # … or ≥ 5,000 元 in the year (2021 provincial notice)
    buffer_months: int = 6  # 6-month buffer before 清理
    relief_min_share: Decimal = Decimal("30")  # 劳务报酬 ≥ 30 % of central money from 2023
    source: str = "政策默认值"  # POLICY R-EMP-08


_FIELDS = ("min_workers", "worker_min_months", "worker_min_pay", "buffer_months", "relief_min_share")


def workshop_params_get(*, region_code: str, year: int) -> WorkshopParams:
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region_code)]
    rows = list(
        WorkshopParameter.objects.filter(
            Q(region_code__in=[*prefixes, ""]), Q(year=year) | Q(year__isnull=True)
        )
    )
    if not rows:
        return WorkshopParams()
    best = max(rows, key=lambda r: (len(r.region_code), r.year is not None, r.version))
    source = f"参数 {best.region_code or '默认'}/{best.year or '各年'} v{best.version}"
    return WorkshopParams(**{f: getattr(best, f) for f in _FIELDS}, source=source)
