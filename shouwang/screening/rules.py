"""The screening rule catalogue (STYLE 11): data plus one SQL query per rule, no I/O.

Every rule reads a fixed set of input tables (the registry snapshot, the department feeds, the
parameters resolved for each village) and a few derived views built from them, and returns one row
per flagged household: ``household_no`` plus its evidence columns. Rules are written once in
DuckDB-flavoured SQL and transpiled with sqlglot for Spark and PostgreSQL (shouwang.screening.engines),
so the three engines run the same definition.

Conventions the SQL follows so that the three engines agree exactly:
* money is DECIMAL(14,2) and parameters DECIMAL(18,4): comparisons at a boundary are exact;
* divisions cast to DOUBLE first (PostgreSQL would otherwise divide integers);
* evidence is aggregated with MIN/MAX/SUM/COUNT only, so it never depends on row order;
* ``$name`` tokens are period constants (``$period``, ``$p_m1`` … ``$p_m12``, ``$p_start``,
  ``$p_end``, ``$w_start``, ``$year``, ``$mmdd``) substituted as literals before transpiling.

The catalogue version is a hash of all of it; each run records the version it used.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from shouwang.employment.choices import EMPLOYED_STATUSES
from shouwang.exchange.feeds import FEED_SPECS
from shouwang.screening.choices import ParameterKeyChoices as K
from shouwang.screening.choices import RuleKindChoices

# The dialect the catalogue's SQL is written in; the engines transpile from it.
SQL_DIALECT = "duckdb"

# Column types of the input tables and evidence. "money" = DECIMAL(14,2); "dec" = DECIMAL(18,4).
COLUMN_TYPES = ("text", "int", "money", "dec", "float", "date", "bool")

Columns = tuple[tuple[str, str], ...]


def _cols(spec: str) -> Columns:
    """``"a text, b int"`` → ``(("a", "text"), ("b", "int"))``."""
    out = []
    for part in spec.split(","):
        name, typ = part.split()
        assert typ in COLUMN_TYPES, typ
        out.append((name, typ))
    return tuple(out)


# ---------------------------------------------------------------------------------------------------
# Input tables. The snapshot holds no clear personal identifiers: persons carry the blind index only.
# ---------------------------------------------------------------------------------------------------
SNAPSHOT_TABLES: dict[str, Columns] = {
    "households": _cols(
        "household_id int, household_no text, village_code text, group_code text, group_name text, "
        "township_code text, county_code text, poverty_status text, monitoring_category text, "
        "identified_on date, risk_eliminated_on date, member_count int"
    ),
    "persons": _cols(
        "person_id int, household_no text, id_index text, birth_date date, sex text, relation text, "
        "school_status text, health text, disability_grade int, labour text, work_months int, "
        "work_place text, dibao bool, tekun bool, residence text"
    ),
    "incomes": _cols(
        "household_no text, period text, wage money, business money, property money, transfer money, "
        "business_cost money, compliant_self_pay money, insurance_claims money, net_income money, "
        "members_counted int, per_capita_net money, per_capita_reference money"
    ),
    # The 务工月监测 ledger as it stands at the month (R-EMP-03): episodes started by then, an end after the
    # month read as still running (no future).
    "work_episodes": _cols(
        "person_id int, household_no text, start_month text, end_month text, channel text, "
        "place_type text, wage money"
    ),
    # The labour roster (R-EMP-02) of the month and the 12 before: statuses seen by a visit, a phone call,
    # 人社, social-insurance payments or the person, and those derived from the ledger.
    "labour_records": _cols("person_id int, household_no text, period text, status text, source text"),
}

# One row per village with every parameter resolved for the screening year (params.py).
PARAMS_TABLE: Columns = (("village_code", "text"), *((k.value, "dec") for k in K))

# What the lake's type of a feed column (shouwang.exchange.files) is in the catalogue.
_FEED_COLUMN_TYPES = {
    "text": "text",
    "enum": "text",  # the choice's code
    "period": "text",  # YYYY-MM
    "date": "date",
    "money": "money",
    "flag": "bool",
    "int": "int",
}


def _feed_columns(columns: Iterable[tuple[str, str]]) -> Columns:
    """One department feed (CONTRACT §2) as screening reads it from the lake: the delivery ``period`` and
    the ``batch_id`` (constants of the batch file, set by the engine), the file's ``row_no``, then the feed's
    columns with ``id_number`` replaced by its blind index ``id_index``. The lake's other columns
    (``id_masked``, and ``person_id`` / ``household_no`` as matched at import) are not read: rows are matched
    to the snapshot's persons at run time."""
    own = [("id_index", "text") if typ == "id" else (name, _FEED_COLUMN_TYPES[typ]) for name, typ in columns]
    return (("period", "text"), ("batch_id", "int"), ("row_no", "int"), *own)


# Department feeds, derived from their one declaration in the exchange (FEED_SPECS).
FEED_TABLES: dict[str, Columns] = {
    kind: _feed_columns((c.name, c.type) for c in spec.columns) for kind, spec in FEED_SPECS.items()
}

# How many delivery months each feed's rules look at (the current month included).
FEED_LOOKBACK: dict[str, int] = {
    "medical": 12,  # 12-month self-pay (R-INC-05, R-WARN-01)
    "education": 12,  # enrolment evidence clears the registry-based "not enrolled" rule
    "employment": 12,  # a lost job's last known wage; the wage drop compares with the 3 months before
    "water": 3,  # a long outage reported once keeps its households flagged while it lasts
    "police": 12,  # deaths and moves out take the member out of the household size (R-OBJ-02)
    "disaster": 12,  # uninsured disaster losses are rigid spending of the 12-month window (R-OBJ-06)
}


def input_tables() -> dict[str, Columns]:
    """Every table a rule may read, by the name the SQL uses for the raw (normalised) input."""
    tables = dict(SNAPSHOT_TABLES)
    tables["params"] = PARAMS_TABLE
    tables.update({f"feed_{k}": cols for k, cols in FEED_TABLES.items()})
    return tables


# ---------------------------------------------------------------------------------------------------
# Derived views, materialised once per run in this order.
# ---------------------------------------------------------------------------------------------------
# Members the 公安 register reports dead or moved out (R-OBJ-02): the latest such row of the 12 delivery
# months, unless a later row reports them moved back in. They stop counting although the registry has not
# caught up; once the registry records it (``residence``), they no longer count there and are not taken off
# twice.
PERSON_FACTS = """
WITH gone AS (
  SELECT id_index
  FROM feed_police
  WHERE period BETWEEN $p_m11 AND $period AND event_on <= $p_end
  GROUP BY id_index
  HAVING MAX(CASE WHEN event IN ('death', 'moved_out') THEN event_on END)
    > COALESCE(MAX(CASE WHEN event = 'moved_in' THEN event_on END), DATE '1900-01-01')
)
SELECT p.person_id, p.household_no, h.village_code, h.poverty_status, p.id_index, p.school_status,
  p.disability_grade, p.labour, p.work_months, p.health,
  $year - CAST(EXTRACT(YEAR FROM p.birth_date) AS BIGINT)
    - CASE WHEN CAST(EXTRACT(MONTH FROM p.birth_date) AS BIGINT) * 100
                + CAST(EXTRACT(DAY FROM p.birth_date) AS BIGINT) > $mmdd THEN 1 ELSE 0 END AS age,
  CASE WHEN COALESCE(p.residence, 'present') IN ('present', 'away_working') AND g.id_index IS NULL
       THEN 1 ELSE 0 END AS counted,
  CASE WHEN COALESCE(p.residence, 'present') IN ('present', 'away_working') AND g.id_index IS NOT NULL
       THEN 1 ELSE 0 END AS reported_gone,
  CASE WHEN p.labour IN ('skilled', 'ordinary', 'weak') THEN 1 ELSE 0 END AS capable
FROM persons p
JOIN households h ON h.household_no = p.household_no
LEFT JOIN gone g ON g.id_index = p.id_index
"""

