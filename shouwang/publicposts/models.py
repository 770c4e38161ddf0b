"""Public-welfare posts (公益性岗位, POLICY §13 R-EMP-07; docs/publicposts.md).

* ``PostParameter``: the hiring rules a province (or a county below it) switches on, versioned like the
  other parameter tables: age bounds, the household cap, the cadre-family rule, whether only 脱贫 /
  monitored / 低保 households may apply, and the public-notice days.
* ``PublicPost``: one post of one village (class, funding, subsidy, insurance, places, term) with its
  recruitment stage (transitions.py).
* ``PostApplication``: one person applying to one post's current recruitment round.
* ``PostHolder``: one person's tenure of a post (start, term end, exit with a coded reason).
* ``PostMonthRecord``: a holder's month: days worked and the subsidy paid.

Rows are written only by this app's services, each change with its audit row (STYLE 4, 5).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shouwang.publicposts.choices import (
    ApplicationStatusChoices,
    ExitReasonChoices,
    FundingSourceChoices,
    HolderStatusChoices,
    InsuranceChoices,
    PostClassChoices,
    PostStageChoices,
)


def _money(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class PostParameter(models.Model):
    """Hiring rules by region and year (R-EMP-07: "parameter"; the province's switches).

    ``region_code`` "" applies everywhere, a province code for that province, a longer code overrides for
    its area. ``year`` null applies to every year. Rows are never edited: a change is a new row with a
    higher ``version``; the lookup takes the most specific region, then the exact year, then the highest
    version (publicposts.parameters).
    """

    region_code = models.CharField("适用区划", max_length=15, blank=True, default="")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    min_age = models.PositiveSmallIntegerField("最低年龄", default=16)
    max_age = models.PositiveSmallIntegerField("最高聘用年龄", default=60)
    max_age_health_checked = models.PositiveSmallIntegerField("体检合格时最高聘用年龄", default=65)
    household_cap = models.PositiveSmallIntegerField("每户最多岗位数", default=1)
    cadre_family_rule = models.BooleanField("村干部近亲属不得聘用", default=True)
    target_households_only = models.BooleanField("仅限脱贫户、监测户和低保特困户", default=True)
    notice_days = models.PositiveSmallIntegerField("公示天数（日历日）", default=5)
    note = models.CharField("说明/依据", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "公益性岗位参数"
        verbose_name_plural = "公益性岗位参数"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="post_parameter_version")
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '默认'} {self.year or '各年'} v{self.version}"


class PublicPost(models.Model):
    name = models.CharField("岗位名称", max_length=64)
    village = models.ForeignKey(
        "regions.Region", verbose_name="行政村", on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised for region scoping (one indexed equality filter, as households).
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    post_class = models.CharField("岗位类别", max_length=16, choices=PostClassChoices.choices)
    department = models.CharField("主管部门", max_length=64, blank=True)
    funding = models.CharField("资金来源", max_length=16, choices=FundingSourceChoices.choices)
    monthly_subsidy = _money("月补贴（元）")
    insurance = models.CharField("保险", max_length=16, choices=InsuranceChoices.choices)
    places = models.PositiveSmallIntegerField("岗位数", default=1)
    term_months = models.PositiveSmallIntegerField("聘期（月）", default=12)
    stage = models.CharField(
        "招聘环节", max_length=16, choices=PostStageChoices.choices, default=PostStageChoices.DRAFT
    )
    round = models.PositiveSmallIntegerField("招聘轮次", default=1)
    announced_on = models.DateField("公告日期", null=True, blank=True)
    review_started_on = models.DateField("报名截止日期", null=True, blank=True)
    notice_started_on = models.DateField("公示开始日期", null=True, blank=True)
    hired_on = models.DateField("聘用日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "公益性岗位"
        verbose_name_plural = "公益性岗位"
        ordering = ["village_id", "pk"]
        indexes = [
            models.Index(fields=["county_code", "stage"], name="post_county"),
            models.Index(fields=["township_code"], name="post_township"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.village_id}）"


class PostApplication(models.Model):
    post = models.ForeignKey(PublicPost, on_delete=models.CASCADE, related_name="applications")
    round = models.PositiveSmallIntegerField("招聘轮次")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField("报名日期")
    health_checked = models.BooleanField("体检合格", default=False)
    cadre_relative = models.BooleanField("村干部近亲属", default=False)
    status = models.CharField(
        "状态",
        max_length=16,
        choices=ApplicationStatusChoices.choices,
        default=ApplicationStatusChoices.SUBMITTED,
    )
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "岗位报名"
        verbose_name_plural = "岗位报名"
        ordering = ["post_id", "round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "round", "person"], name="application_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}/{self.round} {self.person_id}"


class PostHolder(models.Model):
    post = models.ForeignKey(PublicPost, on_delete=models.PROTECT, related_name="holders")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    application = models.OneToOneField(
        PostApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="holder"
    )
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    start_on = models.DateField("聘用开始")
    term_end_on = models.DateField("聘期结束")
    status = models.CharField(
        "状态", max_length=8, choices=HolderStatusChoices.choices, default=HolderStatusChoices.ACTIVE
    )
    ended_on = models.DateField("离岗日期", null=True, blank=True)
    exit_reason = models.CharField("离岗原因", max_length=24, choices=ExitReasonChoices.choices, blank=True)
    exit_note = models.CharField("离岗说明", max_length=255, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "公益性岗位在岗人员"
        verbose_name_plural = "公益性岗位在岗人员"
        ordering = ["post_id", "start_on", "pk"]
        constraints = [
            # 一人一岗 (R-EMP-07): one active post per person, whatever the services do.
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="holder_one_active_post"
            )
        ]
        indexes = [models.Index(fields=["county_code", "start_on"], name="holder_county")]

    def __str__(self) -> str:
        return f"{self.post_id} {self.person_id} {self.start_on}"


class PostMonthRecord(models.Model):
    """A holder's month (R-EMP-07 register: attendance, payments)."""

    holder = models.ForeignKey(PostHolder, on_delete=models.CASCADE, related_name="months")
    period = models.CharField("月份", max_length=7)
    days_worked = models.PositiveSmallIntegerField("出勤天数")
    subsidy_paid = _money("发放补贴（元）", null=True, blank=True)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    note = models.CharField("备注", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "公益性岗位月度考勤发放"
        verbose_name_plural = "公益性岗位月度考勤发放"
        ordering = ["holder_id", "period"]
        constraints = [models.UniqueConstraint(fields=["holder", "period"], name="post_month_once")]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.period}"
