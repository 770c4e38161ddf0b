"""Public-welfare posts in the console (R-EMP-07): the list with its filters, a post walked from its
creation to a hire through the pages, an ineligible applicant shown with the reasons before anything is
submitted (and refused, nothing written, when posted anyway), a month's attendance and a dismissal."""

import datetime as dt

import pytest
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.console.tests.helpers import client_for
from shouwang.publicposts.models import PostApplication, PostHolder, PostMonthRecord, PublicPost
from shouwang.publicposts.tests.helpers import TODAY, hire_through, make_post, member, set_today
from shouwang.testing.builders import VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


def test_a_post_is_created_and_walked_to_hire(monkeypatch):
    set_today(monkeypatch, TODAY)
    county = make_user("county")
    li = make_household("H_LI")
    c = client_for(county)
    new = c.post(
        reverse("console:post_create"),
        {
            "village_code": VILLAGE_A,
            "name": "堂琅护路员",
            "post_class": "road",
            "funding": "linkage",
            "monthly_subsidy": "600",
            "insurance": "accident",
            "places": "1",
            "term_months": "12",
        },
    )
    post = PublicPost.objects.get()
    assert new.status_code == 302 and new["Location"] == reverse("console:post_detail", args=[post.pk])
    page = c.get(new["Location"]).content.decode()
    assert "护路员" in page and "拟设岗位" in page and "发布招聘公告" in page
    url = reverse("console:post_transition", args=[post.pk])
    # A skipped step posted by hand: refused with the next step named, nothing changed.
    skipped = c.post(url, {"action": "hire", "expected_version": post.version})
    assert (
        skipped.status_code == 422
        and "招聘环节不能跳过，下一步应为“发布招聘公告”" in skipped.content.decode()
    )
    assert PublicPost.objects.get().stage == "draft"
    assert c.post(url, {"action": "announce", "expected_version": 1}).status_code == 302
    # The applicant form: the household's members, each with the reasons before anything is submitted.
    apply_url = reverse("console:post_apply", args=[post.pk])
    shown = c.get(apply_url, {"household_no": "H_LI"}).content.decode()
    assert "超过最高聘用年龄60周岁" in shown and "未满16周岁" in shown and "符合条件" in shown
    audit = AuditEntry.objects.filter(object_type="public_post")
    before = (PostApplication.objects.count(), audit.count())
    refused = c.post(apply_url, {"household_no": "H_LI", "person_id": member(li, "李秀英").pk})
    assert refused.status_code == 422 and "李秀英不符合公益性岗位聘用条件" in refused.content.decode()
    assert (
        PostApplication.objects.count(),
        AuditEntry.objects.filter(object_type="public_post").count(),
    ) == before
    ok = c.post(apply_url, {"household_no": "H_LI", "person_id": member(li, "李建国").pk})
    assert ok.status_code == 302
    assert c.post(url, {"action": "close_applications", "expected_version": 2}).status_code == 302
    app = PostApplication.objects.get()
    review = reverse("console:post_application_review", args=[post.pk, app.pk])
    assert c.post(review, {"decision": "approve"}).status_code == 302
    assert c.post(url, {"action": "notice_start", "expected_version": 3}).status_code == 302
    early = c.post(url, {"action": "hire", "expected_version": 4})
    assert early.status_code == 422 and "须满5天后方可聘用" in early.content.decode()
    set_today(monkeypatch, TODAY + dt.timedelta(days=5))
    assert c.post(url, {"action": "hire", "expected_version": 4}).status_code == 302
    holder = PostHolder.objects.get()
    assert (holder.person.name, holder.start_on) == ("李建国", TODAY + dt.timedelta(days=5))
    assert "聘用上岗" in c.get(reverse("console:post_detail", args=[post.pk])).content.decode()


def test_months_dismissal_list_and_access(monkeypatch):
    county = make_user("county")
    li = make_household("H_LI")
    post = make_post(county)
    holder = hire_through(post, member(li, "李建国"), county, monkeypatch)
    set_today(monkeypatch, dt.date(2025, 5, 10))
    village = client_for(make_user("village"))
    months = reverse("console:post_months", args=[post.pk])
    assert "李建国" in village.get(months, {"period": "2025-04"}).content.decode()
    bad = village.post(months, {"period": "2025-04", f"days-{holder.pk}": "31", f"paid-{holder.pk}": "900"})
    assert bad.status_code == 422 and "出勤天数应为0–30" in bad.content.decode()
    assert PostMonthRecord.objects.count() == 0
    good = {"period": "2025-04", f"days-{holder.pk}": "22", f"paid-{holder.pk}": "800"}
    good[f"paid_on-{holder.pk}"] = "2025-05-08"
    assert village.post(months, good).status_code == 302 and PostMonthRecord.objects.get().days_worked == 22
    c = client_for(county)
    dismiss = reverse("console:post_holder_dismiss", args=[post.pk, holder.pk])
    no_facts = c.post(dismiss, {"reason": "absent", "ended_on": "2025-05-10"})
    assert no_facts.status_code == 422 and "清退须写明事实和依据" in no_facts.content.decode()
    assert (
        c.post(dismiss, {"reason": "absent", "ended_on": "2025-05-10", "note": "连续旷工"}).status_code == 302
    )
    assert PostHolder.objects.get().exit_reason == "absent"
    listing = c.get(reverse("console:post_list"), {"vacant": "yes"}).content.decode()
    assert "堂琅社区保洁员" in listing and "0/1" in listing
    assert (
        "堂琅社区保洁员" not in c.get(reverse("console:post_list"), {"post_class": "forest"}).content.decode()
    )
    other = client_for(make_user("village", VILLAGE_B, username="vb"))
    assert other.get(reverse("console:post_detail", args=[post.pk])).status_code == 404
    assert "堂琅社区保洁员" not in other.get(reverse("console:post_list")).content.decode()
    assert village.get(dismiss).status_code == 403


def test_the_post_pages_are_accessible(monkeypatch):
    from shouwang.console.tests.a11y import a11y_problems  # noqa: PLC0415

    county = make_user("county")
    li = make_household("H_LI")
    post = make_post(county)
    holder = hire_through(post, member(li, "李建国"), county, monkeypatch)
    c = client_for(county)
    for url in [
        reverse("console:post_list"),
        reverse("console:post_create"),
        reverse("console:post_detail", args=[post.pk]),
        reverse("console:post_apply", args=[post.pk]) + "?household_no=H_LI",
        reverse("console:post_months", args=[post.pk]),
        reverse("console:post_holder_dismiss", args=[post.pk, holder.pk]),
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
        assert a11y_problems(response.content.decode()) == [], url
