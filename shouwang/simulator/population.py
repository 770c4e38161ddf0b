"""The county as generated at the start of the warm-up: households placed in villages and groups, their
members (consistent relations, ages, sexes, schooling, health, labour and work), their incomes,
低保/特困 and loans. The monitoring objects and 户主变更 at the start are in ``start``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shouwang.simulator import assumptions as A
from shouwang.simulator import fmt, names
from shouwang.simulator.codes import Health, Labour, Place, Rel, School
from shouwang.simulator.places import Places
from shouwang.simulator.rng import choice_index, stream
from shouwang.simulator.state import NEVER, Households, Persons

DAYS_PER_YEAR = 365.2425
PHONE_PREFIXES = np.array(
    # China Mobile / Unicom / Telecom mobile prefixes (13x, 15x, 18x, 19x).
    [*range(130, 140), 150, 151, 152, 153, 155, 157, 158, 159, *range(180, 190), 191, 193, 195, 198, 199],
    dtype=np.int64,
)


@dataclass
class Population:
    households: Households
    persons: Persons


# ---------------------------------------------------------------------------- placing households


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer counts proportional to weights that sum to total (largest remainder, deterministic)."""
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.lexsort((np.arange(len(exact)), -(exact - counts)))
        counts[order[:short]] += 1
    return counts


