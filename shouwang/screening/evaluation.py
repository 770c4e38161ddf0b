"""Scoring stored warnings against the simulator's truth (``shouwang evaluate``, docs/screening.md).

Definitions (also in docs/screening.md "Evaluation"):

* **Risk** — a truth event (``truth/events.csv``) with a risk type, in a period of [from, to], that is
  *material*: the household is truly at risk with that risk type (``truth/at_risk.csv``) in the event's
  month or the month after. Events of one household, risk type and month count once (a risk-month).
  Small events that never put the household at risk (a 50-yuan outpatient visit) are not risks.
* A risk is **reflected by a department feed** when one of its events has a ``feed_kind`` and the
  department delivered that row (``delivered_period``, at any time); the others — including events a
  department would report but never delivered, e.g. treatment out of the province — can only be found by
  self-report or a cadre's visit. It is **delivered in time** when one of those events
  was delivered (``delivered_period``) no later than the month after the event: the risks a screening
  that never reads the future can possibly find within one month. A **new** risk is one whose household
  was not at risk with that type in the month before the event (the event starts the risk);
  ``new_risks`` reports those alone, since a household at risk for months otherwise counts once per
  month with an event.
* **Hit within one month** — a stored warning for the same household, in the event's month or the next,
  with a signal of the same risk type. **Detection lag** — months from the event's month to the first
  month (≥ the event's month, within 12 months and ≤ ``to``) with such a warning.
* **Precision** — share of stored warnings (household-months) whose household is truly at risk that
  month (any risk type); per risk type, share of warnings carrying that type whose household is at risk
  with that type that month.
* Self-report clues: given the self-reports linked to a household (``self_reports``: household and month,
  read by the caller from the channels app, e.g. ``channels.selectors.self_report_household_months``), the
  lag is also given counting the first self-report as a detection (household level, any risk type).
"""

import statistics
from pathlib import Path
from typing import Any

import polars as pl

from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.models import WorkEpisode
from shouwang.screening.choices import RunSourceChoices
from shouwang.screening.models import Warning
from shouwang.screening.periods import period_parse

MAX_LAG = 12


def _month(col: str) -> pl.Expr:
    return (
        pl.col(col).str.slice(0, 4).cast(pl.Int32) * 12 + pl.col(col).str.slice(5, 2).cast(pl.Int32) - 1
    ).alias(f"{col}_m")


def _month_index(period: str) -> int:
    y, m = period_parse(period)
    return y * 12 + m - 1