HOUSEHOLD_FACTS = """
WITH eligible AS (
  SELECT i.household_no, i.period, i.wage, i.business, i.property, i.transfer, i.net_income,
    i.compliant_self_pay, i.insurance_claims, i.members_counted,
    i.per_capita_net, COALESCE(i.per_capita_reference, i.per_capita_net) AS per_capita_reference
  FROM incomes i
  WHERE i.period <= $period
), latest AS (
  SELECT household_no, MAX(period) AS p1 FROM eligible GROUP BY household_no
), before_latest AS (
  SELECT e.household_no, MAX(e.period) AS p2
  FROM eligible e JOIN latest l ON l.household_no = e.household_no AND e.period < l.p1
  GROUP BY e.household_no
), m AS (
  SELECT household_no, SUM(counted) AS members, SUM(capable * counted) AS capable_members,
    SUM(CASE WHEN work_months > 0 THEN counted ELSE 0 END) AS earners,
    SUM(CASE WHEN health IN ('chronic', 'serious') THEN counted ELSE 0 END) AS ill_members,
    SUM(CASE WHEN health = 'serious' THEN counted ELSE 0 END) AS serious_members,
    SUM(reported_gone) AS gone
  FROM person_facts
  GROUP BY household_no
), i1 AS (
  -- The latest record, divided by its member count less the members 公安 reports gone since (R-OBJ-02,
  -- R-INC-02): the record's own per-capita figures when nobody is. Rounded through DECIMAL (PostgreSQL has no
  -- ROUND of a DOUBLE to places), half away from zero as the registry rounds.
  SELECT e.household_no, e.period, e.wage, e.business, e.property, e.transfer, e.net_income,
    e.compliant_self_pay, e.insurance_claims,
    GREATEST(e.members_counted - COALESCE(m.gone, 0), 0) AS members_counted,
    CASE WHEN COALESCE(m.gone, 0) = 0 THEN e.per_capita_net
         WHEN e.members_counted - m.gone > 0
         THEN CAST(ROUND(CAST(CAST(e.net_income AS DOUBLE) / (e.members_counted - m.gone)
                              AS DECIMAL(18, 4)), 2) AS DECIMAL(14, 2))
    END AS per_capita_net,
    CASE WHEN COALESCE(m.gone, 0) = 0 THEN e.per_capita_reference
         WHEN e.members_counted - m.gone > 0
         THEN CAST(ROUND(CAST(CAST(e.net_income + COALESCE(e.insurance_claims, 0)
                                   - COALESCE(e.compliant_self_pay, 0) AS DOUBLE)
                              / (e.members_counted - m.gone) AS DECIMAL(18, 4)), 2) AS DECIMAL(14, 2))
    END AS per_capita_reference
  FROM eligible e
  JOIN latest l ON l.household_no = e.household_no AND e.period = l.p1
  LEFT JOIN m ON m.household_no = e.household_no
)
SELECT h.household_no, h.household_id, h.village_code, h.township_code, h.group_name, h.poverty_status,
  CASE WHEN h.monitoring_category IS NOT NULL
        AND (h.identified_on IS NULL OR h.identified_on <= $p_end)
        AND (h.risk_eliminated_on IS NULL OR h.risk_eliminated_on > $p_end) THEN 1 ELSE 0 END AS monitored,
  i1.period AS income_period, i1.per_capita_net, i1.per_capita_reference AS income_per_capita,
  i1.net_income, i1.wage, i1.wage + i1.business + i1.property + i1.transfer AS gross_income,
  COALESCE(i1.compliant_self_pay, 0) AS compliant_self_pay,
  COALESCE(i1.insurance_claims, 0) AS insurance_claims, i1.members_counted AS income_members,
  i2.period AS prev_income_period, i2.per_capita_net AS prev_per_capita_net,
  COALESCE(m.members, 0) AS members, COALESCE(m.capable_members, 0) AS capable_members,
  COALESCE(m.earners, 0) AS earners, COALESCE(m.ill_members, 0) AS ill_members,
  COALESCE(m.serious_members, 0) AS serious_members,
  CAST(pr.threshold AS DECIMAL(14, 2)) AS threshold, pr.asset_discount
FROM households h
JOIN params pr ON pr.village_code = h.village_code
LEFT JOIN i1 ON i1.household_no = h.household_no
LEFT JOIN before_latest b ON b.household_no = h.household_no
LEFT JOIN eligible i2 ON i2.household_no = h.household_no AND i2.period = b.p2
LEFT JOIN m ON m.household_no = h.household_no
"""

# Person-keyed feeds are matched to the snapshot at run time by blind index, so a delivery that came
# before the registry import (or a person who moved household) is attributed to the current household.
_PERSON_COLUMNS = (
    "pf.household_no, pf.village_code, pf.person_id, pf.age AS p_age, pf.capable AS p_capable, "
    "pf.labour AS p_labour, pf.disability_grade AS p_disability_grade"
)


def _matched_feed_sql(kind: str) -> str:
    own = [c for c, _ in FEED_TABLES[kind] if c != "id_index"]
    cols = ", ".join(f"f.{c}" for c in own)
    return (
        f"SELECT {cols}, {_PERSON_COLUMNS}\nFROM feed_{kind} f\n"
        "JOIN person_facts pf ON pf.id_index = f.id_index"
    )


# Rigid spending of the 12 months ending with the month (R-INC-04, R-INC-05, R-OBJ-06): 医保 self-pay and
# disaster losses, deducted from the latest income record instead of the record's own compliant self-pay
# (the larger of the two, so nothing is deducted twice). Only households with such spending.
RIGID = """
WITH med AS (
  SELECT household_no, SUM(self_pay) AS med_12m
  FROM medical
  WHERE period BETWEEN $p_m11 AND $period AND settled_on BETWEEN $w_start AND $p_end
  GROUP BY household_no
), dis AS (
  SELECT household_no, SUM(loss_amount) AS disaster_12m
  FROM disaster
  WHERE period BETWEEN $p_m11 AND $period AND occurred_on BETWEEN $w_start AND $p_end
  GROUP BY household_no
), spent AS (
  SELECT COALESCE(med.household_no, dis.household_no) AS household_no,
    COALESCE(med.med_12m, 0) AS med_12m, COALESCE(dis.disaster_12m, 0) AS disaster_12m
  FROM med FULL OUTER JOIN dis ON dis.household_no = med.household_no
)
SELECT hf.household_no, hf.village_code, s.med_12m, s.disaster_12m, hf.threshold, hf.income_members,
  hf.gross_income,
  hf.net_income + hf.insurance_claims
    - GREATEST(hf.compliant_self_pay, s.med_12m + s.disaster_12m) AS income_after_rigid
FROM spent s
JOIN household_facts hf ON hf.household_no = s.household_no
WHERE hf.income_members > 0
"""


# Inpatient stays settled in the 12 months ending with the month, per household (医保).
INPATIENT = """
SELECT m.household_no, COUNT(*) AS stays, SUM(m.self_pay) AS inpatient_self_pay,
  MAX(m.settled_on) AS last_settled_on
FROM medical m
WHERE m.inpatient AND m.period BETWEEN $p_m11 AND $period AND m.settled_on BETWEEN $w_start AND $p_end
GROUP BY m.household_no
"""


# Estimated lost wages (decisions 0310, 0311), for inpatient stays settled after the household's latest
# income record by counted members:
# * a member registered as a migrant worker (skilled or ordinary labour) is assumed to have stopped working
#   from the month of the first such stay, at most 12 months;
# * any other member's stay is assumed to bring one of the household's other wage earners home to care for
#   them, at most 3 months (the longest of these stays counts, once per household).
# A month lost is the household's wages ÷ its wage earners ÷ 12. Read by ILL-WAGE-LOSS (below the line)
# and ILL-NEAR-LINE (the band).
WAGE_LOSS = """
WITH stays AS (
  SELECT m.household_no, m.person_id, MIN(m.settled_on) AS first_stay,
    MAX(CASE WHEN pf.work_months > 0 AND pf.labour IN ('skilled', 'ordinary') THEN 1 ELSE 0 END) AS earner
  FROM medical m
  JOIN person_facts pf ON pf.person_id = m.person_id
  JOIN household_facts hf ON hf.household_no = m.household_no
  WHERE m.inpatient AND m.period BETWEEN $p_m11 AND $period AND m.settled_on BETWEEN $w_start AND $p_end
    AND pf.counted = 1 AND (hf.income_period IS NULL OR m.period > hf.income_period)
  GROUP BY m.household_no, m.person_id
), months AS (
  SELECT household_no, earner, first_stay,
    $month_index - CAST(EXTRACT(YEAR FROM first_stay) AS BIGINT) * 12
      - CAST(EXTRACT(MONTH FROM first_stay) AS BIGINT) + 1 AS since
  FROM stays
), lost AS (
  SELECT household_no, SUM(earner) AS earners_ill, MIN(first_stay) AS first_stay,
    SUM(CASE WHEN earner = 1 THEN LEAST(since, 12) ELSE 0 END) AS months_lost,
    MAX(CASE WHEN earner = 0 THEN LEAST(since, 3) ELSE 0 END) AS care_months
  FROM months
  GROUP BY household_no
), judged AS (
  SELECT l.household_no, l.earners_ill, l.first_stay, l.months_lost,
    CASE WHEN hf.earners > l.earners_ill THEN l.care_months ELSE 0 END AS care_months,
    CAST(hf.wage AS DOUBLE) / hf.earners AS wage_per_earner
  FROM lost l
  JOIN household_facts hf ON hf.household_no = l.household_no
  WHERE hf.income_members > 0 AND hf.earners > 0
)
SELECT household_no, earners_ill, first_stay, months_lost, care_months,
  wage_per_earner * (months_lost + care_months) / 12 AS wage_lost_est
FROM judged
WHERE months_lost + care_months > 0
"""