def place_households(places: Places, n: int, seed: int) -> Households:
    rng = stream(seed, "population.place")
    weights = places.village_groups * rng.uniform(30, 60, places.n_villages)
    weights = np.where(places.village_is_community, weights * A.COMMUNITY_WEIGHT, weights)
    counts = _allocate(weights, n)
    village = np.repeat(np.arange(places.n_villages, dtype=np.int32), counts)
    groups = places.village_groups[village]
    group = (np.floor(rng.random(n) * groups) + 1).astype(np.int16)
    order = np.lexsort((group, village))
    hh = Households(n)
    hh.village = village[order]
    hh.group = group[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    hh.seq = (np.arange(n) - np.repeat(starts, counts) + 1).astype(np.int32)
    return hh


# ---------------------------------------------------------------------------- members


def _tri(rng: np.random.Generator, lo: float, mode: float, hi: float, n: int) -> np.ndarray:
    return rng.triangular(lo, mode, hi, n)


def build_members(places: Places, hh: Households, seed: int, start_day: int) -> Persons:
    """Members slot by slot (head, spouse, children, in-law, grandchildren, parents…), vectorised over
    households, then flattened in (household, slot) order."""
    rng = stream(seed, "population.members")
    n = hh.n
    htype = choice_index(rng, tuple(A.HOUSEHOLD_TYPE_SHARES.values()), n)
    nuclear, stem, elder, single = (htype == i for i in range(4))

    head_age = np.select(
        [nuclear, stem, elder],
        [_tri(rng, 25, 42, 62, n), _tri(rng, 50, 62, 86, n), _tri(rng, 60, 72, 86, n)],
        _tri(rng, 25, 40, 66, n),
    )
    head_age = np.clip(np.floor(head_age), 25, 85)
    head_male = rng.random(n) < np.select([nuclear, stem, elder], [0.9, 0.85, 0.6], 0.75)
    hui = hh.eth == 2
    head_surname = names.surname_codes(rng, n, hui)

    # Each slot: (present, age, male, relation, surname)
    slots: list[tuple[np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]] = []
    true_ = np.ones(n, dtype=bool)
    slots.append((true_, head_age, head_male, Rel.HEAD, head_surname))

    spouse = rng.random(n) < np.select([nuclear, stem, elder], [0.9, 0.8, 0.55], 0.0)
    spouse_age = head_age + np.where(head_male, -2, 2) + np.round(rng.normal(0, 3, n))
    spouse_age = np.clip(spouse_age, 20, 95)
    spouse_surname = names.surname_codes(rng, n)
    slots.append((spouse, spouse_age, ~head_male, Rel.SPOUSE, spouse_surname))
    father_line = np.where(head_male | ~spouse, head_surname, spouse_surname)

    # Children of a nuclear household, or the married child (+ a younger sibling) of a stem household.
    young = head_age < 30
    mid = (head_age >= 30) & (head_age < 45)
    kids_young = choice_index(rng, (0.3, 0.45, 0.25), n)
    kids_mid = choice_index(rng, (0.05, 0.30, 0.45, 0.15, 0.05), n)
    kids_old = choice_index(rng, (0.15, 0.35, 0.35, 0.12, 0.03), n)
    n_kids = np.where(young, kids_young, np.where(mid, kids_mid, kids_old))
    child1_age = np.where(stem, np.maximum(20, head_age - rng.uniform(22, 34, n)), 0.0)
    child1_male = np.where(stem, rng.random(n) < 0.85, rng.random(n) < A.MALE_BIRTH_SHARE)
    for k in range(4):
        age = head_age - rng.uniform(20, 36, n)
        male = rng.random(n) < A.MALE_BIRTH_SHARE
        present = nuclear & (n_kids > k) & (age >= 0) & (age <= 30)
        if k == 0:
            age = np.where(stem, child1_age, age)
            male = child1_male
            present = present | stem
        elif k == 1:
            sib_age = child1_age - rng.uniform(2, 8, n)
            stem_sib = stem & (rng.random(n) < 0.2) & (sib_age >= 16)
            age = np.where(stem, sib_age, age)
            present = present | stem_sib
        slots.append((present, np.floor(age), male, Rel.CHILD, father_line))

    in_law = stem & (rng.random(n) < 0.85)
    in_law_age = np.clip(child1_age + np.round(rng.normal(0, 3, n)), 18, 90)
    in_law_surname = names.surname_codes(rng, n)
    slots.append((in_law, in_law_age, ~child1_male, Rel.CHILD_IN_LAW, in_law_surname))
    grand_line = np.where(child1_male, father_line, in_law_surname)
    n_grand = choice_index(rng, (0.15, 0.35, 0.35, 0.15), n)
    for k in range(3):
        age = np.floor(child1_age - rng.uniform(20, 32, n))
        present = stem & (n_grand > k) & (age >= 0)
        slots.append((present, age, rng.random(n) < A.MALE_BIRTH_SHARE, Rel.GRANDCHILD, grand_line))

    father_age = np.floor(head_age + rng.uniform(22, 35, n))
    mother_age = np.floor(head_age + rng.uniform(20, 32, n))
    father = nuclear & (rng.random(n) < 0.15) & (father_age <= 92)
    mother = ((nuclear & (rng.random(n) < 0.25)) | (single & (rng.random(n) < 0.5))) & (mother_age <= 95)
    slots.append((father, father_age, true_, Rel.PARENT, head_surname))
    slots.append((mother, mother_age, ~true_, Rel.PARENT, names.surname_codes(rng, n)))
    gp_age = np.floor(head_age + rng.uniform(45, 60, n))
    grandparent = nuclear & (head_age < 35) & (rng.random(n) < 0.05) & (gp_age <= 98)
    slots.append((grandparent, gp_age, rng.random(n) < 0.25, Rel.GRANDPARENT, names.surname_codes(rng, n)))
    sib_age = np.clip(np.floor(head_age + rng.normal(0, 6, n)), 16, 85)
    sibling = single & (rng.random(n) < 0.2)
    slots.append((sibling, sib_age, rng.random(n) < 0.6, Rel.SIBLING, head_surname))
    other = rng.random(n) < 0.003
    slots.append(
        (other, np.floor(rng.uniform(5, 70, n)), rng.random(n) < 0.5, Rel.OTHER, names.surname_codes(rng, n))
    )

    hh_idx = np.arange(n, dtype=np.int32)
    parts_hh, parts_slot, parts_age, parts_male, parts_rel, parts_sur = [], [], [], [], [], []
    for s, (present, age, male, relation, surname) in enumerate(slots):
        parts_hh.append(hh_idx[present])
        parts_slot.append(np.full(int(present.sum()), s, dtype=np.int8))
        parts_age.append(age[present])
        parts_male.append(male[present])
        parts_rel.append(np.full(int(present.sum()), int(relation), dtype=np.int8))
        parts_sur.append(surname[present])
    p_hh = np.concatenate(parts_hh)
    order = np.lexsort((np.concatenate(parts_slot), p_hh))
    p_hh = p_hh[order]
    ages = np.concatenate(parts_age)[order].astype(np.int64)
    male = np.concatenate(parts_male)[order]
    rel = np.concatenate(parts_rel)[order]
    surname = np.concatenate(parts_sur)[order]
    total = len(p_hh)

    # A little headroom for births and people marrying in during the run.
    ps = Persons(total, capacity=int(total * 1.06) + 64)
    ps.hh[:total] = p_hh
    ps.rel[:total] = rel
    ps.male[:total] = male
    birth = start_day - np.floor(ages * DAYS_PER_YEAR).astype(np.int64) - rng.integers(1, 365, total)
    ps.birth[:total] = birth
    ps.area[:total] = np.array([int(c) for c in places.county_codes], dtype=np.int32)[
        places.village_county[hh.village[p_hh]]
    ]
    given = names.given_names(rng, male)
    ps.name[:total] = np.asarray(names.full_names(surname, given).to_numpy(), dtype="<U3")
    # Ethnicity: the household's, except some spouses and in-laws from elsewhere.
    eth = hh.eth[p_hh].copy()
    mixed = np.isin(rel, (Rel.SPOUSE, Rel.CHILD_IN_LAW)) & (rng.random(total) < 0.10)
    eth[mixed] = choice_index(rng, A.ETHNICITY_SHARES, int(mixed.sum()))
    ps.eth[:total] = eth
    hh.head = np.flatnonzero(rel == Rel.HEAD).astype(np.int32)
    return ps


def assign_id_numbers(ps: Persons, idx: np.ndarray) -> None:
    """Sequence codes ranked within (area, birth date, sex), odd for men (GB 11643), so IDs are unique
    and stable; an offset from the date spreads them like real sequence numbers."""
    area, birth, male = ps.area[idx], ps.birth[idx], ps.male[idx]
    order = np.lexsort((idx, male, birth, area))
    a, b, m = area[order], birth[order], male[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1]) | (m[1:] != m[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - group_start
    offset = (a.astype(np.int64) * 7 + b.astype(np.int64) * 13) % 150
    seq = 2 * (offset + rank) + np.where(m, 1, 2)
    if len(seq) and seq.max() > 999:
        raise ValueError("too many people born on one day in one county for 3-digit sequence codes")
    keys = np.empty(len(order), dtype=np.int64)
    keys[order] = fmt.id_key(a, b, seq)
    ps.key[idx] = keys


# ---------------------------------------------------------------------------- attributes


def _band(age: np.ndarray, values: tuple[float, float, float]) -> np.ndarray:
    return np.select([age < 40, age < 60], [values[0], values[1]], values[2])


def school_for_age(rng: np.random.Generator, age_sep: np.ndarray) -> np.ndarray:
    n = len(age_sep)
    r = rng.random(n)
    school = np.full(n, School.NONE, dtype=np.int8)
    school[(age_sep >= 3) & (age_sep <= 5) & (r < A.PRESCHOOL_SHARE)] = School.PRESCHOOL
    school[(age_sep >= 6) & (age_sep <= 11) & (r < 0.997)] = School.PRIMARY
    school[(age_sep >= 12) & (age_sep <= 14) & (r < 0.99)] = School.JUNIOR
    upper = (age_sep >= 15) & (age_sep <= 17) & (r < A.SENIOR_CONTINUATION)
    general = rng.random(n) < A.SENIOR_GENERAL_SHARE
    school[upper & general] = School.SENIOR
    school[upper & ~general] = School.VOCATIONAL_SECONDARY
    school[(age_sep >= 18) & (age_sep <= 21) & (r < 0.20)] = School.UNDERGRADUATE
    school[(age_sep >= 18) & (age_sep <= 20) & (r >= 0.20) & (r < 0.45)] = School.VOCATIONAL_HIGHER
    school[(age_sep >= 22) & (age_sep <= 24) & (r < A.POSTGRADUATE_SHARE)] = School.POSTGRADUATE
    return school


def education_for(
    rng: np.random.Generator, age: np.ndarray, school: np.ndarray, birth_year: np.ndarray, male: np.ndarray
) -> np.ndarray:
    n = len(age)
    edu = np.zeros(n, dtype=np.int8)
    # Adults by birth cohort (assumed from the rise of rural schooling): shares of 文盲, 小学, 初中, 高中,
    # 中专, 大专及以上.
    cohorts = (
        (1960, (0.40, 0.45, 0.12, 0.03, 0.0, 0.0)),
        (1975, (0.15, 0.50, 0.28, 0.05, 0.02, 0.0)),
        (1990, (0.05, 0.30, 0.50, 0.08, 0.05, 0.02)),
        (9999, (0.0, 0.08, 0.55, 0.15, 0.14, 0.08)),
    )
    lower = -1
    for upper, shares in cohorts:
        sel = (birth_year > lower) & (birth_year <= upper)
        edu[sel] = choice_index(rng, shares, int(sel.sum())) + 1
        lower = upper
    # Older women had less schooling: shift some 小学 to 文盲.
    old_women = (~male) & (birth_year < 1970) & (edu == 2) & (rng.random(n) < 0.3)
    edu[old_women] = 1
    for status, level in (
        (School.PRIMARY, 2),
        (School.JUNIOR, 3),
        (School.SENIOR, 4),
        (School.VOCATIONAL_SECONDARY, 5),
        (School.VOCATIONAL_HIGHER, 6),
        (School.UNDERGRADUATE, 6),
        (School.POSTGRADUATE, 6),
    ):
        edu[school == status] = level
    child_out = (school == School.NONE) & (age < 18)
    edu[child_out] = np.where(age[child_out] < 12, 2, 3).astype(np.int8)
    edu[(age < 6) | (school == School.PRESCHOOL)] = 0
    return edu


def labour_for(
    rng: np.random.Generator, age: np.ndarray, health: np.ndarray, grade: np.ndarray, school: np.ndarray
) -> np.ndarray:
    n = len(age)
    r = rng.random(n)
    lab = np.full(n, Labour.NONE, dtype=np.int8)
    adult = age >= 16
    healthy = health == Health.HEALTHY
    lab[adult & healthy & (age < 60)] = np.where(r[adult & healthy & (age < 60)] < 0.12, 0, 1)
    sel = adult & healthy & (age >= 60) & (age < 70)
    lab[sel] = np.where(r[sel] < 0.4, Labour.ORDINARY, Labour.WEAK)
    sel = adult & healthy & (age >= 70)
    lab[sel] = np.where(r[sel] < 0.4, Labour.WEAK, Labour.NONE)
    sel = adult & (health == Health.CHRONIC)
    lab[sel] = np.where(age[sel] < 60, np.where(r[sel] < 0.6, 1, 2), np.where(r[sel] < 0.7, 2, 3))
    sel = adult & (health == Health.SERIOUS)
    lab[sel] = np.where(r[sel] < 0.5, Labour.WEAK, Labour.LOST)
    sel = adult & (health == Health.DISABLED)
    lab[sel] = np.where(grade[sel] <= 2, Labour.LOST, Labour.WEAK)
    lab[(school != School.NONE)] = Labour.NONE
    return lab


def fill_attributes(ps: Persons, hh: Households, seed: int, start_day: int, start_month: int) -> None:
    rng = stream(seed, "population.attributes")
    n = ps.n
    birth = ps.birth[:n]
    age = fmt.age_years(birth, start_day).astype(np.int64)
    year, month = divmod(start_month, 12)
    sep_year = year if month >= 8 else year - 1
    age_sep = fmt.age_years(birth, fmt.first_day(fmt.month_number(sep_year, 9))).astype(np.int64)
    former = hh.former[ps.hh[:n]]
    school = school_for_age(rng, age_sep)
    ps.school[:n] = school

    factor = np.where(former, A.FORMER_POOR_HEALTH_FACTOR, 1.0)
    r = rng.random(n)
    p_dis = _band(age, A.DISABLED_BY_AGE) * factor
    p_ser = _band(age, A.SERIOUS_BY_AGE) * factor
    p_chr = _band(age, A.CHRONIC_BY_AGE) * factor
    health = np.select(
        [r < p_dis, r < p_dis + p_ser, r < p_dis + p_ser + p_chr],
        [Health.DISABLED, Health.SERIOUS, Health.CHRONIC],
        Health.HEALTHY,
    ).astype(np.int8)
    health[(age < 1) & (health == Health.CHRONIC)] = Health.HEALTHY
    ps.health[:n] = health
    disabled = health == Health.DISABLED
    ps.grade[:n] = np.where(disabled, choice_index(rng, A.DISABILITY_GRADE_SHARES, n) + 1, 0)
    ps.dis_type[:n] = np.where(disabled, choice_index(rng, A.DISABILITY_TYPE_SHARES, n), -1)
    ps.certified[:n] = disabled
    # Serious patients at the start fell ill some months ago (for illness risk windows).
    ps.serious_since[:n] = np.where(health == Health.SERIOUS, -rng.integers(1, 36, n), NEVER)
    by, _, _ = fmt.ymd(birth)
    ps.edu[:n] = education_for(rng, age, school, by, ps.male[:n])
    labour = labour_for(rng, age, health, ps.grade[:n], school)
    ps.labour[:n] = labour

    # Wage work.
    able = np.isin(labour, (Labour.SKILLED, Labour.ORDINARY)) & (age >= 16) & (age <= 59)
    worker = able & (rng.random(n) < A.WORKER_SHARE)
    # Labour export is organised household by household (POLICY R-AID-04 劳务输出): a household with
    # able members nearly always sends at least one.
    idx_all = ps.hh[:n]
    has_worker = np.bincount(idx_all, weights=worker, minlength=hh.n) > 0
    cand = np.flatnonzero(able & ~has_worker[idx_all])
    first_able = cand[np.unique(idx_all[cand], return_index=True)[1]]
    worker[first_able[rng.random(len(first_able)) < A.HOUSEHOLD_SENDS_WORKER]] = True
    place = np.where(worker, choice_index(rng, A.WORK_PLACE_SHARES, n) + 1, 0).astype(np.int8)
    migrant = (place == Place.IN_PROVINCE) | (place == Place.OUT_OF_PROVINCE)
    work_len = np.where(
        migrant,
        choice_index(rng, (0.05, 0.05, 0.10, 0.20, 0.30, 0.15, 0.15), n) + 6,
        rng.integers(4, 13, n),
    )
    sched = np.where(migrant, 1 + rng.integers(0, 2, n), rng.integers(0, 12, n))
    median = np.select(
        [place == Place.IN_COUNTY, place == Place.IN_PROVINCE],
        [A.MONTHLY_WAGE_MEDIAN["in_county"], A.MONTHLY_WAGE_MEDIAN["in_province"]],
        A.MONTHLY_WAGE_MEDIAN["out_of_province"],
    )
    wage = median * np.exp(A.MONTHLY_WAGE_SIGMA * rng.standard_normal(n))
    wage = np.where(labour == Labour.SKILLED, wage * A.SKILLED_WAGE_FACTOR, wage)
    # Weak labour and healthy 60–64 year olds: local casual work for a few months.
    local = ~worker & (
        ((labour == Labour.WEAK) & (age >= 16) & (age <= 69))
        | (np.isin(labour, (Labour.SKILLED, Labour.ORDINARY)) & (age >= 60) & (age <= 64))
    )
    local &= rng.random(n) < A.WEAK_LABOUR_LOCAL_WORK_SHARE
    place[local] = Place.IN_COUNTY
    work_len = np.where(local, rng.integers(2, 7, n), work_len)
    wage = np.where(local, A.WEAK_LABOUR_MONTHLY_WAGE * np.exp(0.2 * rng.standard_normal(n)), wage)
    working = worker | local
    # 公益性岗位 for 脱贫 households without any worker (POLICY R-AID-08: ages 16–69).
    hh_has_worker = np.bincount(ps.hh[:n], weights=working, minlength=hh.n) > 0
    eligible = (
        ~working
        & np.isin(labour, (Labour.ORDINARY, Labour.WEAK))
        & (age >= 16)
        & (age <= 69)
        & former
        & ~hh_has_worker[ps.hh[:n]]
    )
    # One candidate per household: the first eligible member.
    cand = np.flatnonzero(eligible)
    first = cand[np.unique(ps.hh[cand], return_index=True)[1]]
    public = first[rng.random(len(first)) < A.PUBLIC_JOB_SHARE]
    place[public] = Place.IN_COUNTY
    work_len[public] = 12
    wage[public] = A.PUBLIC_JOB_MONTHLY
    working[public] = True
    ps.public_job[public] = True
    ps.place[:n] = np.where(working, place, 0)
    ps.work_len[:n] = np.where(working, work_len, 0)
    ps.sched[:n] = sched
    ps.wage[:n] = np.where(working, np.round(wage * 100), 0)
    formal_share = np.select(
        [place == Place.IN_COUNTY, place == Place.IN_PROVINCE],
        [A.FORMAL_CONTRIBUTION_SHARE["in_county"], A.FORMAL_CONTRIBUTION_SHARE["in_province"]],
        A.FORMAL_CONTRIBUTION_SHARE["out_of_province"],
    )
    ps.formal[:n] = worker & (rng.random(n) < formal_share)

    ps.med_ins[:n] = rng.random(n) < A.MEDICAL_INSURANCE_SHARE
    ps.ill_ins[:n] = ps.med_ins[:n]
    ps.pension[:n] = (age >= 16) & (school == School.NONE) & (rng.random(n) < A.PENSION_INSURANCE_SHARE)


# ---------------------------------------------------------------------------- household economics


def annual_income(ps: Persons, hh: Households, start_day: int) -> dict[str, np.ndarray]:
    """Yearly income components in cents per household from the current state, without seasonality."""
    n = ps.n
    idx = ps.hh[:n]
    counted = ps.counted()
    age = fmt.age_years(ps.birth[:n], start_day)
    wage = np.bincount(idx, weights=(ps.wage[:n] * ps.work_len[:n]) * counted, minlength=hh.n)
    pension = (age >= 60) & ps.pension[:n] & counted
    allowance = (ps.grade[:n] > 0) & (ps.grade[:n] <= 2) & ps.certified[:n] & counted
    transfer_p = (
        pension * A.PENSION_MONTHLY * 1200
        + allowance * A.DISABILITY_ALLOWANCE_MONTHLY * 1200
        + ps.dibao_amt[:n].astype(np.int64) * 12 * counted
        + (ps.tekun[:n] & counted) * A.TEKUN_MONTHLY * 1200
    )
    transfer = np.bincount(idx, weights=transfer_p, minlength=hh.n) + hh.subsidy + hh.support
    farm = hh.farm.astype(np.float64)
    return {
        "wage": np.round(wage).astype(np.int64),
        "business": np.round(farm).astype(np.int64),
        "property": hh.prop.copy(),
        "transfer": np.round(transfer).astype(np.int64),
        "cost": np.round(farm * A.FARM_COST_RATIO).astype(np.int64),
    }


def members_count(ps: Persons, n_households: int) -> np.ndarray:
    return np.bincount(ps.hh[: ps.n], weights=ps.counted(), minlength=n_households).astype(np.int64)


def farm_units(ps: Persons, n_households: int, day: int) -> np.ndarray:
    """Labour units at home for farming: non-migrants count fully, weak labour half, migrants a little
    (they come back for the busy season)."""
    n = ps.n
    age = fmt.age_years(ps.birth[:n], day)
    lab = ps.labour[:n]
    migrant = np.isin(ps.place[:n], (Place.IN_PROVINCE, Place.OUT_OF_PROVINCE))
    units = np.select(
        [migrant, np.isin(lab, (Labour.SKILLED, Labour.ORDINARY)), lab == Labour.WEAK],
        [0.1, 1.0, 0.5],
        0.0,
    )
    units = np.where((age >= 16) & (age <= 75) & ps.counted(), units, 0.0)
    return np.bincount(ps.hh[:n], weights=units, minlength=n_households)


def fill_economics(ps: Persons, hh: Households, seed: int, start_day: int) -> None:
    rng = stream(seed, "population.economics")
    n = hh.n
    units = farm_units(ps, n, start_day)
    farm = units * A.FARM_GROSS_PER_UNIT * np.exp(A.FARM_SIGMA * rng.standard_normal(n))
    farm += np.where(rng.random(n) < A.LIVESTOCK_SHARE, rng.uniform(*A.LIVESTOCK_GROSS, n), 0.0)
    farm = np.where(hh.relocated, farm * 0.3, farm)  # relocated households farm little land
    hh.farm = np.round(farm * 100).astype(np.int64)
    prop = np.where(rng.random(n) < A.LAND_RENT_SHARE, rng.uniform(*A.LAND_RENT, n), 0.0)
    prop += np.where(
        hh.former & (rng.random(n) < A.DIVIDEND_SHARE_FORMER_POOR), rng.uniform(*A.DIVIDEND, n), 0
    )
    hh.prop = np.round(prop * 100).astype(np.int64)
    subsidy = rng.uniform(*A.SUBSIDIES_ANNUAL, n) * np.where(hh.relocated, 0.3, 1.0)
    hh.subsidy = np.round(subsidy * 100).astype(np.int64)
    age = fmt.age_years(ps.birth[: ps.n], start_day)
    support_p = np.where(
        (age >= 60) & (rng.random(ps.n) < A.ELDER_SUPPORT_SHARE),
        rng.uniform(*A.ELDER_SUPPORT_ANNUAL, ps.n),
        0,
    )
    hh.support = np.round(np.bincount(ps.hh[: ps.n], weights=support_p, minlength=n) * 100).astype(np.int64)


def per_capita(components: dict[str, np.ndarray], members: np.ndarray) -> np.ndarray:
    net = (
        components["wage"]
        + components["business"]
        + components["property"]
        + components["transfer"]
        - components["cost"]
    )
    ref = net - components.get("self_pay", 0) + components.get("claims", 0)
    return np.asarray(ref / np.maximum(members, 1) / 100.0)


def fill_safety_net(ps: Persons, hh: Households, seed: int, start_day: int) -> None:
    """低保 for the poorest (per-capita income below ~1.6 × the standard, most of them), 特困 for old
    people living alone without labour (POLICY R-OBJ-06)."""
    rng = stream(seed, "population.safety_net")
    members = members_count(ps, hh.n)
    pc = per_capita(annual_income(ps, hh, start_day), members)
    n = ps.n
    age = fmt.age_years(ps.birth[:n], start_day)
    head = hh.head
    alone_old = (
        (members == 1) & (age[head] >= 60) & np.isin(ps.labour[head], (Labour.WEAK, Labour.LOST, Labour.NONE))
    )
    tekun_hh = alone_old & (pc < A.DIBAO_STANDARD * 2) & (rng.random(hh.n) < A.TEKUN_SHARE_OF_ELDER_ALONE)
    need = pc < A.DIBAO_STANDARD * A.DIBAO_ENROLLED_BELOW
    dibao_hh = ~tekun_hh & ((need & (rng.random(hh.n) < 0.85)) | (rng.random(hh.n) < 0.005))
    monthly = np.clip((A.DIBAO_STANDARD - pc) / 12, A.DIBAO_MIN_MONTHLY, A.DIBAO_STANDARD / 12)
    ps.tekun[:n] = tekun_hh[ps.hh[:n]]
    ps.dibao[:n] = dibao_hh[ps.hh[:n]]
    ps.dibao_amt[:n] = np.where(ps.dibao[:n], np.round(monthly[ps.hh[:n]] * 100), 0)


# ---------------------------------------------------------------------------- households


def fill_households(places: Places, hh: Households, seed: int) -> None:
    rng = stream(seed, "population.households")
    n = hh.n
    hh.former = rng.random(n) < A.FORMER_POOR_SHARE
    exit_year = np.array(A.EXIT_YEARS, dtype=np.int16)[choice_index(rng, A.EXIT_YEAR_SHARES, n)]
    hh.exit_year = np.where(hh.former, exit_year, 0).astype(np.int16)
    community = places.village_is_community[hh.village]
    share = community.mean() if n else 0.0
    p_rural = 0.05
    p_comm = min(0.6, (A.RELOCATED_SHARE - (1 - share) * p_rural) / share) if share > 0 else 0.0
    hh.relocated = hh.former & (rng.random(n) < np.where(community, max(p_comm, p_rural), p_rural))
    # Ethnicity: each village leans to one minority (Hui and Yi villages exist in 会泽).
    lean = choice_index(rng, (0.7, 0.12, 0.1, 0.05, 0.02, 0.01), places.n_villages)
    strength = rng.uniform(0.0, 0.5, places.n_villages)
    eth = choice_index(rng, A.ETHNICITY_SHARES, n)
    minority = (lean[hh.village] > 0) & (rng.random(n) < strength[hh.village])
    eth[minority] = lean[hh.village][minority]
    hh.eth = eth
    hh.house = np.where(hh.relocated, 0, choice_index(rng, A.HOUSE_GRADE_SHARES, n)).astype(np.int8)
    hh.phone = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), n)] * 10**8 + rng.integers(0, 10**8, n)


