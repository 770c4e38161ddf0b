"""Public-welfare post enumerations (POLICY §13 R-EMP-07, R-AID-08). Values are Shouwang's codes; labels the
Chinese terms of the provincial 公益性岗位 measures (云南 2021, 贵州, 甘肃)."""

from django.db import models


class PostClassChoices(models.TextChoices):
    """乡村公益性岗位 classes as counties set them up (按需设岗)."""

    FOREST = "forest", "护林员"
    CLEANING = "cleaning", "保洁员"
    ROAD = "road", "护路员"
    WATER = "water", "管水员/护河员"
    ELDER_CARE = "elder_care", "孤寡老人看护"
    SECURITY = "security", "治安巡逻员"
    INFORMATION = "information", "防返贫信息员"
    PUBLIC_SERVICE = "public_service", "乡村公共服务"
    OTHER = "other", "其他"


class FundingSourceChoices(models.TextChoices):
    """资金来源 of a post's subsidy."""

    LINKAGE = "linkage", "衔接推进乡村振兴补助资金"
    EMPLOYMENT_FUND = "employment_fund", "就业补助资金"
    EAST_WEST = "east_west", "东西部协作资金"
    LOCAL = "local", "地方财政资金"
    SOCIAL = "social", "社会帮扶资金"
    OTHER = "other", "其他"


class InsuranceChoices(models.TextChoices):
    """The cover a post carries (R-EMP-07: accident insurance required before anyone is hired)."""

    ACCIDENT = "accident", "意外伤害保险"
    INJURY = "injury", "工伤保险"
    BOTH = "both", "意外伤害保险和工伤保险"
    NONE = "none", "未购买"


class PostStageChoices(models.TextChoices):
    """Recruitment stage of a post (R-EMP-07: 公告 → 申报 → 审核 → 公示 → 聘用); see transitions.py."""

    DRAFT = "draft", "拟设岗位"
    ANNOUNCED = "announced", "公告报名"
    REVIEW = "review", "资格审核"
    PUBLIC_NOTICE = "public_notice", "拟聘公示"
    HIRED = "hired", "聘用上岗"
    CLOSED = "closed", "岗位撤销"


class ApplicationStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核未通过"
    HIRED = "hired", "已聘用"
    NOT_HIRED = "not_hired", "未聘用"


class HolderStatusChoices(models.TextChoices):
    ACTIVE = "active", "在岗"
    ENDED = "ended", "已离岗"


class ExitReasonChoices(models.TextChoices):
    """Why a holder leaves (清退 cases of the provincial measures; 聘期届满 is the normal end)."""

    TERM_ENDED = "term_ended", "聘期届满"
    RESIGNED = "resigned", "本人申请退出"
    STABLE_JOB = "stable_job", "已实现其他稳定就业"
    NO_LONGER_ELIGIBLE = "no_longer_eligible", "家庭情况变化不再符合安置条件"
    ASSESSMENT_FAILED = "assessment_failed", "考核不合格"
    ABSENT = "absent", "无故旷工或不履行岗位职责"
    UNFIT = "unfit", "身体原因不能胜任岗位"
    LAW_BREACH = "law_breach", "违法违纪"
    FALSE_DECLARATION = "false_declaration", "弄虚作假骗取岗位"
    DEATH = "death", "死亡"


# The reasons a dismissal (清退) may give; 聘期届满 ends a term without one.
DISMISSAL_REASONS = frozenset(ExitReasonChoices) - {ExitReasonChoices.TERM_ENDED}
