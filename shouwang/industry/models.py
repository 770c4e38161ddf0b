"""Industry assistance: business entities, 双绑 bindings and the payout ledger (POLICY §12; docs/industry.md).

* ``BusinessEntity``: one 经营主体 keyed by its 统一社会信用代码 (R-IND-02), with its 经营状态 and where that
  came from (the entity register or the 市场监管 feed); ``EntityStatusChange`` keeps every change with
  its date and source.
* ``Binding``: one 双绑 agreement at one of the two levels (企业—合作社, 经营主体—农户), its 利益联结方式
  and what it promises (保底价, 租金, 分红比例, 保底收益, jobs).
* ``Payout``: one 兑现 of an agreement to a household (收购款, 租金, 工资, 分红, 保底收益), due and paid
  (R-IND-03). Paid payouts reach the household's income record by source (``PayoutIncome`` remembers what
  was added, decision 0803).

Rows are written only by this app's services (imports), each batch with its audit rows (STYLE 4, 5).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models

from shouwang.industry.choices import (
    BindingLevelChoices,
    EntityLevelChoices,
    EntityStatusChoices,
    EntityTypeChoices,
    FourClassChoices,
    LinkModeChoices,
    LoanStatusChoices,
    LoanSubsidyChoices,
    PayMethodChoices,
    PayoutTypeChoices,
    StatusSourceChoices,
)


def _money(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, null=True, blank=True)


class BusinessEntity(models.Model):
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("主体名称", max_length=255)
    entity_type = models.CharField("主体类型", max_length=16, choices=EntityTypeChoices.choices)
    level = models.CharField("龙头企业级别", max_length=16, choices=EntityLevelChoices.choices, blank=True)
    main_product = models.CharField("主营产品", max_length=128, blank=True)
    county_code = models.CharField("所在县", max_length=6)
    township_code = models.CharField("所在乡镇", max_length=9, blank=True)
    village_code = models.CharField("所在行政村", max_length=12, blank=True)
    status = models.CharField(
        "经营状态", max_length=16, choices=EntityStatusChoices.choices, default=EntityStatusChoices.NORMAL
    )
    status_on = models.DateField("状态日期", null=True, blank=True)
    status_source = models.CharField(
        "状态来源", max_length=16, choices=StatusSourceChoices.choices, default=StatusSourceChoices.REGISTER
    )
    four_class = models.CharField("四个一批", max_length=16, choices=FourClassChoices.choices, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "经营主体"
        verbose_name_plural = "经营主体"
        ordering = ["county_code", "entity_type", "name"]
        indexes = [models.Index(fields=["county_code", "entity_type", "status"], name="entity_county")]

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"


class EntityStatusChange(models.Model):
    """One change of an entity's 经营状态, with its date and source (the 市场监管 feed or the register)."""

    entity = models.ForeignKey(BusinessEntity, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField("原状态", max_length=16, choices=EntityStatusChoices.choices, blank=True)
    status = models.CharField("经营状态", max_length=16, choices=EntityStatusChoices.choices)
    status_on = models.DateField("状态日期", null=True, blank=True)
    source = models.CharField("来源", max_length=16, choices=StatusSourceChoices.choices)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "经营状态变更"
        verbose_name_plural = "经营状态变更"
        ordering = ["entity_id", "-id"]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.old_status}→{self.status}"


class Binding(models.Model):
    """One 双绑 agreement (R-IND-02). 企业—合作社: ``entity`` the enterprise, ``partner`` the cooperative.
    经营主体—农户: ``entity`` the cooperative (or another entity: a direct enterprise binding is 单绑),
    ``household`` the household."""

    binding_no = models.CharField("协议编号", max_length=64, unique=True)
    level = models.CharField("绑定层级", max_length=16, choices=BindingLevelChoices.choices)
    entity = models.ForeignKey(BusinessEntity, on_delete=models.PROTECT, related_name="bindings")
    partner = models.ForeignKey(
        BusinessEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="upper_bindings"
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="industry_bindings",
    )
    # Region of the bound household (or of the cooperative) for scoping and the township counts.
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9, blank=True)
    link_modes = models.JSONField("利益联结方式", default=list)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    start_on = models.DateField("协议开始日期")
    end_on = models.DateField("协议结束日期", null=True, blank=True)
    floor_price = _money("保底收购价（元）")
    rent_per_mu = _money("土地流转租金（元/亩·年）")
    dividend_ratio = models.DecimalField(
        "分红比例（%）", max_digits=5, decimal_places=2, null=True, blank=True
    )
    guaranteed_income = _money("保底收益（元/户·年）")
    jobs = models.PositiveIntegerField("优先雇用人数", null=True, blank=True)
    scale = models.CharField("带动规模", max_length=128, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "双绑协议"
        verbose_name_plural = "双绑协议"
        ordering = ["entity_id", "binding_no"]
        indexes = [models.Index(fields=["township_code", "level"], name="binding_township")]

    def __str__(self) -> str:
        return self.binding_no

    def in_force(self, on: dt.date) -> bool:
        return self.start_on <= on and (self.end_on is None or self.end_on >= on)

    @property
    def link_mode_labels(self) -> list[str]:
        labels = dict(LinkModeChoices.choices)
        return [str(labels.get(m, m)) for m in self.link_modes]


class Payout(models.Model):
    """One 兑现 (R-IND-03): keyed by (binding, household, type, due date)."""

    binding = models.ForeignKey(Binding, on_delete=models.PROTECT, related_name="payouts")
    entity = models.ForeignKey(BusinessEntity, on_delete=models.PROTECT, related_name="payouts")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="industry_payouts"
    )
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    payout_type = models.CharField("兑现类型", max_length=16, choices=PayoutTypeChoices.choices)
    due_on = models.DateField("应付日期")
    due_amount = models.DecimalField("应付金额（元）", max_digits=12, decimal_places=2)
    paid_on = models.DateField("实付日期", null=True, blank=True)
    paid_amount = models.DecimalField("实付金额（元）", max_digits=12, decimal_places=2, default=0)
    method = models.CharField("支付方式", max_length=16, choices=PayMethodChoices.choices, blank=True)
    voucher = models.CharField("凭证号", max_length=64, blank=True)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "兑现记录"
        verbose_name_plural = "兑现记录"
        ordering = ["household_id", "due_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["binding", "household", "payout_type", "due_on"], name="payout_binding_type_due"
            )
        ]
        indexes = [models.Index(fields=["township_code", "due_on"], name="payout_township")]

    def __str__(self) -> str:
        return f"{self.binding_id} {self.household_id} {self.payout_type} {self.due_on}"

    @property
    def unpaid(self) -> Decimal:
        """What is still owed (never negative: an overpayment owes nothing)."""
        return max(self.due_amount - self.paid_amount, Decimal(0))