def truth_load(truth: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    errors = [
        RowError(None, "", str(truth / n), "文件不存在")
        for n in ("events.csv", "at_risk.csv")
        if not (truth / n).exists()
    ]
    if errors:
        raise InputRefused("找不到模拟真值文件", errors)
    events = pl.read_csv(truth / "events.csv", infer_schema_length=0)
    at_risk = pl.read_csv(truth / "at_risk.csv", infer_schema_length=0)
    return events, at_risk


def _warnings_frame(first: str, last: str) -> pl.DataFrame:
    rows = list(
        Warning.objects.filter(
            source=RunSourceChoices.SCREENING, period__gte=first, period__lte=last
        ).values_list("household_no", "period", "risk_types", "status")
    )
    return pl.DataFrame(
        rows,
        schema={
            "household_no": pl.String,
            "period": pl.String,
            "risk_types": pl.List(pl.String),
            "status": pl.String,
        },
        orient="row",
    )


def _ledger_ends(first: str, last: str) -> pl.DataFrame:
    """(household_no, period) of every stored 务工月监测 episode that ended in [first − 1 month, last]: the
    job losses the ledger itself shows (decision 0322)."""
    start = f"{int(first[:4]) - 1}-12" if first.endswith("-01") else f"{first[:5]}{int(first[5:]) - 1:02d}"
    rows = list(
        WorkEpisode.objects.filter(end_month__gte=start, end_month__lte=last)
        .values_list("household__household_no", "end_month")
        .distinct()
    )
    return pl.DataFrame(rows, schema={"household_no": pl.String, "period": pl.String}, orient="row")


def _in_window(col: str) -> pl.Expr:
    """``col`` (a detection month) if it falls in [event month, event month + MAX_LAG], else null: a risk
    whose household was only warned before the event (or too late) stays in the count as a miss."""
    m = pl.col(col)
    return (
        pl.when((m >= pl.col("period_m")) & (m <= pl.col("period_m") + MAX_LAG))
        .then(m)
        .otherwise(None)
        .alias(col)
    )


def _lag_stats(lags: list[int]) -> dict[str, Any]:
    if not lags:
        return {"mean": None, "median": None, "p90": None}
    s = sorted(lags)
    return {
        "mean": round(statistics.fmean(s), 3),
        "median": statistics.median(s),
        "p90": s[min(len(s) - 1, round(0.9 * (len(s) - 1)))],
    }


def _share(flags: pl.Series) -> float:
    n = flags.len()
    return round(int(flags.fill_null(False).sum()) / n, 4) if n else 0.0


def _recall_block(df: pl.DataFrame, lag_col: str = "lag") -> dict[str, Any]:
    n = df.height
    lags = [x for x in df.get_column(lag_col).to_list() if x is not None]
    return {
        "risks": n,
        "recall_same_month": round(sum(1 for x in lags if x == 0) / n, 4) if n else None,
        "recall_1m": round(sum(1 for x in lags if x <= 1) / n, 4) if n else None,
        "recall_3m": round(sum(1 for x in lags if x <= 3) / n, 4) if n else None,
        "recall_12m": round(len(lags) / n, 4) if n else None,
        "detection_lag_months": _lag_stats(lags),
    }


def _misses_write(path: Path, scored: pl.DataFrame) -> None:
    missed = (
        scored.filter(pl.col("lag").is_null() | (pl.col("lag") > 1))
        .select("household_no", "period", "risk_type", "kinds", "reflected", "in_time", "new", "lag")
        .sort("period", "household_no", "risk_type")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + missed.write_csv().encode())


def evaluate(
    *,
    truth: Path,
    first: str,
    last: str,
    misses: Path | None = None,
    self_reports: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The scores as one JSON-able object; ``misses``: also write every risk not found within one month
    (CSV, UTF-8 with BOM: household, month, risk type, feed kinds, delivered in time, lag or blank);
    ``self_reports``: (household_no, period) of the self-reports tied to a household, for the lag counting
    them (``None``: not available)."""
    if _month_index(first) > _month_index(last):
        raise InputRefused("期间范围错误", [RowError(None, "from", first, "起始期间晚于结束期间")])
    events, at_risk = truth_load(truth)
    last_m = _month_index(last)
    risky = (
        at_risk.with_columns(pl.col("risk_types").str.split(";").alias("risk_type"))
        .explode("risk_type")
        .select("household_no", "period", "risk_type")
        .with_columns(_month("period"))
    )
    # Risks: material risk-months of typed events.
    ev = (
        events.filter(pl.col("risk_type").is_not_null() & (pl.col("risk_type") != ""))
        .filter((pl.col("period") >= first) & (pl.col("period") <= last))
        .with_columns(_month("period"), (pl.col("feed_kind").fill_null("") != "").alias("named"))
        .with_columns(
            # A department that would report the event but never delivered it (treated out of province,
            # a job loss nobody registered) reflects nothing: only a self-report or a visit can reveal it.
            (pl.col("named") & pl.col("delivered_period").is_not_null()).alias("reflected")
        )
        .with_columns(
            # Delivered within a month of the event: the only risks screening can see in time.
            (pl.col("reflected") & (_month("delivered_period") <= pl.col("period_m") + 1)).alias("in_time")
        )
        .group_by("household_no", "period", "period_m", "risk_type")
        .agg(
            pl.col("named").any(),
            pl.col("reflected").any(),
            pl.col("in_time").any(),
            pl.col("feed_kind").drop_nulls().unique().sort().str.join(",").alias("kinds"),
        )
    )
    material_keys = pl.concat(
        [
            risky.select("household_no", "risk_type", pl.col("period_m")),
            risky.select("household_no", "risk_type", (pl.col("period_m") - 1).alias("period_m")),
        ]
    ).unique()
    risks = ev.join(material_keys, on=["household_no", "risk_type", "period_m"], how="semi")
    # A new risk: the household was not at risk with that type the month before the event.
    before = risky.select("household_no", "risk_type", (pl.col("period_m") + 1).alias("period_m"))
    risks = risks.join(
        before.with_columns(pl.lit(False).alias("new")),
        on=["household_no", "risk_type", "period_m"],
        how="left",
    ).with_columns(pl.col("new").fill_null(True))

    warnings = _warnings_frame(first, last).with_columns(_month("period"))
    typed = warnings.explode("risk_types").rename({"risk_types": "risk_type"}).drop_nulls("risk_type")
    # Lag: first typed warning at or after the event's month.
    cand = (
        risks.join(
            typed.select("household_no", "risk_type", pl.col("period_m").alias("w_m")),
            on=["household_no", "risk_type"],
            how="left",
        )
        .with_columns(_in_window("w_m"))
        .group_by(
            "household_no", "period", "period_m", "risk_type", "named", "reflected", "in_time", "kinds", "new"
        )
        .agg((pl.col("w_m").min() - pl.col("period_m").first()).alias("lag"))
    )
    # Household-level variant (any signal), for reference.
    any_w = warnings.select("household_no", pl.col("period_m").alias("w_m")).unique()
    cand_any = (
        risks.join(any_w, on="household_no", how="left")
        .with_columns(_in_window("w_m"))
        .group_by("household_no", "period_m", "risk_type")
        .agg((pl.col("w_m").min() - pl.col("period_m").first()).alias("lag_any"))
    )
    scored = cand.join(cand_any, on=["household_no", "period_m", "risk_type"], how="left")

    reflected = scored.filter(pl.col("reflected"))
    others = scored.filter(~pl.col("reflected"))
    if misses is not None:
        _misses_write(misses, scored)
    out: dict[str, Any] = {
        "from": first,
        "to": last,
        "warnings": warnings.height,
        "households_warned": warnings.get_column("household_no").n_unique() if warnings.height else 0,
        "overall": _recall_block(scored),
        "feed_reflected": _recall_block(reflected),
        "not_feed_reflected": _recall_block(others),
        "feed_reflected_delivered_in_time": _recall_block(reflected.filter(pl.col("in_time"))),
        "new_risks": {
            "feed_reflected": _recall_block(reflected.filter(pl.col("new"))),
            "feed_reflected_delivered_in_time": _recall_block(
                reflected.filter(pl.col("new") & pl.col("in_time"))
            ),
            "not_feed_reflected": _recall_block(others.filter(pl.col("new"))),
        },
        # Part of not_feed_reflected: a department would have reported these, but never delivered them.
        "not_feed_reflected_never_delivered": _recall_block(others.filter(pl.col("named"))),
        "household_level_any_signal": {
            "feed_reflected_recall_1m": _recall_block(reflected, "lag_any")["recall_1m"],
            "not_feed_reflected_recall_1m": _recall_block(others, "lag_any")["recall_1m"],
        },
    }
    # Risks whose department delivered within a month of the event are the ones screening can see in time.
    out["feed_reflected"]["note"] = "风险事件有部门数据；部门迟报超过1个月的事件无法在1个月内发现"

    # Precision.
    at_risk_hh = risky.select("household_no", "period").unique().with_columns(pl.lit(True).alias("truly"))
    wp = warnings.select("household_no", "period", "status").join(
        at_risk_hh, on=["household_no", "period"], how="left"
    )
    tp = int(wp.get_column("truly").fill_null(False).sum()) if wp.height else 0
    out["overall"]["precision"] = round(tp / wp.height, 4) if wp.height else None
    by_status = {}
    for status in sorted(set(wp.get_column("status").to_list())) if wp.height else []:
        part = wp.filter(pl.col("status") == status)
        by_status[status] = {
            "warnings": part.height,
            "precision": _share(part.get_column("truly")),
        }
    out["precision_by_status"] = by_status

    per_type: dict[str, Any] = {}
    truth_typed = risky.select("household_no", "period", "risk_type").with_columns(
        pl.lit(True).alias("truly")
    )
    typed_p = typed.select("household_no", "period", "risk_type").join(
        truth_typed, on=["household_no", "period", "risk_type"], how="left"
    )
    types = sorted(
        set(scored.get_column("risk_type").to_list()) | set(typed_p.get_column("risk_type").to_list())
    )
    for t in types:
        block = _recall_block(scored.filter(pl.col("risk_type") == t))
        part = typed_p.filter(pl.col("risk_type") == t)
        block["warnings"] = part.height
        block["precision"] = _share(part.get_column("truly")) if part.height else None
        refl = scored.filter((pl.col("risk_type") == t) & pl.col("reflected"))
        block["feed_reflected_recall_1m"] = _recall_block(refl)["recall_1m"]
        per_type[t] = block
    # Job losses the 务工月监测 ledger shows: an episode of the household ended in the event's month or the
    # month before (decision 0322). Reported beside the feed-reflected figure, never merged into it.
    ends = _ledger_ends(first, last).with_columns(_month("period"))
    if "unstable_employment" in per_type:
        ledger_keys = pl.concat(
            [ends.select("household_no", "period_m"), ends.select("household_no", pl.col("period_m") + 1)]
        ).unique()
        jobs = scored.filter(pl.col("risk_type") == "unstable_employment")
        in_ledger = jobs.join(ledger_keys, on=["household_no", "period_m"], how="semi")
        seen = pl.concat([in_ledger, jobs.filter(pl.col("reflected"))]).unique(
            subset=["household_no", "period_m"]
        )
        per_type["unstable_employment"]["ledger_reflected"] = _recall_block(in_ledger)
        per_type["unstable_employment"]["feed_or_ledger_reflected"] = _recall_block(seen)
    out["per_risk_type"] = per_type

    per_kind = {}
    for kind in sorted({k for ks in reflected.get_column("kinds").to_list() for k in ks.split(",") if k}):
        per_kind[kind] = _recall_block(reflected.filter(pl.col("kinds").str.contains(kind)))
    out["feed_reflected_by_kind"] = per_kind

    reports = self_reports
    if reports is None or reports.height == 0:
        out["self_reports"] = {"available": reports is not None, "reports_linked": 0}
    else:
        rep = reports.with_columns(_month("period")).select("household_no", pl.col("period_m").alias("r_m"))
        with_rep = (
            scored.join(rep, on="household_no", how="left")
            .with_columns(_in_window("r_m"))
            .group_by("household_no", "period_m", "risk_type", "reflected", "in_time", "lag")
            .agg((pl.col("r_m").min() - pl.col("period_m").first()).alias("lag_report"))
            .with_columns(pl.min_horizontal("lag", "lag_report").alias("lag_with_reports"))
        )
        out["self_reports"] = {
            "available": True,
            "reports_linked": reports.height,
            "overall": _recall_block(with_rep, "lag_with_reports"),
            "feed_reflected": _recall_block(with_rep.filter(pl.col("reflected")), "lag_with_reports"),
            "feed_reflected_delivered_in_time": _recall_block(
                with_rep.filter(pl.col("reflected") & pl.col("in_time")), "lag_with_reports"
            ),
            "not_feed_reflected": _recall_block(with_rep.filter(~pl.col("reflected")), "lag_with_reports"),
        }
    # Risks in the last month cannot be seen "the month after" inside the range.
    out["risks_in_last_month"] = int(scored.filter(pl.col("period_m") == last_m).height)
    return out
