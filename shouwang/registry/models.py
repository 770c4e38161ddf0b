"""Households, members and 12-month incomes (CONTRACT §2 registry files).

Personal identifiers are never stored in clear: ``*_sealed`` holds the AES-GCM token and
``*_index`` the keyed blind index used for exact-match search and department matching
(shouwang.common.crypto). ``id_masked`` is the display form.

Household, Person and IncomeRecord rows are written only by services in shouwang.registry.services
and the import path, each of which writes its audit rows (STYLE 4, 5).
"""

from django.db import models

from shouwang.registry.choices import (
    EliminationModeChoices,
    HealthChoices,
    HouseholdStatusChoices,
    LabourChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    QualitySeverityChoices,
    RelationChoices,
    ResidenceChoices,
    SchoolStatusChoices,
    SexChoices,
    WorkPlaceChoices,
)


def money(verbose_name: str, **kwargs: object) -> models.DecimalField:
    """Yuan with 2 decimals (CONTRACT §2)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)  # type: ignore[arg-type]


class Household(models.Model):
    household_no = models.CharField("户编号", max_length=32, unique=True)
    village = models.ForeignKey(
        "regions.Region",
        verbose_name="行政村",
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,  # indexed in Meta, without the LIKE-pattern twin (decision 0105)
    )
    group = models.ForeignKey(
        "regions.Region",
        verbose_name="村民小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_households",
        db_index=False,
    )
    # Denormalised ancestors of the village: region scoping is one indexed equality filter (the
    # indexes are in Meta: equality only, so no LIKE-pattern twins; decision 0105).
    province_code = models.CharField(max_length=2)
    prefecture_code = models.CharField(max_length=4)
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    group_name = models.CharField("村民小组名称", max_length=64, blank=True)
    address = models.CharField("地址", max_length=255, blank=True)
    head_name = models.CharField("户主姓名", max_length=64, blank=True, db_index=True)

    poverty_status = models.CharField("户类型", max_length=16, choices=PovertyStatusChoices.choices)
    poverty_exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    relocated = models.BooleanField("易地搬迁", default=False)
    monitoring_category = models.CharField(
        "监测对象类别", max_length=16, choices=MonitoringCategoryChoices.choices, blank=True
    )
    identified_on = models.DateField("识别监测时间", null=True, blank=True)
    risk_eliminated_on = models.DateField("风险消除时间", null=True, blank=True)
    elimination_mode = models.CharField(
        "风险消除方式", max_length=16, choices=EliminationModeChoices.choices, blank=True
    )
    no_labour_safety_net = models.BooleanField("整户无劳动能力兜底保障户", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=HouseholdStatusChoices.choices, default=HouseholdStatusChoices.ACTIVE
    )

    # 两不愁三保障 and drinking water (R-INC-03 (c), R-SYS-02). True = secured.
    food_clothing_secure = models.BooleanField("不愁吃不愁穿", default=True)
    compulsory_education_secure = models.BooleanField("义务教育有保障", default=True)
    basic_medical_secure = models.BooleanField("基本医疗有保障", default=True)
    housing_secure = models.BooleanField("住房安全有保障", default=True)
    water_secure = models.BooleanField("饮水安全有保障", default=True)

    phone_sealed = models.TextField("联系电话（密文）", blank=True)
    phone_index = models.CharField(max_length=32, blank=True)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)

    member_count = models.PositiveSmallIntegerField("计算人口", default=0)
    registered_count = models.PositiveSmallIntegerField("登记人口", default=0)
    income_period = models.CharField("最近收入期", max_length=7, blank=True)
    income_per_capita = money("人均纯收入", null=True, blank=True)

    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "农户"
        verbose_name_plural = "农户"
        ordering = ["household_no"]
        indexes = [
            # province/county/township equality filters use the leading column of these.
            models.Index(fields=["county_code", "household_no"]),
            models.Index(fields=["township_code", "household_no"]),
            models.Index(fields=["prefecture_code"], name="hh_prefecture"),
            models.Index(fields=["village"], name="hh_village"),
            models.Index(fields=["group"], name="hh_group"),
            models.Index(fields=["monitoring_category"], name="hh_monitoring_category"),
            models.Index(fields=["phone_index"], name="hh_phone_index"),
            # The console's household list sorted by income (docs/console.md: 285 ms -> 29 ms at 1M).
            models.Index(
                fields=["county_code", "income_per_capita", "household_no"], name="hh_county_income"
            ),
            models.Index(
                fields=["province_code", "income_per_capita", "household_no"], name="hh_province_income"
            ),
        ]

    def __str__(self) -> str:
        return self.household_no

    @property
    def is_monitored(self) -> bool:
        return bool(self.monitoring_category) and self.risk_eliminated_on is None


class Person(models.Model):
    household = models.ForeignKey(
        Household, verbose_name="户", on_delete=models.CASCADE, related_name="members"
    )
    id_sealed = models.TextField("证件号码（密文）")
    # Unique and indexed through Meta: exact match only, so no LIKE-pattern twin (decision 0105).
    id_index = models.CharField("证件号码索引", max_length=32)
    id_masked = models.CharField("证件号码", max_length=24)
    name = models.CharField("姓名", max_length=64, db_index=True)
    sex = models.CharField("性别", max_length=1, choices=SexChoices.choices)
    birth_date = models.DateField("出生日期")
    relation = models.CharField("与户主关系", max_length=16, choices=RelationChoices.choices)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    education = models.CharField("文化程度", max_length=32, blank=True)
    school_status = models.CharField(
        "在校生状况", max_length=24, choices=SchoolStatusChoices.choices, default=SchoolStatusChoices.NONE
    )
    health = models.CharField(
        "健康状况", max_length=16, choices=HealthChoices.choices, default=HealthChoices.HEALTHY
    )
    disability_grade = models.PositiveSmallIntegerField("残疾等级", null=True, blank=True)
    labour = models.CharField("劳动技能", max_length=16, choices=LabourChoices.choices)
    work_months = models.PositiveSmallIntegerField("务工时间（月）", default=0)
    work_place = models.CharField("务工地点", max_length=16, choices=WorkPlaceChoices.choices, blank=True)
    medical_insurance = models.BooleanField("基本医疗保险", default=True)
    serious_illness_insurance = models.BooleanField("大病保险", default=True)
    pension_insurance = models.BooleanField("养老保险", default=False)
    dibao = models.BooleanField("低保", default=False)
    tekun = models.BooleanField("特困", default=False)
    residence = models.CharField(
        "共同生活状况", max_length=16, choices=ResidenceChoices.choices, default=ResidenceChoices.PRESENT
    )
    phone_sealed = models.TextField("联系电话（密文）", blank=True)
    phone_index = models.CharField(max_length=32, blank=True)
    phone_masked = models.CharField("联系电话", max_length=16, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household_id", "id"]
        constraints = [models.UniqueConstraint(fields=["id_index"], name="person_id_index_unique")]
        indexes = [models.Index(fields=["phone_index"], name="person_phone_index")]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class IncomeRecord(models.Model):
    """Income and spending for the 12 months ending with ``period`` (R-INC-01, R-INC-02, R-INC-04)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    period = models.CharField("期间", max_length=7)
    wage = money("工资性收入")
    business = money("生产经营性收入")
    property = money("财产性收入")
    transfer = money("转移性收入")
    business_cost = money("生产经营性支出")
    compliant_self_pay = money("合规自付支出", default=0)
    insurance_claims = money("理赔收入", default=0)
    net_income = money("家庭纯收入")
    members_counted = models.PositiveSmallIntegerField("计算人口")
    per_capita_net = money("人均纯收入", null=True)
    per_capita_reference = money("人均收入参考值", null=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "家庭收支"
        verbose_name_plural = "家庭收支"
        ordering = ["household_id", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="income_household_period")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period}"


class DataQualityIssue(models.Model):
    """A finding of the data-quality checks (R-KPI-05). Errors block an import; warnings are reported."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="quality_issues")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code = models.CharField("规则", max_length=32)
    severity = models.CharField("级别", max_length=8, choices=QualitySeverityChoices.choices)
    message = models.CharField("说明", max_length=255)
    batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "数据质量问题"
        verbose_name_plural = "数据质量问题"
        indexes = [models.Index(fields=["household", "code"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
