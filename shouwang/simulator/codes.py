"""Small integer codes for the simulator's numpy arrays and the exchange values they stand for.

The string tables are the canonical CONTRACT §2 values; the position in a table is the code. They are
plain tuples (not Django choices) because the simulator must not depend on the database apps.
"""

from enum import IntEnum


class Rel(IntEnum):
    HEAD = 0
    SPOUSE = 1
    CHILD = 2
    CHILD_IN_LAW = 3
    GRANDCHILD = 4
    PARENT = 5
    GRANDPARENT = 6
    SIBLING = 7
    OTHER = 8


RELATIONS = tuple(r.name.lower() for r in Rel)


class School(IntEnum):
    NONE = 0
    PRESCHOOL = 1
    PRIMARY = 2
    JUNIOR = 3
    SENIOR = 4
    VOCATIONAL_SECONDARY = 5
    VOCATIONAL_HIGHER = 6
    UNDERGRADUATE = 7
    POSTGRADUATE = 8


SCHOOL_STATUSES = tuple(s.name.lower() for s in School)
NON_COMPULSORY = (
    School.SENIOR,
    School.VOCATIONAL_SECONDARY,
    School.VOCATIONAL_HIGHER,
    School.UNDERGRADUATE,
    School.POSTGRADUATE,
)


class Health(IntEnum):
    HEALTHY = 0
    CHRONIC = 1
    SERIOUS = 2
    DISABLED = 3


HEALTHS = tuple(h.name.lower() for h in Health)


class Labour(IntEnum):
    SKILLED = 0
    ORDINARY = 1
    WEAK = 2
    LOST = 3
    NONE = 4


LABOURS = tuple(x.name.lower() for x in Labour)


class Place(IntEnum):
    NONE = 0
    IN_COUNTY = 1
    IN_PROVINCE = 2
    OUT_OF_PROVINCE = 3


WORK_PLACES = ("", "in_county", "in_province", "out_of_province")

# 文化程度 is free text in CONTRACT §2; these are the national form's wordings. Index 0 = blank (children
# below school age).
EDUCATIONS = ("", "文盲或半文盲", "小学", "初中", "高中", "中专", "大专及以上")
EDU_BY_SCHOOL = {
    School.PRIMARY: 2,
    School.JUNIOR: 3,
    School.SENIOR: 4,
    School.VOCATIONAL_SECONDARY: 5,
    School.VOCATIONAL_HIGHER: 6,
    School.UNDERGRADUATE: 6,
    School.POSTGRADUATE: 6,
}

CATEGORIES = ("", "unstable", "marginal", "sudden")
ELIMINATION_MODES = ("", "assisted", "natural")
HOUSE_GRADES = ("A", "B", "C", "D")


class Risk(IntEnum):
    """CONTRACT §2 risk_type values; the bit ``1 << code`` in the truth's risk masks."""

    ILLNESS = 0
    EDUCATION = 1
    DISABILITY = 2
    DISASTER = 3
    ACCIDENT = 4
    INDUSTRY_FAILURE = 5
    UNSTABLE_EMPLOYMENT = 6
    LABOUR_SHORTAGE = 7
    HOUSING = 8
    WATER = 9
    OTHER = 10
    LOW_INCOME = 11


RISKS = tuple(r.name.lower() for r in Risk)
NO_RISK = -1
# Risks that an event brings on and that last RISK_WINDOW_MONTHS after it (the others are states).
EVENT_RISKS = (
    Risk.ILLNESS,
    Risk.EDUCATION,
    Risk.DISABILITY,
    Risk.DISASTER,
    Risk.ACCIDENT,
    Risk.INDUSTRY_FAILURE,
    Risk.UNSTABLE_EMPLOYMENT,
)


class Difficulty(IntEnum):
    """What a self-report says the household struggles with (the position in DIFFICULTIES)."""

    LIVING = 0
    JOBS = 1
    SCHOOLING = 2
    MEDICAL = 3
    HOUSING = 4
    WATER = 5


DIFFICULTIES = ("生活困难", "就业困难", "教育困难", "医疗困难", "住房困难", "饮水困难")


class Feed(IntEnum):
    MEDICAL = 0
    CIVIL = 1
    DISABILITY = 2
    EDUCATION = 3
    HOUSING = 4
    EMPLOYMENT = 5
    DISASTER = 6
    WATER = 7
    POLICE = 8
    CREDIT = 9


