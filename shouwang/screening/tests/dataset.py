"""One literal dataset with a named household for each side of every rule's boundary (period 2025-03).

Parameters are the seed defaults for 2025: threshold 8,700; previous-year rural income 17,400
(trigger 8,700 for 脱贫/monitored persons, 17,400 for others); household absolute 20,000; drop 30%;
water 30 days; overdue 90 days; disaster loss 10,000; wage share 0.6; asset loan 100,000; wage 6,000.
"""

import zlib
from pathlib import Path
from typing import Any

from shouwang.screening.engines import InputFile
from shouwang.screening.tests.tables import VILLAGE, VILLAGE_2, household, income, person, write_inputs

PERIOD = "2025-03"

HOUSEHOLDS: list[dict[str, Any]] = []
PERSONS: list[dict[str, Any]] = []
INCOMES: list[dict[str, Any]] = []
FEEDS: dict[str, list[dict[str, Any]]] = {}
EPISODES: list[dict[str, Any]] = []
ROSTER: list[dict[str, Any]] = []


def hh(no: str, *, members: list[dict[str, Any]] | None = None, **kw: Any) -> str:
    HOUSEHOLDS.append(household(no, **kw))
    for i, spec in enumerate(members or [{"age": 40}], start=1):
        m = dict(spec)
        PERSONS.append(person(no, m.pop("idx", f"{no}-{i}"), age=m.pop("age"), **m))
    return no


def feed(kind: str, period: str = PERIOD, **row: Any) -> None:
    FEEDS.setdefault(kind, []).append({"period": period, **row})


def inc(no: str, **kw: Any) -> None:
    INCOMES.append(income(no, **kw))


# INC-LOW: reference income per capita strictly below 8,700.
inc(hh("INC-BELOW", poverty_status="former_poor", members=[{"age": 40}, {"age": 38}]), wage="17399.98")
inc(hh("INC-AT", members=[{"age": 40}, {"age": 38}]), wage="17400.00")
# R-INC-04: self-pay lowers the reference income below the line although net income is above it.
inc(hh("INC-REF", members=[{"age": 40}, {"age": 38}]), wage="20000", compliant_self_pay="2600.02")

# INC-DROP: per-capita net income down by at least 30% between the last two records (≤ 12 months old).
inc(hh("DROP-30", members=[{"age": 40}, {"age": 38}]), period="2023-12", wage="40000")
inc("DROP-30", period="2024-12", wage="28000")
inc(hh("DROP-29", members=[{"age": 40}, {"age": 38}]), period="2023-12", wage="40000")
inc("DROP-29", period="2024-12", wage="28000.04")
inc(hh("DROP-STALE", members=[{"age": 40}, {"age": 38}]), period="2022-12", wage="40000")
inc("DROP-STALE", period="2024-03", wage="20000")

# MED-SELFPAY: person's 12-month self-pay above 50% (脱贫) / 100% (others) of 17,400.
hh("MED-POOR-AT", poverty_status="former_poor")
feed("medical", "2024-06", id_index="MED-POOR-AT-1", settled_on="2024-06-10", self_pay="5000")
feed("medical", id_index="MED-POOR-AT-1", settled_on="2025-03-02", self_pay="3700")
hh("MED-POOR-OVER", poverty_status="former_poor")
feed("medical", "2024-06", id_index="MED-POOR-OVER-1", settled_on="2024-06-10", self_pay="5000")
feed("medical", id_index="MED-POOR-OVER-1", settled_on="2025-03-02", self_pay="3700.01")
hh("MED-MONITORED", monitoring_category="marginal", identified_on="2024-05-01")
feed("medical", id_index="MED-MONITORED-1", settled_on="2025-03-05", self_pay="8700.01")
hh("MED-ORD-AT")
feed("medical", id_index="MED-ORD-AT-1", settled_on="2025-03-02", self_pay="17400")
hh("MED-ORD-OVER")
feed("medical", id_index="MED-ORD-OVER-1", settled_on="2025-03-02", self_pay="17400.01")
hh("MED-OLD", poverty_status="former_poor")
feed("medical", "2024-03", id_index="MED-OLD-1", settled_on="2024-03-31", self_pay="9000")

