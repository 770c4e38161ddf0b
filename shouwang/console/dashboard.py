"""The region dashboard's read model (selector). It reads only ``RegionPeriodStat`` (a region's own rows and
its children's rows for one month), the region tree and the month's scale alerts — never the households
table (decision 0450), so it costs the same for a village and for a province of a million households.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.accounts.actors import Viewer
from shouwang.console.choices import UNKNOWN_RISK, StatMetricChoices
from shouwang.console.models import RegionPeriodStat, StatRefresh
from shouwang.console.selectors import RegionPicker, region_picker_get, warning_periods
from shouwang.console.stats import stat_refresh_latest
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import EliminationModeChoices, MonitoringCategoryChoices, RiskTypeChoices
from shouwang.screening.selectors import scale_alert_list

M = StatMetricChoices
TREND_MONTHS = 12
RISK_LABELS: dict[str, Any] = {**dict(RiskTypeChoices.choices), UNKNOWN_RISK: gettext_lazy("未登记风险类型")}
CATEGORY_LABELS: dict[str, str] = dict(MonitoringCategoryChoices.choices)
MODE_LABELS: dict[str, str] = dict(EliminationModeChoices.choices)
# Colours shared by the charts and the legend (contrast ≥ 3:1 against white for graphical objects).
CATEGORY_COLOURS = {"unstable": "#b3261e", "marginal": "#b06000", "sudden": "#6a3fb5"}


def share(part: int | None, whole: int | None) -> Decimal | None:
    """Percentage with one decimal, or None when there is nothing to divide by (or nothing was counted)."""
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def per_thousand(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 1000 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- one reading of each figure (issue 14) ---------------------------------------------------------------
# Every panel, the child regions' table, the trends and the Excel export read a month's figures through
# ``month_figure``: a warning figure of a month without a finished monthly screening is None (shown as
# 未筛查), never 0 — nothing was screened, which is not "no risk".
WARNING_FIGURES = frozenset({M.WARNINGS.value, M.WARNINGS_VERIFIED.value, M.WARNINGS_IDENTIFIED.value})
WARNING_FAMILIES = ("warnings:", "warning_risk:", "warning_new_risk:")
ALREADY_MONITORED = "warnings:already_monitored"


def is_warning_figure(metric: str) -> bool:
    return metric in WARNING_FIGURES or metric.startswith(WARNING_FAMILIES)


def month_figure(values: dict[str, int], metric: str, *, screened: bool) -> int | None:
    """A month's figure from the statistics (missing rows are zeros), or None for a warning figure of a
    month that was not screened."""
    if not screened and is_warning_figure(metric):
        return None
    return int(values.get(metric, 0))


def warning_rate(warnings: int | None, households: int) -> Decimal | None:
    """Warned households (new + persisting) per 1,000 households of the register: the tile map, the child
    regions' table, the area trend and the export."""
    return None if warnings is None else per_thousand(warnings, households)


@dataclass(frozen=True)
class ChildRow:
    code: str
    name: str
    level: str
    households: int
    monitored: int
    warnings: int | None  # None: the month was not screened
    warning_rate: Decimal | None  # warnings per 1,000 households
    identified: int
    eliminated: int
    cases_overdue: int
    scale_alerts: int
    link: str
    households_link: str
    rate_class: str = "rate-none"
    already_monitored: int | None = 0  # warnings of households already monitored (not in ``warnings``)


def rate_breaks(rates: list[Decimal]) -> list[Decimal]:
    """Four class breaks for the tile map from the children's own rates (quintiles, so the five colours
    are used whatever the level of the region), rounded to whole per-mille figures and made distinct."""
    values = sorted(r for r in rates if r is not None)
    if not values:
        return []
    out: list[Decimal] = []
    for q in (0.2, 0.4, 0.6, 0.8):
        v = values[min(len(values) - 1, int(q * len(values)))].quantize(Decimal("1"))
        if not out or v > out[-1]:
            out.append(v)
    return out


