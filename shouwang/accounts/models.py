from django.contrib.auth.models import AbstractUser
from django.db import models

from shouwang.accounts.choices import DepartmentChoices, RoleChoices


class User(AbstractUser):
    """An official, grid worker, department officer or auditor. Role × region decides what they see."""

    role = models.CharField("角色", max_length=16, choices=RoleChoices.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT
    )
    department = models.CharField(
        "所属部门", max_length=16, choices=DepartmentChoices.choices, blank=True, default=""
    )
    display_name = models.CharField("姓名", max_length=64, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def region_code(self) -> str:
        return self.region_id or ""


class ApiToken(models.Model):
    """A bearer token for the HTTP API (CONTRACT §3). Only the SHA-256 of the token is stored.

    ``scopes`` limits what the token may do beyond the user's role, e.g. ``["feeds:medical"]`` for a
    department system that may only push 医保 deliveries.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=64, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    scopes = models.JSONField("权限范围", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per (user name, client address) pair and per client address (decision 0007).

    Never per user name alone: a stranger elsewhere must not be able to lock an official out. A row
    disappears at ``expires_at`` (after a quiet period without failures); a successful sign-in removes
    the pair's row. Kept in the database so every worker process sees the same counts.
    """

    scope = models.CharField("范围", max_length=8)  # "pair" or "address" (accounts.throttle)
    address = models.CharField("客户端地址", max_length=64)
    username = models.CharField("用户名", max_length=150, blank=True)  # "" for the address scope
    failures = models.PositiveIntegerField("失败次数", default=0)
    last_failure_at = models.DateTimeField("最近失败时间")
    locked_until = models.DateTimeField("暂缓至", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = "登录限流"
        verbose_name_plural = "登录限流"
        constraints = [
            models.UniqueConstraint(fields=["scope", "address", "username"], name="login_throttle_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.address} {self.username}: {self.failures}"
