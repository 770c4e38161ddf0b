"""The labour roster and the 务工月监测 ledger (POLICY §13, R-EMP-02/03; docs/employment.md).

* ``WorkEpisode``: one row of the national 已外出务工信息 export, one work episode of one person, keyed by
  (person, start month). Typed fields for the checks and the figures; ``national`` keeps the identity
  columns as the county's export wrote them (县, 乡, 行政村, 人编号, 户类型, …) and any further columns, so
  the export writes the same rows back (R-EMP-03: "the export may hold more, which are kept").
* ``WorkPlan``: one row of 计划外出务工信息, keyed by (person, period).
* ``TransportSubsidy`` (with ``TransportSubsidyParameter``): the yearly 交通补助 of one person, computed
  from the episodes (R-EMP-09, ``services/transport.py``).
* ``LabourRecord``: the monthly labour roster (劳动力花名册), keyed by (person, period): skill, willingness,
  the month's status and where that status came from.

The resident ID is never stored here: rows point to ``registry.Person``, which holds it sealed. Rows are
written only by the services of this app (imports), each batch with its audit rows (STYLE 4, 5).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from shouwang.employment.choices import (
    LabourStatusChoices,
    StatusSourceChoices,
    TransportSubsidyStatusChoices,
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


class TransportSubsidyParameter(models.Model):
    """R-EMP-09's numbers for a region and year (``region_code`` "" = everywhere, ``year`` null = every
    year); never edited, a change is a new version (the most specific region, then the exact year, then
    the highest version win, as ``cases.CaseParameter``)."""

    region_code = models.CharField("适用区划", max_length=15, blank=True, default="")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    min_months = models.PositiveSmallIntegerField("连续务工最少月数", default=3)
    amount = models.DecimalField(
        "补助标准（元/人·年）", max_digits=10, decimal_places=2, default=Decimal("500")
    )
    # WorkPlaceTypeChoices values, comma-separated: where the work must be (百里杜鹃: out of province).
    place_types = models.CharField("务工地域", max_length=64, default="out_of_province")
    note = models.CharField("说明/依据", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "交通补助参数"
        verbose_name_plural = "交通补助参数"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="transport_param_version")
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '全省默认'} {self.year or '各年'} v{self.version}"


class TransportSubsidy(models.Model):
    """One person's 交通补助 of one year (R-EMP-09: once a year per person): the qualifying run of
    months, the amount, and the payment's outcome."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    year = models.PositiveSmallIntegerField("年度")
    count_from = models.CharField("起算月份", max_length=7)  # January, or the enrolment month
    first_month = models.CharField("连续务工起", max_length=7)
    last_month = models.CharField("连续务工止", max_length=7)
    months = models.PositiveSmallIntegerField("连续务工月数")
    place_type = models.CharField("务工地域", max_length=16, choices=WorkPlaceTypeChoices.choices)
    work_county = models.CharField("务工所在县", max_length=128, blank=True)
    amount = models.DecimalField("补助金额（元）", max_digits=10, decimal_places=2)
    reason = models.CharField("认定理由", max_length=255)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=TransportSubsidyStatusChoices.choices,
        default=TransportSubsidyStatusChoices.ELIGIBLE,
    )
    paid_on = models.DateField("发放日期", null=True, blank=True)
    payment_note = models.CharField("发放说明", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "交通补助"
        verbose_name_plural = "交通补助"
        ordering = ["county_code", "township_code", "household_id", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="transport_person_year")]
        indexes = [models.Index(fields=["county_code", "year", "status"], name="transport_county_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.status}"