# Water issues still open in the month, one row per (delivered issue, household of its place): the households
# of the group, or of the whole village when the row names no group. Read by WATER and WATER-NEAR-LINE.
WATER_OPEN = """
SELECT h.household_no, h.village_code, w.issue, w.from_on,
  DATE_DIFF('day', w.from_on, COALESCE(w.to_on, $p_end)) AS days
FROM water w
JOIN households h ON h.village_code = w.village_code
  AND (w.group_name IS NULL OR w.group_name = h.group_name)
WHERE w.period BETWEEN $p_m2 AND $period AND w.from_on <= $p_end
  AND COALESCE(w.to_on, $p_end) >= $p_start
"""


def derived_views() -> list[tuple[str, str]]:
    views = [("person_facts", PERSON_FACTS), ("household_facts", HOUSEHOLD_FACTS)]
    for kind, columns in FEED_TABLES.items():
        if kind == "water":
            # The lake stores one water row per (delivered row, household); one per delivered row here.
            names = ", ".join(c for c, _ in columns)
            views.append((kind, f"SELECT DISTINCT {names} FROM feed_{kind}"))
        else:
            views.append((kind, _matched_feed_sql(kind)))
    views.append(("rigid", RIGID))
    views.append(("inpatient", INPATIENT))
    views.append(("wage_loss", WAGE_LOSS))
    views.append(("water_open", WATER_OPEN))
    return views


# What the assembly step needs for every household, flagged or not. ``income_after_shock`` is the reference
# income per counted member after the 12 months' rigid spending (医保 self-pay, disaster losses) and the
# estimated wages lost to illness (decisions 0310, 0311): the assembly suggests 突发严重困难户 only when it is
# below the line (R-OBJ-01 "basic living seriously endangered"; R-INC-05 慢湾村), decision 0312.
BASE_SQL = """
SELECT hf.household_no, hf.household_id, hf.village_code, hf.township_code, hf.poverty_status, hf.monitored,
  hf.income_per_capita, hf.threshold, hf.asset_discount,
  CASE WHEN hf.income_members > 0 THEN
    (CAST(hf.net_income + hf.insurance_claims AS DOUBLE)
      - CAST(GREATEST(hf.compliant_self_pay, COALESCE(r.med_12m, 0) + COALESCE(r.disaster_12m, 0)) AS DOUBLE)
      - COALESCE(w.wage_lost_est, 0)) / hf.income_members
  END AS income_after_shock
FROM household_facts hf
LEFT JOIN rigid r ON r.household_no = hf.household_no
LEFT JOIN wage_loss w ON w.household_no = hf.household_no
"""
BASE_COLUMNS: Columns = _cols(
    "household_no text, household_id int, village_code text, township_code text, poverty_status text, "
    "monitored int, income_per_capita money, threshold money, asset_discount dec, income_after_shock float"
)
# Parameters the assembly applies to a rule's output, by rule kind, through the base query's columns
# (shouwang.screening.assemble: an exclusion rule's evidence discounts the score by ``asset_discount``).
ASSEMBLY_PARAMS: dict[str, tuple[str, ...]] = {RuleKindChoices.EXCLUSION: (K.ASSET_DISCOUNT,)}


# ---------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One rule: a stable code, the policy it implements, and one query returning ``household_no`` and the
    ``evidence`` columns for every household it flags.

    ``reads`` names every input table the query reads (``input_tables()`` apart from ``params``), directly
    or through the derived views it names: a rule on ``household_facts`` reads ``households``, ``persons``
    and ``incomes``; a rule on a matched feed view reads the feed plus the ``households`` and ``persons`` its
    rows are matched through. Views are never named in ``reads``: they are how the catalogue computes, the
    input tables are what a run loads. ``params`` names every parameter whose value decides the rule's rows
    or evidence, whether the SQL reads it as ``pr.<key>`` or through a view's column computed from it
    (``household_facts.threshold``), plus those the assembly applies to the rule's kind (``ASSEMBLY_PARAMS``).
    Both are checked against the SQL by ``shouwang.screening.lineage`` (``tests/test_lineage.py``).
    """

    code: str
    title: str
    policy: tuple[str, ...]
    risk_type: str | None
    kind: str
    weight: float
    params: tuple[str, ...]
    reads: tuple[str, ...]
    evidence: Columns
    sql: str
    # A shock (rigid spending or a sharp income drop) qualifies a household above the line as
    # 突发严重困难户 (R-OBJ-01).
    shock: bool = False
    note: str = field(default="", compare=False)


# Evidence types: "money" → yuan with cents (exact decimal); "amount" → a computed yuan figure (double,
# rounded to cents by the assembly, so engines never round a half-cent differently); "share" (double,
# 4 decimals); int; text; date; bool.
EVIDENCE_TYPES = ("money", "amount", "share", "int", "text", "date", "bool")


def _ev(spec: str) -> Columns:
    out = []
    for part in spec.split(","):
        name, typ = part.split()
        assert typ in EVIDENCE_TYPES, typ
        out.append((name, typ))
    return tuple(out)


S = RuleKindChoices.SIGNAL

# 当月就业状态 codes that count as in work (R-EMP-05: posts and workshops count), for the ledger rules.
_EMPLOYED = ", ".join(f"'{s}'" for s in sorted(EMPLOYED_STATUSES))


def _civil_events_sql(*events: str) -> str:
    """民政 events of this month's delivery, one row per household (CIV-MARGIN, CIV-NEW)."""
    listed = ", ".join(f"'{e}'" for e in events)
    return f"""
SELECT c.household_no, MIN(c.event) AS event, COUNT(*) AS events, MAX(c.event_on) AS event_on
FROM civil c
WHERE c.period = $period AND c.event IN ({listed})
GROUP BY c.household_no
"""


# Income after rigid spending for any household with an income record: the `rigid` view's figure when
# departments delivered spending, else the registry's reference net income. The near-the-line rules use it
# with `rigid r` and `household_facts hf` in scope.
INCOME_AFTER_RIGID = (
    "COALESCE(r.income_after_rigid, hf.net_income + hf.insurance_claims - hf.compliant_self_pay)"
)


def _credit_after_sql(shock: str) -> str:
    """Overdue loans in this month's 金融 delivery of households with a shock in the department data of
    the six delivery months ending with this one (``shock``: household_no, shock_on). CREDIT-DISASTER and
    CREDIT-ILLNESS."""
    return f"""
WITH shock AS ({shock.strip()})
SELECT c.household_no, MAX(c.overdue_days) AS overdue_days, SUM(c.balance) AS balance,
  MAX(s.shock_on) AS shock_on
FROM credit c
JOIN shock s ON s.household_no = c.household_no
WHERE c.period = $period AND c.overdue_days > 0
GROUP BY c.household_no
"""