# MED-SELFPAY-ABS: household total above 20,000 although no person passes 17,400.
hh("ABS-OVER", members=[{"age": 40}, {"age": 38}])
feed("medical", id_index="ABS-OVER-1", settled_on="2025-01-02", self_pay="10000.01")
feed("medical", id_index="ABS-OVER-2", settled_on="2025-03-02", self_pay="10000.01")
hh("ABS-AT", members=[{"age": 40}, {"age": 38}])
feed("medical", id_index="ABS-AT-1", settled_on="2025-01-02", self_pay="10000")
feed("medical", id_index="ABS-AT-2", settled_on="2025-03-02", self_pay="10000")

# MED-RIGID: net income minus the 医保 self-pay of the last 12 months, per member, strictly below 8,700.
inc(hh("RIGID-BELOW", members=[{"age": 40}, {"age": 38}]), wage="20000")
feed("medical", "2024-09", id_index="RIGID-BELOW-1", settled_on="2024-09-03", self_pay="2600.02")
inc(hh("RIGID-AT", members=[{"age": 40}, {"age": 38}]), wage="20000")
feed("medical", id_index="RIGID-AT-1", settled_on="2025-03-03", self_pay="2600.00")
# The registry's larger compliant self-pay is deducted instead of the feed's (never both).
inc(hh("RIGID-REGISTRY", members=[{"age": 40}, {"age": 38}]), wage="20000", compliant_self_pay="2000")
feed("medical", id_index="RIGID-REGISTRY-1", settled_on="2025-03-03", self_pay="1000")

# MED-SHARE: household self-pay above 60% of gross income.
inc(hh("SHARE-OVER", members=[{"age": 40}]), wage="30000")
feed("medical", id_index="SHARE-OVER-1", settled_on="2025-03-03", self_pay="18000.01")
inc(hh("SHARE-AT", members=[{"age": 40}]), wage="30000")
feed("medical", id_index="SHARE-AT-1", settled_on="2025-03-03", self_pay="18000")

# ILL-NEAR-LINE: an inpatient stay, or a member registered with a serious illness, and income after the
# 12-month self-pay strictly below 1.5 × 8,700 = 13,050 per member.
inc(hh("NEAR-INPATIENT", members=[{"age": 40}, {"age": 38}]), wage="26500")
feed("medical", id_index="NEAR-INPATIENT-1", settled_on="2025-03-04", self_pay="400.02", inpatient=True)
inc(hh("NEAR-INPATIENT-AT", members=[{"age": 40}, {"age": 38}]), wage="26500")
feed("medical", id_index="NEAR-INPATIENT-AT-1", settled_on="2025-03-04", self_pay="400", inpatient=True)
inc(hh("NEAR-SERIOUS", members=[{"age": 40, "health": "serious"}, {"age": 38}]), wage="26099.98")
inc(hh("NEAR-OUTPATIENT", members=[{"age": 40}, {"age": 38}]), wage="20000")
feed("medical", id_index="NEAR-OUTPATIENT-1", settled_on="2025-03-04", self_pay="400")
# ILL-WAGE-LOSS: a registered migrant worker's inpatient stay after the income survey (period 2024-06);
# months lost from the stay's month to 2025-03 (9), the earner's share of wages (40,000 ÷ 1 earner) × 9/12
# = 30,000 taken from the income after the 医保 self-pay, strictly below 8,700 per member. Net income
# 48,400.02 keeps every other income rule quiet (23,699.99 per member after the self-pay).
_EARNER = [{"age": 40, "work_months": 12}, {"age": 38}]
for name, self_pay, stay, patient in (
    ("WAGELOSS-BELOW", "1000.04", "2024-07", 1),  # 8,699.99 per member after the estimate
    ("WAGELOSS-AT", "1000.02", "2024-07", 1),  # 8,700.00: not below
    ("WAGELOSS-SURVEYED", "1000.04", "2024-05", 1),  # stay before the survey: already in the income
    ("WAGELOSS-NOT-EARNER", "1000.04", "2024-07", 2),  # the patient does not work for a wage
):
    inc(hh(name, members=_EARNER), period="2024-06", wage="40000", business="8400.02")
    feed(
        "medical",
        stay,
        id_index=f"{name}-{patient}",
        settled_on=f"{stay}-15",
        self_pay=self_pay,
        inpatient=True,
    )
