"""Monthly screening: parameters, runs, warnings, risk tallies and scale alerts (docs/screening.md).

Rows here are written only by shouwang.screening.services (STYLE 4): a run replaces its period's
warnings in one transaction; parameters are never edited in place, a change is a new version.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shouwang.registry.choices import MonitoringCategoryChoices
from shouwang.screening.choices import (
    ACTIVE_RUN_STATUSES,
    EngineChoices,
    ParameterKeyChoices,
    RunSourceChoices,
    RunStatusChoices,
    ScaleLevelChoices,
    WarningStatusChoices,
)


class Parameter(models.Model):
    """One version of one screening parameter for a region and a year.

    The effective value for a household's village and a screening year is the row of the greatest
    year ≤ the screening year among the village and its ancestors, then the most specific region,
    then the latest version (shouwang.screening.params).
    """

    region_code = models.CharField("区划代码", max_length=15, db_index=True)
    year = models.PositiveSmallIntegerField("年度")
    key = models.CharField("参数", max_length=32, choices=ParameterKeyChoices.choices)
    value = models.DecimalField("取值", max_digits=16, decimal_places=4)
    version = models.PositiveIntegerField("版本")
    assumption = models.BooleanField("假设值（待核实）", default=False)
    note = models.TextField("说明与来源", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "筛查参数"
        verbose_name_plural = "筛查参数"
        ordering = ["key", "region_code", "year", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "key", "version"], name="parameter_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.region_code}/{self.year} v{self.version} = {self.value}"


class ScreeningRun(models.Model):
    """One screening of one period (STYLE 9): who, what, status, progress, timings, counts, errors."""

    period = models.CharField("期间", max_length=7, db_index=True)
    source = models.CharField(
        "来源", max_length=16, choices=RunSourceChoices.choices, default=RunSourceChoices.SCREENING
    )
    engine = models.CharField("引擎", max_length=16, choices=EngineChoices.choices)
    status = models.CharField(
        "状态", max_length=16, choices=RunStatusChoices.choices, default=RunStatusChoices.QUEUED
    )
    progress = models.PositiveSmallIntegerField("进度%", default=0)
    reason = models.CharField("原因", max_length=255, blank=True)
    catalogue_version = models.CharField("规则目录版本", max_length=32, blank=True)
    parameter_versions = models.JSONField("参数版本", default=dict, blank=True)
    # Parameter rows with a larger id did not exist when this run resolved its parameters; a re-run
    # of the period resolves with the same bound and so gets the same values.
    params_max_id = models.BigIntegerField("参数版本上界", null=True, blank=True)
    snapshot_path = models.CharField("快照路径", max_length=500, blank=True)
    inputs = models.JSONField("输入清单", default=dict, blank=True)
    counts = models.JSONField("统计", default=dict, blank=True)
    timings = models.JSONField("各阶段耗时（秒）", default=dict, blank=True)
    changes = models.JSONField("与上次结果比较", default=dict, blank=True)
    notes = models.JSONField("提示", default=list, blank=True)
    error = models.TextField("错误", blank=True)
    previous_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上次运行"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Crash recovery (common.liveness): the process executing the run and when it was last heard of. A
    # running run whose process is gone is abandoned by the next start for its period (services).
    owner = models.CharField("执行进程", max_length=100, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "筛查运行"
        verbose_name_plural = "筛查运行"
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one queued or running run per period: a second start is refused by the database
            # even if two processes race past the service's own check.
            models.UniqueConstraint(
                fields=["period", "source"],
                condition=Q(status__in=ACTIVE_RUN_STATUSES),
                name="one_active_run_per_period",
            )
        ]
        indexes = [models.Index(fields=["source", "period", "status"])]

    def __str__(self) -> str:
        return f"筛查 {self.period} #{self.pk}（{self.get_status_display()}）"


class Warning(models.Model):
    """One household flagged in one period, with the evidence of every rule that fired."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="warnings")
    source = models.CharField(
        "来源", max_length=16, choices=RunSourceChoices.choices, default=RunSourceChoices.SCREENING
    )
    period = models.CharField("期间", max_length=7)
    # Null only for bench runs, whose households are simulated and never imported.
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    household_no = models.CharField("户编号", max_length=32)
    village_code = models.CharField("行政村代码", max_length=12)
    signals = models.JSONField("预警信号", default=list)
    rules = models.JSONField("命中规则", default=list)
    risk_types = models.JSONField("风险类型", default=list)
    # For already-monitored households: the risk types not seen in the previous period's warning,
    # i.e. new risks for the household's case (read by the case workflow).
    new_risk_types = models.JSONField("新增风险类型", default=list, blank=True)
    income_per_capita = models.DecimalField("人均收入参考值", max_digits=14, decimal_places=2, null=True)
    threshold = models.DecimalField("监测范围", max_digits=14, decimal_places=2, null=True)
    suggested_category = models.CharField(
        "建议类别", max_length=16, choices=MonitoringCategoryChoices.choices, blank=True
    )
    score = models.DecimalField("风险分", max_digits=5, decimal_places=4)
    status = models.CharField("状态", max_length=24, choices=WarningStatusChoices.choices)
    needs_asset_check = models.BooleanField("需核查资产", default=False)
    exclusion_evidence = models.JSONField("资产核查依据", default=dict, blank=True)
    # Set on this warning when the next period's screening no longer fires for the household.
    resolved_period = models.CharField("解除期间", max_length=7, blank=True, default="")
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["period", "household_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "period", "household_no"], name="warning_period_household"
            )
        ]
        indexes = [
            models.Index(fields=["source", "period", "status"]),
            models.Index(fields=["household", "period"]),
            models.Index(fields=["source", "period", "village_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.household_no}"


class RiskTally(models.Model):
    """Households hit by one risk type in one region and period: the history behind scale alerts."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="tallies")
    period = models.CharField("期间", max_length=7)
    level = models.CharField("层级", max_length=16, choices=ScaleLevelChoices.choices)
    region_code = models.CharField("区划代码", max_length=15)
    risk_type = models.CharField("风险类型", max_length=24)
    count = models.PositiveIntegerField("户数")
    households = models.PositiveIntegerField("总户数")

    class Meta:
        verbose_name = "风险户数统计"
        verbose_name_plural = "风险户数统计"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "level", "region_code", "risk_type"], name="risk_tally_key"
            )
        ]
        indexes = [models.Index(fields=["level", "region_code", "period"])]

    def __str__(self) -> str:
        return f"{self.period} {self.region_code} {self.risk_type} {self.count}/{self.households}"


class ScaleAlert(models.Model):
    """规模性返贫风险: unusually many households of one village or township hit by the same cause."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="scale_alerts")
    period = models.CharField("期间", max_length=7, db_index=True)
    level = models.CharField("层级", max_length=16, choices=ScaleLevelChoices.choices)
    region_code = models.CharField("区划代码", max_length=15, db_index=True)
    risk_type = models.CharField("风险类型", max_length=24)
    count = models.PositiveIntegerField("户数")
    share = models.DecimalField("占比", max_digits=6, decimal_places=4)
    baseline = models.JSONField("历史基线", default=dict)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "规模性风险预警"
        verbose_name_plural = "规模性风险预警"
        ordering = ["-period", "region_code", "risk_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "level", "region_code", "risk_type"], name="scale_alert_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.region_code} {self.risk_type} {self.count}"
