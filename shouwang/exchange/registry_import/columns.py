"""The registry files' columns (CONTRACT §2 "Registry"): names, Chinese headers, types, required, choices."""

from shouwang.exchange.files import DATE, ENUM, FLAG, ID, INT, MONEY, PERIOD, PHONE, ColumnSpec

# The one place their Chinese labels live.
HOUSEHOLD_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("household_no", "户编号", True),
    ColumnSpec("village_code", "行政村代码", True, aliases=("行政村区划代码",)),
    ColumnSpec("group_name", "村民小组"),
    ColumnSpec("address", "地址"),
    ColumnSpec("poverty_status", "户类型", True, ENUM),
    ColumnSpec("poverty_exit_year", "脱贫年度", False, INT),
    ColumnSpec("relocated", "易地搬迁", False, FLAG),
    ColumnSpec("monitoring_category", "监测对象类别", False, ENUM),
    ColumnSpec("identified_on", "识别监测时间", False, DATE),
    ColumnSpec("risk_eliminated_on", "风险消除时间", False, DATE),
    ColumnSpec("elimination_mode", "风险消除方式", False, ENUM),
    ColumnSpec("phone", "联系电话", False, PHONE),
]
PERSON_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("household_no", "户编号", True),
    ColumnSpec("id_number", "证件号码", True, ID, aliases=("身份证号", "身份证号码")),
    ColumnSpec("name", "姓名", True),
    ColumnSpec("sex", "性别", False, ENUM),
    ColumnSpec("relation", "与户主关系", True, ENUM),
    ColumnSpec("ethnicity", "民族"),
    ColumnSpec("education", "文化程度"),
    ColumnSpec("school_status", "在校生状况", False, ENUM),
    ColumnSpec("health", "健康状况", False, ENUM),
    ColumnSpec("disability_grade", "残疾等级", False, INT),
    ColumnSpec("labour", "劳动技能", False, ENUM),
    ColumnSpec("work_months", "务工时间", False, INT, aliases=("务工时间（月）", "务工时间(月)")),
    ColumnSpec("work_place", "务工地点", False, ENUM),
    ColumnSpec("medical_insurance", "基本医疗保险", False, FLAG),
    ColumnSpec("serious_illness_insurance", "大病保险", False, FLAG),
    ColumnSpec("pension_insurance", "养老保险", False, FLAG),
    ColumnSpec("dibao", "低保", False, FLAG),
    ColumnSpec("tekun", "特困", False, FLAG),
    ColumnSpec("phone", "联系电话", False, PHONE),
    # Extensions (CONTRACT allows extending): R-OBJ-02 member counting and an explicit birth date.
    ColumnSpec("residence", "共同生活状况", False, ENUM),
    ColumnSpec("birth_date", "出生日期", False, DATE),
]
INCOME_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("household_no", "户编号", True),
    ColumnSpec("period", "期间", True, PERIOD, aliases=("收入期间", "年月")),
    ColumnSpec("wage", "工资性收入", True, MONEY),
    ColumnSpec("business", "生产经营性收入", True, MONEY),
    ColumnSpec("property", "财产性收入", True, MONEY),
    ColumnSpec("transfer", "转移性收入", True, MONEY),
    ColumnSpec("business_cost", "生产经营性支出", True, MONEY),
    ColumnSpec("compliant_self_pay", "合规自付支出", False, MONEY),
    ColumnSpec("insurance_claims", "理赔收入", False, MONEY),
]
REGISTRY_COLUMNS: dict[str, list[ColumnSpec]] = {
    "households": HOUSEHOLD_COLUMNS,
    "persons": PERSON_COLUMNS,
    "incomes": INCOME_COLUMNS,
}