# … a stay of a member who does not work for a wage brings another earner home to care (at most 3 months):
# wages 24,000 ÷ 1 earner × 3/12 (stay in 2024-12, 4 months ago, capped) = 6,000; with the 1,000 self-pay,
# 24,399.98 − 7,000 = 17,399.98, i.e. 8,699.99 per member. A household without a wage earner loses none.
for name, members, business in (
    ("WAGELOSS-CARER", [{"age": 40, "work_months": 12}, {"age": 70}], "399.98"),
    ("WAGELOSS-CARER-AT", [{"age": 40, "work_months": 12}, {"age": 70}], "400"),  # 8,700.00
    ("WAGELOSS-NO-EARNER", [{"age": 70}, {"age": 68}], "399.98"),
):
    inc(hh(name, members=members), period="2024-06", wage="24000", business=business)
    feed("medical", "2024-12", id_index=f"{name}-2", settled_on="2024-12-15", self_pay="1000", inpatient=True)
# ILL-NEAR-LINE on the income after the estimated lost wages: 20,000 ÷ 1 earner × 3/12 (stay 2025-01) = 5,000;
# 32,099.98 − 1,000 self-pay = 15,549.99 per member before the estimate, 13,049.99 after it.
for name, business in (("NEAR-WAGELOSS", "12099.98"), ("NEAR-WAGELOSS-AT", "12100")):
    inc(hh(name, members=_EARNER), period="2024-06", wage="20000", business=business)
    feed("medical", "2025-01", id_index=f"{name}-1", settled_on="2025-01-15", self_pay="1000", inpatient=True)
# ILL-MEMBER (supporting): a chronic patient adds 因病 to a low-income warning, and raises none alone.
inc(hh("ILL-CHRONIC-LOW", members=[{"age": 60, "health": "chronic"}, {"age": 58}]), wage="12000")
hh("ILL-CHRONIC-ONLY", members=[{"age": 60, "health": "chronic"}])

# DIS-SEVERE: newly certified grade 1–2 this month.
hh("DIS-2")
feed("disability", id_index="DIS-2-1", certified_on="2025-03-10", disability_type="physical", grade=2)
hh("DIS-3")
feed("disability", id_index="DIS-3-1", certified_on="2025-03-10", disability_type="physical", grade=3)
hh("DIS-KNOWN", members=[{"age": 40, "disability_grade": 1, "health": "disabled", "labour": "none"}])
feed("disability", id_index="DIS-KNOWN-1", certified_on="2025-03-10", disability_type="visual", grade=1)
hh("DIS-LASTMONTH")
feed("disability", "2025-02", id_index="DIS-LASTMONTH-1", certified_on="2025-02-10", grade=1)
# DIS-MENTAL: grade 3–4 intellectual or mental disability, any household (R-OBJ-05).
hh("DIS-MIND-3")
feed("disability", id_index="DIS-MIND-3-1", certified_on="2025-03-10", disability_type="智力残疾", grade=3)
hh("DIS-MIND-KNOWN", members=[{"age": 40, "disability_grade": 3, "health": "disabled"}])
feed(
    "disability", id_index="DIS-MIND-KNOWN-1", certified_on="2025-03-10", disability_type="精神残疾", grade=4
)
# DIS-NEW: another grade 3–4 disability in a 脱贫 household or one within 1.5 × the line (13,050 a head).
hh("DIS-3-POOR", poverty_status="former_poor")
feed("disability", id_index="DIS-3-POOR-1", certified_on="2025-03-11", disability_type="肢体残疾", grade=3)
inc(hh("DIS-4-NEAR", members=[{"age": 40}, {"age": 38}]), wage="26099.98")
feed("disability", id_index="DIS-4-NEAR-1", certified_on="2025-03-11", disability_type="视力残疾", grade=4)
inc(hh("DIS-4-FAR", members=[{"age": 40}, {"age": 38}]), wage="26100.00")
feed("disability", id_index="DIS-4-FAR-1", certified_on="2025-03-11", disability_type="视力残疾", grade=4)

