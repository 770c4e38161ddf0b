"""Clues, cases (identification and elimination workflows), plans, measures, helpers and visits.

Rows are written only by the services in shouwang.cases.services, each of which writes its audit row
(STYLE 4, 5). The workflow itself (states, moves, roles, preconditions) is data in
shouwang.cases.transitions (STYLE 7).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shouwang.cases.choices import (
    CaseKindChoices,
    CaseStateChoices,
    ChannelChoices,
    DocumentKindChoices,
    MeasureItemChoices,
    MeasureStatusChoices,
    MeasureTypeChoices,
    RiskLevelChoices,
)
from shouwang.registry.choices import EliminationModeChoices, MonitoringCategoryChoices


def money(verbose_name: str, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class CaseParameter(models.Model):
    """Workflow parameters, versioned by region and year (POLICY: "such numbers are configuration").

    ``region_code`` "" applies everywhere; a longer code (county, township …) overrides for its area.
    ``year`` null applies to every year. Rows are never edited: a change is a new row with a higher
    ``version``; the lookup takes the most specific region, then the exact year, then the highest version.
    """

    region_code = models.CharField("适用区划", max_length=15, blank=True, default="")
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    notice_days = models.PositiveSmallIntegerField("公示天数（日历日）", default=5)  # R-ID-03
    limit_days = models.PositiveSmallIntegerField("识别时限（天）", default=15)  # R-ID-03
    escalation_step_days = models.PositiveSmallIntegerField("逐级督办间隔（天）", default=3)
    elimination_min_months = models.PositiveSmallIntegerField("消除最短监测月数", default=6)  # R-ELIM-02
    visit_days_red = models.PositiveSmallIntegerField("红色走访间隔（天）", default=7)  # R-ID-06
    visit_days_yellow = models.PositiveSmallIntegerField("黄色走访间隔（天）", default=30)
    visit_days_green = models.PositiveSmallIntegerField("绿色走访间隔（天）", default=92)
    # Households without an open case that are neither 脱贫户 nor formerly monitored (those keep the green
    # interval): the routine sweep of every rural household (R-ID-06, R-NRM-06 "乡村两级常态化监测").
    visit_days_routine = models.PositiveSmallIntegerField("常态化走访间隔（天）", default=182)
    self_report_escalation_days = models.PositiveSmallIntegerField("自主申报督办天数", default=10)  # R-ID-07
    duplicate_window_days = models.PositiveSmallIntegerField("重复申报合并天数", default=30)
    income_threshold = money("监测范围（元/人·年）", null=True, blank=True)  # R-THR-04, if screening has none
    note = models.CharField("说明/依据", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作参数"
        verbose_name_plural = "工作参数"
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year", "version"], name="case_parameter_version")
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '全省默认'} {self.year or '各年'} v{self.version}"


class Case(models.Model):
    """One episode of one household: identification (clue → monitoring) or elimination (candidate →
    eliminated). At most one open case of each kind per household (partial unique constraint)."""

    kind = models.CharField("类型", max_length=16, choices=CaseKindChoices.choices)
    household = models.ForeignKey(
        "registry.Household", verbose_name="农户", on_delete=models.PROTECT, related_name="cases"
    )
    parent = models.ForeignKey(
        "self", verbose_name="所属识别案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("环节", max_length=24, choices=CaseStateChoices.choices, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    is_open = models.BooleanField("办理中", default=True)

    opened_on = models.DateField("首条线索日期")
    due_on = models.DateField("办结时限", null=True, blank=True)
    overdue = models.BooleanField("已超期", default=False)
    escalated_to = models.CharField("已督办至", max_length=16, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    green_channel = models.BooleanField("绿色通道（先帮扶后履行程序）", default=False)

    category = models.CharField(
        "监测对象类别", max_length=16, choices=MonitoringCategoryChoices.choices, blank=True
    )
    risk_types = models.JSONField("风险类型", default=list, blank=True)
    risk_remark = models.CharField("其他风险说明", max_length=255, blank=True)
    risk_level = models.CharField(
        "走访等级", max_length=8, choices=RiskLevelChoices.choices, default=RiskLevelChoices.YELLOW
    )
    elimination_mode = models.CharField(
        "风险消除方式", max_length=16, choices=EliminationModeChoices.choices, blank=True
    )
    comparison = models.JSONField("信息比对结果", default=dict, blank=True)

    home_checked_on = models.DateField("入户核实日期", null=True, blank=True)
    compared_on = models.DateField("信息比对日期", null=True, blank=True)
    reviewed_on = models.DateField("民主评议日期", null=True, blank=True)
    notice_started_on = models.DateField("公示开始", null=True, blank=True)
    notice_ended_on = models.DateField("公示结束", null=True, blank=True)
    township_reviewed_on = models.DateField("乡镇审核日期", null=True, blank=True)
    approved_on = models.DateField("县级审定日期", null=True, blank=True)
    announced_on = models.DateField("公告日期", null=True, blank=True)
    decided_on = models.DateField("识别/消除时间", null=True, blank=True)
    rejection_reason = models.CharField("不予通过原因", max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind"], condition=Q(is_open=True), name="case_one_open_per_household"
            )
        ]
        indexes = [models.Index(fields=["is_open", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}#{self.pk} {self.household_id} {self.get_state_display()}"


class Clue(models.Model):
    """A risk clue from any channel (R-ID-01). Opens a case or attaches to the open one; a clue whose
    household is not yet known (self-report without ID) waits for staff to resolve it."""

    channel = models.CharField("渠道", max_length=16, choices=ChannelChoices.choices)
    source_ref = models.CharField("来源标识", max_length=64, blank=True, db_index=True)
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="clues"
    )
    village = models.ForeignKey("regions.Region", verbose_name="行政村", on_delete=models.PROTECT)
    subject_name = models.CharField("当事人姓名", max_length=64, blank=True)
    subject_id_index = models.CharField(max_length=32, blank=True)
    risk_types = models.JSONField("风险类型", default=list, blank=True)
    description = models.TextField("情况描述", blank=True)
    evidence = models.JSONField("证据", default=dict, blank=True)
    reported_on = models.DateField("发现日期")
    green_channel = models.BooleanField("突发灾害/事故", default=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="clues")
    new_risks = models.JSONField("新增风险", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "风险线索"
        verbose_name_plural = "风险线索"
        ordering = ["-id"]
        indexes = [models.Index(fields=["channel", "source_ref"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class CaseStep(models.Model):
    """The case's own history: one row per workflow action, with the data entered at that step."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=32)
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_role = models.CharField(max_length=16, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.action}"


