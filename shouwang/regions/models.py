from django.db import models

from shouwang.regions.choices import RegionLevelChoices


class Region(models.Model):
    """A node of the administrative tree. The region is the unit of access control."""

    code = models.CharField("区划代码", max_length=15, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevelChoices.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    full_name = models.CharField("全称", max_length=255, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def contains(self, code: str) -> bool:
        return code.startswith(self.code)
