"""Enumerations of the 帮扶车间 and 以工代赈 rolls (POLICY §13, R-EMP-08)."""

from django.db import models


class WorkshopKindChoices(models.TextChoices):
    """The five kinds of 就业帮扶车间 (R-EMP-08, 柳江)."""

    FACTORY = "factory", "厂房式"
    HOME = "home", "居家式"
    FARMING = "farming", "种养式"
    TRADE = "trade", "贸易流通式"
    TOURISM = "tourism", "文化旅游式"


class WorkshopStatusChoices(models.TextChoices):
    """The quarterly status (R-EMP-08): checked every quarter, 6 months' buffer before 清理."""

    NORMAL = "normal", "正常运行"
    PENDING = "pending", "监测待处置"
    CLEARED = "cleared", "清理"


STATUS_BADGES: dict[str, str] = {
    WorkshopStatusChoices.NORMAL.value: "badge-ok",
    WorkshopStatusChoices.PENDING.value: "badge-warn",
    WorkshopStatusChoices.CLEARED.value: "badge-risk",
}
