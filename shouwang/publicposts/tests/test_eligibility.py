"""Who may be hired (R-EMP-07): the pure rules on literal facts (boundary pairs), then the same rules read
from the database (second post, household cap, cadre family, age with and without a health check)."""

import dataclasses
import datetime as dt

import pytest

from shouwang.publicposts.eligibility import ApplicantFacts, age_on, eligibility_check, eligibility_rules
from shouwang.publicposts.models import PostParameter
from shouwang.publicposts.parameters import PostParams, post_params_get
from shouwang.publicposts.tests.helpers import TODAY, hire_through, make_post, member
from shouwang.testing.builders import make_household, make_user

ELIGIBLE = ApplicantFacts(
    age=45,
    counted=True,
    same_county=True,
    target_household=True,
    health_checked=False,
    cadre_relative=False,
    post_insured=True,
    held_posts=(),
    holds_this_post=False,
    household_holders=0,
)
DEFAULTS = PostParams()


def codes(facts: ApplicantFacts, params: PostParams = DEFAULTS) -> list[str]:
    return [r.code for r in eligibility_rules(facts, params)]


def with_(**kw) -> ApplicantFacts:
    return dataclasses.replace(ELIGIBLE, **kw)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (with_(age=16), []),
        (with_(age=15), ["too_young"]),
        (with_(age=60), []),
        (with_(age=61), ["too_old"]),
        (with_(age=65, health_checked=True), []),
        (with_(age=66, health_checked=True), ["too_old"]),
        (with_(held_posts=("护林员",)), ["second_post"]),
        (with_(holds_this_post=True), ["holds_this_post"]),
        (with_(household_holders=1), ["household_cap"]),
        (with_(cadre_relative=True), ["cadre_family"]),
        (with_(target_household=False), ["not_target"]),
        (with_(post_insured=False), ["no_insurance"]),
        (with_(counted=False), ["not_member"]),
        (with_(same_county=False), ["other_county"]),
        (
            with_(age=71, held_posts=("护路员",), household_holders=2),
            ["too_old", "second_post", "household_cap"],
        ),
    ],
)
def test_rules_on_literal_facts(facts, expected):
    assert codes(facts) == expected


def test_the_province_switches_change_the_answer():
    relaxed = PostParams(household_cap=2, cadre_family_rule=False, target_households_only=False, max_age=55)
    assert codes(with_(household_holders=1, cadre_relative=True, target_household=False), relaxed) == []
    assert codes(with_(age=56), relaxed) == ["too_old"]
    (refusal,) = eligibility_rules(with_(age=61), DEFAULTS)
    assert (
        refusal.rule == "R-EMP-07"
        and "超过最高聘用年龄60周岁" in refusal.reason
        and "65周岁" in refusal.reason
    )


def test_age_on_counts_birthdays():
    assert age_on(dt.date(1975, 3, 8), dt.date(2035, 3, 7)) == 59
    assert age_on(dt.date(1975, 3, 8), dt.date(2035, 3, 8)) == 60


@pytest.mark.django_db
def test_parameters_are_versioned_by_region_and_year():
    assert post_params_get(region_code="530326001001", year=2025) == PostParams()
    PostParameter.objects.create(region_code="53", household_cap=2, cadre_family_rule=False)
    PostParameter.objects.create(region_code="53", version=2, household_cap=3, cadre_family_rule=False)
    PostParameter.objects.create(region_code="52", household_cap=5)
    got = post_params_get(region_code="530326001001", year=2025)
    assert (got.household_cap, got.cadre_family_rule) == (3, False) and "第2版" in got.source
    PostParameter.objects.create(region_code="530326", year=2025, household_cap=1)
    assert post_params_get(region_code="530326001001", year=2025).household_cap == 1
    assert post_params_get(region_code="530326001001", year=2026).household_cap == 3


