"""The labour roster and the 务工月监测 ledger (POLICY §13, R-EMP-02/03; docs/employment.md).

* ``WorkEpisode``: one row of the national 已外出务工信息 export, one work episode of one person, keyed by
  (person, start month). Typed fields for the checks and the figures; ``national`` keeps the identity
  columns as the county's export wrote them (县, 乡, 行政村, 人编号, 户类型, …) and any further columns, so
  the export writes the same rows back (R-EMP-03: "the export may hold more, which are kept").
* ``WorkPlan``: one row of 计划外出务工信息, keyed by (person, period).
* ``LabourRecord``: the monthly labour roster (劳动力花名册), keyed by (person, period): skill, willingness,
  the month's status and where that status came from.

The resident ID is never stored here: rows point to ``registry.Person``, which holds it sealed. Rows are
written only by the services of this app (imports), each batch with its audit rows (STYLE 4, 5).
"""

from django.db import models

from shouwang.employment.choices import (
    LabourStatusChoices,
    StatusSourceChoices,
    WorkChannelChoices,
    WorkPlaceTypeChoices,
)


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, null=True, blank=True)


class WorkEpisode(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="work_episodes")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    # Denormalised for region scoping and the township dispatch table (one indexed equality filter).
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    start_month = models.CharField("开始时间", max_length=7)  # YYYY-MM (written 2025年11月 in the files)
    end_month = models.CharField("结束时间", max_length=7, blank=True)  # empty = ongoing
    worked = models.BooleanField("是否已务工", default=True)
    work_county = models.CharField("务工所在县", max_length=128, blank=True)
    place_type = models.CharField("务工地域", max_length=16, choices=WorkPlaceTypeChoices.choices, blank=True)
    wage = _money("务工月收入")
    employer = models.CharField("务工企业名称", max_length=255, blank=True)
    industry = models.CharField("所属行业", max_length=64, blank=True)
    channel = models.CharField("就业渠道", max_length=16, choices=WorkChannelChoices.choices, blank=True)
    channel_text = models.CharField("就业渠道（原文）", max_length=64, blank=True)
    point_to_point = models.BooleanField("是否点对点输送", null=True, blank=True)
    transport_subsidy = _money("年度交通费补助")
    source = models.CharField(
        "数据来源", max_length=16, choices=StatusSourceChoices.choices, default=StatusSourceChoices.LEDGER
    )
    checked_on = models.DateField("核实日期", null=True, blank=True)
    national = models.JSONField("国家系统原列", default=dict, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "务工经历"
        verbose_name_plural = "务工经历"
        ordering = ["household_id", "person_id", "start_month"]
        constraints = [models.UniqueConstraint(fields=["person", "start_month"], name="episode_person_start")]
        indexes = [
            models.Index(fields=["county_code", "start_month"], name="episode_county"),
            models.Index(fields=["township_code", "end_month"], name="episode_township"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.start_month}–{self.end_month or '至今'}"


class WorkPlan(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="work_plans")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    period = models.CharField("期间", max_length=7)
    planned = models.BooleanField("是否计划务工", null=True, blank=True)
    planned_county = models.CharField("计划务工所在县", max_length=128, blank=True)
    service_need = models.CharField("就业服务需求", max_length=255, blank=True)
    national = models.JSONField("国家系统原列", default=dict, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "计划外出务工"
        verbose_name_plural = "计划外出务工"
        ordering = ["household_id", "person_id", "period"]
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="plan_person_period")]
        indexes = [models.Index(fields=["county_code", "period"], name="plan_county")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period}"


class LabourRecord(models.Model):
    """One labourer in one month's roster (劳动力花名册, R-EMP-02)."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="labour_records")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    period = models.CharField("期间", max_length=7)
    labour = models.CharField("劳动技能", max_length=16)  # registry.choices.LabourChoices code
    willing = models.BooleanField("就业意愿", null=True, blank=True)
    status = models.CharField("当月就业状态", max_length=16, choices=LabourStatusChoices.choices)
    source = models.CharField("状态来源", max_length=16, choices=StatusSourceChoices.choices)
    checked_on = models.DateField("核实日期", null=True, blank=True)
    episode = models.ForeignKey(
        WorkEpisode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "劳动力花名册"
        verbose_name_plural = "劳动力花名册"
        ordering = ["household_id", "person_id", "period"]
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="labour_person_period")]
        indexes = [
            models.Index(fields=["township_code", "period", "status"], name="labour_township"),
            models.Index(fields=["county_code", "period", "status"], name="labour_county"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period} {self.status}"