RULES: tuple[Rule, ...] = (
    Rule(
        code="INC-LOW",
        title="家庭人均收入低于当年监测范围",
        policy=("R-THR-04", "R-THR-05", "R-INC-01", "R-INC-02", "R-INC-04", "R-OBJ-01"),
        risk_type="low_income",
        kind=S,
        weight=0.5,
        params=(K.THRESHOLD,),
        reads=("households", "persons", "feed_police", "incomes"),
        evidence=_ev("income_per_capita money, per_capita_net money, threshold money, income_period text"),
        sql="""
SELECT hf.household_no, hf.income_per_capita, hf.per_capita_net, hf.threshold, hf.income_period
FROM household_facts hf
WHERE hf.income_per_capita < hf.threshold
""",
        note="收入参考值 = (纯收入 + 理赔收入 − 合规自付支出) ÷ 计算人口；严格小于监测范围（R-THR-05）。",
    ),
    Rule(
        code="INC-DROP",
        title="家庭人均纯收入大幅缩减（最近两期收支记录）",
        policy=("R-OBJ-01", "R-THR-01", "R-INC-05"),
        risk_type="other",
        kind=S,
        weight=0.4,
        params=(K.INCOME_DROP_SHARE,),
        reads=("households", "persons", "feed_police", "incomes"),
        evidence=_ev(
            "income_now money, income_before money, drop_share share, income_period text, "
            "prev_income_period text"
        ),
        shock=True,
        sql="""
SELECT hf.household_no, hf.per_capita_net AS income_now, hf.prev_per_capita_net AS income_before,
  1 - CAST(hf.per_capita_net AS DOUBLE) / CAST(hf.prev_per_capita_net AS DOUBLE) AS drop_share,
  hf.income_period, hf.prev_income_period
FROM household_facts hf
JOIN params pr ON pr.village_code = hf.village_code
WHERE hf.prev_per_capita_net > 0 AND hf.income_period > $p_m12
  AND hf.prev_per_capita_net - hf.per_capita_net >= pr.income_drop_share * hf.prev_per_capita_net
""",
        note="最近一期收支记录在12个月内，且人均纯收入较上一期下降不少于参数比例。",
    ),
    Rule(
        code="MED-SELFPAY",
        title="个人年度医疗自付费用超过上年农村居民人均可支配收入的规定比例",
        policy=("R-WARN-01", "R-INC-05"),
        risk_type="illness",
        kind=S,
        weight=0.5,
        params=(K.MEDICAL_SHARE_POOR, K.MEDICAL_SHARE_OTHER, K.RURAL_INCOME),
        reads=("feed_medical", "households", "persons", "feed_police", "incomes"),
        evidence=_ev("self_pay_12m money, trigger_amount money, persons int, last_settled_on date"),
        shock=True,
        sql="""
WITH person_pay AS (
  SELECT m.household_no, m.village_code, m.person_id, SUM(m.self_pay) AS self_pay_12m,
    MAX(m.settled_on) AS last_settled_on
  FROM medical m
  WHERE m.period BETWEEN $p_m11 AND $period AND m.settled_on BETWEEN $w_start AND $p_end
  GROUP BY m.household_no, m.village_code, m.person_id
), judged AS (
  SELECT pp.household_no, pp.self_pay_12m, pp.last_settled_on,
    CASE WHEN hf.poverty_status = 'former_poor' OR hf.monitored = 1
         THEN pr.medical_share_poor ELSE pr.medical_share_other END * pr.rural_income AS trigger_amount
  FROM person_pay pp
  JOIN household_facts hf ON hf.household_no = pp.household_no
  JOIN params pr ON pr.village_code = pp.village_code
)
SELECT household_no, MAX(self_pay_12m) AS self_pay_12m, MAX(trigger_amount) AS trigger_amount,
  COUNT(*) AS persons, MAX(last_settled_on) AS last_settled_on
FROM judged
WHERE self_pay_12m > trigger_amount
GROUP BY household_no
""",
        note="按人计12个月内结算的自付费用；脱贫户成员和监测对象用低比例（阳原：50%），其他人用高比例（100%）。",
    ),
    Rule(
        code="MED-SELFPAY-ABS",
        title="家庭年度医疗自付费用超过绝对金额",
        policy=("R-WARN-01", "R-INC-05"),
        risk_type="illness",
        kind=S,
        weight=0.4,
        params=(K.MEDICAL_ABSOLUTE,),
        reads=("feed_medical", "households", "persons", "feed_police"),
        evidence=_ev("self_pay_12m money, trigger_amount money, settlements int"),
        shock=True,
        sql="""
SELECT m.household_no, SUM(m.self_pay) AS self_pay_12m, MAX(pr.medical_absolute) AS trigger_amount,
  COUNT(*) AS settlements
FROM medical m
JOIN params pr ON pr.village_code = m.village_code
WHERE m.period BETWEEN $p_m11 AND $period AND m.settled_on BETWEEN $w_start AND $p_end
GROUP BY m.household_no
HAVING SUM(m.self_pay) > MAX(pr.medical_absolute)
""",
        note="烟台：住院加门诊自付超过2万元；按户合计（户是认定单位，R-OBJ-02）。",
    ),
    Rule(
        code="MED-RIGID",
        title="扣除12个月医疗自付（及灾害损失）后家庭人均收入低于监测范围",
        policy=("R-INC-04", "R-INC-05", "R-INC-03", "R-OBJ-06"),
        risk_type="illness",
        kind=S,
        weight=0.4,
        params=(K.THRESHOLD,),
        reads=("feed_medical", "feed_disaster", "households", "persons", "feed_police", "incomes"),
        evidence=_ev("self_pay_12m money, disaster_12m money, income_after_rigid amount, threshold money"),
        shock=True,
        sql="""
SELECT r.household_no, r.med_12m AS self_pay_12m, r.disaster_12m,
  CAST(r.income_after_rigid AS DOUBLE) / r.income_members AS income_after_rigid, r.threshold
FROM rigid r
WHERE r.med_12m > 0 AND r.income_after_rigid < r.threshold * r.income_members
""",
        note=(
            "收入参考值按医保部门最近12个月的个人自付（加应急管理部门的灾害损失）重新计算："
            "纯收入 + 理赔收入 − max(登记的合规自付支出, 部门数据中的刚性支出)，再除以计算人口；"
            "低于监测范围即预警（R-INC-04；R-INC-05 慢湾村：扣除刚性支出后低于监测范围）。"
        ),
    ),
    Rule(
        code="MED-SHARE",
        title="家庭12个月医疗自付超过家庭总收入的规定比例",
        policy=("R-INC-05", "R-OBJ-06"),
        risk_type="illness",
        kind=S,
        weight=0.4,
        params=(K.MEDICAL_INCOME_SHARE,),
        reads=("feed_medical", "feed_disaster", "households", "persons", "feed_police", "incomes"),
        evidence=_ev("self_pay_12m money, share_of_income share"),
        shock=True,
        sql="""
SELECT r.household_no, r.med_12m AS self_pay_12m,
  CAST(r.med_12m AS DOUBLE) / CAST(r.gross_income AS DOUBLE) AS share_of_income
FROM rigid r
JOIN params pr ON pr.village_code = r.village_code
WHERE r.gross_income > 0 AND r.med_12m > pr.medical_income_share * r.gross_income
""",
        note="内蒙古2024刚性支出困难家庭：医疗加意外支出超过家庭总收入的60%（R-INC-05）。",
    ),
    Rule(
        code="ILL-NEAR-LINE",
        title="有大病成员或住院治疗，且扣除医疗自付（及估算误工）后收入接近监测范围",
        policy=("R-OBJ-05", "R-INC-03", "R-INC-04", "R-INC-05"),
        risk_type="illness",
        kind=S,
        weight=0.3,
        params=(K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=("feed_medical", "feed_disaster", "households", "persons", "feed_police", "incomes"),
        evidence=_ev(
            "serious_members int, stays int, inpatient_self_pay money, last_settled_on date, "
            "income_after_rigid amount, wage_lost_est amount, threshold money"
        ),
        sql=f"""
WITH judged AS (
  SELECT hf.household_no, hf.serious_members, COALESCE(s.stays, 0) AS stays, s.inpatient_self_pay,
    s.last_settled_on, hf.threshold, hf.income_members, pr.near_line_ratio, w.wage_lost_est,
    {INCOME_AFTER_RIGID}
      AS income_after_rigid
  FROM household_facts hf
  JOIN params pr ON pr.village_code = hf.village_code
  LEFT JOIN inpatient s ON s.household_no = hf.household_no
  LEFT JOIN rigid r ON r.household_no = hf.household_no
  LEFT JOIN wage_loss w ON w.household_no = hf.household_no
  WHERE hf.income_members > 0 AND (hf.serious_members > 0 OR s.stays > 0)
)
SELECT household_no, serious_members, stays, inpatient_self_pay, last_settled_on,
  CAST(income_after_rigid AS DOUBLE) / income_members AS income_after_rigid, wage_lost_est, threshold
FROM judged
WHERE (wage_lost_est IS NULL AND income_after_rigid < near_line_ratio * threshold * income_members)
  OR CAST(income_after_rigid AS DOUBLE) - wage_lost_est
    < CAST(near_line_ratio * threshold AS DOUBLE) * income_members
""",
        note=(
            "登记为大病的计算人口，或12个月内有住院结算；且登记收入扣除部门数据中的医疗自付（及灾害损失）、"
            "再扣除住院导致的估算误工收入（务工成员停工或家人回家照料，同 ILL-WAGE-LOSS）后，"
            "人均低于监测范围的参数倍数（默认1.5倍）。"
            "住院和大病误工的收入损失要到下次收入采集才能看到，收入处在监测范围边缘的大病家庭属于必访对象"
            "（R-OBJ-05“八必访”第1、2类；R-INC-03）。"
        ),
    ),
    Rule(
        code="ILL-WAGE-LOSS",
        title="务工劳动力住院或回家照料住院成员，按误工估算的收入低于监测范围",
        policy=("R-OBJ-05", "R-INC-03", "R-INC-05", "R-OBJ-01"),
        risk_type="illness",
        kind=S,
        weight=0.4,
        params=(K.THRESHOLD,),
        reads=("feed_medical", "feed_disaster", "households", "persons", "feed_police", "incomes"),
        evidence=_ev(
            "earners_ill int, first_stay date, months_lost int, care_months int, wage_lost_est amount, "
            "income_after_loss amount, threshold money"
        ),
        shock=True,
        sql=f"""
WITH judged AS (
  SELECT w.household_no, w.earners_ill, w.first_stay, w.months_lost, w.care_months, w.wage_lost_est,
    hf.threshold,
    hf.income_members,
    CAST({INCOME_AFTER_RIGID}
      AS DOUBLE) AS income_after_rigid
  FROM wage_loss w
  JOIN household_facts hf ON hf.household_no = w.household_no
  LEFT JOIN rigid r ON r.household_no = w.household_no
)
SELECT household_no, earners_ill, first_stay, months_lost, care_months, wage_lost_est,
  (income_after_rigid - wage_lost_est) / income_members AS income_after_loss, threshold
FROM judged
WHERE income_after_rigid - wage_lost_est < CAST(threshold AS DOUBLE) * income_members
""",
        note=(
            "最近一期收支记录之后有住院结算：按家庭工资性收入÷务工人数估算月工资。住院者是登记为务工"
            "（务工月数大于0）的技能或普通劳动力时，假定自首次住院当月起停工（最多12个月）；住院者不务工而家中"
            "另有务工人员时，假定一人回家照料（最多3个月）。估算的误工收入从扣除医疗自付后的收入中减去，"
            "人均低于监测范围即预警入户核实（R-OBJ-05“八必访”第2类；R-INC-05 元谋：疾病导致收入骤减；"
            "R-INC-03：劳动力是自主应对能力）。停工和照料均为假设，由入户核实确认。"
        ),
    ),
    Rule(
        code="DIS-SEVERE",
        title="新认定重度残疾（一、二级）",
        policy=("R-WARN-01", "R-OBJ-05"),
        risk_type="disability",
        kind=S,
        weight=0.5,
        params=(K.SEVERE_DISABILITY_GRADE,),
        reads=("feed_disability", "households", "persons", "feed_police"),
        evidence=_ev("grade int, certified_on date, persons int"),
        shock=True,
        sql="""
SELECT d.household_no, MIN(d.grade) AS grade, MAX(d.certified_on) AS certified_on, COUNT(*) AS persons
FROM disability d
JOIN params pr ON pr.village_code = d.village_code
WHERE d.period = $period AND d.grade <= pr.severe_disability_grade
  AND (d.p_disability_grade IS NULL OR d.p_disability_grade > d.grade)
GROUP BY d.household_no
""",
        note="本月交付的残疾认定，等级不高于参数（默认2级），且登记库中此人原无同等或更重的等级。",
    ),
    Rule(
        code="DIS-MENTAL",
        title="新认定智力或精神残疾（三、四级）",
        policy=("R-OBJ-05", "R-WARN-01"),
        risk_type="disability",
        kind=S,
        weight=0.5,
        params=(K.SEVERE_DISABILITY_GRADE,),
        reads=("feed_disability", "households", "persons", "feed_police"),
        evidence=_ev("grade int, disability_type text, certified_on date, persons int"),
        shock=True,
        sql="""
SELECT d.household_no, MIN(d.grade) AS grade, MIN(d.disability_type) AS disability_type,
  MAX(d.certified_on) AS certified_on, COUNT(*) AS persons
FROM disability d
JOIN params pr ON pr.village_code = d.village_code
WHERE d.period = $period AND d.grade > pr.severe_disability_grade
  AND (d.disability_type LIKE '%智力%' OR d.disability_type LIKE '%精神%'
       OR LOWER(d.disability_type) IN ('intellectual', 'mental'))
  AND (d.p_disability_grade IS NULL OR d.p_disability_grade > d.grade)
GROUP BY d.household_no
""",
        note=(
            "R-OBJ-05 重点监测人群：重度残疾和三、四级智力、精神残疾。本月交付的智力或精神残疾认定，"
            "等级在重度参数以下（默认三、四级；一、二级由 DIS-SEVERE 预警），"
            "且登记库中此人原无同等或更重的等级。"
        ),
    ),
    Rule(
        code="DIS-NEW",
        title="新认定残疾，且为脱贫户、监测对象或收入接近监测范围",
        policy=("R-OBJ-05", "R-INC-03", "R-WARN-01"),
        risk_type="disability",
        kind=S,
        weight=0.4,
        params=(K.SEVERE_DISABILITY_GRADE, K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=(
            "feed_disability",
            "feed_medical",
            "feed_disaster",
            "households",
            "persons",
            "feed_police",
            "incomes",
        ),
        evidence=_ev(
            "grade int, disability_type text, certified_on date, persons int, income_after_rigid amount"
        ),
        shock=True,
        sql="""
SELECT d.household_no, MIN(d.grade) AS grade, MIN(d.disability_type) AS disability_type,
  MAX(d.certified_on) AS certified_on, COUNT(*) AS persons,
  MIN(COALESCE(CAST(r.income_after_rigid AS DOUBLE) / r.income_members, CAST(hf.income_per_capita AS DOUBLE)))
    AS income_after_rigid
FROM disability d
JOIN params pr ON pr.village_code = d.village_code
JOIN household_facts hf ON hf.household_no = d.household_no
LEFT JOIN rigid r ON r.household_no = d.household_no
WHERE d.period = $period AND d.grade > pr.severe_disability_grade
  AND NOT (d.disability_type LIKE '%智力%' OR d.disability_type LIKE '%精神%'
           OR LOWER(d.disability_type) IN ('intellectual', 'mental'))
  AND (d.p_disability_grade IS NULL OR d.p_disability_grade > d.grade)
  AND (
    hf.poverty_status = 'former_poor' OR hf.monitored = 1
    OR COALESCE(CAST(r.income_after_rigid AS DOUBLE) / r.income_members, CAST(hf.income_per_capita AS DOUBLE))
       < pr.near_line_ratio * hf.threshold
  )
GROUP BY d.household_no
""",
        note=(
            "本月交付的其他残疾认定（重度参数以下、非智力或精神残疾，登记库中此人原无同等或更重的等级），"
            "家庭为脱贫户、监测对象，或扣除12个月医疗自付和灾害损失后人均收入低于监测范围的参数倍数"
            "（默认1.5倍）：R-OBJ-05“八必访”第5类（残疾家庭，特别是新增残疾）与第1类（收入在范围边缘）；"
            "R-INC-03 劳动能力是家庭自主应对能力。"
        ),
    ),
    Rule(
        code="DIS-ACCIDENT",
        title="公安报送意外致残",
        policy=("R-WARN-01", "R-OBJ-05", "R-SYS-03"),
        risk_type="disability",
        kind=RuleKindChoices.SUPPORTING,
        weight=0.1,
        params=(),
        reads=("feed_police", "households", "persons"),
        evidence=_ev("persons int, event_on date"),
        sql="""
SELECT p.household_no, COUNT(*) AS persons, MAX(p.event_on) AS event_on
FROM police p
WHERE p.period = $period AND p.event = 'accident_disability'
GROUP BY p.household_no
""",
        note=(
            "辅助信号：公安本月报送成员意外致残（R-WARN-01 峨山）。POLICE-ACCIDENT 据此预警，这里附加"
            "“因残”风险类型（R-SYS-03），不必等残联数月后的认定；单独不生成预警。"
        ),
    ),
    Rule(
        code="EDU-DROPOUT",
        title="义务教育阶段学生，或脱贫户、监测对象、收入在监测范围内家庭的学生辍学或休学",
        policy=("R-WARN-01", "R-OBJ-05", "R-INC-03", "R-KPI-01"),
        risk_type="education",
        kind=S,
        weight=0.4,
        params=(K.SCHOOL_AGE_MIN, K.SCHOOL_AGE_MAX, K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=("feed_education", "households", "persons", "feed_police", "incomes"),
        evidence=_ev("status text, children int, as_of date, age int"),
        sql="""
SELECT e.household_no, MIN(e.status) AS status, COUNT(*) AS children, MAX(e.as_of) AS as_of,
  MIN(e.p_age) AS age
FROM education e
JOIN params pr ON pr.village_code = e.village_code
JOIN household_facts hf ON hf.household_no = e.household_no
WHERE e.period = $period AND e.status IN ('dropped_out', 'suspended')
  AND (
    e.p_age BETWEEN pr.school_age_min AND pr.school_age_max OR e.stage IN ('primary', 'junior')
    OR hf.poverty_status = 'former_poor' OR hf.monitored = 1
    OR hf.income_per_capita < pr.near_line_ratio * hf.threshold
  )
GROUP BY e.household_no
""",
        note=(
            "本月教育部门报送辍学、休学：义务教育年龄（默认6–15周岁）或小学、初中阶段的任何学生（控辍保学）；"
            "脱贫户、监测对象（R-WARN-01 峨山）和人均收入低于监测范围参数倍数（默认1.5倍）的家庭不限学段"
            "（R-OBJ-05“八必访”第1、6类：收入在范围边缘、子女在非义务教育阶段的家庭必访）。"
        ),
    ),
    Rule(
        code="EDU-NOTENROLLED",
        title="义务教育年龄儿童未在校",
        policy=("R-KPI-05", "R-INC-03", "R-SYS-02"),
        risk_type="education",
        kind=S,
        weight=0.3,
        params=(K.SCHOOL_AGE_MIN, K.SCHOOL_AGE_MAX),
        reads=("feed_education", "households", "persons", "feed_police"),
        evidence=_ev("children int, age int"),
        sql="""
SELECT pf.household_no, COUNT(*) AS children, MIN(pf.age) AS age
FROM person_facts pf
JOIN params pr ON pr.village_code = pf.village_code
WHERE pf.counted = 1 AND pf.age BETWEEN pr.school_age_min AND pr.school_age_max
  AND COALESCE(pf.school_status, 'none') = 'none'
  AND NOT EXISTS (
    SELECT 1 FROM education e
    WHERE e.person_id = pf.person_id AND e.period BETWEEN $p_m11 AND $period
      AND e.status IN ('enrolled', 'graduated')
  )
GROUP BY pf.household_no
""",
        note="登记库中义务教育年龄的共同生活成员为“非在校生”，且近12个月教育部门数据未显示在读或毕业。",
    ),
    Rule(
        code="HOUSE-CD",
        title="住房鉴定为C级或D级危房",
        policy=("R-WARN-01", "R-INC-05", "R-AID-10"),
        risk_type="housing",
        kind=S,
        weight=0.4,
        params=(),
        reads=("feed_housing", "households", "persons", "feed_police"),
        evidence=_ev("grade text, appraised_on date"),
        sql="""
SELECT hs.household_no, MAX(hs.grade) AS grade, MAX(hs.appraised_on) AS appraised_on
FROM housing hs
WHERE hs.period = $period AND hs.grade IN ('C', 'D')
GROUP BY hs.household_no
""",
    ),
    Rule(
        code="DISASTER",
        title="自然灾害损失较大或房屋受损",
        policy=("R-OBJ-01", "R-OBJ-05", "R-INC-05", "R-OBJ-06", "R-WARN-01"),
        risk_type="disaster",
        kind=S,
        weight=0.5,
        params=(K.DISASTER_LOSS, K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=("feed_medical", "feed_disaster", "households", "persons", "feed_police", "incomes"),
        evidence=_ev(
            "loss_amount money, loss_total money, house_damaged bool, hazard text, occurred_on date, "
            "income_after_rigid amount"
        ),
        shock=True,
        sql="""
SELECT d.household_no, MAX(d.loss_amount) AS loss_amount, SUM(d.loss_amount) AS loss_total,
  MAX(CASE WHEN d.house_damaged THEN 1 ELSE 0 END) AS house_damaged, MIN(d.hazard) AS hazard,
  MAX(d.occurred_on) AS occurred_on,
  MAX(CAST(r.income_after_rigid AS DOUBLE) / r.income_members) AS income_after_rigid
FROM disaster d
JOIN params pr ON pr.village_code = d.village_code
LEFT JOIN rigid r ON r.household_no = d.household_no
WHERE d.period = $period AND (
  d.loss_amount >= pr.disaster_loss OR d.house_damaged
  OR r.income_after_rigid < pr.near_line_ratio * r.threshold * r.income_members
)
GROUP BY d.household_no
""",
        note=(
            "本月交付的灾情：损失达到参数金额（应急管理无全国数值标准，R-WARN-01），或房屋受损，"
            "或扣除12个月内医疗自付和灾害损失后人均收入低于监测范围的参数倍数（默认1.5倍；R-INC-05 慢湾村、"
            "R-OBJ-06；R-OBJ-05“八必访”第1、8类：收入在监测范围边缘又遭灾的家庭必访）。"
        ),
    ),
    Rule(
        code="HOUSE-DAMAGED",
        title="灾害致房屋受损，住房安全待鉴定",
        policy=("R-WARN-01", "R-INC-05", "R-AID-10", "R-INC-03"),
        risk_type="housing",
        kind=S,
        weight=0.3,
        params=(),
        reads=("feed_disaster", "households", "persons", "feed_police"),
        evidence=_ev("occurred_on date, hazard text"),
        sql="""
SELECT d.household_no, MAX(d.occurred_on) AS occurred_on, MIN(d.hazard) AS hazard
FROM disaster d
WHERE d.period = $period AND d.house_damaged
GROUP BY d.household_no
""",
        note=(
            "应急管理部门本月报送房屋受损：住房安全（三保障）出现风险，待住建部门鉴定等级"
            "（R-WARN-01 住建按月鉴定低收入家庭住房；R-INC-05 元谋：唯一住房不安全；R-AID-10 住房安全）。"
            "住建鉴定为C、D级时由 HOUSE-CD 继续预警。"
        ),
    ),
    Rule(
        code="POLICE-ACCIDENT",
        title="成员意外受伤、致残，或劳动力死亡",
        policy=("R-WARN-01", "R-OBJ-01"),
        risk_type="accident",
        kind=S,
        weight=0.6,
        params=(K.LABOUR_AGE_MIN, K.LABOUR_AGE_MAX),
        reads=("feed_police", "households", "persons"),
        evidence=_ev("event text, persons int, event_on date, age int"),
        shock=True,
        sql="""
SELECT p.household_no, MIN(p.event) AS event, COUNT(*) AS persons, MAX(p.event_on) AS event_on,
  MIN(p.p_age) AS age
FROM police p
JOIN params pr ON pr.village_code = p.village_code
WHERE p.period = $period AND (
  p.event IN ('accident_injury', 'accident_disability')
  OR (p.event = 'death' AND p.p_capable = 1 AND p.p_age BETWEEN pr.labour_age_min AND pr.labour_age_max)
)
GROUP BY p.household_no
""",
        note=(
            "意外受伤、致残：任何成员（R-WARN-01 峨山：道路交通事故致农村人口伤、残、亡）；"
            "死亡：劳动年龄（默认16–59周岁）且有劳动能力（技能、普通、弱劳动力）的成员。"
        ),
    ),
    Rule(
        code="EMP-LOSS",
        title="务工依赖户成员失业登记或停止缴费",
        policy=("R-WARN-01", "R-OBJ-05", "R-INC-05"),
        risk_type="unstable_employment",
        kind=S,
        weight=0.4,
        params=(K.WAGE_SHARE, K.INCOME_DROP_SHARE, K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=("feed_employment", "households", "persons", "feed_police", "incomes"),
        evidence=_ev(
            "status text, persons int, wage_share share, wage_lost_12m amount, income_per_capita money"
        ),
        shock=True,
        sql="""
WITH lost AS (
  SELECT e.household_no, e.village_code, e.person_id, MIN(e.status) AS status
  FROM employment e
  WHERE e.period = $period AND e.status IN ('unemployed_registered', 'contribution_stopped')
  GROUP BY e.household_no, e.village_code, e.person_id
), known AS (
  SELECT e.person_id, MAX(e.monthly_wage) AS last_wage
  FROM employment e
  WHERE e.period BETWEEN $p_m11 AND $period AND e.monthly_wage > 0
  GROUP BY e.person_id
), judged AS (
  SELECT l.household_no, l.village_code, l.status, hf.wage, hf.gross_income, hf.net_income,
    hf.income_per_capita, hf.threshold,
    CASE WHEN k.last_wage IS NOT NULL THEN CAST(k.last_wage AS DOUBLE) * 12
         WHEN hf.earners > 0 THEN CAST(hf.wage AS DOUBLE) / hf.earners
         ELSE CAST(hf.wage AS DOUBLE) END AS wage_lost_12m
  FROM lost l
  JOIN household_facts hf ON hf.household_no = l.household_no
  LEFT JOIN known k ON k.person_id = l.person_id
  WHERE hf.gross_income > 0
)
SELECT j.household_no, MIN(j.status) AS status, COUNT(*) AS persons,
  MAX(CAST(j.wage AS DOUBLE) / CAST(j.gross_income AS DOUBLE)) AS wage_share,
  SUM(j.wage_lost_12m) AS wage_lost_12m, MIN(j.income_per_capita) AS income_per_capita
FROM judged j
JOIN params pr ON pr.village_code = j.village_code
GROUP BY j.household_no
HAVING MAX(CASE WHEN j.wage >= pr.wage_share * j.gross_income THEN 1 ELSE 0 END) = 1
  OR SUM(j.wage_lost_12m) >= MAX(CAST(pr.income_drop_share AS DOUBLE) * CAST(j.net_income AS DOUBLE))
  OR MAX(CASE WHEN j.income_per_capita < pr.near_line_ratio * j.threshold THEN 1 ELSE 0 END) = 1
""",
        note=(
            "务工依赖户（最近一期收支记录中工资性收入占总收入不低于参数比例），或失去的工资"
            "（人社数据中此人近12个月的月工资×12；没有时按家庭工资性收入÷务工人数）不低于家庭纯收入的"
            "“收入大幅缩减”比例（R-INC-05），或人均收入低于监测范围的参数倍数（默认1.5倍；"
            "R-OBJ-05“八必访”第1、7类：收入在范围边缘、务工收入不稳定的家庭必访）。"
        ),
    ),
    Rule(
        code="EMP-WAGEDROP",
        title="家庭工资收入大幅下降（人社月度数据）",
        policy=("R-INC-05", "R-OBJ-01", "R-OBJ-05"),
        risk_type="unstable_employment",
        kind=S,
        weight=0.3,
        params=(K.INCOME_DROP_SHARE,),
        reads=("feed_employment", "households", "persons", "feed_police"),
        evidence=_ev("wage_now money, wage_before amount, drop_share share, months int"),
        shock=True,
        sql="""
WITH monthly AS (
  SELECT e.household_no, e.village_code, e.period,
    SUM(CASE WHEN e.status = 'employed' THEN COALESCE(e.monthly_wage, 0) ELSE 0 END) AS wage
  FROM employment e
  WHERE e.period BETWEEN $p_m3 AND $period
  GROUP BY e.household_no, e.village_code, e.period
), cur AS (
  SELECT household_no, village_code, wage FROM monthly WHERE period = $period
), prior AS (
  SELECT household_no, SUM(wage) AS wage_sum, COUNT(*) AS months
  FROM monthly WHERE period < $period GROUP BY household_no
)
SELECT c.household_no, c.wage AS wage_now, CAST(b.wage_sum AS DOUBLE) / b.months AS wage_before,
  1 - CAST(c.wage AS DOUBLE) * b.months / CAST(b.wage_sum AS DOUBLE) AS drop_share, b.months
FROM cur c
JOIN prior b ON b.household_no = c.household_no
JOIN params pr ON pr.village_code = c.village_code
WHERE b.wage_sum > 0 AND b.wage_sum - c.wage * b.months >= pr.income_drop_share * b.wage_sum
""",
        note="本月家庭成员在岗工资合计较前3个月（有报送的月份）平均值下降不少于参数比例。",
    ),
    Rule(
        code="EMP-END",
        title="务工结束后未再就业（务工月监测台账）",
        policy=("R-EMP-06", "R-EMP-05", "R-EMP-02", "R-OBJ-05"),
        risk_type="unstable_employment",
        kind=S,
        weight=0.4,
        params=(K.EMP_NEW_WORK_MONTHS, K.EMP_WAGE_SHARE),
        reads=("work_episodes", "labour_records", "households", "persons", "incomes", "feed_police"),
        evidence=_ev(
            "persons int, episode_start text, episode_end text, months_idle int, months_worked int, "
            "early bool, wage_share share, zero_employment bool"
        ),
        shock=True,
        sql=f"""
WITH ep AS (
  SELECT e.person_id, e.household_no, e.start_month, e.end_month,
    CAST(SUBSTR(e.start_month, 1, 4) AS BIGINT) * 12
      + CAST(SUBSTR(e.start_month, 6, 2) AS BIGINT) AS start_idx,
    CAST(SUBSTR(e.end_month, 1, 4) AS BIGINT) * 12 + CAST(SUBSTR(e.end_month, 6, 2) AS BIGINT) AS end_idx
  FROM work_episodes e
), last_end AS (
  SELECT person_id, MAX(end_month) AS end_month FROM ep WHERE end_month IS NOT NULL GROUP BY person_id
), ended AS (
  SELECT ep.person_id, ep.household_no, ep.start_month, ep.end_month, ep.start_idx, ep.end_idx
  FROM ep JOIN last_end l ON l.person_id = ep.person_id AND l.end_month = ep.end_month
), again AS (
  SELECT d.person_id FROM ended d JOIN ep n ON n.person_id = d.person_id AND n.start_month > d.end_month
  UNION
  SELECT d.person_id FROM ended d
  JOIN labour_records r ON r.person_id = d.person_id AND r.period > d.end_month AND r.period <= $period
  WHERE r.status IN ({_EMPLOYED})
), idle AS (
  SELECT d.household_no, pf.village_code, d.start_month, d.end_month,
    $month_index - d.end_idx AS months_idle, d.end_idx - d.start_idx + 1 AS months_worked,
    COALESCE(pf.work_months, 0) AS work_months
  FROM ended d
  JOIN person_facts pf ON pf.person_id = d.person_id
  LEFT JOIN again a ON a.person_id = d.person_id
  WHERE a.person_id IS NULL AND pf.counted = 1
), judged AS (
  SELECT i.household_no, i.start_month, i.end_month, i.months_idle, i.months_worked,
    CASE WHEN i.months_worked < i.work_months THEN 1 ELSE 0 END AS early
  FROM idle i
  JOIN params pr ON pr.village_code = i.village_code
  WHERE i.months_idle < 12
    AND (i.months_worked < i.work_months
      OR i.months_idle >= pr.emp_new_work_months + GREATEST(12 - i.work_months, 0))
), at_work AS (
  SELECT household_no FROM ep WHERE end_month IS NULL
  UNION
  SELECT household_no FROM labour_records WHERE period = $period AND status IN ({_EMPLOYED})
)
SELECT j.household_no, COUNT(*) AS persons, MIN(j.start_month) AS episode_start,
  MAX(j.end_month) AS episode_end, MIN(j.months_idle) AS months_idle, MAX(j.months_worked) AS months_worked,
  MAX(j.early) = 1 AS early,
  MAX(CAST(hf.wage AS DOUBLE) / CAST(hf.net_income AS DOUBLE)) AS wage_share,
  MAX(CASE WHEN w.household_no IS NULL THEN 1 ELSE 0 END) = 1 AS zero_employment
FROM judged j
JOIN household_facts hf ON hf.household_no = j.household_no
JOIN params pr ON pr.village_code = hf.village_code
LEFT JOIN at_work w ON w.household_no = j.household_no
WHERE hf.net_income > 0 AND hf.wage >= pr.emp_wage_share * hf.net_income
GROUP BY j.household_no
""",
        note=(
            "成员最近一段务工（务工月监测台账）已结束，此后没有新的务工、公益性岗位、帮扶车间记录，"
            "花名册也无在岗状态；家庭工资性收入占纯收入不低于参数比例（默认50%）。务工月数少于登记的"
            "务工时间（提前返乡，不是季节性返乡）时即预警；否则在通常的农闲月数（12减务工时间）之后"
            "再过参数月数（默认2个月，R-EMP-06）仍无新就业时预警。"
            "证据中的“零就业”表示本月全户无人在岗（R-EMP-05）。"
        ),
    ),
    Rule(
        code="CIV-MARGIN",
        title="低保申请未通过或认定为低保边缘家庭",
        policy=("R-OBJ-06", "R-OBJ-05"),
        risk_type="low_income",
        kind=S,
        weight=0.5,
        params=(),
        reads=("feed_civil", "households", "persons", "feed_police"),
        evidence=_ev("event text, events int, event_on date"),
        sql=_civil_events_sql("dibao_rejected", "low_income_margin"),
    ),
    Rule(
        code="CIV-NEW",
        title="新纳入低保、特困或临时救助",
        policy=("R-OBJ-05", "R-WARN-01"),
        risk_type="low_income",
        kind=S,
        weight=0.4,
        params=(),
        reads=("feed_civil", "households", "persons", "feed_police"),
        evidence=_ev("event text, events int, event_on date"),
        sql=_civil_events_sql("dibao_enrolled", "tekun_enrolled", "temp_aid"),
        note="当年新纳入低保、特困的对象必须对照监测标准排查（R-OBJ-05）。",
    ),
    Rule(
        code="WATER",
        title="饮水中断、水质或取水距离问题超过规定天数",
        policy=("R-INC-05", "R-INC-03"),
        risk_type="water",
        kind=S,
        weight=0.3,
        params=(K.WATER_DAYS,),
        reads=("feed_water", "households"),
        evidence=_ev("days int, issue text, from_on date"),
        sql="""
SELECT o.household_no, MAX(o.days) AS days, MIN(o.issue) AS issue, MIN(o.from_on) AS from_on
FROM water_open o
JOIN params pr ON pr.village_code = o.village_code
WHERE o.days > pr.water_days
GROUP BY o.household_no
""",
        note="按村民小组（未填小组则全村）匹配农户；问题持续至本月且起止天数超过参数（元谋：1个月）。",
    ),
    Rule(
        code="WATER-NEAR-LINE",
        title="饮水水质或取水距离有问题，且收入接近监测范围",
        policy=("R-INC-05", "R-INC-03", "R-OBJ-05"),
        risk_type="water",
        kind=S,
        weight=0.3,
        params=(K.THRESHOLD, K.NEAR_LINE_RATIO),
        reads=(
            "feed_medical",
            "feed_disaster",
            "feed_water",
            "households",
            "persons",
            "feed_police",
            "incomes",
        ),
        evidence=_ev("issue text, from_on date, income_after_rigid amount, threshold money"),
        sql=f"""
WITH hit AS (
  SELECT household_no, MIN(issue) AS issue, MIN(from_on) AS from_on
  FROM water_open
  WHERE issue IN ('quality', 'distance')
  GROUP BY household_no
), judged AS (
  SELECT x.household_no, x.issue, x.from_on, hf.threshold, hf.income_members, pr.near_line_ratio,
    {INCOME_AFTER_RIGID}
      AS income_after_rigid
  FROM hit x
  JOIN household_facts hf ON hf.household_no = x.household_no
  JOIN params pr ON pr.village_code = hf.village_code
  LEFT JOIN rigid r ON r.household_no = x.household_no
  WHERE hf.income_members > 0
)
SELECT household_no, issue, from_on,
  CAST(income_after_rigid AS DOUBLE) / income_members AS income_after_rigid, threshold
FROM judged
WHERE income_after_rigid < near_line_ratio * threshold * income_members
""",
        note=(
            "水利部门报送水质不达标或取水距离过远、本月仍未解决（元谋2023：饮水困难包括停水超过1个月、"
            "水质差或取水过远，后两项不以天数为条件，R-INC-05）；且扣除医疗自付（及灾害损失）后人均收入低于"
            "监测范围的参数倍数（默认1.5倍，R-OBJ-05“八必访”第1类）。持续超过规定天数的问题由 WATER 对所有"
            "农户预警。"
        ),
    ),
    Rule(
        code="CREDIT-OVERDUE",
        title="贷款逾期",
        policy=("R-AID-06", "R-WARN-01", "R-SYS-03"),
        risk_type="other",
        kind=S,
        weight=0.3,
        params=(K.OVERDUE_DAYS,),
        reads=("feed_credit", "households", "persons", "feed_police"),
        evidence=_ev("overdue_days int, loans int, balance money"),
        sql="""
SELECT c.household_no, MAX(c.overdue_days) AS overdue_days, COUNT(*) AS loans, SUM(c.balance) AS balance
FROM credit c
JOIN params pr ON pr.village_code = c.village_code
WHERE c.period = $period AND c.overdue_days >= pr.overdue_days
GROUP BY c.household_no
""",
        note=(
            "金融部门逾期数据无全国数值标准（R-WARN-01 未找到），逾期天数为本地参数。"
            "逾期不说明原因，记为“其他”（R-SYS-03：须备注），原因由入户核实确定。"
        ),
    ),
    Rule(
        code="CREDIT-DISASTER",
        title="贷款逾期，且近6个月遭受灾害",
        policy=("R-AID-06", "R-WARN-01", "R-SYS-03", "R-INC-05"),
        risk_type="disaster",
        kind=S,
        weight=0.3,
        params=(),
        reads=("feed_disaster", "feed_credit", "households", "persons", "feed_police"),
        evidence=_ev("overdue_days int, balance money, shock_on date"),
        shock=True,
        sql=_credit_after_sql("""
SELECT household_no, MAX(occurred_on) AS shock_on
FROM disaster
WHERE period BETWEEN $p_m5 AND $period
GROUP BY household_no
"""),
        note=(
            "金融部门报送贷款逾期（不论天数），且应急管理部门近6个月（含本月）报送过该户灾情：逾期多因灾害"
            "减收，按因灾记录原因（R-SYS-03 须写明原因；R-INC-05 元谋：灾害导致收入骤减）。逾期达到参数天数时"
            "CREDIT-OVERDUE 另行预警。"
        ),
    ),
    Rule(
        code="CREDIT-ILLNESS",
        title="贷款逾期，且近6个月有成员住院",
        policy=("R-AID-06", "R-WARN-01", "R-SYS-03", "R-INC-05"),
        risk_type="illness",
        kind=S,
        weight=0.3,
        params=(),
        reads=("feed_medical", "feed_credit", "households", "persons", "feed_police"),
        evidence=_ev("overdue_days int, balance money, shock_on date"),
        shock=True,
        sql=_credit_after_sql("""
SELECT household_no, MAX(settled_on) AS shock_on
FROM medical
WHERE inpatient AND period BETWEEN $p_m5 AND $period
GROUP BY household_no
"""),
        note=(
            "金融部门报送贷款逾期（不论天数），且医保部门近6个月（含本月）报送过该户成员住院结算：逾期多因"
            "疾病支出或误工减收，按因病记录原因（R-SYS-03；R-INC-05 元谋：疾病导致收入骤减或支出骤增）。"
        ),
    ),
    Rule(
        code="LAB-SHORT",
        title="缺劳动力",
        policy=("R-AID-05", "R-AID-02"),
        risk_type="labour_shortage",
        kind=RuleKindChoices.SUPPORTING,
        weight=0.2,
        params=(K.LABOUR_SHARE_MAX, K.LABOUR_LARGE_SIZE, K.LABOUR_LARGE_SHARE),
        reads=("households", "persons", "feed_police", "incomes"),
        evidence=_ev("members int, capable_members int"),
        sql="""
SELECT hf.household_no, hf.members, hf.capable_members
FROM household_facts hf
JOIN params pr ON pr.village_code = hf.village_code
WHERE hf.members > 0 AND (
  hf.capable_members <= pr.labour_share_max * hf.members
  OR (hf.members >= pr.labour_large_size AND hf.capable_members < pr.labour_large_share * hf.members)
)
""",
        note="辅助信号：只在其他信号已触发时附加，单独不生成预警（否则所有老年户每月都会预警）。",
    ),
    Rule(
        code="ILL-MEMBER",
        title="家庭成员患大病、慢性病或近12个月住院",
        policy=("R-SYS-03", "R-OBJ-05", "R-INC-03"),
        risk_type="illness",
        kind=RuleKindChoices.SUPPORTING,
        weight=0.1,
        params=(),
        reads=("feed_medical", "households", "persons", "feed_police", "incomes"),
        evidence=_ev("ill_members int, inpatient_stays int"),
        sql="""
SELECT hf.household_no, hf.ill_members, COALESCE(s.stays, 0) AS inpatient_stays
FROM household_facts hf
LEFT JOIN inpatient s ON s.household_no = hf.household_no
WHERE hf.ill_members > 0 OR s.stays > 0
""",
        note=(
            "辅助信号：登记为大病、慢性病的计算人口，或医保数据中近12个月的住院结算。只在其他信号已触发时"
            "附加“因病”风险类型（R-SYS-03），单独不生成预警。"
        ),
    ),
    Rule(
        code="ASSET-CHECK",
        title="部门数据显示可能有较多资产或较高收入",
        policy=("R-INC-06", "R-AID-06"),
        risk_type=None,
        kind=RuleKindChoices.EXCLUSION,
        weight=0.0,
        params=(K.ASSET_LOAN_PRINCIPAL, K.ASSET_MONTHLY_WAGE, K.ASSET_DISCOUNT),
        reads=("feed_employment", "feed_credit", "households", "persons", "feed_police"),
        evidence=_ev("loan_principal money, monthly_wage money"),
        sql="""
WITH x AS (
  SELECT c.household_no, c.principal AS loan_principal, CAST(NULL AS DECIMAL(14, 2)) AS monthly_wage
  FROM credit c
  JOIN params pr ON pr.village_code = c.village_code
  WHERE c.period = $period AND c.principal >= pr.asset_loan_principal
  UNION ALL
  SELECT e.household_no, CAST(NULL AS DECIMAL(14, 2)) AS loan_principal, e.monthly_wage
  FROM employment e
  JOIN params pr ON pr.village_code = e.village_code
  WHERE e.period = $period AND e.status = 'employed' AND e.monthly_wage >= pr.asset_monthly_wage
)
SELECT household_no, MAX(loan_principal) AS loan_principal, MAX(monthly_wage) AS monthly_wage
FROM x
GROUP BY household_no
""",
        note="贷款本金超过小额信贷上限或成员月工资较高：风险分乘以(1−折减比例)，预警标记“需核查资产”。",
    ),
)

RULES_BY_CODE = {r.code: r for r in RULES}


def catalogue_definition() -> dict:
    """Everything that decides a run's result apart from its inputs and parameter values."""
    return {
        "input_tables": {k: list(v) for k, v in input_tables().items()},
        "feed_lookback": FEED_LOOKBACK,
        "derived": derived_views(),
        "base": BASE_SQL,
        "rules": [asdict(r) for r in RULES],
    }


def catalogue_version() -> str:
    raw = json.dumps(catalogue_definition(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