class CaseDocument(models.Model):
    """An uploaded file (signed authorisation, photo), stored under DATA_DIR/uploads (R-ID-02 step 1)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料类型", max_length=24, choices=DocumentKindChoices.choices)
    filename = models.CharField("原文件名", max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=500)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class NoticeObjection(models.Model):
    """An objection raised during the village notice (R-ID-03); the notice cannot close while one is open."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    resolution = models.TextField("处理结果", blank=True)
    resolved_on = models.DateField("处理日期", null=True, blank=True)
    upheld = models.BooleanField("异议成立", default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"异议#{self.pk}"


class AssistancePlan(models.Model):
    """一户一策 (R-AID-03): one plan per household, kept across episodes."""

    household = models.OneToOneField("registry.Household", on_delete=models.PROTECT, related_name="plan")
    warnings = models.JSONField("提示", default=list, blank=True)
    # 监测联系人 (R-AID-03; required once the household's risk is eliminated, R-ELIM-06, [DQ] 1_11_011):
    # who keeps an eye on the household after elimination. The phone is sealed like every other phone.
    contact_name = models.CharField("监测联系人", max_length=64, blank=True)
    contact_phone_sealed = models.TextField(blank=True)
    contact_phone_index = models.CharField(max_length=32, blank=True)
    contact_phone_masked = models.CharField("监测联系人电话", max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.household_id} 帮扶计划"


class Helper(models.Model):
    """帮扶责任人 (R-AID-03, schema pcs2309_tph_bfzrr). The phone is sealed like every other phone."""

    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="helpers")
    name = models.CharField("姓名", max_length=64)
    unit = models.CharField("帮扶（选派）单位", max_length=128)
    phone_sealed = models.TextField(blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)
    start_on = models.DateField("帮扶开始时间")
    end_on = models.DateField("帮扶结束时间", null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    plan = models.ForeignKey(AssistancePlan, on_delete=models.CASCADE, related_name="measures")
    case = models.ForeignKey(Case, null=True, on_delete=models.PROTECT, related_name="measures")
    measure_type = models.CharField("帮扶措施类型", max_length=8, choices=MeasureTypeChoices.choices)
    item = models.CharField("具体项目", max_length=32, choices=MeasureItemChoices.choices, blank=True)
    description = models.CharField("内容", max_length=255, blank=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期", null=True, blank=True)
    amount = money("金额（元）", null=True, blank=True)
    loan_term_months = models.PositiveSmallIntegerField("贷款期限（月）", null=True, blank=True)
    subsidised = models.BooleanField("贴息", default=False)
    status = models.CharField(
        max_length=8, choices=MeasureStatusChoices.choices, default=MeasureStatusChoices.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.measure_type} {self.description}"


class Visit(models.Model):
    """A visit to a household (R-ID-06), with an optional income update: a follow-up visit of a monitored
    household's case (tier red/yellow/green), or a routine visit (常态化走访) of a household without an open
    identification case, on the grid's rhythm (``case`` empty; docs/cases.md "Routine visits")."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="visits")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("走访日期")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    notes = models.TextField("走访情况", blank=True)
    risk_level = models.CharField("走访等级", max_length=8, choices=RiskLevelChoices.choices)
    income_period = models.CharField("更新收入期间", max_length=7, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["household", "visited_on"], name="cases_visit_hh_day")]

    def __str__(self) -> str:
        return f"走访 {self.visited_on}"

    @property
    def routine(self) -> bool:
        return self.case_id is None
