"""Console enumerations (STYLE 8): statistics metrics, export kinds and job states.

Metric codes are stable (they are stored in ``RegionPeriodStat.metric``); a metric with a ``:`` suffix is
one of a family (``monitored:unstable``, ``warning_risk:illness``) whose suffix is the code of another
enumeration (monitoring category, risk type, elimination mode, warning status, clue channel).
"""

from django.db import models


class StatMetricChoices(models.TextChoices):
    # Snapshot metrics, stored for the refresh's own month only (the register as it is now).
    HOUSEHOLDS = "households", "农户数"
    HOUSEHOLDS_FORMER_POOR = "households_former_poor", "脱贫户数"
    PERSONS = "persons", "登记人口"
    CASES_OPEN = "cases_open", "办理中识别案件"
    CASES_OVERDUE = "cases_overdue", "超期识别案件"
    VISITS_OVERDUE = "visits_overdue", "走访超期的监测户"
    ROUTINE_VISITS_OVERDUE = "routine_visits_overdue", "常态化走访超期的农户"
    # Monthly metrics (one value per month of the window).
    MONITORED = "monitored", "监测对象户数（月末）"
    MONITORED_PERSONS = "monitored_persons", "监测对象人数（月末）"
    IDENTIFIED = "identified", "新识别监测对象户数"
    ELIMINATED = "eliminated", "风险消除户数"
    ELIMINATED_CUM = "eliminated_cum", "累计风险消除户数"
    WARNINGS = "warnings", "预警户数（新预警+持续预警）"
    WARNINGS_VERIFIED = "warnings_verified", "预警已核实（已形成线索）"
    WARNINGS_IDENTIFIED = "warnings_identified", "预警已识别纳入"
    CASES_DECIDED = "cases_decided", "完成识别的案件"
    CASES_DECIDED_IN_TIME = "cases_decided_in_time", "时限内完成识别的案件"
    CLUES = "clues", "风险线索"
    SCALE_ALERTS = "scale_alerts", "规模性返贫风险预警"
    SELF_REPORTS = "self_reports", "群众自主申报"
    VISITS = "visits", "走访户次（跟踪走访+常态化走访）"


# Families: prefix → the enumeration whose codes follow the colon.
METRIC_FAMILIES = {
    "monitored": "registry.MonitoringCategoryChoices",
    "identified": "registry.MonitoringCategoryChoices",
    "identified_risk": "registry.RiskTypeChoices (+ unknown)",
    "monitored_risk": "registry.RiskTypeChoices (+ unknown)",
    "eliminated": "registry.EliminationModeChoices",
    "warnings": "screening.WarningStatusChoices",
    "warning_risk": "registry.RiskTypeChoices",
    "warning_new_risk": "registry.RiskTypeChoices",
    "clues": "cases.ChannelChoices",
    "visits": "routine | follow_up (常态化走访 / 监测户跟踪走访)",
}
SNAPSHOT_METRICS = frozenset(
    {
        StatMetricChoices.HOUSEHOLDS,
        StatMetricChoices.HOUSEHOLDS_FORMER_POOR,
        StatMetricChoices.PERSONS,
        StatMetricChoices.CASES_OPEN,
        StatMetricChoices.CASES_OVERDUE,
        StatMetricChoices.VISITS_OVERDUE,
        StatMetricChoices.ROUTINE_VISITS_OVERDUE,
    }
)
UNKNOWN_RISK = "unknown"


class StatRefreshStatusChoices(models.TextChoices):
    RUNNING = "running", "统计中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class ExportKindChoices(models.TextChoices):
    HOUSEHOLDS = "households", "农户名单"
    WARNINGS = "warnings", "预警名单"
    CASES = "cases", "案件清单"
    DASHBOARD = "dashboard", "区域统计汇总"


class ExportStatusChoices(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


ACTIVE_EXPORT_STATUSES = (ExportStatusChoices.QUEUED, ExportStatusChoices.RUNNING)


class MonitoringFilterChoices(models.TextChoices):
    """The household list's 监测状态 filter."""

    MONITORED = "monitored", "监测中（风险未消除）"
    UNSTABLE = "unstable", "脱贫不稳定户（监测中）"
    MARGINAL = "marginal", "边缘易致贫户（监测中）"
    SUDDEN = "sudden", "突发严重困难户（监测中）"
    ELIMINATED = "eliminated", "风险已消除"
    NONE = "none", "非监测对象"


class IncomeBandChoices(models.TextChoices):
    """Per-capita net income relative to the year's monitoring range (R-THR-04, from the screening
    parameters): below it, up to 1.5 times it (边缘, worth watching), above, or no income record."""

    BELOW = "below", "低于监测范围"
    NEAR = "near", "监测范围至1.5倍"
    ABOVE = "above", "高于监测范围1.5倍"
    MISSING = "missing", "无收入记录"


class HouseholdSortChoices(models.TextChoices):
    HOUSEHOLD_NO = "household_no", "按户编号"
    INCOME = "income", "按人均纯收入（由低到高）"


class CaseDueFilterChoices(models.TextChoices):
    OVERDUE = "overdue", "已超期"
    DUE_SOON = "due_soon", "3日内到期"
    OPEN = "open", "全部办理中"
    CLOSED = "closed", "已办结"
