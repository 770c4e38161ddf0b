from django.conf import settings
from django.db import models
from django.db.models import Q

from shouwang.exchange.choices import BatchKindChoices, BatchStatusChoices


class ImportBatch(models.Model):
    """One delivered file (registry or department feed): identified by (kind, source, period, region,
    checksum).

    A refused file leaves no row at all (CONTRACT §1: "nothing written"); the refusal is reported to
    the caller. A later file with the same (kind, source, period, region) and another checksum supersedes
    this one, which stays on record with status ``superseded``. A batch whose process died while it ran
    is ``failed`` (abandoned, exchange.batches) and no longer counts for the identity.
    """

    kind = models.CharField("类型", max_length=16, choices=BatchKindChoices.choices, db_index=True)
    source = models.CharField("来源", max_length=64)
    period = models.CharField("期间", max_length=7, db_index=True)
    # Registry files: the county their households are in (or the smallest common region of a file that
    # spans several counties), so a province importing county by county keeps every county in force.
    # Department feeds: the pushing account's region (empty from the command line).
    region = models.CharField("区划", max_length=15, blank=True, default="")
    checksum = models.CharField("SHA-256", max_length=64)
    filename = models.CharField("文件名", max_length=255, blank=True)
    stored_path = models.CharField("原始文件存档路径", max_length=500, blank=True)
    lake_path = models.CharField("数据湖Parquet路径", max_length=500, blank=True)
    encoding = models.CharField("编码", max_length=16, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=BatchStatusChoices.choices, default=BatchStatusChoices.RUNNING
    )
    rows_total = models.PositiveIntegerField("行数", default=0)
    rows_created = models.PositiveIntegerField("新增", default=0)
    rows_updated = models.PositiveIntegerField("更新", default=0)
    rows_unchanged = models.PositiveIntegerField("未变", default=0)
    matched = models.PositiveIntegerField("匹配", default=0)
    unmatched = models.PositiveIntegerField("未匹配", default=0)
    warnings = models.JSONField("提示", default=list, blank=True)
    report = models.JSONField("报告", default=dict, blank=True)
    progress = models.PositiveSmallIntegerField("进度%", default=0)
    # Department feeds: the months (YYYY-MM) the rows' event dates fall in. Late rows from earlier months
    # are normal, so re-screening after this batch (or after it is superseded) must cover these periods.
    periods = models.JSONField("数据所属期间", default=list, blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Crash recovery (common.liveness): the process doing the import and when it was last heard of.
    owner = models.CharField("执行进程", max_length=100, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "period", "region", "checksum"],
                condition=~Q(status="failed"),
                name="batch_identity",
            ),
        ]
        indexes = [models.Index(fields=["kind", "source", "period", "region", "status"], name="batch_stream")]

    # Not a field: set by the ingest services when the same file was delivered again (a no-op).
    duplicate: bool = False

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source} {self.period} #{self.pk}"
