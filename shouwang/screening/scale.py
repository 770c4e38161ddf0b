"""Scale alerts (规模性风险): the risk tallies by village and township, judged against their own history,
and the township whose number of labourers in work drops sharply (R-EMP-04, decision 0321)."""

from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from django.db.models import Count

from shouwang.employment.choices import EMPLOYED_STATUSES
from shouwang.employment.models import LabourRecord
from shouwang.screening.assemble import scale_judge
from shouwang.screening.choices import (
    ParameterKeyChoices,
    RunSourceChoices,
    RunStatusChoices,
    ScaleLevelChoices,
)
from shouwang.screening.models import RiskTally, ScaleAlert, ScreeningRun
from shouwang.screening.params import parameters_resolve
from shouwang.screening.periods import period_parse, period_shift


def scale_alerts_replace(run: ScreeningRun, tallies: pl.DataFrame) -> int:
    """Store the run's risk tallies and the scale alerts they raise (decision 0305), replacing the
    period's; called inside the run's store transaction. Returns the number of alerts."""
    RiskTally.objects.filter(period=run.period).delete()
    ScaleAlert.objects.filter(period=run.period).delete()
    RiskTally.objects.bulk_create(
        [RiskTally(run=run, period=run.period, **row) for row in tallies.iter_rows(named=True)],
        batch_size=5000,
    )
    history_periods = [period_shift(run.period, -k) for k in range(1, 13)]
    screened = set(
        ScreeningRun.objects.filter(
            source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED, period__in=history_periods
        ).values_list("period", flat=True)
    )
    if not screened:
        alerts = _with_employment_drops(run, [])
        ScaleAlert.objects.bulk_create(alerts)
        return len(alerts)
    hist: dict[tuple[str, str, str], dict[str, int]] = {}
    for level, region, risk, period, count in RiskTally.objects.filter(period__in=screened).values_list(
        "level", "region_code", "risk_type", "period", "count"
    ):
        hist.setdefault((level, region, risk), {})[period] = count
    regions = sorted(set(tallies.get_column("region_code").to_list()))
    resolved = parameters_resolve(
        region_codes=regions, year=period_parse(run.period)[0], max_id=run.params_max_id
    ).values
    alerts = []
    k = ParameterKeyChoices
    for row in tallies.iter_rows(named=True):
        p = resolved.get(row["region_code"], {})
        village = row["level"] == ScaleLevelChoices.VILLAGE
        min_count = p.get(k.SCALE_VILLAGE_MIN_COUNT if village else k.SCALE_TOWNSHIP_MIN_COUNT)
        min_share = p.get(k.SCALE_VILLAGE_MIN_SHARE if village else k.SCALE_TOWNSHIP_MIN_SHARE)
        if min_count is None or min_share is None or row["count"] <= min_count:
            continue
        by_period = hist.get((row["level"], row["region_code"], row["risk_type"]), {})
        history = [by_period.get(p_, 0) for p_ in sorted(screened)]
        j = scale_judge(
            count=row["count"],
            households=row["households"],
            history=history,
            min_count=float(min_count),
            min_share=float(min_share),
            k=float(p.get(k.SCALE_K, 3)),
            min_history=int(p.get(k.SCALE_MIN_HISTORY, 3)),
        )
        if j.fires:
            alerts.append(
                ScaleAlert(
                    run=run,
                    period=run.period,
                    level=row["level"],
                    region_code=row["region_code"],
                    risk_type=row["risk_type"],
                    count=row["count"],
                    share=Decimal(row["count"] / row["households"]).quantize(Decimal("0.0001")),
                    baseline={
                        "mean": j.mean,
                        "sd": j.sd,
                        "months": j.months,
                        "threshold": j.threshold,
                        "households": row["households"],
                    },
                )
            )
    alerts = _with_employment_drops(run, alerts)
    ScaleAlert.objects.bulk_create(alerts)
    return len(alerts)


# The risk type a fall in work is (R-SYS-03 因务工就业不稳).
EMPLOYMENT_RISK = "unstable_employment"


@dataclass(frozen=True)
class EmploymentDrop:
    township_code: str
    employed: int
    previous: int
    year_ago: int | None
    drop_mom: float
    drop_yoy: float | None


def employed_by_township(period: str) -> dict[str, int]:
    """Labourers in work in a month's roster (劳动力花名册, R-EMP-02: posts and workshops count), by township:
    the 务工人数 of the dispatch table (R-EMP-04)."""
    rows = (
        LabourRecord.objects.filter(period=period, status__in=EMPLOYED_STATUSES)
        .values("township_code")
        .annotate(n=Count("id"))
    )
    return {r["township_code"]: r["n"] for r in rows}


def employment_drops(
    *, now: dict[str, int], previous: dict[str, int], year_ago: dict[str, int], params: dict[str, dict]
) -> list[EmploymentDrop]:
    """Townships whose employed count fell by more than ``emp_drop_share`` on the month before, and on the
    same month a year before when that month's roster exists (decision 0321: the Spring Festival return
    empties every township each January, which only the year-on-year figure tells apart from a lost job).
    A township with fewer than ``scale_township_min_count`` in work the month before is not judged."""
    k = ParameterKeyChoices
    out = []
    for town, prev in sorted(previous.items()):
        p = params.get(town, {})
        share, min_count = p.get(k.EMP_DROP_SHARE), p.get(k.SCALE_TOWNSHIP_MIN_COUNT)
        if share is None or min_count is None or prev < float(min_count):
            continue
        cur = now.get(town, 0)
        drop_mom = 1 - cur / prev
        ya = year_ago.get(town)
        drop_yoy = 1 - cur / ya if ya else None
        if drop_mom > float(share) and (drop_yoy is None or drop_yoy > float(share)):
            yoy = None if drop_yoy is None else round(drop_yoy, 4)
            out.append(EmploymentDrop(town, cur, prev, ya, round(drop_mom, 4), yoy))
    return out


def _with_employment_drops(run: ScreeningRun, alerts: list[ScaleAlert]) -> list[ScaleAlert]:
    """Add the township employed-count alerts of the run's month (R-EMP-04) to the tally alerts; where a
    township already has an 因务工就业不稳 alert from the tallies, the drop is added to its baseline."""
    previous = employed_by_township(period_shift(run.period, -1))
    if not previous:
        return alerts
    now = employed_by_township(run.period)
    year_ago = employed_by_township(period_shift(run.period, -12))
    params = parameters_resolve(
        region_codes=sorted(previous), year=period_parse(run.period)[0], max_id=run.params_max_id
    ).values
    by_key = {(a.level, a.region_code, a.risk_type): a for a in alerts}
    for d in employment_drops(now=now, previous=previous, year_ago=year_ago, params=params):
        detail = {
            "employed": d.employed,
            "previous": d.previous,
            "year_ago": d.year_ago,
            "drop_mom": d.drop_mom,
            "drop_yoy": d.drop_yoy,
            "policy": "R-EMP-04",
        }
        existing = by_key.get((ScaleLevelChoices.TOWNSHIP, d.township_code, EMPLOYMENT_RISK))
        if existing is not None:
            existing.baseline = {**existing.baseline, "employed_drop": detail}
            continue
        alerts.append(
            ScaleAlert(
                run=run,
                period=run.period,
                level=ScaleLevelChoices.TOWNSHIP,
                region_code=d.township_code,
                risk_type=EMPLOYMENT_RISK,
                count=d.previous - d.employed,
                share=Decimal(d.drop_mom).quantize(Decimal("0.0001")),
                baseline={"employed_drop": detail},
            )
        )
    return alerts