# Members 公安 reports dead or moved out stop counting (R-OBJ-02): 26,099.97 for three is 8,699.99 a head, for
# two 13,049.99; moved out and back in, all three still count.
for _no, _events in (
    ("GONE-DEATH", [("2024-10", "2024-10-20", "death")]),
    ("GONE-BACK", [("2024-10", "2024-10-20", "moved_out"), ("2025-02", "2025-02-01", "moved_in")]),
    ("GONE-OLD", [("2024-03", "2024-03-20", "moved_out")]),  # delivered 13 months ago: outside the window
):
    inc(hh(_no, members=[{"age": 40}, {"age": 38}, {"age": 70}]), members=3, wage="26099.97")
    for _period, _on, _event in _events:
        feed("police", _period, id_index=f"{_no}-3", event_on=_on, event=_event)

# EDU-DROPOUT: compulsory-age child dropped out / suspended this month.
hh("EDU-15", members=[{"age": 40}, {"age": 15, "school_status": "junior"}])
feed("education", id_index="EDU-15-2", as_of="2025-03-01", stage="junior", status="dropped_out")
hh("EDU-16-SENIOR", members=[{"age": 40}, {"age": 16, "school_status": "senior"}])
feed("education", id_index="EDU-16-SENIOR-2", as_of="2025-03-01", stage="senior", status="dropped_out")
# … any stage in a household within 1.5 × the line (13,050 per member), R-OBJ-05 #1 and #6.
for name, wage in (("EDU-16-NEAR", "26099.98"), ("EDU-16-NEAR-AT", "26100")):
    inc(hh(name, members=[{"age": 40}, {"age": 16, "school_status": "senior"}]), wage=wage)
    feed("education", id_index=f"{name}-2", as_of="2025-03-01", stage="senior", status="dropped_out")
hh("EDU-6", members=[{"age": 40}, {"age": 6, "school_status": "primary"}])
feed("education", id_index="EDU-6-2", as_of="2025-03-01", stage="primary", status="suspended")

# EDU-NOTENROLLED: registry says a compulsory-age member is not in school, feeds do not contradict.
hh("NOTENR-6", members=[{"age": 40}, {"age": 6}])
hh("NOTENR-5", members=[{"age": 40}, {"age": 5}])
hh("NOTENR-FED", members=[{"age": 40}, {"age": 10}])
feed("education", "2024-09", id_index="NOTENR-FED-2", as_of="2024-09-01", stage="primary", status="enrolled")
hh("NOTENR-16", members=[{"age": 40}, {"age": 16}])

# HOUSE-CD
hh("HOUSE-C")
feed("housing", id_index="HOUSE-C-1", appraised_on="2025-03-15", grade="C")
hh("HOUSE-B")
feed("housing", id_index="HOUSE-B-1", appraised_on="2025-03-15", grade="B")

# DISASTER: loss ≥ 10,000 or house damaged.
hh("DISASTER-LOSS")
feed(
    "disaster",
    id_index="DISASTER-LOSS-1",
    occurred_on="2025-03-03",
    hazard="flood",
    loss_amount="10000",
    house_damaged=False,
)
hh("DISASTER-SMALL")
feed(
    "disaster",
    id_index="DISASTER-SMALL-1",
    occurred_on="2025-03-03",
    hazard="flood",
    loss_amount="9999.99",
    house_damaged=False,
)
hh("DISASTER-HOUSE")
feed(
    "disaster",
    id_index="DISASTER-HOUSE-1",
    occurred_on="2025-03-03",
    hazard="earthquake",
    loss_amount="0",
    house_damaged=True,
)
# HOUSE-DAMAGED: a house reported damaged in an earlier month is no longer this month's signal.
hh("DISASTER-HOUSE-LASTMONTH")
feed(
    "disaster",
    "2025-02",
    id_index="DISASTER-HOUSE-LASTMONTH-1",
    occurred_on="2025-02-20",
    hazard="landslide",
    loss_amount="0",
    house_damaged=True,
)

