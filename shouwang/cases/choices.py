"""Case, clue, measure and visit enumerations (POLICY §3, §5, §6). Values are stable codes; labels are
the Chinese terms of the national system; national codes (100A39 …) and display colours where they exist."""

from django.db import models

from shouwang.registry.choices import RiskTypeChoices


class CaseKindChoices(models.TextChoices):
    IDENTIFICATION = "identification", "识别纳入"
    ELIMINATION = "elimination", "风险消除"


class CaseStateChoices(models.TextChoices):
    """The step a case has completed last (identification R-ID-02, elimination R-ELIM-04)."""

    CLUE = "clue", "风险线索"
    CANDIDATE = "candidate", "消除候选"
    HOME_CHECK = "home_check", "入户核实"
    DATA_COMPARISON = "data_comparison", "信息比对"
    VILLAGE_REVIEW = "village_review", "民主评议"
    PUBLIC_NOTICE = "public_notice", "村内公示"
    TOWNSHIP_REVIEW = "township_review", "乡镇审核"
    COUNTY_APPROVAL = "county_approval", "县级审定"
    ANNOUNCED = "announced", "公告"
    MONITORING = "monitoring", "监测帮扶中"
    ELIMINATED = "eliminated", "风险已消除"
    ROLLED_BACK = "rolled_back", "消除回退"
    REJECTED = "rejected", "不予通过"
    CLOSED = "closed", "已关闭"


# States in which a case no longer accepts workflow actions.
TERMINAL_STATES = frozenset(
    {
        CaseStateChoices.ELIMINATED,
        CaseStateChoices.ROLLED_BACK,
        CaseStateChoices.REJECTED,
        CaseStateChoices.CLOSED,
    }
)


class ChannelChoices(models.TextChoices):
    """Where a risk clue came from (R-ID-01, R-ID-06 "找政府 / 政府找")."""

    SELF_REPORT = "self_report", "农户自主申报"
    HOTLINE = "hotline", "热线求助"
    CADRE_VISIT = "cadre_visit", "基层干部排查"
    WARNING = "warning", "部门筛查预警"


class RiskLevelChoices(models.TextChoices):
    """Visit tier (R-ID-06, 会泽 2025): red weekly, yellow monthly, green quarterly."""

    RED = "red", "红色（特殊群体）"
    YELLOW = "yellow", "黄色"
    GREEN = "green", "绿色"


RISK_LEVEL_COLOURS = {RiskLevelChoices.RED: "#d93025", RiskLevelChoices.YELLOW: "#f9ab00", "green": "#188038"}


class ReviewResultChoices(models.TextChoices):
    PASSED = "passed", "通过"
    FAILED = "failed", "未通过"


class DocumentKindChoices(models.TextChoices):
    AUTHORISATION = "authorisation", "申请及承诺授权查询书"
    HOME_CHECK_PHOTO = "home_check_photo", "入户核实照片"
    REVIEW_MINUTES = "review_minutes", "民主评议记录"
    OTHER = "other", "其他材料"


class MeasureTypeChoices(models.TextChoices):
    """National measure code table (R-AID-04, 2023 schema pcs2309_jch_bfcs)."""

    INDUSTRY = "100A39", "产业帮扶"
    EMPLOYMENT = "100A40", "就业帮扶"
    FINANCE = "100A41", "金融帮扶"
    PUBLIC_WELFARE_JOB = "100A42", "公益岗位帮扶"
    HEALTH = "100A45", "健康帮扶"
    COMPULSORY_EDUCATION = "100A46", "义务教育保障"
    OTHER_EDUCATION = "100A47", "其他教育帮扶"
    SOCIAL_SECURITY = "100A48", "综合保障"
    HOUSING = "100A50", "住房安全保障"
    WATER = "100A51", "饮水安全保障"
    SOCIAL_AID = "100A52", "社会帮扶"
    RELOCATION = "100A53", "搬迁"
    LIVING_CONDITIONS = "100A54", "生产生活条件改善"
    INFRASTRUCTURE = "100A55", "基础设施建设"