# A rate over fewer households than this says little (3 warnings in 7 households is 428.6 ‰): such a region
# is marked "small base" in grey, kept out of the class breaks, and never coloured as the worst (issue 14).
MIN_RATE_BASE = 30


def rate_class(rate: Decimal | None, breaks: list[Decimal], *, households: int | None = None) -> str:
    if rate is None:
        return "rate-none"
    if households is not None and households < MIN_RATE_BASE:
        return "rate-small"
    for i, b in enumerate(breaks):
        if rate < b:
            return f"rate-{i + 1}"
    return f"rate-{len(breaks) + 1}"


@dataclass
class Dashboard:
    picker: RegionPicker
    period: str
    periods: list[str]
    refresh: StatRefresh | None
    values: dict[str, int]  # the region's figures for ``period``
    snapshot: dict[str, int]  # the register now (households, open cases …)
    categories: list[dict[str, Any]]
    monitored_risks: list[dict[str, Any]]
    warning_risks: list[dict[str, Any]]
    funnel: list[dict[str, Any]]
    timeliness: dict[str, Any]
    eliminations: dict[str, Any]
    trend: dict[str, Any]
    children: list[ChildRow]
    risk_trend: dict[str, Any] = field(default_factory=dict)
    area_trend: dict[str, Any] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    breaks: list[Decimal] = field(default_factory=list)
    unscreened: frozenset[str] = frozenset()  # offered months without a finished monthly screening

    @property
    def screened(self) -> bool:
        """Whether the month shown had a finished monthly screening (its warning figures mean something)."""
        return bool(self.period) and self.period not in self.unscreened

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(colour class, label) of each class of the tile map, per mille."""
        b = self.breaks
        if not b:
            return []
        items = [("rate-1", f"<{b[0]}")]
        items += [(f"rate-{i + 2}", f"{b[i]}–{b[i + 1]}") for i in range(len(b) - 1)]
        items.append((f"rate-{len(b) + 1}", f"≥{b[-1]}"))
        return items

    @property
    def min_rate_base(self) -> int:
        return MIN_RATE_BASE

    @property
    def region(self) -> Region:
        return self.picker.current

    def value(self, metric: str) -> int:
        return self.values.get(metric, 0)

    @property
    def already_monitored(self) -> int:
        """The month's warnings of households that were already monitoring objects: listed by the warning
        list, not counted as 预警户 (decision 0451) — the page says so where the two differ."""
        return self.values.get(ALREADY_MONITORED, 0)

    @property
    def child_level(self) -> str:
        """The children's level label (乡（镇、街道）for a county, 行政村（社区）for a township …)."""
        return str(RegionLevelChoices(self.children[0].level).label) if self.children else ""


