"""Recruitment as a transition table (R-EMP-07: 公告 → 申报 → 审核 → 公示 → 聘用): a skipped step and an
ineligible applicant are refused in Chinese with nothing changed; the hire checks the notice days and the
applicants again; holders' months, dismissal with a coded reason, and the roster's selector."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.publicposts.models import (
    PostApplication,
    PostHolder,
    PostMonthRecord,
    PostParameter,
    PublicPost,
)
from shouwang.publicposts.selectors import access_post_by_id, post_holders_in, post_list
from shouwang.publicposts.services import (
    MonthEntry,
    application_review,
    holder_dismiss,
    post_apply,
    post_month_record,
    post_transition,
)
from shouwang.publicposts.tests.helpers import TODAY, hire_through, make_post, member, set_today
from shouwang.publicposts.transitions import POST_MOVES, PROCEDURE, next_step
from shouwang.testing.builders import VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    return (
        list(PublicPost.objects.values_list("pk", "stage", "version", "round")),
        PostApplication.objects.count(),
        list(PostApplication.objects.values_list("status", flat=True)),
        PostHolder.objects.count(),
        PostMonthRecord.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def county(monkeypatch):
    set_today(monkeypatch, TODAY)
    return make_user("county")


def test_the_table_runs_the_procedure_in_order():
    stages: list[str] = [PROCEDURE[0]]
    while (move := next_step(stages[-1])) is not None and move.target not in stages:
        stages.append(move.target)
    assert stages == PROCEDURE
    assert all(m.policy == "R-EMP-07" for m in POST_MOVES.values())


def test_a_step_cannot_be_skipped(county):
    post = make_post(county)
    before = snapshot()
    with pytest.raises(InputRefused) as exc:
        post_transition(post=post, action="hire", actor=county)
    reason = exc.value.errors[0].reason
    assert "岗位当前处于“拟设岗位”环节，不能办理“公示期满、聘用上岗”" in reason
    assert "下一步应为“发布招聘公告”" in reason
    post = post_transition(post=post, action="announce", actor=county)
    with pytest.raises(InputRefused, match="操作被拒绝") as exc:
        post_transition(post=post, action="notice_start", actor=county)
    assert "下一步应为“截止报名、进入资格审核”" in exc.value.errors[0].reason
    after = snapshot()
    assert after[0] == [(post.pk, "announced", 2, 1)] and after[1:] == (
        before[1],
        before[2],
        0,
        0,
        before[5] + 1,
    )


def test_walk_to_hire_and_the_notice_days(county, monkeypatch):
    li = make_household("H_LI")
    post = make_post(county)
    post = post_transition(post=post, action="announce", actor=county)
    app = post_apply(post=post, person_id=member(li, "李建国").pk, actor=county)
    with pytest.raises(InputRefused, match="岗位已被他人更新"):
        post_transition(post=post, action="close_applications", actor=county, expected_version=1)
    post = post_transition(post=post, action="close_applications", actor=county)
    with pytest.raises(InputRefused) as exc:
        post_transition(post=post, action="notice_start", actor=county)
    assert "还有1份报名未审核" in str(exc.value.errors)
    application_review(application=app, actor=county, approved=True)
    post = post_transition(post=post, action="notice_start", actor=county)
    set_today(monkeypatch, TODAY + dt.timedelta(days=3))
    before = snapshot()
    with pytest.raises(InputRefused) as exc:
        post_transition(post=post, action="hire", actor=county)
    assert "仅3天，须满5天后方可聘用" in exc.value.errors[0].reason
    assert snapshot() == before
    set_today(monkeypatch, TODAY + dt.timedelta(days=5))
    post = post_transition(post=post, action="hire", actor=county)
    holder = PostHolder.objects.get(post=post)
    assert (post.stage, post.hired_on, holder.start_on, holder.term_end_on) == (
        "hired",
        TODAY + dt.timedelta(days=5),
        dt.date(2025, 3, 25),
        dt.date(2026, 3, 24),
    )
    assert PostApplication.objects.get(pk=app.pk).status == "hired"
    audit = AuditEntry.objects.filter(object_type="public_post", object_id=str(post.pk), action="transition")
    assert [a.reason for a in audit.order_by("pk")] == [
        "发布招聘公告",
        "截止报名、进入资格审核",
        "开始拟聘公示",
        "公示期满、聘用上岗",
    ]


def test_an_ineligible_applicant_is_refused_up_front(county, monkeypatch):
    li = make_household("H_LI")
    forest = make_post(county, name="堂琅护林员", post_class="forest")
    hire_through(forest, member(li, "李建国"), county, monkeypatch)
    cleaning = post_transition(post=make_post(county), action="announce", actor=county)
    before = snapshot()
    for name, expected in [("李建国", "一人一岗"), ("李秀英", "超过最高聘用年龄60周岁")]:
        with pytest.raises(InputRefused) as exc:
            post_apply(post=cleaning, person_id=member(li, name).pk, actor=county)
        assert exc.value.message == f"{name}不符合公益性岗位聘用条件，未登记报名"
        assert any(expected in e.reason and "R-EMP-07" in e.reason for e in exc.value.errors)
    assert snapshot() == before


def test_hire_checks_again_and_refuses_all(county, monkeypatch):
    """Two of the same household approved for two posts: the second hire meets the household cap."""
    li = make_household("H_LI")
    a, b = make_post(county, name="甲岗"), make_post(county, name="乙岗")
    a = post_transition(post=a, action="announce", actor=county)
    b = post_transition(post=b, action="announce", actor=county)
    app_a = post_apply(post=a, person_id=member(li, "李建国").pk, actor=county)
    app_b = post_apply(post=b, person_id=member(li, "张玉兰").pk, actor=county)
    for post, app in ((a, app_a), (b, app_b)):
        in_review = post_transition(post=post, action="close_applications", actor=county)
        application_review(application=app, actor=county, approved=True)
        post_transition(post=in_review, action="notice_start", actor=county)
    set_today(monkeypatch, TODAY + dt.timedelta(days=6))
    post_transition(post=PublicPost.objects.get(pk=a.pk), action="hire", actor=county)
    before = snapshot()
    with pytest.raises(InputRefused) as exc:
        post_transition(post=PublicPost.objects.get(pk=b.pk), action="hire", actor=county)
    assert "张玉兰：该户已有1人在公益性岗位在岗，每户最多1个岗位" in exc.value.errors[0].reason
    assert snapshot() == before
    # Turned down during the notice, the post is hired with nobody … refused: nobody approved.
    application_review(application=app_b, actor=county, approved=False, note="同户已有人在岗")
    with pytest.raises(InputRefused, match="聘用上岗"):
        post_transition(post=PublicPost.objects.get(pk=b.pk), action="hire", actor=county)


def test_roles_and_regions(county):
    post = make_post(county)
    village = make_user("village")
    other = make_user("township", "530326102", username="tb")
    with pytest.raises(Forbidden):
        post_transition(post=post, action="announce", actor=village)
    with pytest.raises(NotFound):
        post_transition(post=post, action="announce", actor=other)
    with pytest.raises(NotFound):
        access_post_by_id(other, post.pk)
    assert list(post_list(user=other)) == [] and list(post_list(user=village)) == [post]
    assert AuditEntry.objects.filter(object_type="public_post", action="access_denied").count() == 1


def test_months_dismissal_and_the_roster_selector(county, monkeypatch):
    li = make_household("H_LI")
    post = make_post(county)
    holder = hire_through(post, member(li, "李建国"), county, monkeypatch)  # from 2025-03-25
    set_today(monkeypatch, dt.date(2025, 5, 10))
    before = snapshot()
    with pytest.raises(InputRefused) as exc:
        post_month_record(
            post=post,
            period="2025-04",
            actor=county,
            entries=[MonthEntry(holder.pk, days_worked=31, subsidy_paid=Decimal("900"), paid_on=None)],
        )
    reasons = " ".join(e.reason for e in exc.value.errors)
    assert "出勤天数应为0–30" in reasons and "月补贴800" in reasons and "请填写发放日期" in reasons
    assert snapshot() == before
    post_month_record(
        post=post,
        period="2025-04",
        actor=make_user("village"),
        entries=[
            MonthEntry(holder.pk, days_worked=22, subsidy_paid=Decimal("800"), paid_on=dt.date(2025, 5, 8))
        ],
    )
    rec = PostMonthRecord.objects.get()
    assert (rec.period, rec.days_worked, rec.subsidy_paid) == ("2025-04", 22, Decimal("800.00"))
    assert post_holders_in(period="2025-03", county_codes=["530326"]) == {holder.person_id: post.pk}
    assert post_holders_in(period="2025-02", county_codes=["530326"]) == {}
    assert post_holders_in(period="2025-04", county_codes=["530302"]) == {}
    # Dismissal: a coded reason; 清退 needs the facts; 聘期届满 not before the term ends.
    with pytest.raises(InputRefused) as exc:
        holder_dismiss(holder=holder, actor=county, reason="term_ended", ended_on=dt.date(2025, 5, 10))
    assert "聘期至2026-03-24，尚未届满" in exc.value.errors[0].reason
    with pytest.raises(InputRefused, match="离岗办理被拒绝"):
        holder_dismiss(holder=holder, actor=county, reason="absent", ended_on=dt.date(2025, 5, 10))
    holder = holder_dismiss(
        holder=holder, actor=county, reason="absent", ended_on=dt.date(2025, 5, 10), note="连续旷工15天"
    )
    assert (holder.status, holder.exit_reason) == ("ended", "absent")
    assert post_holders_in(period="2025-05", county_codes=["530326"]) == {holder.person_id: post.pk}
    assert post_holders_in(period="2025-06", county_codes=["530326"]) == {}
    # The vacancy is recruited again in a new round.
    post = post_transition(post=PublicPost.objects.get(pk=post.pk), action="reopen", actor=county)
    assert (post.stage, post.round) == ("announced", 2)
    with pytest.raises(NotFound):
        post_apply(post=post, person_id=member(li, "李建国").pk, actor=make_user("village", VILLAGE_B))


def test_renewal_near_the_end_of_the_term(county, monkeypatch):
    from shouwang.publicposts.services import holder_renew  # noqa: PLC0415

    people = [{"seq": 91, "name": "周大山", "birth": dt.date(1965, 2, 1), "relation": "head"}]
    zhou = make_household("H_ZHOU", members=people)
    holder = hire_through(make_post(county), member(zhou, "周大山"), county, monkeypatch)  # 60 on hire
    before = snapshot()
    with pytest.raises(InputRefused) as exc:
        holder_renew(holder=holder, actor=county)  # the day after hire: too early
    assert "到期前60天内方可办理续聘" in exc.value.errors[0].reason
    set_today(monkeypatch, dt.date(2026, 3, 1))  # 61 by now: over the hiring age
    with pytest.raises(InputRefused) as exc:
        holder_renew(holder=holder, actor=county)
    assert [e.value for e in exc.value.errors] == ["too_old"] and snapshot() == before
    PostParameter.objects.create(region_code="53", max_age=62)
    renewed = holder_renew(holder=holder, actor=county)
    assert (renewed.start_on, renewed.term_end_on) == (dt.date(2025, 3, 25), dt.date(2027, 3, 24))
