"""Employment enumerations (POLICY §13, R-EMP-02/03). Values are Shouwang's codes; labels are the Chinese
terms of the national system and the Yunnan dispatch tables."""

from django.db import models


class LabourStatusChoices(models.TextChoices):
    """当月就业状态 of one labourer (R-EMP-02, proposed list)."""

    OUT_OF_PROVINCE = "out_of_province", "省外务工"
    IN_PROVINCE = "in_province", "省内县外务工"
    IN_COUNTY = "in_county", "县内务工"
    PUBLIC_POST = "public_post", "公益性岗位"
    WORKSHOP = "workshop", "帮扶车间"
    SELF_EMPLOYED = "self_employed", "自主创业"
    FLEXIBLE = "flexible", "灵活就业"
    SEEKING = "seeking", "未就业有意愿"
    UNWILLING = "unwilling", "无意愿"
    STUDENT = "student", "在校"
    NO_CAPACITY = "no_capacity", "无劳动能力"


# Statuses that count as "in work" for 零就业 and the dispatch table (R-EMP-05: posts and workshops count).
EMPLOYED_STATUSES = frozenset(
    {
        LabourStatusChoices.OUT_OF_PROVINCE,
        LabourStatusChoices.IN_PROVINCE,
        LabourStatusChoices.IN_COUNTY,
        LabourStatusChoices.PUBLIC_POST,
        LabourStatusChoices.WORKSHOP,
        LabourStatusChoices.SELF_EMPLOYED,
        LabourStatusChoices.FLEXIBLE,
    }
)


class StatusSourceChoices(models.TextChoices):
    """状态来源 (R-EMP-02), plus the 务工月监测 ledger from which a status is derived."""

    VISIT = "visit", "入户"
    PHONE = "phone", "电话"
    HRSS = "hrss", "人社数据"
    SOCIAL_INSURANCE = "social_insurance", "社保缴费"
    SELF_DECLARED = "self_declared", "本人申报"
    LEDGER = "ledger", "务工月监测台账"
    REGISTRY = "registry", "登记信息"
    ROLL = "roll", "岗位/车间台账"  # a public-welfare post, a 帮扶车间 or 以工代赈 roll (derived)


class WorkChannelChoices(models.TextChoices):
    """就业渠道 as the national 务工月监测 export writes it (R-EMP-03: 公益岗位 / 公益性岗位, 帮扶车间,
    外出务工)."""

    MIGRANT = "migrant", "外出务工"
    PUBLIC_POST = "public_post", "公益岗位"
    WORKSHOP = "workshop", "帮扶车间"
    OTHER = "other", "其他"


# Spellings of 就业渠道 accepted on import (the export writes back what was received, see WorkEpisode).
CHANNEL_ALIASES = {
    "外出务工": WorkChannelChoices.MIGRANT,
    "公益岗位": WorkChannelChoices.PUBLIC_POST,
    "公益性岗位": WorkChannelChoices.PUBLIC_POST,
    "帮扶车间": WorkChannelChoices.WORKSHOP,
    "就业帮扶车间": WorkChannelChoices.WORKSHOP,
}


class WorkPlaceTypeChoices(models.TextChoices):
    """Where an episode's work county lies, relative to the household's county (derived, R-EMP-04)."""

    IN_COUNTY = "in_county", "县内"
    IN_PROVINCE = "in_province", "省内县外"
    OUT_OF_PROVINCE = "out_of_province", "省外"


class TransportSubsidyStatusChoices(models.TextChoices):
    """A person's 交通补助 of a year (R-EMP-09): listed as eligible (应补), then paid or failed."""

    ELIGIBLE = "eligible", "应补"
    PAID = "paid", "已发放"
    FAILED = "failed", "发放失败"


class ZeroTaskStatusChoices(models.TextChoices):
    """A 零就业 township task (R-EMP-05): open until someone in the household is in work."""

    OPEN = "open", "待清零"
    CLOSED = "closed", "已清零"


class ZeroCloseReasonChoices(models.TextChoices):
    """Why a 零就业 task closed (R-EMP-05: an episode, a post or a workshop job; or the household is no
    longer a 零就业户 for another reason, which the list shows apart)."""

    WORK = "work", "已务工就业"
    PUBLIC_POST = "public_post", "已安置公益性岗位"
    WORKSHOP = "workshop", "已进入帮扶车间"
    NOT_ELIGIBLE = "not_eligible", "不再符合零就业条件"
