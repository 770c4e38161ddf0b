"""Every number the simulator assumes, in one place, each with where it comes from.

Labels used in the comments:
* ``POLICY R-…``  a rule or figure of /work/shared/POLICY.md (the project's policy rulebook), with the
  source that rule cites;
* ``assumed``     a plausible order of magnitude chosen for the simulation, not taken from a source.
  These are the knobs to revisit when better figures turn up; docs/simulator.md lists them all.

Money is yuan unless the name says ``_cents``. Rates named ``*_annual`` are yearly probabilities and are
turned into monthly ones with :func:`monthly`.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------------
# Monitoring threshold (yuan per person per year) and the tests of the truth definition
# --------------------------------------------------------------------------------------------------

# POLICY R-THR-04: 2023 = 8,050 (Yunnan 元谋县, yncxym.gov.cn, "probably the provincial figure");
# 2025 = 8,700 (Yunnan 云农办通〔2025〕1号). 2024 was not found: 8,400 is interpolated between the two.
# 2026 and 2027 are assumed (+300 a year, the 2023→2025 pace). POLICY R-THR-03: provinces reset the
# line yearly, so later years are extrapolated the same way by :func:`threshold_for`.
THRESHOLDS: dict[int, int] = {2023: 8050, 2024: 8400, 2025: 8700, 2026: 9000, 2027: 9300}
THRESHOLD_STEP_AFTER_TABLE = 300  # assumed, same pace as above

# POLICY R-INC-05 "收入大幅缩减" has no national numeric definition: the simulator's sharp drop is a fall
# of at least 30% of the 12-month per-capita net income against the window ending 12 months earlier.
SHARP_DROP_RATIO = 0.70
# POLICY R-INC-05 (Inner Mongolia 2024: medical + accident spending > 60% of income; 烟台: medical
# self-pay > 20,000 a year): rigid spending "seriously endangers basic living" when the 12-month rigid
# spending (medical self-pay net of claims + uninsured disaster loss) is at least half of the household's
# 12-month net income and at least 10,000 yuan. Both numbers assumed within that range.
RIGID_SHARE_OF_NET = 0.50
RIGID_MIN = 10_000
# How long an event keeps its risk "live" for the truth (R-INC-01's 12-month window).
RISK_WINDOW_MONTHS = 12
# POLICY R-INC-05 (元谋 2023): drinking-water difficulty counts when water is cut off for more than a month.
WATER_OUTAGE_RISK_DAYS = 30
# POLICY R-AID-05 (Guizhou check 5_18_008): 缺劳动力 means a labour share of at most 1/4.
LABOUR_SHORTAGE_SHARE = 0.25
# Structural illness risk: a chronic patient only counts when the household paid at least this much
# out of pocket in the window (assumed; otherwise every household with a hypertensive grandparent would
# be "at risk").
CHRONIC_SELF_PAY_RISK = 3_000


def threshold_for(year: int) -> int:
    """The monitoring line for a calendar year (POLICY R-THR-04, extrapolated outside the table)."""
    if year in THRESHOLDS:
        return THRESHOLDS[year]
    first, last = min(THRESHOLDS), max(THRESHOLDS)
    if year < first:
        return THRESHOLDS[first] - THRESHOLD_STEP_AFTER_TABLE * (first - year)
    return THRESHOLDS[last] + THRESHOLD_STEP_AFTER_TABLE * (year - last)


def monthly(annual_probability: float) -> float:
    """Monthly probability with the same yearly chance of at least one event."""
    return 1.0 - (1.0 - annual_probability) ** (1.0 / 12.0)


# --------------------------------------------------------------------------------------------------
# Regions and households
# --------------------------------------------------------------------------------------------------

DEFAULT_COUNTY = "530326"  # 会泽县, the demo county (CONTRACT §1 demo; POLICY §9 会泽 figures)
DEFAULT_HOUSEHOLDS = 90_000  # POLICY §9: 会泽县 has 87,743 脱贫 households (曲靖日报 2025)
DEFAULT_MONTHS = 24
DEFAULT_START = "2024-01"
# Above this many households one county gets implausibly dense, so households are spread over every
# county of the prefecture (assumed: if 脱贫 households are about half of all rural households, as the
# simulator assumes, 会泽 has ~175,000 households).
SINGLE_COUNTY_MAX_HOUSEHOLDS = 150_000
# Village groups (村民小组) are not in the NBS code list: 4–12 per village, derived from the village code.
GROUPS_MIN, GROUPS_MAX = 4, 12
# Relative size weight of an urban 社区居民委员会 against a 村民委员会 (assumed: most rural households
# live in villages; 社区 host relocation sites and peri-urban farmers).
COMMUNITY_WEIGHT = 0.5

# Half the households are registered 脱贫户 (the brief; 会泽: 87,743 脱贫 households).
FORMER_POOR_SHARE = 0.5
# Exit years 2014–2020 (建档立卡 exits; 会泽 left the poverty-county list in 2020). Shares assumed,
# rising towards the 2019–2020 peak of the campaign.
EXIT_YEARS = (2014, 2015, 2016, 2017, 2018, 2019, 2020)
EXIT_YEAR_SHARES = (0.05, 0.08, 0.12, 0.15, 0.20, 0.25, 0.15)
# ~8% of 脱贫户 were relocated (易地扶贫搬迁) — the brief; relocation sites are 社区, so relocated
# households are more likely there.
RELOCATED_SHARE = 0.08

# Monitoring objects at the start (POLICY R-OBJ-07, §9):
# * about 5.5% of households were ever identified (会泽 2025: 11,542 monitoring households against the
#   ~175,000 households implied by 87,743 脱贫 households being about half ≈ 6.6%; the brief asks 4–6%);
# * category shares 26.4 / 36.1 / 37.5% (韩俊 2025-03-08); unstable only 脱贫户, marginal only ordinary,
#   sudden either; 42% of monitored households are former 脱贫户 and 58% ordinary, so 42 − 26.4 = 15.6
#   points of the 37.5 sudden share are 脱贫户;
# * about half already eliminated (POLICY §9: 保山 end-2021 49.69% eliminated; >60% nationally by
#   2023-09 — the lower figure because identifications continue).
MONITORED_SHARE = 0.055
CATEGORY_SHARES = {"unstable": 0.264, "marginal": 0.361, "sudden": 0.375}
SUDDEN_FORMER_POOR_SHARE = (0.42 - 0.264) / 0.375
ELIMINATED_SHARE = 0.50
ASSISTED_ELIMINATION_SHARE = 0.85  # assumed: 帮扶消除 far more common than 自然消除
# POLICY R-ELIM-02: the default minimum time in monitoring before elimination is 6 months.
MIN_MONTHS_BEFORE_ELIMINATION = 6
# Identifications before the start are drawn from the transition period (2021 onwards, POLICY §0).
FIRST_IDENTIFICATION_YEAR = 2021

# Household composition (assumed; calibrated so the mean size is ≈ 3.9, POLICY §9: 会泽 342,235 脱贫
# people in 87,743 households = 3.90).
HOUSEHOLD_TYPE_SHARES = {"nuclear": 0.57, "stem": 0.27, "elder": 0.10, "single": 0.06}

# Ethnicity in 会泽 (assumed mix: the county is overwhelmingly Han with Yi, Hui, Miao, Buyi and Shui
# minorities). Drawn per household with a village-level minority lean.
ETHNICITIES = ("汉族", "彝族", "回族", "苗族", "布依族", "水族")
ETHNICITY_SHARES = (0.925, 0.030, 0.030, 0.010, 0.003, 0.002)

# Health at the start by age band (<40, 40–59, 60+), assumed from the order of magnitude of China's
# chronic-disease prevalence and Yunnan's ~6% disability rate; 脱贫户 ×1.25 (R-OBJ-05 priority groups
# are over-represented among them).
DISABLED_BY_AGE = (0.02, 0.05, 0.09)
SERIOUS_BY_AGE = (0.003, 0.015, 0.03)
CHRONIC_BY_AGE = (0.02, 0.10, 0.25)
FORMER_POOR_HEALTH_FACTOR = 1.25
DISABILITY_GRADE_SHARES = (0.10, 0.25, 0.30, 0.35)  # grades 1–4, assumed (severe grades are rarer)
DISABILITY_TYPES = ("肢体残疾", "视力残疾", "听力残疾", "言语残疾", "智力残疾", "精神残疾", "多重残疾")
DISABILITY_TYPE_SHARES = (0.45, 0.15, 0.12, 0.03, 0.08, 0.10, 0.07)

# Insurance: POLICY R-AID-09: medical insurance of 脱贫 and low-income people is kept at ≥ 99%.
MEDICAL_INSURANCE_SHARE = 0.996
PENSION_INSURANCE_SHARE = 0.92  # assumed coverage of 城乡居民养老保险 among adults not in school

# --------------------------------------------------------------------------------------------------
# Income (yuan a year at the start, grown every January)
# --------------------------------------------------------------------------------------------------
# Anchor: POLICY §9: rural per-capita disposable income in 脱贫 areas 12,588 (2020) → 17,522 (2024);
# 2021: 脱贫 per-capita net income > 12,500. The parameters below are assumed and were tuned so that the
# simulated mean per-capita net income is in that range and a few percent of households are below the
# line (docs/simulator.md reports the figures of a default run).

# Who works for a wage: healthy working-age adults not in school (POLICY §9: 33 million 脱贫 labourers
# in work in 2024 out of roughly 82 million people ⇒ about 0.4 per person).
WORKER_SHARE = 0.60
HOUSEHOLD_SENDS_WORKER = 0.90  # a household with able members but no worker gets one (劳务输出)
WORK_PLACES = ("in_county", "in_province", "out_of_province")
WORK_PLACE_SHARES = (0.25, 0.35, 0.40)
MONTHLY_WAGE_MEDIAN = {"in_county": 2_300, "in_province": 3_100, "out_of_province": 3_700}
MONTHLY_WAGE_SIGMA = 0.25
SKILLED_WAGE_FACTOR = 1.3
WEAK_LABOUR_LOCAL_WORK_SHARE = 0.25
WEAK_LABOUR_MONTHLY_WAGE = 1_800
# 公益性岗位 (POLICY R-AID-08): about 600 a month for a 脱贫 household without a migrant worker.
PUBLIC_JOB_SHARE = 0.40
PUBLIC_JOB_MONTHLY = 600
# Wages, farm income and pensions grow every January (assumed, ~ the 2020→2024 growth of 脱贫-area
# incomes: 12,588 → 17,522 is 8.6% a year nominal; lower here because that included catch-up).
WAGE_GROWTH = 0.05
FARM_GROWTH = 0.03

# Farming and livestock (生产经营性): gross income per labour unit at home, and the cost share.
FARM_GROSS_PER_UNIT = 15_000
FARM_SIGMA = 0.35
LIVESTOCK_SHARE = 0.5
LIVESTOCK_GROSS = (3_000, 12_000)
FARM_COST_RATIO = 0.35
# Seasonality of farm receipts and costs (sales after the autumn harvest, inputs in spring).
FARM_SEASON = (0.06, 0.05, 0.06, 0.07, 0.08, 0.08, 0.08, 0.09, 0.12, 0.12, 0.11, 0.08)
COST_SEASON = (0.05, 0.08, 0.14, 0.14, 0.10, 0.08, 0.07, 0.07, 0.08, 0.08, 0.06, 0.05)

# Property income: land rent and 资产收益 dividends for 脱贫户 (POLICY R-INC-02 sub-items).
LAND_RENT_SHARE, LAND_RENT = 0.20, (300, 2_000)
DIVIDEND_SHARE_FORMER_POOR, DIVIDEND = 0.60, (200, 800)

# Transfers (POLICY R-INC-02 decision: recurring transfers count, one-off relief does not):
PENSION_MONTHLY = 150  # assumed 城乡居民基础养老金 + personal account in Yunnan, 60+
ELDER_SUPPORT_ANNUAL = (2_000, 8_000)  # assumed 赡养费 from children living elsewhere, per person 60+
ELDER_SUPPORT_SHARE = 0.85
SUBSIDIES_ANNUAL = (800, 3_000)  # assumed ecological compensation + crop subsidies per household
DISABILITY_ALLOWANCE_MONTHLY = 80  # assumed 残疾人两项补贴, grades 1–2 (POLICY R-AID-10)
# 低保 and 特困: assumed Yunnan rural 低保 standard ≈ 5,500 yuan/person/year in 2024 (not in POLICY,
# unverified; the order of magnitude of provincial rural standards); 特困 support ≈ 1.3 × that.
DIBAO_STANDARD = 5_500
DIBAO_MIN_MONTHLY = 150
TEKUN_MONTHLY = 600
# 低保边缘: per-capita income below 1.5 × the 低保 standard (POLICY R-OBJ-06).
LOW_INCOME_MARGIN_FACTOR = 1.5
# Share of households on 低保 at the start, by rank of per-capita income (assumed: MCA's ~40 million on
# 低保 of ~500 million rural people ≈ 8%, concentrated at the bottom).
DIBAO_SHARE = 0.08
# 低保 at the start: most households below this multiple of the standard (before 低保) are enrolled;
# 民政 cancels when income before 低保 rises above DIBAO_CANCEL_FACTOR × the standard.
DIBAO_ENROLLED_BELOW = 1.5
DIBAO_CANCEL_FACTOR = 1.7
TEKUN_SHARE_OF_ELDER_ALONE = 0.30

# --------------------------------------------------------------------------------------------------
# Events during the simulation (annual probabilities unless noted; all assumed unless a source is given)
# --------------------------------------------------------------------------------------------------

# Demography: crude birth and death rates of the order of Yunnan's (~9‰ and ~8‰ in the early 2020s).
FERTILITY_BY_AGE = ((20, 25, 0.16), (25, 31, 0.18), (31, 36, 0.09), (36, 43, 0.03))
MALE_BIRTH_SHARE = 0.52
GOMPERTZ_A, GOMPERTZ_B = 0.00003, 0.092  # annual mortality = A·exp(B·age)
SERIOUS_MORTALITY_FACTOR = 4.0
ACCIDENTAL_DEATH_SHARE_UNDER_60 = 0.15
MARRY_OUT_ANNUAL = 0.08  # unmarried daughters 20–30 moving their registration out at marriage
MIGRATE_OUT_ANNUAL = 0.01  # other adult children 22–40 settling elsewhere
UNIVERSITY_HUKOU_OUT_SHARE = 0.10  # new undergraduates moving their registration to the university
MARRY_IN_ANNUAL = 0.06  # unmarried sons / heads 22–40 whose bride moves her registration in

# Illness (incidence per person-year by age band <40, 40–59, 60+), costs and insurance.
CHRONIC_ONSET = (0.002, 0.010, 0.025)
SERIOUS_ONSET = (0.0010, 0.0050, 0.0120)
SERIOUS_FORMER_POOR_FACTOR = 1.3
SERIOUS_COST_MEDIAN, SERIOUS_COST_SIGMA = 25_000, 0.7
FOLLOW_UP_MONTHS, FOLLOW_UP_PROB, FOLLOW_UP_COST_MEDIAN = 6, 0.35, 8_000
CHRONIC_OUTPATIENT_PROB, CHRONIC_OUTPATIENT_MEDIAN = 0.20, 600  # monthly
CHRONIC_INPATIENT_PROB, CHRONIC_INPATIENT_MEDIAN = 0.01, 6_000  # monthly
# Self-pay after basic insurance, 大病保险 and medical assistance is 30–50% of the cost (the brief;
# POLICY R-INC-04 lists what 合规自付 covers). Chronic outpatient (门诊慢特病) reimburses more.
SELF_PAY_SHARE = (0.30, 0.50)
OUTPATIENT_SELF_PAY_SHARE = (0.30, 0.50)
SERIOUS_RECOVERY_MONTHLY = 0.04
SERIOUS_OFF_WORK_MONTHS = (6, 18)
CAREGIVER_STOPS_WORK = 0.30
# 防贫保 (POLICY R-AID-10) for 脱贫 and monitored households: pays part of a large self-pay.
ANTI_POVERTY_INSURANCE_DEDUCTIBLE = 5_000
ANTI_POVERTY_INSURANCE_RATE = 0.40
ANTI_POVERTY_INSURANCE_TAKE_UP = 0.60
COMMERCIAL_INSURANCE_SHARE = 0.10
# Gap: illness treated out of province never reaches the county's medical feed (the brief: 10–15%).
OUT_OF_PROVINCE_TREATMENT = 0.12

DISABILITY_ONSET = (0.0008, 0.0020, 0.0040)
DISABILITY_CERTIFIED_SHARE = 0.85
CERTIFICATION_DELAY_MONTHS = (1, 4)

ACCIDENT_ANNUAL = 0.004  # ages 16–70: traffic and work accidents
ACCIDENT_DISABILITY_SHARE = 0.15
ACCIDENT_COST_MEDIAN = 10_000
ACCIDENT_OFF_WORK_MONTHS = (1, 4)
ACCIDENT_POLICE_DELIVERED = 0.80  # only accidents the traffic police handle (POLICY R-WARN-01, 峨山)
DEATH_POLICE_DELIVERED = 0.97

# Employment (人社). Monthly job-loss hazard by work place, re-employment chance, mass lay-offs.
JOB_LOSS_MONTHLY = {"in_county": 0.003, "in_province": 0.0045, "out_of_province": 0.0055}
REEMPLOYMENT_MONTHLY = 0.25
# A household left without any job finds one for an able member (就业帮扶, local work, public jobs).
WORKLESS_HOUSEHOLD_FINDS_WORK_MONTHLY = 0.03
LAYOFF_EVENT_MONTHLY = 0.03  # chance a month that one factory closure hits one township's migrants
LAYOFF_SHARE = 0.40
FORMAL_CONTRIBUTION_SHARE = {"in_county": 0.20, "in_province": 0.45, "out_of_province": 0.45}
UNEMPLOYMENT_REGISTERED_SHARE = 0.15

# Education (教育). Enrolment by age at the start, transition and dropout rates.
PRESCHOOL_SHARE = 0.85
SENIOR_CONTINUATION = 0.85  # junior → senior or vocational secondary
SENIOR_GENERAL_SHARE = 0.55
HIGHER_CONTINUATION_FROM_SENIOR = 0.75
HIGHER_CONTINUATION_FROM_VOCATIONAL = 0.35
UNDERGRADUATE_SHARE = 0.50
POSTGRADUATE_SHARE = 0.015
DROPOUT_MONTHLY = {"junior": 0.0002, "senior": 0.0025, "vocational_secondary": 0.0030, "higher": 0.0010}
DROPOUT_SHOCK_FACTOR = 5.0
HIGHER_EDUCATION_DELIVERED = 0.60  # universities outside the county report only partly
DROPOUT_DELIVERED = 0.90

# Disasters (应急管理). Monthly chance per village / per township; hazards by season; damage.
VILLAGE_DISASTER_MONTHLY = 0.006
TOWNSHIP_DISASTER_MONTHLY = 0.0015
VILLAGE_AFFECTED_SHARE = (0.5, 0.95)
TOWNSHIP_AFFECTED_SHARE = (0.3, 0.7)
HAZARDS = ("洪涝", "地震", "冰雹", "干旱", "滑坡")
# (months 1-based, hazard weights in HAZARDS order): rainy season floods and landslides, spring drought.
HAZARD_SEASONS = (
    ((6, 7, 8, 9), (0.45, 0.05, 0.25, 0.00, 0.25)),
    ((3, 4, 5), (0.00, 0.10, 0.40, 0.50, 0.00)),
    ((1, 2, 10, 11, 12), (0.10, 0.30, 0.10, 0.30, 0.20)),
)
HOUSE_DAMAGE_SHARE = {"洪涝": 0.15, "地震": 0.30, "冰雹": 0.05, "干旱": 0.00, "滑坡": 0.20}
CROP_LOSS_SHARE = (0.2, 0.6)  # of the next 6 months of farm receipts
HOUSE_REPAIR_MEDIAN = 15_000
AGRI_INSURANCE_SHARE, AGRI_INSURANCE_RATE = 0.60, 0.30
DISASTER_DELIVERED = 0.90

# Industry failure: a cooperative project (魔芋, 生猪, 中药材…) fails for part of a village.
INDUSTRY_FAILURE_VILLAGE_MONTHLY = 0.0025
INDUSTRY_FAILURE_AFFECTED = (0.4, 0.8)
INDUSTRY_FAILURE_FACTOR = (0.2, 0.6)  # farm receipts fall to this share
INDUSTRY_FAILURE_MONTHS = (6, 12)

# Housing (住建). Grades at the start and monthly deterioration / renovation.
HOUSE_GRADE_SHARES = (0.70, 0.27, 0.025, 0.005)  # A–D; 危房 were cleared by 2020 (POLICY R-AID-10)
HOUSE_DETERIORATION_MONTHLY = (0.001, 0.0015, 0.005)  # A→B, B→C, C→D
HOUSE_RENOVATION_MONTHLY = 0.05
HOUSING_APPRAISED_SHARE = 0.75
APPRAISAL_DELAY_MONTHS = (1, 3)

# Water (水利), per village group.
WATER_ISSUE_MONTHLY = 0.004
WATER_DRY_SEASON_FACTOR = 3.0  # March–May
WATER_ISSUES = ("outage", "quality", "distance")
WATER_ISSUE_SHARES = (0.75, 0.15, 0.10)
WATER_OUTAGE_DAYS_MEDIAN, WATER_OUTAGE_DAYS_SIGMA = 8, 1.0
WATER_OTHER_DAYS = (15, 120)
WATER_DELIVERED = 0.85

# Credit (金融): 脱贫人口小额信贷 (POLICY R-AID-06: ≤ 50,000, ≤ 3 years) and other farm loans.
MICROCREDIT_SHARE_FORMER_POOR = 0.25
OTHER_LOAN_SHARE = 0.08
MICROCREDIT_PRINCIPALS = (10_000, 20_000, 30_000, 40_000, 50_000)
OTHER_LOAN_PRINCIPAL = (20_000, 100_000)
OVERDUE_AT_DUE = 0.03
OVERDUE_AT_DUE_AFTER_SHOCK = 0.30
OVERDUE_CURED_MONTHLY = 0.20

# Civil affairs (民政) responses, monthly.
DIBAO_APPLY_AFTER_SHOCK = 0.15
DIBAO_APPLY_STRUCTURAL = 0.02
DIBAO_APPROVED = 0.85
DIBAO_CANCEL_MONTHLY = 0.10
TEMP_AID_SHARE = 0.30
TEMP_AID_AMOUNT = (1_000, 8_000)
LOW_INCOME_MARGIN_APPLY = 0.05

# Citizen self-reports (找政府, POLICY R-ID-01, R-ID-07): share of shocked households that report
# within two months, share filed by someone else (他人代举), and reports from households that do not
# meet the criteria (noise the verification step must weed out).
SELF_REPORT_SEVERE = 0.15
SELF_REPORT_OTHER = 0.04
SELF_REPORT_BY_OTHER = 0.20
SELF_REPORT_OTHER_BLANK_ID = 0.50
SELF_REPORT_NOISE_MONTHLY = 0.0008

# Delivery gaps (the brief): ~10% of rows a month late, ~1% of IDs mistyped.
LATE_SHARE = 0.10
TYPO_SHARE = 0.01