def _labelled(values: dict[str, int], prefix: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = [
        {"code": code, "label": labels.get(code, code), "value": values.get(f"{prefix}:{code}", 0)}
        for code in labels
    ]
    return [r for r in rows if r["value"]] or []


def _link(code: str) -> str:
    return f"{reverse('console:dashboard')}?region={code}"


def _households_link(code: str) -> str:
    return f"{reverse('console:household_list')}?region={code}"


def dashboard_get(*, user: Viewer, region_code: str = "", period: str = "") -> Dashboard | None:
    """The dashboard of ``region_code`` (inside the user's region; anything else falls back to the user's
    own region, as the region picker does) for ``period`` (default: the latest screened month)."""
    picker = region_picker_get(user=user, region_code=region_code)
    if picker is None:
        return None
    code = picker.current.code
    refresh = stat_refresh_latest()
    own: dict[str, dict[str, int]] = defaultdict(dict)
    for p, metric, value in RegionPeriodStat.objects.filter(region_code=code).values_list(
        "period", "metric", "value"
    ):
        own[p][metric] = value
    current = refresh.last_period if refresh else ""
    periods = sorted((p for p in own if p <= current or not current), reverse=True)
    default = (refresh.latest_screened if refresh and refresh.latest_screened else current) or (
        periods[0] if periods else ""
    )
    period = period if period in own else default
    values = own.get(period, {})
    snapshot = own.get(current, {})
    screened = set(warning_periods(limit=240))
    trend_months = sorted(p for p in own if p <= (period or current))[-TREND_MONTHS:]
    # The trends by risk type and by child region run over the screened months: from the first month of the
    # 12 with a finished screening (a later month without one stays in, marked 未筛查).
    first_screened = next((i for i, p in enumerate(trend_months) if p in screened), len(trend_months))
    screened_months = trend_months[first_screened:]

    child_values: dict[str, dict[str, int]] = defaultdict(dict)
    child_snapshot: dict[str, dict[str, int]] = defaultdict(dict)
    child_months: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    if picker.children and period:
        # One query: the children's rows of the month and of now, and their trend figures (area trend).
        for c, p, metric, value in (
            RegionPeriodStat.objects.filter(parent_code=code)
            .filter(
                Q(period__in={period, current})
                | Q(period__in=trend_months, metric__in=[M.WARNINGS, M.IDENTIFIED])
            )
            .values_list("region_code", "period", "metric", "value")
        ):
            if p == period:
                child_values[c][metric] = value
            if p == current:
                child_snapshot[c][metric] = value
            child_months[c][p][metric] = value
    children = []
    for region in picker.children:
        if region.level == RegionLevelChoices.GROUP:
            continue
        v, s = child_values.get(region.code, {}), child_snapshot.get(region.code, {})
        households = s.get(M.HOUSEHOLDS, 0)
        warned = month_figure(v, M.WARNINGS, screened=period in screened)
        children.append(
            ChildRow(
                code=region.code,
                name=region.name,
                level=region.level,
                households=households,
                monitored=v.get(M.MONITORED, 0),
                warnings=warned,
                warning_rate=warning_rate(warned, households),
                identified=v.get(M.IDENTIFIED, 0),
                eliminated=v.get(M.ELIMINATED, 0),
                cases_overdue=s.get(M.CASES_OVERDUE, 0),
                scale_alerts=v.get(M.SCALE_ALERTS, 0),
                link=_link(region.code),
                households_link=_households_link(region.code),
                already_monitored=month_figure(v, ALREADY_MONITORED, screened=period in screened),
            )
        )

    breaks = rate_breaks(
        [c.warning_rate for c in children if c.warning_rate is not None and c.households >= MIN_RATE_BASE]
    )
    children = [
        replace(c, rate_class=rate_class(c.warning_rate, breaks, households=c.households)) for c in children
    ]
    month_screened = period in screened
    warnings = month_figure(values, M.WARNINGS, screened=month_screened)
    verified = month_figure(values, M.WARNINGS_VERIFIED, screened=month_screened)
    identified_w = month_figure(values, M.WARNINGS_IDENTIFIED, screened=month_screened)
    funnel = [
        {
            "key": "warnings",
            "label": _("部门筛查预警"),
            "value": warnings,
            "share": share(warnings, warnings),
        },
        {
            "key": "verified",
            "label": _("已核实（形成线索）"),
            "value": verified,
            "share": share(verified, warnings),
        },
        {
            "key": "identified",
            "label": _("识别纳入监测"),
            "value": identified_w,
            "share": share(identified_w, warnings),
        },
    ]
    last12 = trend_months
    decided_12 = sum(own[p].get(M.CASES_DECIDED, 0) for p in last12)
    in_time_12 = sum(own[p].get(M.CASES_DECIDED_IN_TIME, 0) for p in last12)
    timeliness = {
        "decided": values.get(M.CASES_DECIDED, 0),
        "in_time": values.get(M.CASES_DECIDED_IN_TIME, 0),
        "share": share(values.get(M.CASES_DECIDED_IN_TIME, 0), values.get(M.CASES_DECIDED, 0)),
        "decided_12": decided_12,
        "in_time_12": in_time_12,
        "share_12": share(in_time_12, decided_12),
    }
    eliminations = {
        "month": values.get(M.ELIMINATED, 0),
        "cumulative": values.get(M.ELIMINATED_CUM, 0),
        "modes": _labelled(values, "eliminated", MODE_LABELS),
        "last12": sum(own[p].get(M.ELIMINATED, 0) for p in last12),
    }
    trend = {
        "months": trend_months,
        "series": [
            {
                "key": "warnings",
                "name": _("预警户数"),
                "type": "bar",
                "data": [month_figure(own[p], M.WARNINGS, screened=p in screened) for p in trend_months],
            },
            {
                "key": "identified",
                "name": _("新识别"),
                "type": "line",
                "data": [own[p].get(M.IDENTIFIED, 0) for p in trend_months],
            },
            {
                "key": "eliminated",
                "name": _("风险消除"),
                "type": "line",
                "data": [own[p].get(M.ELIMINATED, 0) for p in trend_months],
            },
            {
                "key": "monitored",
                "name": _("监测对象（月末）"),
                "type": "line",
                "data": [own[p].get(M.MONITORED, 0) for p in trend_months],
            },
        ],
        "unscreened": [p for p in trend_months if p not in screened],
    }
    categories = [
        {
            "code": c,
            "label": label,
            "value": values.get(f"monitored:{c}", 0),
            "colour": CATEGORY_COLOURS.get(c, "#475467"),
        }
        for c, label in CATEGORY_LABELS.items()
    ]
    monitored_risks = sorted(_labelled(values, "monitored_risk", RISK_LABELS), key=lambda r: -int(r["value"]))
    warning_risks = sorted(_labelled(values, "warning_risk", RISK_LABELS), key=lambda r: -int(r["value"]))
    return Dashboard(
        picker=picker,
        period=period,
        periods=periods,
        unscreened=frozenset(p for p in periods if p not in screened),
        refresh=refresh,
        values=values,
        snapshot=snapshot,
        categories=categories,
        monitored_risks=monitored_risks,
        warning_risks=warning_risks,
        funnel=funnel,
        timeliness=timeliness,
        eliminations=eliminations,
        trend=trend,
        children=children,
        risk_trend=risk_trend_get(own=own, months=screened_months, screened=screened),
        area_trend=area_trend_get(
            children=children, figures=child_months, months=screened_months, screened=screened
        ),
        alerts=_alerts(user=user, code=code, period=period),
        breaks=breaks,
    )


def risk_trend_get(
    *, own: dict[str, dict[str, int]], months: list[str], screened: set[str]
) -> dict[str, Any]:
    """The trend by risk type (风险类型, registry.RiskTypeChoices, the national code table): per month, the
    new warnings (first flagged that month, ``warning_new_risk``) and the newly identified monitoring objects
    (``identified_risk``, by their identification case's risk types) of each risk type that occurs. A
    household with several risk types counts under each, so the totals (households) are given apart."""

    def series(metric: str) -> list[int | None]:
        return [month_figure(own.get(p, {}), metric, screened=p in screened) for p in months]

    rows = []
    for code, label in RISK_LABELS.items():
        warned, identified = series(f"warning_new_risk:{code}"), series(f"identified_risk:{code}")
        if any(warned) or any(identified):
            rows.append({"code": code, "label": str(label), "warnings_new": warned, "identified": identified})
    return {
        "months": months,
        "unscreened": [p for p in months if p not in screened],
        "rows": rows,
        "totals": {"warnings_new": series("warnings:new"), "identified": series(M.IDENTIFIED)},
    }


def area_trend_get(
    *,
    children: list[ChildRow],
    figures: dict[str, dict[str, dict[str, int]]],
    months: list[str],
    screened: set[str],
) -> dict[str, Any]:
    """The trend by child region (townships of a county, villages of a township …: the children of the region
    picker, as the tile map): per month, warned households, newly identified monitoring objects and the
    warning rate per 1,000 households of the register now. A region under ``MIN_RATE_BASE`` households is
    marked ``small`` and left out of the rate chart."""

    rows: list[dict[str, Any]] = []
    for c in children:
        f = figures.get(c.code, {})
        warned = [month_figure(f.get(p, {}), M.WARNINGS, screened=p in screened) for p in months]
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                "households": c.households,
                "small": c.households < MIN_RATE_BASE,
                "warnings": warned,
                "identified": [month_figure(f.get(p, {}), M.IDENTIFIED, screened=True) for p in months],
                "rates": [warning_rate(w, c.households) for w in warned],
            }
        )
    chart = {
        "months": months,
        "series": [
            {"name": r["name"], "data": [None if x is None else float(x) for x in r["rates"]]}
            for r in rows
            if not r["small"] and r["households"]
        ],
    }
    return {
        "months": months,
        "unscreened": [p for p in months if p not in screened],
        "rows": rows,
        "chart": chart,
    }