MEASURE_COLOURS: dict[str, str] = {
    MeasureTypeChoices.INDUSTRY: "#188038",
    MeasureTypeChoices.EMPLOYMENT: "#1a73e8",
    MeasureTypeChoices.FINANCE: "#b06000",
    MeasureTypeChoices.PUBLIC_WELFARE_JOB: "#12b5cb",
    MeasureTypeChoices.HEALTH: "#d93025",
    MeasureTypeChoices.COMPULSORY_EDUCATION: "#9334e6",
    MeasureTypeChoices.OTHER_EDUCATION: "#a142f4",
    MeasureTypeChoices.SOCIAL_SECURITY: "#5f6368",
    MeasureTypeChoices.HOUSING: "#e8710a",
    MeasureTypeChoices.WATER: "#4285f4",
    MeasureTypeChoices.SOCIAL_AID: "#f439a0",
    MeasureTypeChoices.RELOCATION: "#795548",
    MeasureTypeChoices.LIVING_CONDITIONS: "#34a853",
    MeasureTypeChoices.INFRASTRUCTURE: "#80868b",
}


class MeasureItemChoices(models.TextChoices):
    """Named sub-items seen in use (R-AID-04 values, R-AID-06/07/08). Optional on a measure."""

    SKILL_TRAINING = "skill_training", "技能培训"
    LABOUR_EXPORT = "labour_export", "劳务输出"
    MIGRANT_SUBSIDY = "migrant_subsidy", "外出务工补贴"
    MICROCREDIT = "microcredit", "脱贫人口小额信贷"
    ASSET_INCOME = "asset_income", "资产收益"
    RAINBOW_PLAN = "rainbow_plan", "雨露计划"
    MEDICAL_PREMIUM_SUBSIDY = "medical_premium_subsidy", "城乡居民医保个人缴费补贴"
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    DISABILITY_ALLOWANCE = "disability_allowance", "残疾人补贴"
    OTHER = "other", "其他"


# R-AID-01: development-type (开发式) measures.
DEVELOPMENT_TYPES = frozenset(
    {
        MeasureTypeChoices.INDUSTRY,
        MeasureTypeChoices.EMPLOYMENT,
        MeasureTypeChoices.FINANCE,
        MeasureTypeChoices.PUBLIC_WELFARE_JOB,
    }
)
# R-AID-01 ([DQ] 5_12_011): these entries alone do not count as a real development measure.
NOT_DEVELOPMENT_ITEMS = frozenset({MeasureItemChoices.SKILL_TRAINING, MeasureItemChoices.OTHER})

# R-AID-05: each recorded risk needs at least one of these measure types.
RISK_MEASURE_MATCH: dict[str, frozenset[str]] = {
    RiskTypeChoices.ILLNESS: frozenset({MeasureTypeChoices.HEALTH, MeasureTypeChoices.SOCIAL_AID}),
    RiskTypeChoices.EDUCATION: frozenset(
        {
            MeasureTypeChoices.COMPULSORY_EDUCATION,
            MeasureTypeChoices.OTHER_EDUCATION,
            MeasureTypeChoices.SOCIAL_AID,
        }
    ),
    RiskTypeChoices.DISABILITY: frozenset(
        {MeasureTypeChoices.SOCIAL_SECURITY, MeasureTypeChoices.SOCIAL_AID}
    ),
    RiskTypeChoices.HOUSING: frozenset({MeasureTypeChoices.HOUSING, MeasureTypeChoices.RELOCATION}),
    RiskTypeChoices.WATER: frozenset({MeasureTypeChoices.WATER}),
}

# R-ELIM-05: time-bound measures that continue after elimination until their agreement ends.
CONTINUING_TYPES = frozenset(
    {
        MeasureTypeChoices.PUBLIC_WELFARE_JOB,
        MeasureTypeChoices.COMPULSORY_EDUCATION,
        MeasureTypeChoices.OTHER_EDUCATION,
    }
)
CONTINUING_ITEMS = frozenset(
    {MeasureItemChoices.MICROCREDIT, MeasureItemChoices.ASSET_INCOME, MeasureItemChoices.RAINBOW_PLAN}
)


class MeasureStatusChoices(models.TextChoices):
    ACTIVE = "active", "实施中"
    ENDED = "ended", "已结束"


# Risk types a case may record: the national list (1–5 per household, R-SYS-02); the income test
# ``low_income`` is a screening signal, not a recorded risk.
RECORDABLE_RISKS = [c for c in RiskTypeChoices if c != RiskTypeChoices.LOW_INCOME]
MAX_RISK_TYPES = 5
# R-ID-05: sudden risks that open the green channel (measures first, paperwork after).
GREEN_CHANNEL_RISKS = frozenset({RiskTypeChoices.DISASTER, RiskTypeChoices.ACCIDENT})