def fill_loans(hh: Households, seed: int, start_day: int) -> None:
    """脱贫人口小额信贷 (POLICY R-AID-06: ≤ 50,000, ≤ 3 years) and other farm loans."""
    rng = stream(seed, "population.loans")
    n = hh.n
    micro = hh.former & (rng.random(n) < A.MICROCREDIT_SHARE_FORMER_POOR)
    other = ~micro & (rng.random(n) < A.OTHER_LOAN_SHARE)
    principal = np.where(
        micro,
        np.array(A.MICROCREDIT_PRINCIPALS)[rng.integers(0, len(A.MICROCREDIT_PRINCIPALS), n)],
        np.round(rng.uniform(*A.OTHER_LOAN_PRINCIPAL, n), -3),
    )
    has = micro | other
    hh.loan_principal = np.where(has, principal * 100, 0).astype(np.int64)
    remaining = rng.uniform(0.3, 1.0, n)
    hh.loan_balance = np.where(has, np.round(principal * remaining) * 100, 0).astype(np.int64)
    hh.loan_due = np.where(has, start_day + rng.integers(15, 36 * 30, n), -1).astype(np.int32)
    hh.loan_bank = np.where(micro, 0, rng.integers(1, 3, n)).astype(np.int8)
    hh.loan_serial = np.where(has, np.cumsum(has), 0).astype(np.int32)
    # A few loans are already overdue at the start.
    late = has & (rng.random(n) < 0.01)
    hh.loan_due[late] = start_day - rng.integers(10, 200, int(late.sum()))
    hh.loan_overdue[late] = True


def population_build(places: Places, n: int, seed: int, first_month: int) -> Population:
    """The county as generated at ``first_month`` (the start of the warm-up)."""
    start_day = fmt.first_day(first_month)
    hh = place_households(places, n, seed)
    fill_households(places, hh, seed)
    ps = build_members(places, hh, seed, start_day)
    assign_id_numbers(ps, np.arange(ps.n))
    fill_attributes(ps, hh, seed, start_day, first_month)
    fill_economics(ps, hh, seed, start_day)
    fill_safety_net(ps, hh, seed, start_day)
    fill_loans(hh, seed, start_day)
    return Population(hh, ps)
