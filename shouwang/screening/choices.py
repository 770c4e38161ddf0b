"""Screening enumerations (STYLE 8). Values are stable codes; labels are the Chinese terms."""

from django.db import models


class EngineChoices(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB（嵌入式）"
    SPARK = "spark", "Spark"
    POSTGRES = "postgres", "PostgreSQL"


class RunSourceChoices(models.TextChoices):
    # ``bench`` runs and their warnings live apart from the monthly screening and are deleted by the
    # bench itself, so a demo database is never polluted by timing runs.
    SCREENING = "screening", "月度筛查"
    BENCH = "bench", "性能测试"


class RunStatusChoices(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


ACTIVE_RUN_STATUSES = (RunStatusChoices.QUEUED, RunStatusChoices.RUNNING)


class WarningStatusChoices(models.TextChoices):
    NEW = "new", "新预警"
    PERSISTING = "persisting", "持续预警"
    # A monitoring object not yet eliminated: its signals are new risks for its case, not a new warning.
    ALREADY_MONITORED = "already_monitored", "已是监测对象（新增风险）"


class RuleKindChoices(models.TextChoices):
    SIGNAL = "signal", "预警信号"
    # Adds evidence and weight to a warning raised by a signal, never raises one on its own.
    SUPPORTING = "supporting", "辅助信号"
    # Asset / capacity evidence (R-INC-06): lowers the score and marks the warning "needs asset check".
    EXCLUSION = "exclusion", "资产核查提示"


class ScaleLevelChoices(models.TextChoices):
    VILLAGE = "village", "行政村"
    TOWNSHIP = "township", "乡镇"


class ParameterKeyChoices(models.TextChoices):
    """Screening parameters, versioned by region and year (POLICY §0: local numbers are configuration)."""

    THRESHOLD = "threshold", "防止返贫致贫监测范围（元/人·年）"
    RURAL_INCOME = "rural_income", "全省农村居民人均可支配收入（元，统计年度）"
    MEDICAL_SHARE_POOR = "medical_share_poor", "医疗自付预警比例（脱贫人口、监测对象）"
    MEDICAL_SHARE_OTHER = "medical_share_other", "医疗自付预警比例（其他农村参保人员）"
    MEDICAL_ABSOLUTE = "medical_absolute", "医疗自付预警金额（元/年，按户）"
    MEDICAL_INCOME_SHARE = "medical_income_share", "医疗自付占家庭总收入比例"
    NEAR_LINE_RATIO = "near_line_ratio", "接近监测范围：收入低于监测范围的倍数"
    INCOME_DROP_SHARE = "income_drop_share", "收入大幅缩减比例"
    WATER_DAYS = "water_days", "饮水问题持续天数"
    OVERDUE_DAYS = "overdue_days", "贷款逾期天数"
    DISASTER_LOSS = "disaster_loss", "灾害损失金额（元）"
    WAGE_SHARE = "wage_share", "务工依赖户工资性收入占比"
    EMP_NEW_WORK_MONTHS = "emp_new_work_months", "务工结束后未再就业月数"
    EMP_WAGE_SHARE = "emp_wage_share", "务工结束预警：工资性收入占纯收入比例"
    EMP_DROP_SHARE = "emp_drop_share", "乡镇务工人数下降比例"
    SEVERE_DISABILITY_GRADE = "severe_disability_grade", "重度残疾等级上限"
    SCHOOL_AGE_MIN = "school_age_min", "义务教育年龄下限"
    SCHOOL_AGE_MAX = "school_age_max", "义务教育年龄上限"
    LABOUR_AGE_MIN = "labour_age_min", "劳动年龄下限"
    LABOUR_AGE_MAX = "labour_age_max", "劳动年龄上限"
    LABOUR_SHARE_MAX = "labour_share_max", "缺劳动力：劳动力占比上限"
    LABOUR_LARGE_SIZE = "labour_large_size", "缺劳动力：大户人数"
    LABOUR_LARGE_SHARE = "labour_large_share", "缺劳动力：大户劳动力占比下限"
    ASSET_LOAN_PRINCIPAL = "asset_loan_principal", "资产核查：贷款本金（元）"
    ASSET_MONTHLY_WAGE = "asset_monthly_wage", "资产核查：月工资（元）"
    ASSET_DISCOUNT = "asset_discount", "资产核查：风险分折减比例"
    SCALE_VILLAGE_MIN_COUNT = "scale_village_min_count", "规模性风险（村）：最少户数"
    SCALE_VILLAGE_MIN_SHARE = "scale_village_min_share", "规模性风险（村）：最低占比"
    SCALE_TOWNSHIP_MIN_COUNT = "scale_township_min_count", "规模性风险（乡镇）：最少户数"
    SCALE_TOWNSHIP_MIN_SHARE = "scale_township_min_share", "规模性风险（乡镇）：最低占比"
    SCALE_K = "scale_k", "规模性风险：标准差倍数"
    SCALE_MIN_HISTORY = "scale_min_history", "规模性风险：最少历史月数"


# Keys whose value for screening year Y is the figure of year Y-1 (a statistic published for the
# previous year, R-INC-05 阳原: "the province's previous-year rural per-capita disposable income").
PREVIOUS_YEAR_KEYS = frozenset({ParameterKeyChoices.RURAL_INCOME})

# Roles that may set parameters, each only within its own region.
PARAMETER_SETTER_ROLES = frozenset({"county", "province"})
# Roles that may start a screening run ("county or above").
RUN_STARTER_ROLES = frozenset({"county", "prefecture", "province"})