# POLICE-ACCIDENT: a labourer aged 16–59 with labour capacity.
hh("POLICE-59", members=[{"age": 59, "labour": "ordinary"}])
feed("police", id_index="POLICE-59-1", event_on="2025-03-08", event="death")
hh("POLICE-60", members=[{"age": 60, "labour": "ordinary"}])
feed("police", id_index="POLICE-60-1", event_on="2025-03-08", event="accident_injury")
hh("POLICE-NOLABOUR", members=[{"age": 30, "labour": "lost"}])
feed("police", id_index="POLICE-NOLABOUR-1", event_on="2025-03-08", event="death")
hh("POLICE-MOVED", members=[{"age": 30}])
feed("police", id_index="POLICE-MOVED-1", event_on="2025-03-08", event="moved_out")

# EMP-LOSS: job loss in a household whose wages are ≥ 60% of gross income.
inc(hh("EMP-60", members=[{"age": 40}, {"age": 38}]), wage="60000", business="40000")
feed("employment", id_index="EMP-60-1", month=PERIOD, status="unemployed_registered", monthly_wage="0")
inc(
    hh("EMP-59", members=[{"age": 40, "work_months": 10}, {"age": 38, "work_months": 10}]),
    wage="59000",
    business="41000",
)
feed("employment", id_index="EMP-59-1", month=PERIOD, status="contribution_stopped")
# … or in a household within 1.5 × the line, however little of its income is wages (R-OBJ-05 #1, #7):
# wages 3,000 of 26,099.98 (11 %), the lost 3,000 below 30 % of net income, 13,049.99 per member.
for name, business in (("EMP-NEAR", "23099.98"), ("EMP-NEAR-AT", "23100")):
    inc(hh(name, members=[{"age": 40}, {"age": 38}]), wage="3000", business=business)
    feed("employment", id_index=f"{name}-1", month=PERIOD, status="unemployed_registered", monthly_wage="0")

# EMP-WAGEDROP: household wage this month vs the average of up to 3 months before.
for name, now in (("WAGE-30", "3500"), ("WAGE-29", "3500.01")):
    hh(name)
    for p in ("2024-12", "2025-01", "2025-02"):
        feed("employment", p, id_index=f"{name}-1", month=p, status="employed", monthly_wage="5000")
    feed("employment", id_index=f"{name}-1", month=PERIOD, status="employed", monthly_wage=now)


# EMP-END (R-EMP-06): the latest episode ended and no new work since; wages ≥ 50 % of net income.
# person_id as tables.person() makes it: crc32 of the blind index.
def episode(idx: str, start: str, end: str | None, **kw: Any) -> None:
    hh_no = idx.rsplit("-", 1)[0]
    EPISODES.append(
        {"person_id": zlib.crc32(idx.encode()), "household_no": hh_no, "start_month": start,
         "end_month": end, "channel": "migrant", "place_type": "out_of_province", "wage": "4000", **kw}
    )  # fmt: skip


def wage_household(no: str, *, wage: str = "50000", business: str = "50000", work_months: int = 10) -> None:
    inc(hh(no, members=[{"age": 40, "work_months": work_months}, {"age": 38}]), wage=wage, business=business)


# A year-round worker (12 months registered) whose work ended two months ago (2025-01), nothing since:
# fires (the parameter's wait is over), 零就业.
wage_household("END-WAIT", work_months=12)
episode("END-WAIT-1", "2024-02", "2025-01")
# A seasonal worker (8 months a year, a 4-month break): the wait counts from the end of the usual break.
wage_household("END-BREAK", work_months=8)
episode("END-BREAK-1", "2024-03", "2024-10")  # idle 5 < 4 + 2
wage_household("END-BREAK-OVER", work_months=8)
episode("END-BREAK-OVER-1", "2024-02", "2024-09")  # idle 6
# Ended last month after 10 months, as registered (a season's end): not yet (1 month < 2).
wage_household("END-SEASON")
episode("END-SEASON-1", "2024-05", "2025-02")
# Ended this month after 3 of the 10 registered months (came home early): fires at once.
wage_household("END-EARLY")
episode("END-EARLY-1", "2025-01", "2025-03")
# Ended two months ago, but wages are 49.99 % of net income: not a household living on wages.
wage_household("END-WAGE-49", wage="49990", business="50010")
episode("END-WAGE-49-1", "2024-03", "2025-01")
# Ended two months ago, a new episode started since: no signal.
wage_household("END-AGAIN")
episode("END-AGAIN-1", "2024-03", "2025-01")
episode("END-AGAIN-1", "2025-03", None)
# Ended two months ago, the roster (a visit) says a public post since: no signal.
wage_household("END-POST")
episode("END-POST-1", "2024-03", "2025-01")
ROSTER.append(
    {"person_id": zlib.crc32(b"END-POST-1"), "household_no": "END-POST", "period": "2025-02",
     "status": "public_post", "source": "visit"}
)  # fmt: skip
# Ended two months ago while the spouse still works (not 零就业): fires, flag off.
wage_household("END-SPOUSE", work_months=12)
episode("END-SPOUSE-1", "2024-02", "2025-01")
episode("END-SPOUSE-2", "2024-06", None)

