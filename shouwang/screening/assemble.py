"""From rule outputs to warnings: pure functions over Arrow/Polars tables (no database).

Score (docs/screening.md "Score"): every signal and supporting rule has a weight w in (0, 1); the
household's score is the noisy-OR ``1 − Π(1 − w)`` over the rules that fired, multiplied by
``1 − asset_discount`` when asset evidence (R-INC-06) was found, rounded to 4 decimals.

Suggested category (R-OBJ-01): below the line and 脱贫户 → ``unstable``; below the line otherwise →
``marginal``; not below the line (or no income record), a shock rule fired (rigid spending or a sharp
income drop from illness, disability, disaster, accident, job loss) and basic living is seriously
endangered by it → ``sudden``; else none. "Seriously endangered" (decision 0312) is what POLICY puts numbers
on: the income after the 12 months' rigid spending and the estimated lost wages is below the line
(R-INC-05 慢湾村), or the medical spending exceeds the share of total income (``ENDANGERING_RULES``,
R-INC-05 Inner Mongolia); without an income record the visit finds out. A rich household with a large bill
that leaves it far above the line gets none.
"""

import json
import math
from dataclasses import dataclass

import polars as pl

from shouwang.screening.choices import RuleKindChoices, WarningStatusChoices
from shouwang.screening.engines.base import RuleOutput
from shouwang.screening.rules import RULES, Rule

# Rules whose firing by itself shows basic living seriously endangered (R-OBJ-01): rigid spending above the
# province's share of total income (R-INC-05, Inner Mongolia 刚性支出困难).
ENDANGERING_RULES = frozenset({"MED-SHARE"})

WARNING_COLUMNS = (
    "household_no",
    "household_id",
    "village_code",
    "township_code",
    "signals",
    "rules",
    "risk_types",
    "income_per_capita",
    "threshold",
    "suggested_category",
    "score",
    "needs_asset_check",
    "exclusion_evidence",
    "monitored",
)


def _evidence_exprs(rule: Rule) -> list[pl.Expr]:
    out = []
    for name, typ in rule.evidence:
        col = pl.col(name)
        if typ in ("money", "amount"):
            out.append(col.cast(pl.Float64).round(2).alias(name))
        elif typ == "share":
            out.append(col.cast(pl.Float64).round(4).alias(name))
        elif typ == "date":
            out.append(col.cast(pl.String).alias(name))
        else:
            out.append(col)
    return out


def _signal_prefix(rule: Rule) -> str:
    head = json.dumps(
        {"rule": rule.code, "policy": list(rule.policy), "risk_type": rule.risk_type}, ensure_ascii=False
    )
    return head[:-1] + ',"evidence":'