class PayoutIncome(models.Model):
    """What the payout ledger has added to one household income record, by source (decision 0803), so a
    later payout import adds only the difference and never counts a payout twice."""

    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    period = models.CharField("收入期间", max_length=7)
    wage = models.DecimalField("工资性", max_digits=12, decimal_places=2, default=0)
    business = models.DecimalField("生产经营性", max_digits=12, decimal_places=2, default=0)
    property = models.DecimalField("财产性", max_digits=12, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "兑现计入收入"
        verbose_name_plural = "兑现计入收入"
        constraints = [
            models.UniqueConstraint(fields=["household", "period"], name="payout_income_household_period")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period}"


class Loan(models.Model):
    """One 小额信贷 loan (R-AID-06), keyed by the bank's contract number and updated by each monthly bank
    file; ``LoanMonth`` keeps what each month's file said, so the bulletin of any month can be computed."""

    contract_no = models.CharField("合同编号", max_length=64, unique=True)
    bank = models.CharField("贷款银行", max_length=64)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="loans")
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    amount = models.DecimalField("贷款金额（元）", max_digits=12, decimal_places=2)
    start_on = models.DateField("放款日期")
    end_on = models.DateField("到期日期")
    rate = models.DecimalField("年利率（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    subsidy = models.CharField("贴息状态", max_length=16, choices=LoanSubsidyChoices.choices, blank=True)
    purpose = models.CharField("贷款用途", max_length=128, blank=True)
    entity = models.ForeignKey(
        BusinessEntity, null=True, blank=True, on_delete=models.PROTECT, related_name="loans"
    )
    enterprise_use = models.BooleanField("户贷企用", default=False)
    balance = models.DecimalField("贷款余额（元）", max_digits=12, decimal_places=2)
    overdue_days = models.PositiveIntegerField("逾期天数", default=0)
    overdue_amount = models.DecimalField("逾期金额（元）", max_digits=12, decimal_places=2, default=0)
    status = models.CharField("贷款状态", max_length=16, choices=LoanStatusChoices.choices)
    period = models.CharField("最近报送月份", max_length=7)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "小额信贷"
        verbose_name_plural = "小额信贷"
        ordering = ["household_id", "start_on"]
        indexes = [models.Index(fields=["township_code", "status"], name="loan_township")]

    def __str__(self) -> str:
        return self.contract_no


class LoanMonth(models.Model):
    """What one month's bank file said about one loan (the bulletin is computed from these rows)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="months")
    period = models.CharField("月份", max_length=7)
    county_code = models.CharField(max_length=6)
    township_code = models.CharField(max_length=9)
    balance = models.DecimalField("贷款余额（元）", max_digits=12, decimal_places=2)
    overdue_days = models.PositiveIntegerField("逾期天数", default=0)
    overdue_amount = models.DecimalField("逾期金额（元）", max_digits=12, decimal_places=2, default=0)
    status = models.CharField("贷款状态", max_length=16, choices=LoanStatusChoices.choices)
    enterprise_use = models.BooleanField("户贷企用", default=False)
    source_batch = models.ForeignKey(
        "exchange.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "小额信贷月度余额"
        verbose_name_plural = "小额信贷月度余额"
        ordering = ["loan_id", "period"]
        constraints = [models.UniqueConstraint(fields=["loan", "period"], name="loan_month_period")]
        indexes = [models.Index(fields=["period", "township_code"], name="loan_month_township")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.period}"