# CIV-MARGIN / CIV-NEW
hh("CIV-REJECTED")
feed("civil", id_index="CIV-REJECTED-1", event_on="2025-03-04", event="dibao_rejected")
hh("CIV-ENROLLED")
feed("civil", id_index="CIV-ENROLLED-1", event_on="2025-03-04", event="dibao_enrolled", amount="500")
hh("CIV-CANCELLED")
feed("civil", id_index="CIV-CANCELLED-1", event_on="2025-03-04", event="dibao_cancelled")

# WATER (village 2): group 三组 has a 31-day outage, group 四组 a 30-day one.
hh("WATER-31", village_code=VILLAGE_2, group_name="三组")
hh("WATER-30", village_code=VILLAGE_2, group_name="四组")
feed("water", village_code=VILLAGE_2, group_name="三组", from_on="2025-02-28", issue="outage")
feed(
    "water",
    village_code=VILLAGE_2,
    group_name="四组",
    from_on="2025-03-01",
    to_on="2025-03-31",
    issue="outage",
)

# CREDIT-OVERDUE
hh("CREDIT-90")
feed(
    "credit",
    id_index="CREDIT-90-1",
    loan_no="L1",
    principal="50000",
    due_on="2024-12-01",
    overdue_days=90,
    balance="30000",
)
hh("CREDIT-89")
feed(
    "credit",
    id_index="CREDIT-89-1",
    loan_no="L2",
    principal="50000",
    due_on="2024-12-02",
    overdue_days=89,
    balance="30000",
)

# CREDIT-DISASTER / CREDIT-ILLNESS: a loan overdue this month (any number of days) after a disaster or an
# inpatient stay delivered in the six months ending with this one (2024-10 … 2025-03).
for name, kind, period, row in (
    (
        "CREDIT-AFTER-DISASTER",
        "disaster",
        "2024-10",
        {"occurred_on": "2024-10-05", "loss_amount": "3000", "hazard": "flood", "house_damaged": False},
    ),
    (
        "CREDIT-DISASTER-OLD",
        "disaster",
        "2024-09",
        {"occurred_on": "2024-09-05", "loss_amount": "3000", "hazard": "flood", "house_damaged": False},
    ),
    (
        "CREDIT-AFTER-STAY",
        "medical",
        "2024-11",
        {"settled_on": "2024-11-05", "self_pay": "800", "inpatient": True},
    ),
    ("CREDIT-AFTER-OUTPATIENT", "medical", "2024-11", {"settled_on": "2024-11-05", "self_pay": "800"}),
):
    hh(name)
    feed(kind, period, id_index=f"{name}-1", **row)
    feed(
        "credit",
        id_index=f"{name}-1",
        loan_no=f"L-{name}",
        principal="50000",
        due_on="2025-03-21",
        overdue_days=10,
        balance="20000",
    )

# WATER-NEAR-LINE (village 2): a quality problem open this month, 10 days old, in a household within
# 1.5 × the line (13,050 per member); a distance problem solved last month; a short outage (WATER's business).
for name, group, wage in (
    ("WATERQ-NEAR", "五组", "26099.98"),
    ("WATERQ-AT", "五组", "26100"),
    ("WATERD-ENDED", "六组", "10000"),
    ("WATERO-SHORT", "七组", "10000"),
):
    inc(hh(name, village_code=VILLAGE_2, group_name=group, members=[{"age": 40}, {"age": 38}]), wage=wage)
