"""The field app on a small phone (360×740): offline queue and sync, a conflict shown to the worker, and a
village cadre's home check (docs/field.md)."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.cases import clock
from shouwang.cases import services as cases
from shouwang.cases.models import Case, CaseDocument, Clue, Visit
from shouwang.employment.models import LabourRecord
from shouwang.field.models import FieldSubmission
from shouwang.field.tests.helpers import (
    jpeg_bytes,
    make_clue_case,
    make_field_household,
    make_group,
    make_monitored_case,
)
from shouwang.registry.models import Household
from shouwang.testing.browser import SMALL_PHONE, field_login
from shouwang.testing.builders import VILLAGE_A, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHOTO = {"name": "走访.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(1600, 1200)}


@pytest.fixture
def grid_world() -> dict[str, Any]:
    group = make_group(VILLAGE_A, "一组")
    other = make_group(VILLAGE_A, "三组")
    due = make_field_household("H_DUE", VILLAGE_A, group=group, monitoring_category="unstable")
    clue = make_field_household("H_CLUE", VILLAGE_A, group=group)
    calm = make_field_household("H_CALM", VILLAGE_A, group=group)
    make_field_household("H_OTHER", VILLAGE_A, group=other)
    grid = make_user("grid", group.code, username="wangge", first_name="网格员小周")
    village = make_user("village", VILLAGE_A, username="cunganbu", first_name="村干部老杨")
    monitored = make_monitored_case(
        due, risk_level="yellow", decided_days_ago=40, risks=["illness", "education"]
    )
    clue_case = make_clue_case(clue, village, risks=["illness"])
    make_monitored_case(calm, risk_level="green", decided_days_ago=10)
    return {"grid": grid, "village": village, "monitored": monitored, "clue_case": clue_case}


def _wait_offline_ready(page: Any) -> None:
    """Wait until the service worker controls the page and keeps a copy of the household list."""
    page.wait_for_function(
        """async () => { await navigator.serviceWorker.ready;
                         return !!navigator.serviceWorker.controller
                             && !!(await caches.match('/api/v1/field/today')); }"""
    )


def _record_visit(page: Any, household_no: str, notes: str) -> None:
    page.click(f".card[data-household='{household_no}'] [data-act=visit]")
    page.fill("#notes", notes)
    page.set_input_files("input[type=file][name=photo]", files=[PHOTO])
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#sheet", state="hidden")


def test_offline_visit_is_queued_then_synced(browser_context, base_url, screenshot, grid_world):
    context = browser_context(**SMALL_PHONE)
    page = context.new_page()
    field_login(page, base_url, "wangge")
    page.wait_for_selector(".card[data-household='H_DUE']")
    _wait_offline_ready(page)
    # Today's work: the overdue visit and the home check waiting in the grid; nothing from 三组.
    assert page.locator("#main .card[data-household='H_DUE'] .due.late").count() == 1
    assert page.locator("#main .card[data-household='H_CLUE'] .badge.check").count() == 1
    assert page.locator(".card[data-household='H_OTHER']").count() == 0
    screenshot(page, "field-app-phone")

    # Offline: the shell and the household list come from the service worker's cache.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector(".card[data-household='H_DUE']")
    assert page.inner_text("#net") == "离线"
    assert "离线缓存" in page.inner_text("#data-age")

    page.click(".card[data-household='H_DUE'] [data-act=visit]")
    page.fill("#notes", "户主慢性病复发，孩子在县城读初中，需关注医疗费用")
    page.set_input_files("input[type=file][name=photo]", files=[PHOTO])
    page.wait_for_selector("#preview:not([hidden])")
    screenshot(page, "field-visit-form-phone")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#queue-count[data-count='1']")
    assert "联网后自动同步" in page.inner_text("#notice")
    assert not Visit.objects.exists()  # only on the phone so far
    # The entry waits in IndexedDB with its UUID, the version the worker saw, and the photo downscaled
    # on the phone (1600×1200 from the camera → 1280×960).
    queued = page.evaluate(
        """async () => {
            const entries = await new Promise((resolve) => {
              const open = indexedDB.open('shouwang-field');
              open.onsuccess = () => {
                const req = open.result.transaction('queue').objectStore('queue').getAll();
                req.onsuccess = () => resolve(req.result);
              };
            });
            const out = [];
            for (const e of entries) {
              const img = new Image();
              img.src = e.photo;
              await img.decode();
              out.push({uuid: e.uuid, base: e.base_version, kind: e.kind, width: img.naturalWidth,
                        height: img.naturalHeight, state: e.state});
            }
            return out;
          }"""
    )
    assert [(q["kind"], q["state"], q["width"], q["height"]) for q in queued] == [
        ("visit", "queued", 1280, 960)
    ]

    # Back online: the "online" event syncs the queue; the server has the visit with its photo.
    context.set_offline(False)
    page.wait_for_selector("#queue-count[data-count='0']")
    page.wait_for_selector("#notice.ok")
    visit = Visit.objects.get()
    assert visit.case == grid_world["monitored"] and visit.visitor == grid_world["grid"]
    assert visit.notes.startswith("户主慢性病复发")
    submission = FieldSubmission.objects.get()
    assert str(submission.uuid) == queued[0]["uuid"] and submission.base_version == queued[0]["base"]
    photo = CaseDocument.objects.get(case=grid_world["monitored"], kind="home_check_photo")
    assert photo.content_type == "image/jpeg" and photo.size < 400_000
    # The refreshed list knows the visit: H_DUE is no longer due this week, and its card says so.
    page.wait_for_selector("#main .card[data-household='H_DUE']", state="detached")
    page.click(".tabs [data-tab=households]")
    page.wait_for_selector(f".card[data-household='H_DUE'] .meta:has-text('上次走访：{clock.today()}')")


def test_conflict_is_shown_with_both_versions_and_resent(browser_context, base_url, screenshot, grid_world):
    context = browser_context(**SMALL_PHONE)
    page = context.new_page()
    field_login(page, base_url, "wangge")
    page.wait_for_selector(".card[data-household='H_DUE']")
    _wait_offline_ready(page)
    context.set_offline(True)
    _record_visit(page, "H_DUE", "送去慰问品，了解看病花费")
    page.wait_for_selector("#queue-count[data-count='1']")
    # Meanwhile, on the server, the village cadre records a visit to the same household.
    cases.visit_record(
        case=grid_world["monitored"],
        actor=grid_world["village"],
        visited_on=clock.today(),
        notes="村委会上门走访",
    )
    context.set_offline(False)
    page.wait_for_selector("#tab-dot:not([hidden])")
    page.click(".tabs [data-tab=queue]")
    conflict = page.locator(".entry.conflict")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "您录入时的记录" in text and "服务器当前记录" in text
    assert "村委会上门走访" in text and "送去慰问品" in text
    assert Visit.objects.count() == 1  # nothing overwritten, nothing added
    screenshot(page, "field-conflict-phone", full_page=True)

    page.click(".entry.conflict [data-act=resend]")
    page.wait_for_selector(".entry.conflict", state="detached")
    page.wait_for_selector("#queue-count[data-count='0']")
    notes = sorted(Visit.objects.values_list("notes", flat=True))
    assert notes == ["村委会上门走访", "送去慰问品，了解看病花费"]
    assert FieldSubmission.objects.count() == 1


def test_village_cadre_completes_the_home_check_in_the_browser(browser_context, base_url, grid_world):
    context = browser_context(**SMALL_PHONE)
    page = context.new_page()
    field_login(page, base_url, "cunganbu")
    card = page.locator("#main .card[data-household='H_CLUE']")
    card.locator("[data-act=check]").click()
    page.fill("#findings", "户主住院两周，家中仅剩老人和学生，情况属实")
    page.check("#sheet input[name=risk][value=labour_shortage]")
    # Saving without the signed authorisation form is stopped on the phone (R-ID-02 step 1).
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#form-error:has-text('授权查询书')")
    page.set_input_files("input[type=file][name=photo]", files=[PHOTO])
    page.wait_for_selector("#preview:not([hidden])")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#queue-count[data-count='0']")
    page.wait_for_selector("#main .card[data-household='H_CLUE'] .badge.check", state="detached")
    case = Case.objects.get(pk=grid_world["clue_case"].pk)
    assert case.state == "home_check" and case.home_checked_on == clock.today()
    assert case.risk_types == ["illness", "labour_shortage"]
    assert case.documents.filter(kind="authorisation").count() == 1
    step = case.steps.get(action="home_check")
    assert step.actor == grid_world["village"] and "情况属实" in step.data["findings"]


def test_refused_offline_visit_is_edited_and_synced(browser_context, base_url, screenshot, grid_world):
    """A visit the server refuses (a date before the household's first clue) is not lost: the worker
    opens it again with what they typed, corrects the date and syncs it."""
    context = browser_context(**SMALL_PHONE)
    page = context.new_page()
    field_login(page, base_url, "wangge")
    page.wait_for_selector(".card[data-household='H_DUE']")
    _wait_offline_ready(page)
    context.set_offline(True)
    opened = grid_world["monitored"].opened_on
    too_early = (opened - dt.timedelta(days=30)).isoformat()
    page.click(".card[data-household='H_DUE'] [data-act=visit]")
    page.fill("#visited_on", too_early)
    page.fill("#notes", "补记上月走访：户主已出院，在家休养")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#queue-count[data-count='1']")

    context.set_offline(False)
    page.wait_for_selector("#tab-dot:not([hidden])")
    page.click(".tabs [data-tab=queue]")
    refused = page.locator(".entry.rejected")
    refused.wait_for()
    assert f"走访日期不能早于首条线索日期（{opened}）" in refused.inner_text()
    assert not Visit.objects.exists() and not FieldSubmission.objects.exists()  # nothing written

    refused.locator("[data-act=edit]").click()
    page.wait_for_selector("#sheet:not([hidden])")
    # The form comes back with what the worker typed and the server's reason above it.
    assert page.input_value("#notes") == "补记上月走访：户主已出院，在家休养"
    assert page.input_value("#visited_on") == too_early
    assert "走访日期不能早于首条线索日期" in page.inner_text("#sheet .field-error")
    screenshot(page, "field-refused-edit-phone")
    page.fill("#visited_on", clock.today().isoformat())
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#notice.ok:has-text('已同步 1 条')")
    expect(page.locator(".entry.rejected, .entry.queued")).to_have_count(0)
    visit = Visit.objects.get()
    assert visit.case == grid_world["monitored"] and visit.visited_on == clock.today()
    assert visit.notes == "补记上月走访：户主已出院，在家休养"
    assert FieldSubmission.objects.count() == 1


def test_routine_visit_of_a_household_without_a_case(browser_context, base_url, grid_world):
    """常态化走访: a 脱贫户 with no case, last seen more than a quarter ago, is due this week; the grid
    worker records the visit (no tier, no photo) and a new risk seen at the door becomes a clue."""
    group = grid_world["grid"].region
    routine = make_field_household("H_ROUTINE", VILLAGE_A, group=group, poverty_status="former_poor")
    Household.objects.filter(pk=routine.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    context = browser_context(**SMALL_PHONE)
    page = context.new_page()
    field_login(page, base_url, "wangge")
    card = page.locator("#main .card[data-household='H_ROUTINE']")
    card.wait_for()
    assert "常态化走访" in card.locator(".due.late").inner_text()
    card.locator("[data-act=visit]").click()
    assert page.locator("#sheet #risk_level").count() == 0
    assert page.locator("#sheet input[type=file]").count() == 0
    page.fill("#notes", "家中老人摔伤，儿子外出务工未归")
    page.check("#sheet input[name=risk][value=accident]")
    # The members' work this month (劳动力花名册, R-EMP-02): the son is away working out of the province.
    son = routine.members.get(relation="child")
    page.click("#sheet summary:has-text('成员本月就业状况')")
    assert "不变（未登记）" in page.locator(f"#labour_{son.pk}").inner_text()
    page.select_option(f"#labour_{son.pk}", "out_of_province")
    page.click("#sheet button[type=submit]")
    page.wait_for_selector("#notice.ok:has-text('已同步 1 条')")
    page.wait_for_selector("#main .card[data-household='H_ROUTINE'] .due.late", state="detached")
    visit = Visit.objects.get(household=routine)
    assert visit.case is None and visit.visitor == grid_world["grid"] and visit.risk_level == ""
    clue = Clue.objects.get(source_ref=f"visit:{visit.pk}")
    assert clue.household == routine and clue.risk_types == ["accident"] and clue.channel == "cadre_visit"
    record = LabourRecord.objects.get(person=son)
    assert (record.status, record.source, record.checked_on) == ("out_of_province", "visit", visit.visited_on)