FEED_KINDS = tuple(f.name.lower() for f in Feed)
NO_FEED = -1

# CONTRACT §2 "Department feeds": exact column order of each KIND.csv.
FEED_COLUMNS: dict[Feed, tuple[str, ...]] = {
    Feed.MEDICAL: ("id_number", "settled_on", "total_cost", "fund_paid", "self_pay", "inpatient"),
    Feed.CIVIL: ("id_number", "event_on", "event", "amount"),
    Feed.DISABILITY: ("id_number", "certified_on", "disability_type", "grade"),
    Feed.EDUCATION: ("id_number", "as_of", "stage", "status"),
    Feed.HOUSING: ("id_number", "appraised_on", "grade"),
    Feed.EMPLOYMENT: ("id_number", "month", "status", "monthly_wage"),
    Feed.DISASTER: ("id_number", "occurred_on", "hazard", "loss_amount", "house_damaged"),
    Feed.WATER: ("village_code", "group_name", "from_on", "to_on", "issue"),
    Feed.POLICE: ("id_number", "event_on", "event"),
    Feed.CREDIT: ("id_number", "loan_no", "principal", "due_on", "overdue_days", "balance"),
}
# The column that carries each row's own date; rows are sorted by it (then by id) in every file.
FEED_DATE_COLUMN: dict[Feed, str] = {
    Feed.MEDICAL: "settled_on",
    Feed.CIVIL: "event_on",
    Feed.DISABILITY: "certified_on",
    Feed.EDUCATION: "as_of",
    Feed.HOUSING: "appraised_on",
    Feed.EMPLOYMENT: "month",
    Feed.DISASTER: "occurred_on",
    Feed.WATER: "from_on",
    Feed.POLICE: "event_on",
    Feed.CREDIT: "due_on",
}


class Encoding(IntEnum):
    UTF8 = 0
    UTF8_BOM = 1
    GB18030 = 2


# What each department's export looks like (docs/simulator.md "Encodings"): 民政 and 残联 export from
# Excel on Chinese Windows (GB18030, CRLF); 医保 and 住建 use Excel's "CSV UTF-8" (BOM); the others
# come from database exports (plain UTF-8).
FEED_ENCODING: dict[Feed, Encoding] = {
    Feed.MEDICAL: Encoding.UTF8_BOM,
    Feed.CIVIL: Encoding.GB18030,
    Feed.DISABILITY: Encoding.GB18030,
    Feed.EDUCATION: Encoding.UTF8,
    Feed.HOUSING: Encoding.UTF8_BOM,
    Feed.EMPLOYMENT: Encoding.UTF8,
    Feed.DISASTER: Encoding.UTF8,
    Feed.WATER: Encoding.UTF8,
    Feed.POLICE: Encoding.UTF8,
    Feed.CREDIT: Encoding.UTF8,
}

HOUSEHOLD_COLUMNS = (
    "household_no",
    "village_code",
    "group_name",
    "address",
    "poverty_status",
    "poverty_exit_year",
    "relocated",
    "monitoring_category",
    "identified_on",
    "risk_eliminated_on",
    "elimination_mode",
    "phone",
)
PERSON_COLUMNS = (
    "household_no",
    "id_number",
    "name",
    "sex",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour",
    "work_months",
    "work_place",
    "medical_insurance",
    "serious_illness_insurance",
    "pension_insurance",
    "dibao",
    "tekun",
    "phone",
)
INCOME_COLUMNS = (
    "household_no",
    "period",
    "wage",
    "business",
    "property",
    "transfer",
    "business_cost",
    "compliant_self_pay",
    "insurance_claims",
)
# Extensions of CONTRACT §2 (docs/simulator.md).
SELF_REPORT_COLUMNS = (
    "reported_on",
    "channel",
    "reporter_relation",
    "reporter_name",
    "subject_name",
    "id_number",
    "village_code",
    "group_name",
    "difficulty",
    "description",
    "contact_phone",
)
TRUTH_EVENT_COLUMNS = (
    "household_no",
    "period",
    "event",
    "risk_type",
    "amount",
    "feed_kind",
    "delivered_period",
    "id_number",
)
TRUTH_AT_RISK_COLUMNS = ("household_no", "period", "risk_types")