feed("water", village_code=VILLAGE_2, group_name="五组", from_on="2025-03-10", issue="quality")
feed(
    "water",
    "2025-02",
    village_code=VILLAGE_2,
    group_name="六组",
    from_on="2025-01-10",
    to_on="2025-02-20",
    issue="distance",
)
feed("water", village_code=VILLAGE_2, group_name="七组", from_on="2025-03-10", issue="outage")

# LAB-SHORT (supporting) attached to an INC-LOW household; and a supporting-only household.
inc(
    hh("LAB-1OF4", members=[{"age": 40}, {"age": 70}, {"age": 72}, {"age": 10, "school_status": "primary"}]),
    members=4,
    transfer="20000",
)
inc(
    hh("LAB-2OF4", members=[{"age": 40}, {"age": 38}, {"age": 72}, {"age": 10, "school_status": "primary"}]),
    members=4,
    transfer="20000",
)
hh("LAB-ONLY", members=[{"age": 75}, {"age": 73}])

# ASSET-CHECK (exclusion evidence) on households that also have a signal.
hh("ASSET-LOAN")
feed(
    "credit",
    id_index="ASSET-LOAN-1",
    loan_no="L3",
    principal="100000",
    due_on="2024-10-01",
    overdue_days=120,
    balance="90000",
)
hh("ASSET-WAGE")
feed("employment", id_index="ASSET-WAGE-1", month=PERIOD, status="employed", monthly_wage="6000")
feed("housing", id_index="ASSET-WAGE-1", appraised_on="2025-03-15", grade="D")

# A small disaster loss that takes the household's income after rigid spending below 1.5 × the line
# (near_line_ratio × 8,700 = 13,050 per member).
inc(hh("DISASTER-RIGID", members=[{"age": 40}, {"age": 38}]), wage="26700")
feed(
    "disaster",
    id_index="DISASTER-RIGID-1",
    occurred_on="2025-03-03",
    hazard="hail",
    loss_amount="600.02",
    house_damaged=False,
)
inc(hh("DISASTER-RIGID-AT", members=[{"age": 40}, {"age": 38}]), wage="26700")
feed(
    "disaster",
    id_index="DISASTER-RIGID-AT-1",
    occurred_on="2025-03-03",
    hazard="hail",
    loss_amount="600",
    house_damaged=False,
)

# An injury is a risk whoever is injured (R-WARN-01); a death only when a labourer dies.
hh("POLICE-INJURED-70", members=[{"age": 70}])
feed("police", id_index="POLICE-INJURED-70-1", event_on="2025-03-08", event="accident_disability")
hh("POLICE-DEATH-70", members=[{"age": 70}])
feed("police", id_index="POLICE-DEATH-70-1", event_on="2025-03-08", event="death")

# Not wage-dependent, but the lost wage (last known 2,500 a month) is 30% of net income (R-INC-05).
for name, wage in (("EMP-DROP-30", "2500"), ("EMP-DROP-29", "2499.99")):
    inc(hh(name, members=[{"age": 40}, {"age": 38}]), wage="45000", business="55000")
    feed("employment", "2024-10", id_index=f"{name}-1", month="2024-10", status="employed", monthly_wage=wage)
    feed("employment", id_index=f"{name}-1", month=PERIOD, status="contribution_stopped")

# A senior-school dropout counts in a 脱贫户 (R-WARN-01 峨山), not in an ordinary household above the line.
hh("EDU-16-POOR", poverty_status="former_poor", members=[{"age": 40}, {"age": 16, "school_status": "senior"}])
feed("education", id_index="EDU-16-POOR-2", as_of="2025-03-01", stage="senior", status="dropped_out")


def dataset_inputs(directory: Path) -> dict[str, list[InputFile]]:
    return write_inputs(
        directory,
        households=HOUSEHOLDS,
        persons=PERSONS,
        incomes=INCOMES,
        work_episodes=EPISODES,
        labour_records=ROSTER,
        feeds=FEEDS,
    )


__all__ = ["FEEDS", "HOUSEHOLDS", "INCOMES", "PERIOD", "PERSONS", "VILLAGE", "dataset_inputs"]