def _alerts(*, user: Viewer, code: str, period: str) -> list[dict[str, Any]]:
    """The month's 规模性返贫风险 alerts inside the region, with region names (two small queries)."""

    if not period:
        return []
    alerts = list(scale_alert_list(user=user, period=period).filter(region_code__startswith=code)[:50])
    names = dict(Region.objects.filter(code__in={a.region_code for a in alerts}).values_list("code", "name"))
    return [
        {
            "region_code": a.region_code,
            "region_name": names.get(a.region_code, a.region_code),
            "level": a.get_level_display(),
            "risk_type": RISK_LABELS.get(a.risk_type, a.risk_type),
            "count": a.count,
            "share": (a.share * 100).quantize(Decimal("0.1")),
            "baseline": a.baseline,
        }
        for a in alerts
    ]


def dashboard_rows_for_export(*, dashboard: Dashboard) -> list[dict[str, Any]]:
    """The children table plus the region itself, as export rows (counts, not yet suppressed)."""
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "households": c.households,
            "monitored": c.monitored,
            "warnings": c.warnings,
            "identified": c.identified,
            "eliminated": c.eliminated,
            "cases_overdue": c.cases_overdue,
            "scale_alerts": c.scale_alerts,
            "already_monitored": c.already_monitored,
        }
        for c in dashboard.children
    ]
    rows.append(
        {
            "code": dashboard.region.code,
            "name": _("%(name)s（合计）") % {"name": dashboard.region.name},
            "households": dashboard.snapshot.get(M.HOUSEHOLDS, 0),
            "monitored": dashboard.value(M.MONITORED),
            "warnings": month_figure(dashboard.values, M.WARNINGS, screened=dashboard.screened),
            "identified": dashboard.value(M.IDENTIFIED),
            "eliminated": dashboard.value(M.ELIMINATED),
            "cases_overdue": dashboard.snapshot.get(M.CASES_OVERDUE, 0),
            "scale_alerts": dashboard.value(M.SCALE_ALERTS),
            "already_monitored": month_figure(
                dashboard.values, ALREADY_MONITORED, screened=dashboard.screened
            ),
        }
    )
    return rows


