"""Registry enumerations (CONTRACT §2, POLICY R-SYS-02/03). Values are the canonical exchange codes;
labels are the Chinese terms of the national system."""

from django.db import models


class PovertyStatusChoices(models.TextChoices):
    FORMER_POOR = "former_poor", "脱贫户"
    ORDINARY = "ordinary", "一般农户"


class MonitoringCategoryChoices(models.TextChoices):
    # R-OBJ-01; R-TRANS-02: from 2025 "防止返贫致贫对象" is the name for monitoring objects.
    UNSTABLE = "unstable", "脱贫不稳定户"
    MARGINAL = "marginal", "边缘易致贫户"
    SUDDEN = "sudden", "突发严重困难户"


class EliminationModeChoices(models.TextChoices):
    ASSISTED = "assisted", "帮扶消除"
    NATURAL = "natural", "自然消除"


class HouseholdStatusChoices(models.TextChoices):
    ACTIVE = "active", "正常"
    CANCELLED = "cancelled", "已注销"


class SexChoices(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class RelationChoices(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙辈"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class SchoolStatusChoices(models.TextChoices):
    NONE = "none", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL_SECONDARY = "vocational_secondary", "中职"
    VOCATIONAL_HIGHER = "vocational_higher", "高职"
    UNDERGRADUATE = "undergraduate", "本科"
    POSTGRADUATE = "postgraduate", "研究生"


class HealthChoices(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


class LabourChoices(models.TextChoices):
    SKILLED = "skilled", "技能劳动力"
    ORDINARY = "ordinary", "普通劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class WorkPlaceChoices(models.TextChoices):
    IN_COUNTY = "in_county", "县内"
    IN_PROVINCE = "in_province", "省内县外"
    OUT_OF_PROVINCE = "out_of_province", "省外"


class ResidenceChoices(models.TextChoices):
    """Whether a registered member counts in the household size (R-OBJ-02, see docs/registry.md)."""

    PRESENT = "present", "共同生活"
    AWAY_WORKING = "away_working", "外出务工（共享收支）"
    MOVED_OUT = "moved_out", "已迁出"
    DECEASED = "deceased", "已死亡"
    EXCLUDED = "excluded", "不计入（服刑、宗教教职、失踪等满3年）"


COUNTED_RESIDENCE = frozenset({ResidenceChoices.PRESENT, ResidenceChoices.AWAY_WORKING})
CAPABLE_LABOUR = frozenset({LabourChoices.SKILLED, LabourChoices.ORDINARY, LabourChoices.WEAK})


class RiskTypeChoices(models.TextChoices):
    """National risk list (R-SYS-03, code table 100A27) plus the income test (CONTRACT §2)."""

    ILLNESS = "illness", "因病"
    EDUCATION = "education", "因学"
    DISABILITY = "disability", "因残"
    DISASTER = "disaster", "因自然灾害"
    ACCIDENT = "accident", "因意外事故"
    INDUSTRY_FAILURE = "industry_failure", "因产业项目失败"
    UNSTABLE_EMPLOYMENT = "unstable_employment", "因务工就业不稳"
    LABOUR_SHORTAGE = "labour_shortage", "缺劳动力"
    HOUSING = "housing", "因安全住房"
    WATER = "water", "因安全饮水"
    OTHER = "other", "其他"
    LOW_INCOME = "low_income", "收入低于监测范围"


class QualitySeverityChoices(models.TextChoices):
    ERROR = "error", "错误"
    WARNING = "warning", "提示"
