"""The field app's idempotency record: one row per queued phone entry the server applied.

The row is written in the same transaction as the visit, clue or home check it produced, keyed by the
UUID the phone generated when the worker saved the entry. Re-sending the entry (a retry after a lost
answer, a second tab, a flaky connection) finds the row and answers "duplicate" without applying again.
"""

from django.conf import settings
from django.db import models

from shouwang.field.choices import SyncEntryKindChoices


class FieldSubmission(models.Model):
    uuid = models.UUIDField("客户端记录编号", unique=True)
    kind = models.CharField("类型", max_length=16, choices=SyncEntryKindChoices.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT)
    household_no = models.CharField("户编号", max_length=32, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name="案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    base_version = models.CharField("录入时所见版本", max_length=64, blank=True)
    recorded_at = models.DateTimeField("手机上保存时间", null=True, blank=True)
    result = models.JSONField("同步结果", default=dict, blank=True)
    created_at = models.DateTimeField("同步时间", auto_now_add=True)

    class Meta:
        verbose_name = "移动端同步记录"
        verbose_name_plural = "移动端同步记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uuid}"