def risk_trend_rows_for_export(*, dashboard: Dashboard) -> list[dict[str, Any]]:
    """The risk-type trend as export rows (month, risk type, new warnings, new monitoring objects): the page's
    own figures (``Dashboard.risk_trend``), the households total of each month first."""
    t = dashboard.risk_trend
    out = []
    for i, month in enumerate(t.get("months", [])):
        out.append(
            {
                "period": month,
                "code": "",
                "label": _("合计（户）"),
                "warnings_new": t["totals"]["warnings_new"][i],
                "identified": t["totals"]["identified"][i],
            }
        )
        out += [
            {
                "period": month,
                "code": r["code"],
                "label": r["label"],
                "warnings_new": r["warnings_new"][i],
                "identified": r["identified"][i],
            }
            for r in t["rows"]
        ]
    return out


def area_trend_rows_for_export(*, dashboard: Dashboard) -> list[dict[str, Any]]:
    """The child regions' trend as export rows (one per region and month), from ``Dashboard.area_trend``."""
    t = dashboard.area_trend
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "period": month,
            "households": r["households"],
            "warnings": r["warnings"][i],
            "identified": r["identified"][i],
            "rate": r["rates"][i],
            "small": r["small"],
        }
        for r in t.get("rows", [])
        for i, month in enumerate(t["months"])
    ]
