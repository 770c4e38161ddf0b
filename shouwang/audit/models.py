from django.conf import settings
from django.db import models


class AuditActionChoices(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "批量导入"
    VIEW = "view", "查看"
    REVEAL = "reveal", "查看明文"
    ACCESS_DENIED = "access_denied", "越权访问"
    NOT_FOUND = "not_found", "访问不存在对象"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    TRANSITION = "transition", "流程操作"
    EXPORT = "export", "导出"


class AuditEntry(models.Model):
    """One row per state change or look at personal data. Written explicitly by services, never by signals."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField("操作人标识", max_length=150, blank=True)
    actor_role = models.CharField("角色", max_length=16, blank=True)
    region_code = models.CharField("区划", max_length=15, blank=True, db_index=True)
    action = models.CharField("动作", max_length=16, choices=AuditActionChoices.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=32, db_index=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.CharField("原因", max_length=255, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
        )
