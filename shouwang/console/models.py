"""Console read models: pre-aggregated statistics and export jobs.

``RegionPeriodStat`` is derived data: it is rebuilt from the operational tables by
``shouwang.console.stats.stats_refresh`` (after imports, screening runs and case transition batches, and by
``shouwang refresh-stats``), so dashboards never count over the households table per request
(docs/decisions/0450-dashboard-pre-aggregated-stats.md). ``StatRefresh`` and ``ExportJob`` are background
work rows (STYLE 9): who, what, status, progress, timings, counts, errors.
"""

from django.conf import settings
from django.db import models

from shouwang.console.choices import (
    ExportKindChoices,
    ExportStatusChoices,
    StatRefreshStatusChoices,
)
from shouwang.regions.choices import RegionLevelChoices


class RegionPeriodStat(models.Model):
    """One figure (``metric``) of one region (province … village) for one month. Sparse: zeros are not
    stored. Every level is the sum of its villages except scale alerts, which belong to the village or
    township that raised them and count for its ancestors."""

    region_code = models.CharField("区划代码", max_length=15)
    parent_code = models.CharField("上级区划代码", max_length=15, blank=True)
    level = models.CharField("层级", max_length=16, choices=RegionLevelChoices.choices)
    period = models.CharField("期间", max_length=7)
    metric = models.CharField("指标", max_length=48)
    value = models.BigIntegerField("数值")

    class Meta:
        verbose_name = "区域统计"
        verbose_name_plural = "区域统计"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "period", "metric"], name="region_period_stat_key")
        ]
        # The dashboard reads a region's own rows (the unique index above) and its children's rows for
        # one month (this one).
        indexes = [models.Index(fields=["parent_code", "period"], name="region_stat_children")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.period} {self.metric}={self.value}"


class StatRefresh(models.Model):
    """One rebuild of ``RegionPeriodStat``. Refreshes are serialised (the newest row is locked)."""

    status = models.CharField(
        "状态",
        max_length=16,
        choices=StatRefreshStatusChoices.choices,
        default=StatRefreshStatusChoices.RUNNING,
    )
    reason = models.CharField("原因", max_length=255, blank=True)
    as_of = models.DateField("统计日期")
    first_period = models.CharField("起始期间", max_length=7, blank=True)
    last_period = models.CharField("截止期间", max_length=7, blank=True)
    # The latest screened month at refresh time: the dashboard's default month.
    latest_screened = models.CharField("最新筛查期间", max_length=7, blank=True)
    rows = models.PositiveIntegerField("统计行数", default=0)
    timings = models.JSONField("各阶段耗时（秒）", default=dict, blank=True)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "统计刷新"
        verbose_name_plural = "统计刷新"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"统计刷新#{self.pk} {self.get_status_display()}"


class ExportJob(models.Model):
    """One Excel export of a list or of the dashboard, with its filters as given (IDs masked; STYLE 9)."""

    kind = models.CharField("导出内容", max_length=16, choices=ExportKindChoices.choices)
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    region_code = models.CharField("区划", max_length=15, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ExportStatusChoices.choices, default=ExportStatusChoices.QUEUED
    )
    progress = models.PositiveSmallIntegerField("进度%", default=0)
    rows = models.PositiveIntegerField("行数", default=0)
    stored_path = models.CharField("文件路径", max_length=500, blank=True)
    filename = models.CharField("文件名", max_length=255, blank=True)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_by", "status"], name="export_job_owner")]

    def __str__(self) -> str:
        return f"导出#{self.pk} {self.get_kind_display()} {self.get_status_display()}"
