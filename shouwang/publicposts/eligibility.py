"""Who may be hired on a public-welfare post (R-EMP-07 hiring rule; R-AID-08 bounds).

``eligibility_rules`` is pure: the facts of one applicant and one post, and the parameters in force, in;
the refusals out (each naming its rule). ``eligibility_check`` gathers those facts from the database
(reads only) and is used by the application step, by the hire step (again, on the hire date) and by the
console before an application is submitted.
"""

import datetime as dt
from dataclasses import dataclass

from shouwang.publicposts.choices import HolderStatusChoices, InsuranceChoices
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.publicposts.parameters import PostParams, post_params_get
from shouwang.registry.choices import COUNTED_RESIDENCE, PovertyStatusChoices
from shouwang.registry.models import Household, Person


@dataclass(frozen=True)
class Refusal:
    """One reason an applicant may not be hired: ``code`` (stable, for tests and the API), ``rule`` (the
    policy), ``reason`` (Chinese, shown as it is)."""

    code: str
    rule: str
    reason: str


@dataclass(frozen=True)
class ApplicantFacts:
    age: int
    counted: bool  # a counted member of the household (not moved out, not dead)
    same_county: bool
    target_household: bool
    health_checked: bool
    cadre_relative: bool
    post_insured: bool
    held_posts: tuple[str, ...]  # names of the posts the person holds (another post than this one)
    holds_this_post: bool
    household_holders: int  # other members of the household holding a post


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def eligibility_rules(facts: ApplicantFacts, params: PostParams) -> list[Refusal]:
    out: list[Refusal] = []
    if not facts.counted:
        out.append(Refusal("not_member", "R-OBJ-02", "申请人已迁出或已死亡，不在本户计算人口中"))
    if not facts.same_county:
        out.append(
            Refusal("other_county", "R-EMP-07", "申请人户籍不在岗位所在县，公益性岗位就地就近安置本县人员")
        )
    if facts.age < params.min_age:
        out.append(
            Refusal("too_young", "R-EMP-07", f"申请人{facts.age}周岁，未满{params.min_age}周岁，不得聘用")
        )
    limit = params.max_age_health_checked if facts.health_checked else params.max_age
    if facts.age > limit:
        extra = (
            "（体检合格时的上限）"
            if facts.health_checked
            else f"；体检合格的可放宽至{params.max_age_health_checked}周岁"
        )
        out.append(
            Refusal("too_old", "R-EMP-07", f"申请人{facts.age}周岁，超过最高聘用年龄{limit}周岁{extra}")
        )
    if facts.holds_this_post:
        out.append(Refusal("holds_this_post", "R-EMP-07", "申请人已在本岗位在岗"))
    elif facts.held_posts:
        names = "、".join(facts.held_posts)
        out.append(
            Refusal(
                "second_post",
                "R-EMP-07",
                f"申请人已在“{names}”岗位在岗，一人只能聘用一个公益性岗位（一人一岗）",
            )
        )
    if facts.household_holders >= params.household_cap:
        out.append(
            Refusal(
                "household_cap",
                "R-EMP-07",
                f"该户已有{facts.household_holders}人在公益性岗位在岗，每户最多{params.household_cap}个岗位",
            )
        )
    if params.cadre_family_rule and facts.cadre_relative:
        out.append(Refusal("cadre_family", "R-EMP-07", "申请人是村干部近亲属，本省规定村干部近亲属不得聘用"))
    if params.target_households_only and not facts.target_household:
        out.append(
            Refusal(
                "not_target",
                "R-EMP-07",
                "该户不是脱贫户或监测户，也没有低保、特困人员，不属于公益性岗位安置对象",
            )
        )
    if not facts.post_insured:
        out.append(Refusal("no_insurance", "R-EMP-07", "岗位未购买意外伤害保险，须先办理保险才能聘用"))
    return out


def household_is_target(household: Household) -> bool:
    """脱贫户, a monitoring object's household (not yet eliminated), or one with a 低保 / 特困 member."""
    if household.poverty_status == PovertyStatusChoices.FORMER_POOR:
        return True
    if household.monitoring_category and household.risk_eliminated_on is None:
        return True
    return (
        Person.objects.filter(household_id=household.pk, residence__in=COUNTED_RESIDENCE)
        .filter(dibao=True)
        .exists()
        or Person.objects.filter(
            household_id=household.pk, residence__in=COUNTED_RESIDENCE, tekun=True
        ).exists()
    )


def applicant_facts(
    *, person: Person, post: PublicPost, on: dt.date, health_checked: bool, cadre_relative: bool
) -> ApplicantFacts:
    household = person.household
    active = PostHolder.objects.filter(status=HolderStatusChoices.ACTIVE)
    held = list(active.filter(person=person).select_related("post").order_by("pk"))
    others = active.filter(household_id=household.pk).exclude(person=person).count()
    return ApplicantFacts(
        age=age_on(person.birth_date, on),
        counted=person.residence in COUNTED_RESIDENCE,
        same_county=household.county_code == post.county_code,
        target_household=household_is_target(household),
        health_checked=health_checked,
        cadre_relative=cadre_relative,
        post_insured=post.insurance != InsuranceChoices.NONE,
        held_posts=tuple(h.post.name for h in held if h.post_id != post.pk),
        holds_this_post=any(h.post_id == post.pk for h in held),
        household_holders=others,
    )


def eligibility_check(
    *,
    person: Person,
    post: PublicPost,
    on: dt.date,
    health_checked: bool = False,
    cadre_relative: bool = False,
    params: PostParams | None = None,
) -> list[Refusal]:
    """Every reason ``person`` may not be hired on ``post`` on ``on`` (empty: eligible). Reads only."""
    params = params or post_params_get(region_code=post.village_id, year=on.year)
    facts = applicant_facts(
        person=person, post=post, on=on, health_checked=health_checked, cadre_relative=cadre_relative
    )
    return eligibility_rules(facts, params)
