"""Industry enumerations (POLICY §12, R-IND-02/03/06). Values are Shouwang's codes; labels are the Chinese
terms of the Yunnan 双绑 and 联农带农 texts."""

from django.db import models


class EntityTypeChoices(models.TextChoices):
    """经营主体类型 (R-IND-02)."""

    ENTERPRISE = "enterprise", "龙头企业"
    COOPERATIVE = "cooperative", "农民专业合作社"
    FAMILY_FARM = "family_farm", "家庭农场"
    COLLECTIVE = "collective", "村集体经济组织"
    OTHER = "other", "其他"


class EntityLevelChoices(models.TextChoices):
    """龙头企业级别 (R-IND-02)."""

    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    PREFECTURE = "prefecture", "州市级"
    COUNTY = "county", "县级"


class EntityStatusChoices(models.TextChoices):
    """经营状态, kept in step with 市场监管 (R-IND-02)."""

    NORMAL = "normal", "正常"
    ABNORMAL = "abnormal", "经营异常"
    SUSPENDED = "suspended", "停业"
    CLOSED = "closed", "注销"


# Statuses in which an entity can no longer keep its promises (R-IND-07: "entity closed or abnormal").
FAILING_STATUSES = frozenset(
    {EntityStatusChoices.ABNORMAL, EntityStatusChoices.SUSPENDED, EntityStatusChoices.CLOSED}
)


class StatusSourceChoices(models.TextChoices):
    """Where an entity's status came from."""

    REGISTER = "register", "主体登记"
    MARKET = "market", "市场监管"


class FourClassChoices(models.TextChoices):
    """四个一批 (R-IND-06, 农规发〔2024〕26号)."""

    CONSOLIDATE = "consolidate", "巩固"
    UPGRADE = "upgrade", "升级"
    REVIVE = "revive", "盘活"
    ADJUST = "adjust", "调整"


class BindingLevelChoices(models.TextChoices):
    """The two levels of 双绑 (R-IND-01/02)."""

    ENTERPRISE_COOPERATIVE = "enterprise_coop", "企业—合作社"
    ENTITY_HOUSEHOLD = "entity_household", "经营主体—农户"


class LinkModeChoices(models.TextChoices):
    """利益联结方式 (R-IND-02, the proposed list)."""

    ORDER = "order", "订单收购"
    LAND = "land", "土地流转"
    JOBS = "jobs", "务工就业"
    SHARES = "shares", "入股分红"
    FLOOR_DIVIDEND = "floor_dividend", "保底分红"
    CUSTODY = "custody", "托管代养"
    ASSET_INCOME = "asset_income", "资产收益"
    OTHER = "other", "其他"


# Spellings accepted on import besides the labels above (Yunnan texts write them several ways).
LINK_MODE_ALIASES = {
    "订单": LinkModeChoices.ORDER,
    "订单收购": LinkModeChoices.ORDER,
    "土地流转": LinkModeChoices.LAND,
    "流转": LinkModeChoices.LAND,
    "务工": LinkModeChoices.JOBS,
    "务工就业": LinkModeChoices.JOBS,
    "优先雇用": LinkModeChoices.JOBS,
    "入股分红": LinkModeChoices.SHARES,
    "股份合作": LinkModeChoices.SHARES,
    "农民入股": LinkModeChoices.SHARES,
    "按股分红": LinkModeChoices.SHARES,
    "分红": LinkModeChoices.SHARES,
    "保底分红": LinkModeChoices.FLOOR_DIVIDEND,
    "保底收益": LinkModeChoices.FLOOR_DIVIDEND,
    "托管": LinkModeChoices.CUSTODY,
    "托管代养": LinkModeChoices.CUSTODY,
    "代养": LinkModeChoices.CUSTODY,
    "资产收益": LinkModeChoices.ASSET_INCOME,
    "其他": LinkModeChoices.OTHER,
}


class PayoutTypeChoices(models.TextChoices):
    """兑现类型 (R-IND-03)."""

    PURCHASE = "purchase", "收购款"
    RENT = "rent", "租金"
    WAGE = "wage", "工资"
    DIVIDEND = "dividend", "分红"
    GUARANTEED = "guaranteed", "保底收益"


# R-IND-03: 收购款 → 生产经营性; 工资 → 工资性; 租金, 分红, 保底收益 → 财产性 (the registry's income columns).
PAYOUT_INCOME_SOURCE: dict[str, str] = {
    PayoutTypeChoices.PURCHASE.value: "business",
    PayoutTypeChoices.WAGE.value: "wage",
    PayoutTypeChoices.RENT.value: "property",
    PayoutTypeChoices.DIVIDEND.value: "property",
    PayoutTypeChoices.GUARANTEED.value: "property",
}


class PayMethodChoices(models.TextChoices):
    """支付方式 (R-IND-03)."""

    CARD = "card", "一卡通"
    TRANSFER = "transfer", "转账"
    CASH = "cash", "现金"


class CoverageChoices(models.TextChoices):
    """双绑覆盖 of a household with 产业发展条件和意愿 (R-IND-01/02)."""

    DOUBLE = "double", "双绑"
    SINGLE = "single", "单绑"
    NONE = "none", "未绑"


class LoanStatusChoices(models.TextChoices):
    """小额信贷 loan status in the bank's monthly file (R-AID-06, R-IND-05)."""

    NORMAL = "normal", "正常"
    OVERDUE = "overdue", "逾期"
    SETTLED = "settled", "结清"
    EXTENDED = "extended", "展期"
    RENEWED = "renewed", "续贷"


class LoanSubsidyChoices(models.TextChoices):
    """贴息状态 (R-AID-06: overdue loans lose the subsidy)."""

    SUBSIDISED = "subsidised", "贴息"
    STOPPED = "stopped", "停止贴息"
    NONE = "none", "不贴息"
