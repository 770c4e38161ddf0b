from django.db import models


class BatchKindChoices(models.TextChoices):
    # Registry files (CONTRACT §2 "Registry")
    HOUSEHOLDS = "households", "农户信息"
    PERSONS = "persons", "家庭成员"
    INCOMES = "incomes", "家庭收支"
    # Department feeds (CONTRACT §2 "Department feeds")
    MEDICAL = "medical", "医保"
    CIVIL = "civil", "民政"
    DISABILITY = "disability", "残联"
    EDUCATION = "education", "教育"
    HOUSING = "housing", "住建"
    EMPLOYMENT = "employment", "人社"
    DISASTER = "disaster", "应急管理"
    WATER = "water", "水利"
    POLICE = "police", "公安"
    CREDIT = "credit", "金融"
    # The national 务工月监测 module's two exports (CONTRACT §4, POLICY R-EMP-03; shouwang.employment)
    WORK_EPISODES = "work_episodes", "已外出务工信息"
    WORK_PLANS = "work_plans", "计划外出务工信息"
    # A county's public-welfare post roster (shouwang.publicposts, POLICY R-EMP-07)
    PUBLIC_POSTS = "public_posts", "公益性岗位花名册"
    # Industry assistance files (CONTRACT §4, POLICY §12; shouwang.industry)
    ENTITIES = "entities", "经营主体"
    BINDINGS = "bindings", "双绑协议"
    PAYOUTS = "payouts", "联农带农兑现"
    LOANS = "loans", "小额信贷"


REGISTRY_KINDS = (BatchKindChoices.HOUSEHOLDS, BatchKindChoices.PERSONS, BatchKindChoices.INCOMES)
EMPLOYMENT_KINDS = (BatchKindChoices.WORK_EPISODES, BatchKindChoices.WORK_PLANS)
INDUSTRY_KINDS = (
    BatchKindChoices.ENTITIES,
    BatchKindChoices.BINDINGS,
    BatchKindChoices.PAYOUTS,
    BatchKindChoices.LOANS,
)
FEED_KINDS = tuple(
    k
    for k in BatchKindChoices
    if k not in REGISTRY_KINDS
    and k not in EMPLOYMENT_KINDS
    and k not in INDUSTRY_KINDS
    and k != BatchKindChoices.PUBLIC_POSTS
)


class BatchStatusChoices(models.TextChoices):
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "已导入"
    SUPERSEDED = "superseded", "已被更正批次替代"
    FAILED = "failed", "失败"