def _evidence_json(df: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    if not rule.evidence:
        return df.select(pl.col("household_no"), pl.lit("{}").alias("evidence"))
    return df.select(
        pl.col("household_no"), pl.struct(_evidence_exprs(rule)).struct.json_encode().alias("evidence")
    )


def signals_frame(output: RuleOutput, rules: tuple[Rule, ...] = RULES) -> pl.DataFrame:
    """One row per (household, rule) for signal and supporting rules, with the signal's JSON."""
    frames = []
    for order, rule in enumerate(rules):
        if rule.kind == RuleKindChoices.EXCLUSION:
            continue
        table = output.rules.get(rule.code)
        if table is None or table.num_rows == 0:
            continue
        ev = _evidence_json(pl.from_arrow(table), rule)  # type: ignore[arg-type]
        frames.append(
            ev.select(
                pl.col("household_no"),
                pl.lit(order, pl.Int32).alias("order"),
                pl.lit(rule.code).alias("rule"),
                pl.lit(rule.risk_type).alias("risk_type"),
                pl.lit(rule.kind == RuleKindChoices.SIGNAL).alias("is_signal"),
                pl.lit(rule.shock).alias("shock"),
                pl.lit(1.0 - rule.weight).alias("survival"),
                (pl.lit(_signal_prefix(rule)) + pl.col("evidence") + pl.lit("}")).alias("signal"),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "household_no": pl.String,
                "order": pl.Int32,
                "rule": pl.String,
                "risk_type": pl.String,
                "is_signal": pl.Boolean,
                "shock": pl.Boolean,
                "survival": pl.Float64,
                "signal": pl.String,
            }
        )
    return pl.concat(frames)


def exclusions_frame(output: RuleOutput, rules: tuple[Rule, ...] = RULES) -> pl.DataFrame:
    frames = []
    for rule in rules:
        if rule.kind != RuleKindChoices.EXCLUSION:
            continue
        table = output.rules.get(rule.code)
        if table is None or table.num_rows == 0:
            continue
        ev = _evidence_json(pl.from_arrow(table), rule)  # type: ignore[arg-type]
        frames.append(
            ev.select(
                pl.col("household_no"),
                (pl.lit(f'{{"rule":"{rule.code}","evidence":') + pl.col("evidence") + pl.lit("}")).alias(
                    "ex"
                ),
            )
        )
    if not frames:
        return pl.DataFrame(schema={"household_no": pl.String, "exclusion_evidence": pl.String})
    return (
        pl.concat(frames)
        .group_by("household_no")
        .agg(pl.col("ex").sort().str.join(",").alias("ex"))
        .select(
            pl.col("household_no"), (pl.lit("[") + pl.col("ex") + pl.lit("]")).alias("exclusion_evidence")
        )
    )


def warnings_assemble(output: RuleOutput, rules: tuple[Rule, ...] = RULES) -> pl.DataFrame:
    """One row per household with at least one signal rule fired (supporting rules only add to it)."""
    signals = signals_frame(output, rules)
    grouped = (
        signals.sort(["household_no", "order"])
        .group_by("household_no", maintain_order=True)
        .agg(
            pl.col("is_signal").any().alias("has_signal"),
            (pl.lit("[") + pl.col("signal").str.join(",") + pl.lit("]")).first().alias("signals"),
            pl.col("rule").alias("rules"),
            pl.col("risk_type").drop_nulls().unique().sort().alias("risk_types"),
            pl.col("survival").product().alias("survival"),
            pl.col("shock").any().alias("shock"),
            pl.col("rule").is_in(list(ENDANGERING_RULES)).any().alias("endangering"),
        )
        .filter(pl.col("has_signal"))
    )
    base = pl.from_arrow(output.base)
    assert isinstance(base, pl.DataFrame)
    base = base.select(
        "household_no",
        "household_id",
        "village_code",
        "township_code",
        "poverty_status",
        pl.col("monitored").cast(pl.Boolean),
        pl.col("income_per_capita").cast(pl.Float64),
        pl.col("threshold").cast(pl.Float64),
        pl.col("asset_discount").cast(pl.Float64),
        pl.col("income_after_shock").cast(pl.Float64),
    )
    excl = exclusions_frame(output, rules)
    df = grouped.join(base, on="household_no", how="inner").join(excl, on="household_no", how="left")
    below = pl.col("income_per_capita") < pl.col("threshold")
    discount = (
        pl.when(pl.col("exclusion_evidence").is_not_null()).then(1 - pl.col("asset_discount")).otherwise(1.0)
    )
    df = df.with_columns(
        ((1 - pl.col("survival")) * discount).round(4).alias("score"),
        pl.col("exclusion_evidence").is_not_null().alias("needs_asset_check"),
        pl.when(below.fill_null(False) & (pl.col("poverty_status") == "former_poor"))
        .then(pl.lit("unstable"))
        .when(below.fill_null(False))
        .then(pl.lit("marginal"))
        .when(
            pl.col("shock")
            & (
                pl.col("income_after_shock").is_null()  # no income record: the visit finds out
                | (pl.col("income_after_shock") < pl.col("threshold")).fill_null(False)
                | pl.col("endangering")
            )
        )
        .then(pl.lit("sudden"))
        .otherwise(pl.lit(""))
        .alias("suggested_category"),
        pl.col("exclusion_evidence").fill_null("[]"),
    )
    return df.select(WARNING_COLUMNS).sort("household_no")


def warnings_classify(frame: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Add ``status`` and ``new_risk_types`` given the previous period's warnings
    (``previous``: household_no, risk_types)."""
    prev = previous.select(pl.col("household_no"), pl.col("risk_types").alias("prev_risk_types"))
    df = frame.join(prev, on="household_no", how="left")
    had_previous = pl.col("prev_risk_types").is_not_null()
    df = df.with_columns(
        pl.when(pl.col("monitored"))
        .then(pl.lit(WarningStatusChoices.ALREADY_MONITORED.value))
        .when(had_previous)
        .then(pl.lit(WarningStatusChoices.PERSISTING.value))
        .otherwise(pl.lit(WarningStatusChoices.NEW.value))
        .alias("status"),
        pl.when(pl.col("monitored"))
        .then(
            pl.col("risk_types").list.set_difference(
                pl.col("prev_risk_types").fill_null(pl.lit([], pl.List(pl.String)))
            )
        )
        .otherwise(pl.lit([], pl.List(pl.String)))
        .list.sort()
        .alias("new_risk_types"),
    )
    return df.drop("prev_risk_types")


# ---------------------------------------------------------------------------------------------------
# Scale alerts (规模性返贫风险)
# ---------------------------------------------------------------------------------------------------
def risk_tallies(frame: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """Households per (level, region, risk type) this period, with the region's household count."""
    out = []
    for level, col in (("village", "village_code"), ("township", "township_code")):
        totals = base.group_by(col).agg(pl.len().alias("households"))
        counts = (
            frame.select(col, "risk_types")
            .explode("risk_types")
            .drop_nulls("risk_types")
            .group_by(col, "risk_types")
            .agg(pl.len().alias("count"))
        )
        out.append(
            counts.join(totals, on=col, how="left").select(
                pl.lit(level).alias("level"),
                pl.col(col).alias("region_code"),
                pl.col("risk_types").alias("risk_type"),
                pl.col("count").cast(pl.Int64),
                pl.col("households").cast(pl.Int64),
            )
        )
    return pl.concat(out).sort(["level", "region_code", "risk_type"])


@dataclass(frozen=True)
class ScaleJudgement:
    fires: bool
    mean: float
    sd: float
    months: int
    threshold: float


def scale_judge(
    *,
    count: int,
    households: int,
    history: list[int],
    min_count: float,
    min_share: float,
    k: float,
    min_history: int,
) -> ScaleJudgement:
    """``count > max(min_count, mean + k·sd)`` of the region's own previous months (months without a
    tally count as 0), and ``count / households ≥ min_share``; never with fewer than ``min_history``
    screened months of history.

    Counts of households are Poisson-like, so the spread is at least ``√mean``: a village whose count
    sat at exactly 5 for months (sd 0) is not alarmed by a sixth household."""
    n = len(history)
    mean = sum(history) / n if n else 0.0
    sd = math.sqrt(sum((x - mean) ** 2 for x in history) / n) if n else 0.0
    sd = max(sd, math.sqrt(mean))
    threshold = max(float(min_count), mean + k * sd)
    share = count / households if households else 0.0
    fires = n >= min_history and count > threshold and share >= min_share
    return ScaleJudgement(
        fires=fires, mean=round(mean, 3), sd=round(sd, 3), months=n, threshold=round(threshold, 3)
    )
