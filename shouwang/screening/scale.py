"""Scale alerts (规模性风险): the risk tallies by village and township, judged against their own history."""

from decimal import Decimal

import polars as pl

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
        return 0
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
    ScaleAlert.objects.bulk_create(alerts)
    return len(alerts)
