"""Self-report and hotline enumerations (R-ID-07: 群众举手 / 他人代举 / 政府托举; seven departments'
service items; 12317 hotline request kinds)."""

from django.db import models

from shouwang.registry.choices import RiskTypeChoices


class FilingModeChoices(models.TextChoices):
    SELF = "self", "本人申报（群众举手）"
    PROXY = "proxy", "代他人申报（他人代举）"
    GOVERNMENT = "government", "干部代为申报（政府托举）"


class DepartmentItemChoices(models.TextChoices):
    """The service items of the seven departments on the Yunnan help platform (R-ID-07)."""

    EDUCATION_FEES = "education_fees", "孩子上学费用困难"
    DROPOUT = "dropout", "孩子失学辍学"
    BASIC_LIVING = "basic_living", "基本生活困难"
    DIBAO_APPLY = "dibao_apply", "申请低保或特困供养"
    TEMPORARY_HARDSHIP = "temporary_hardship", "突发临时困难"
    UNEMPLOYMENT = "unemployment", "失业、没有收入"
    JOB_SEEKING = "job_seeking", "需要就业帮助"
    WAGE_ARREARS = "wage_arrears", "工资被拖欠"
    UNSAFE_HOUSE = "unsafe_house", "住房不安全（危房）"
    HOUSE_DAMAGED = "house_damaged", "房屋因灾受损"
    WATER_OUTAGE = "water_outage", "饮水停水、缺水"
    WATER_QUALITY = "water_quality", "饮水水质不好"
    SERIOUS_ILLNESS = "serious_illness", "大病重病看病难"
    CARE_NEEDS = "care_needs", "慢病、残疾需要照护"
    MEDICAL_BILLS = "medical_bills", "医药费负担重"
    INSURANCE_ENROL = "insurance_enrol", "参加医保有困难"


# item → (department, risk type of the clue it becomes)
ITEM_DEPARTMENT: dict[str, tuple[str, str]] = {
    DepartmentItemChoices.EDUCATION_FEES: ("教育", RiskTypeChoices.EDUCATION),
    DepartmentItemChoices.DROPOUT: ("教育", RiskTypeChoices.EDUCATION),
    DepartmentItemChoices.BASIC_LIVING: ("民政", RiskTypeChoices.LOW_INCOME),
    DepartmentItemChoices.DIBAO_APPLY: ("民政", RiskTypeChoices.LOW_INCOME),
    DepartmentItemChoices.TEMPORARY_HARDSHIP: ("民政", RiskTypeChoices.ACCIDENT),
    DepartmentItemChoices.UNEMPLOYMENT: ("人社", RiskTypeChoices.UNSTABLE_EMPLOYMENT),
    DepartmentItemChoices.JOB_SEEKING: ("人社", RiskTypeChoices.UNSTABLE_EMPLOYMENT),
    DepartmentItemChoices.WAGE_ARREARS: ("人社", RiskTypeChoices.UNSTABLE_EMPLOYMENT),
    DepartmentItemChoices.UNSAFE_HOUSE: ("住建", RiskTypeChoices.HOUSING),
    DepartmentItemChoices.HOUSE_DAMAGED: ("住建", RiskTypeChoices.DISASTER),
    DepartmentItemChoices.WATER_OUTAGE: ("水利", RiskTypeChoices.WATER),
    DepartmentItemChoices.WATER_QUALITY: ("水利", RiskTypeChoices.WATER),
    DepartmentItemChoices.SERIOUS_ILLNESS: ("卫健", RiskTypeChoices.ILLNESS),
    DepartmentItemChoices.CARE_NEEDS: ("卫健", RiskTypeChoices.DISABILITY),
    DepartmentItemChoices.MEDICAL_BILLS: ("医保", RiskTypeChoices.ILLNESS),
    DepartmentItemChoices.INSURANCE_ENROL: ("医保", RiskTypeChoices.ILLNESS),
}


class SelfReportStatusChoices(models.TextChoices):
    SUBMITTED = "submitted", "已提交，等待受理"
    ANSWERED = "answered", "已答复，请确认"
    CONFIRMED = "confirmed", "已签单（群众已确认）"


class HotlineKindChoices(models.TextChoices):
    HELP_REQUEST = "help_request", "求助"
    COMPLAINT = "complaint", "投诉"
    POLICY_QUESTION = "policy_question", "政策咨询"


class HotlineStatusChoices(models.TextChoices):
    OPEN = "open", "办理中"
    CLOSED = "closed", "已办结"
