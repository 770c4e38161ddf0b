"""Citizen self-reports (找政府, R-ID-07) and hotline calls. Phones and ID numbers are sealed with a blind
index (DESIGN "Personal data"); the tracking code is the citizen's only handle and reveals nothing."""

from django.conf import settings
from django.db import models

from shouwang.channels.choices import (
    DepartmentItemChoices,
    FilingModeChoices,
    HotlineKindChoices,
    HotlineStatusChoices,
    SelfReportStatusChoices,
)


class SelfReport(models.Model):
    tracking_code = models.CharField("查询码", max_length=12, unique=True)
    filing_mode = models.CharField("申报方式", max_length=16, choices=FilingModeChoices.choices)
    village = models.ForeignKey("regions.Region", verbose_name="行政村", on_delete=models.PROTECT)
    subject_name = models.CharField("困难群众姓名", max_length=64)
    subject_id_sealed = models.TextField(blank=True)
    subject_id_index = models.CharField(max_length=32, blank=True, db_index=True)
    subject_id_masked = models.CharField(max_length=24, blank=True)
    reporter_name = models.CharField("代报人姓名", max_length=64, blank=True)
    phone_sealed = models.TextField("联系电话（密文）")
    phone_index = models.CharField(max_length=32, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=16)
    difficulty = models.CharField("困难事项", max_length=32, choices=DepartmentItemChoices.choices)
    description = models.TextField("情况说明", blank=True)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=SelfReportStatusChoices.choices,
        default=SelfReportStatusChoices.SUBMITTED,
    )
    clue = models.ForeignKey("cases.Clue", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    duplicate_count = models.PositiveIntegerField("重复提交次数", default=0)
    response = models.TextField("答复（群众可见）", blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    escalated_to = models.CharField("督办至", max_length=16, blank=True)
    confirmed_at = models.DateTimeField("签单时间", null=True, blank=True)
    satisfied = models.BooleanField("满意", null=True, blank=True)
    citizen_comment = models.CharField("群众意见", max_length=500, blank=True)
    submitted_on = models.DateField("提交日期")
    last_submitted_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "群众自主申报"
        verbose_name_plural = "群众自主申报"
        ordering = ["-id"]
        indexes = [models.Index(fields=["village", "subject_name", "difficulty"])]

    def __str__(self) -> str:
        return self.tracking_code


class SubmissionThrottle(models.Model):
    """One row per public submission attempt, for DB-backed rate limiting (no cache server needed)."""

    scope = models.CharField(max_length=8)
    key = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope}:{self.at}"


class HotlineCall(models.Model):
    kind = models.CharField("类型", max_length=16, choices=HotlineKindChoices.choices)
    caller_name = models.CharField("来电人", max_length=64, blank=True)
    phone_sealed = models.TextField(blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True)
    phone_masked = models.CharField("来电号码", max_length=16, blank=True)
    village = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT)
    content = models.TextField("来电内容")
    answer = models.TextField("答复", blank=True)
    status = models.CharField(
        max_length=8, choices=HotlineStatusChoices.choices, default=HotlineStatusChoices.OPEN
    )
    clue = models.ForeignKey("cases.Clue", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "热线来电"
        verbose_name_plural = "热线来电"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"热线#{self.pk}"