@pytest.mark.django_db
def test_the_database_facts(monkeypatch):
    county = make_user("county")
    li = make_household("H_LI")
    forest = make_post(county, name="堂琅护林员", post_class="forest")
    cleaning = make_post(county)
    head, spouse, grandma = member(li, "李建国"), member(li, "张玉兰"), member(li, "李秀英")
    assert eligibility_check(person=head, post=forest, on=TODAY) == []
    # 李秀英 is 77: too old whatever the health check (and the data-quality bound of R-AID-08 too).
    assert [
        r.code for r in eligibility_check(person=grandma, post=forest, on=TODAY, health_checked=True)
    ] == ["too_old"]
    hire_through(forest, head, county, monkeypatch)
    # A second post for 李建国; another member of the household over the one-post-per-household cap.
    assert [r.code for r in eligibility_check(person=head, post=cleaning, on=TODAY)] == ["second_post"]
    assert [r.code for r in eligibility_check(person=head, post=forest, on=TODAY)] == ["holds_this_post"]
    assert [r.code for r in eligibility_check(person=spouse, post=cleaning, on=TODAY)] == ["household_cap"]
    PostParameter.objects.create(region_code="53", household_cap=2, cadre_family_rule=True)
    assert eligibility_check(person=spouse, post=cleaning, on=TODAY) == []
    cadre = eligibility_check(person=spouse, post=cleaning, on=TODAY, cadre_relative=True)
    assert [r.code for r in cadre] == ["cadre_family"]
    # An ordinary household with nobody on 低保 or 特困 is not a target household (by default).
    people = [
        {"seq": 51, "name": "赵强", "birth": dt.date(1980, 5, 1), "relation": "head"},
        {"seq": 62, "name": "赵母", "birth": dt.date(1950, 5, 1), "relation": "parent", "labour": "none"},
    ]
    zhao = make_household("H_ORD", poverty_status="ordinary", members=people)
    assert [r.code for r in eligibility_check(person=member(zhao, "赵强"), post=cleaning, on=TODAY)] == [
        "not_target"
    ]
    zhao.members.filter(name="赵母").update(dibao=True)
    assert eligibility_check(person=member(zhao, "赵强"), post=cleaning, on=TODAY) == []


@pytest.mark.django_db
def test_a_province_sets_its_switches_as_a_new_version():
    from shouwang.accounts.access import Forbidden, NotFound  # noqa: PLC0415
    from shouwang.audit.models import AuditEntry  # noqa: PLC0415
    from shouwang.common.errors import InputRefused  # noqa: PLC0415
    from shouwang.publicposts.services import post_parameter_set  # noqa: PLC0415

    province = make_user("province")
    gansu_like = PostParams(household_cap=1, cadre_family_rule=True, target_households_only=True)
    with pytest.raises(InputRefused) as exc:
        post_parameter_set(
            actor=province, region_code="53", values=PostParams(min_age=15, max_age=72), note=""
        )
    assert {e.column for e in exc.value.errors} == {"min_age", "max_age", "note"}
    assert PostParameter.objects.count() == 0 and not AuditEntry.objects.exists()
    with pytest.raises(Forbidden):
        post_parameter_set(actor=make_user("auditor"), region_code="530326", values=gansu_like, note="x")
    with pytest.raises(NotFound):
        post_parameter_set(actor=make_user("county"), region_code="52", values=gansu_like, note="x")
    relaxed = PostParams(household_cap=2, cadre_family_rule=False)
    first = post_parameter_set(actor=province, region_code="53", values=relaxed, note="云人社发〔2021〕示例")
    second = post_parameter_set(actor=province, region_code="53", values=gansu_like, note="修订")
    assert (first.version, second.version) == (1, 2)
    got = post_params_get(region_code="530326001001", year=2025)
    assert (got.household_cap, got.cadre_family_rule) == (1, True)
    assert AuditEntry.objects.filter(object_type="public_post_parameter").count() == 2
