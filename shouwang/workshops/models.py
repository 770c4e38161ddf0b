"""帮扶车间 and 以工代赈 rolls (POLICY §13, R-EMP-08; docs/workshops.md).

* ``Workshop``: a recognised 就业帮扶车间 (认定: date and document of the joint 人社 + 乡村振兴 recognition),
  its quarterly status and, while 监测待处置, the quarter it started failing (the buffer runs from there).
* ``WorkshopWorker``: one person's spell at a workshop (from / to month, monthly pay).
* ``WorkshopCheck``: one quarterly check of one workshop, with the figures, the reasons and the status
  before and after: the status history.
* ``ReliefProject`` / ``ReliefParticipant``: a 以工代赈 project with its investment and planned labour
  remuneration (劳务报酬) and the people paid, with months and pay.
* ``WorkshopParameter``: the numbers POLICY leaves to the region (R-EMP-08), versioned by region and year.

Rows are written only by ``workshops.services`` (atomic, audited; STYLE 4, 5). This app sits below
``employment`` and knows nothing of it: the roster reads ``workshops.selectors``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from shouwang.workshops.choices import WorkshopKindChoices, WorkshopStatusChoices


def _money(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class WorkshopParameter(models.Model):
    """R-EMP-08's numbers for a region and year (``region_code`` "" = everywhere, ``year`` null = every
    year); never edited, a change is a new version. The lookup takes the most specific region, then the
    exact year, then the highest version (as ``cases.CaseParameter``)."""

    region_code = models.CharField("适用区划", max_length=15, blank=True, default="")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    min_workers = models.PositiveSmallIntegerField("最少吸纳脱贫劳动力（人）", default=5)
    worker_min_months = models.PositiveSmallIntegerField("计入吸纳的最短务工月数", default=3)
    worker_min_pay = _money("计入吸纳的最低年务工收入（元）", default=Decimal("5000"))
    buffer_months = models.PositiveSmallIntegerField("清理前缓冲期（月）", default=6)
    relief_min_share = models.DecimalField(
        "以工代赈劳务报酬最低占比（%）", max_digits=5, decimal_places=2, default=Decimal("30")
    )
    note = models.CharField("说明/依据", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "车间与以工代赈参数"
        verbose_name_plural = "车间与以工代赈参数"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="workshop_param_version")
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '全省默认'} {self.year or '各年'} v{self.version}"


class Workshop(models.Model):
    name = models.CharField("车间名称", max_length=128)
    kind = models.CharField("车间类型", max_length=16, choices=WorkshopKindChoices.choices)
    village = models.ForeignKey(
        "regions.Region", verbose_name="所在村", on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    operator = models.CharField("经营主体", max_length=128)
    recognised_on = models.DateField("认定日期")
    recognition_doc = models.CharField("认定文件", max_length=128)
    status = models.CharField(
        "运行状态", max_length=16, choices=WorkshopStatusChoices.choices, default=WorkshopStatusChoices.NORMAL
    )
    # While 监测待处置: the first quarter of the current run of failed checks (the buffer counts from its
    # first month, decision 0731).
    failing_since = models.CharField("未达标起始季度", max_length=6, blank=True)
    last_checked = models.CharField("最近检查季度", max_length=6, blank=True)
    cleared_on = models.CharField("清理季度", max_length=6, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "帮扶车间"
        verbose_name_plural = "帮扶车间"
        ordering = ["county_code", "township_code", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="workshop_village_name")]
        indexes = [models.Index(fields=["county_code", "status"], name="workshop_county")]

    def __str__(self) -> str:
        return self.name


class WorkshopWorker(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="workers")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)  # the workshop's (for the roster's county filter)
    from_month = models.CharField("开始月份", max_length=7)
    to_month = models.CharField("结束月份", max_length=7, blank=True)  # empty = still working
    monthly_pay = _money("月工资（元）", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "车间务工人员"
        verbose_name_plural = "车间务工人员"
        ordering = ["workshop_id", "from_month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "person", "from_month"], name="workshop_worker_start")
        ]
        indexes = [models.Index(fields=["county_code", "from_month"], name="workshop_worker_county")]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.person_id} {self.from_month}–{self.to_month or '至今'}"


class WorkshopCheck(models.Model):
    """One quarterly check (R-EMP-08): the status history of a workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="checks")
    quarter = models.CharField("季度", max_length=6)
    workers = models.PositiveIntegerField("在岗人数", default=0)
    counted = models.PositiveIntegerField("计入吸纳的脱贫劳动力", default=0)
    passed = models.BooleanField("是否达标")
    reasons = models.JSONField("未达标原因", default=list, blank=True)
    status_before = models.CharField("检查前状态", max_length=16, choices=WorkshopStatusChoices.choices)
    status_after = models.CharField("检查后状态", max_length=16, choices=WorkshopStatusChoices.choices)
    failing_since_before = models.CharField(max_length=6, blank=True)
    parameters = models.CharField("所用参数", max_length=64, blank=True)
    actor_label = models.CharField("检查人", max_length=150, blank=True)
    checked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "车间季度检查"
        verbose_name_plural = "车间季度检查"
        ordering = ["workshop_id", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["workshop", "quarter"], name="workshop_check_quarter")]

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.quarter} {self.status_after}"


class ReliefProject(models.Model):
    """A 以工代赈 project (R-EMP-08): planned and paid 劳务报酬 against the central money."""

    name = models.CharField("项目名称", max_length=128)
    county = models.ForeignKey(
        "regions.Region", verbose_name="所在县", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    central_investment = _money("中央资金（元）")
    total_investment = _money("总投资（元）")
    planned_remuneration = _money("计划劳务报酬（元）")
    required_share = models.DecimalField("劳务报酬最低占比（%）", max_digits=5, decimal_places=2)
    required_source = models.CharField("占比依据", max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "以工代赈项目"
        verbose_name_plural = "以工代赈项目"
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "name"], name="relief_project_name")]

    def __str__(self) -> str:
        return self.name


class ReliefParticipant(models.Model):
    project = models.ForeignKey(ReliefProject, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField(max_length=6)
    from_month = models.CharField("开始月份", max_length=7)
    to_month = models.CharField("结束月份", max_length=7)
    pay = _money("劳务报酬（元）")
    paid_on = models.DateField("发放日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "以工代赈务工人员"
        verbose_name_plural = "以工代赈务工人员"
        ordering = ["project_id", "from_month", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "from_month"], name="relief_participant_start"
            )
        ]
        indexes = [models.Index(fields=["county_code", "from_month"], name="relief_participant_county")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.person_id} {self.from_month}–{self.to_month}"
