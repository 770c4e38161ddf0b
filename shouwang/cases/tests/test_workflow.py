"""The identification workflow through its services: the happy path, each refusal with no state change,
one case per household per episode, overdue escalation, rejection."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.audit.models import AuditEntry
from shouwang.cases import services
from shouwang.cases.choices import CaseStateChoices, ChannelChoices
from shouwang.cases.models import Case, CaseParameter, Clue
from shouwang.cases.selectors import access_case_by_id
from shouwang.cases.tests.helpers import D0, JPEG, drive, set_today, step
from shouwang.common.errors import InputRefused
from shouwang.registry.models import Household
from shouwang.screening.models import Warning as ScreeningWarning
from shouwang.testing.builders import TOWNSHIP_B, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {
        "village": make_user("village"),
        "township": make_user("township"),
        "county": make_user("county"),
        "grid": make_user("grid", VILLAGE_A),
    }


@pytest.fixture
def li(monkeypatch):
    set_today(monkeypatch, D0)
    return make_household("H_LI")


def open_case(household, actor, *, risks=("illness",), on=D0, channel=ChannelChoices.CADRE_VISIT) -> Case:
    clue = services.clue_submit(
        actor=actor, channel=channel, household=household, risk_types=list(risks), reported_on=on
    )
    assert clue.case is not None
    return clue.case


def snapshot(case):
    case.refresh_from_db()
    return (case.state, case.version, case.notice_ended_on, case.approved_on, AuditEntry.objects.count())


def test_clue_opens_one_case_and_later_clues_attach(users, li):
    first = open_case(li, users["village"])
    assert first.state == CaseStateChoices.CLUE
    assert first.due_on == D0 + dt.timedelta(days=15)
    second = open_case(li, users["grid"], risks=("illness", "housing"))
    assert second.pk == first.pk
    first.refresh_from_db()
    assert first.risk_types == ["illness", "housing"]
    assert Case.objects.filter(household=li, is_open=True).count() == 1
    assert Clue.objects.get(case=first, channel=ChannelChoices.CADRE_VISIT, new_risks=["housing"])


def test_full_identification_updates_household_with_audit(users, li, monkeypatch):
    case = open_case(li, users["village"])
    case = drive(case, users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch)
    assert case.state == CaseStateChoices.MONITORING
    li.refresh_from_db()
    assert li.monitoring_category == "unstable"
    assert li.identified_on == D0 + dt.timedelta(days=10)
    assert li.is_monitored
    row = AuditEntry.objects.filter(object_type="household", object_id="H_LI", action="update").latest("id")
    assert row.changes["monitoring_category"] == ["", "unstable"]
    # every step left its transition audit row
    assert (
        AuditEntry.objects.filter(object_type="case", object_id=str(case.pk), action="transition").count()
        == 8
    )


def test_a_new_risk_on_a_monitored_household_is_recorded(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="enter_monitoring", start=D0, monkeypatch=monkeypatch
    )
    again = open_case(li, users["village"], risks=("water",), on=D0 + dt.timedelta(days=12))
    assert again.pk == case.pk
    case.refresh_from_db()
    assert case.state == CaseStateChoices.MONITORING
    assert "water" in case.risk_types
    assert AuditEntry.objects.filter(object_type="case", object_id=str(case.pk), reason="新增风险").exists()


def test_four_day_notice_is_refused_without_change(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="notice_start", start=D0, monkeypatch=monkeypatch
    )
    before = snapshot(case)
    with pytest.raises(InputRefused) as exc:
        step(
            case, "township_review", users["township"], notice_ended_on="2025-03-10", reviewed_on="2025-03-11"
        )
    assert "仅4天，不足5天" in exc.value.message
    assert exc.value.errors[0].column == "notice_ended_on"
    assert snapshot(case) == before


def test_notice_length_is_a_parameter(users, li, monkeypatch):
    CaseParameter.objects.create(region_code="530326", notice_days=7, note="县定7天")
    case = drive(
        open_case(li, users["village"]), users, until="notice_start", start=D0, monkeypatch=monkeypatch
    )
    with pytest.raises(InputRefused, match="不足7天"):
        step(
            case, "township_review", users["township"], notice_ended_on="2025-03-12", reviewed_on="2025-03-13"
        )


def test_county_approval_before_township_review_is_refused(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="notice_start", start=D0, monkeypatch=monkeypatch
    )
    before = snapshot(case)
    with pytest.raises(InputRefused) as exc:
        step(case, "county_approve", users["county"], approved_on="2025-03-12", category="unstable")
    assert "当前环节为“村内公示”" in exc.value.message and "乡镇审核" in exc.value.message
    assert snapshot(case) == before


def test_wrong_role_is_forbidden(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="township_review", start=D0, monkeypatch=monkeypatch
    )
    before = snapshot(case)
    with pytest.raises(Forbidden, match="县级"):
        step(case, "county_approve", users["township"], approved_on="2025-03-13", category="unstable")
    assert snapshot(case) == before


def test_township_user_of_another_township_gets_not_found(users, li, monkeypatch):
    case = open_case(li, users["village"])
    other = make_user("township", TOWNSHIP_B, username="township_b")
    with pytest.raises(NotFound):
        access_case_by_id(other, case.pk, purpose="transition")
    # the service re-checks the region even if called directly
    with pytest.raises(NotFound):
        step(case, "home_check", make_user("village", VILLAGE_B, username="v_b"), checked_on="2025-03-03")
    assert AuditEntry.objects.filter(object_type="case", action="access_denied").count() == 1


def test_dates_in_the_future_or_out_of_order_are_refused(users, li, monkeypatch):
    case = open_case(li, users["village"])
    doc = services.case_document_upload(
        case=case, actor=users["village"], kind="authorisation", filename="a.jpg", content=JPEG
    )
    with pytest.raises(InputRefused) as exc:
        step(case, "home_check", users["village"], checked_on="2025-03-04", authorisation_document_id=doc.pk)
    assert "晚于今天" in exc.value.message
    with pytest.raises(InputRefused, match="不能早于首条线索日期"):
        step(case, "home_check", users["village"], checked_on="2025-03-01", authorisation_document_id=doc.pk)


def test_home_check_needs_signed_authorisation(users, li):
    case = open_case(li, users["village"])
    with pytest.raises(InputRefused, match="申请及承诺授权查询书"):
        step(case, "home_check", users["village"], checked_on="2025-03-03", authorisation_document_id=999)
    with pytest.raises(InputRefused, match="只接受JPEG"):
        services.case_document_upload(
            case=case, actor=users["village"], kind="authorisation", filename="x.exe", content=b"MZ\x90\x00"
        )


def test_upload_is_stored_under_data_dir(users, li, settings):
    case = open_case(li, users["village"])
    doc = services.case_document_upload(
        case=case, actor=users["village"], kind="authorisation", filename="授权书.jpg", content=JPEG
    )

    path = Path(doc.stored_path)
    assert path.is_relative_to(Path(settings.DATA_DIR) / "uploads")
    assert path.read_bytes() == JPEG


def test_comparison_conflicts_need_a_note(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="home_check", start=D0, monkeypatch=monkeypatch
    )
    with pytest.raises(InputRefused, match="无该户收入记录"):
        step(case, "compare", users["township"], compared_on="2025-03-05")


def test_failed_village_review_rejects_with_reason(users, li, monkeypatch):
    case = drive(open_case(li, users["village"]), users, until="compare", start=D0, monkeypatch=monkeypatch)
    case = step(
        case,
        "village_review",
        users["village"],
        reviewed_on="2025-03-06",
        attendance=20,
        votes_for=5,
        votes_against=12,
        result="failed",
    )
    assert case.state == CaseStateChoices.REJECTED and not case.is_open
    assert case.rejection_reason == "民主评议未通过"
    # a new clue after rejection opens a new episode
    assert open_case(li, users["village"], on=D0 + dt.timedelta(days=5)).pk != case.pk


def test_inconsistent_votes_are_refused(users, li, monkeypatch):
    case = drive(open_case(li, users["village"]), users, until="compare", start=D0, monkeypatch=monkeypatch)
    with pytest.raises(InputRefused) as exc:
        step(
            case,
            "village_review",
            users["village"],
            reviewed_on="2025-03-06",
            attendance=10,
            votes_for=8,
            votes_against=5,
            result="passed",
        )
    assert "超过参会人数" in exc.value.message


def test_category_must_fit_household_type(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="township_review", start=D0, monkeypatch=monkeypatch
    )
    with pytest.raises(InputRefused, match="R-OBJ-01"):
        step(case, "county_approve", users["county"], approved_on="2025-03-13", category="marginal")


def test_objections_must_be_resolved_before_township_review(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="notice_start", start=D0, monkeypatch=monkeypatch
    )
    case = step(case, "objection_record", users["village"], received_on="2025-03-08", content="该户有车辆")
    with pytest.raises(InputRefused, match="未处理"):
        step(
            case, "township_review", users["township"], notice_ended_on="2025-03-11", reviewed_on="2025-03-12"
        )
    objection = case.objections.get()
    case = step(
        case,
        "objection_resolve",
        users["township"],
        objection_id=objection.pk,
        resolved_on="2025-03-09",
        resolution="经核实车辆已报废",
        upheld=False,
    )
    case = step(
        case, "township_review", users["township"], notice_ended_on="2025-03-11", reviewed_on="2025-03-12"
    )
    assert case.state == CaseStateChoices.TOWNSHIP_REVIEW


def test_village_cannot_reject_at_county_step(users, li, monkeypatch):
    case = drive(
        open_case(li, users["village"]), users, until="township_review", start=D0, monkeypatch=monkeypatch
    )
    with pytest.raises(Forbidden):
        step(case, "reject", users["village"], reason="不符合")
    case = step(case, "reject", users["county"], reason="家庭有经营性车辆，收入超标")
    assert case.rejection_reason == "家庭有经营性车辆，收入超标"


def test_stale_version_is_a_conflict(users, li):
    case = open_case(li, users["village"])
    stale = case.version
    services.case_document_upload(
        case=case, actor=users["village"], kind="authorisation", filename="a.jpg", content=JPEG
    )
    step(case, "reject", users["village"], reason="线索不实")
    before = snapshot(case)
    with pytest.raises(services.CaseConflict, match="已被他人办理"):
        services.case_transition(
            case=case, action="reject", actor=users["township"], data={"reason": "x"}, expected_version=stale
        )
    assert snapshot(case) == before


def test_escalate_overdue_goes_village_township_county(users, li, monkeypatch):
    case = open_case(li, users["village"])
    set_today(monkeypatch, D0 + dt.timedelta(days=16))
    call_command("escalate_overdue", "--date", str(D0 + dt.timedelta(days=16)))
    case.refresh_from_db()
    assert case.overdue and case.escalated_to == "township"
    # running again the same day changes nothing
    assert services.case_escalate_overdue(today=D0 + dt.timedelta(days=16)) == []
    # still late after the escalation step: up to the county
    assert case.escalated_at is not None
    Case.objects.filter(pk=case.pk).update(escalated_at=case.escalated_at - dt.timedelta(days=4))
    services.case_escalate_overdue(today=D0 + dt.timedelta(days=20))
    case.refresh_from_db()
    assert case.escalated_to == "county"


def test_green_channel_allows_measures_before_approval(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_FIRE")
    clue = services.clue_submit(
        actor=users["village"],
        channel=ChannelChoices.CADRE_VISIT,
        household=hh,
        risk_types=["disaster"],
        green_channel=True,
        description="房屋失火",
    )
    case = clue.case
    assert case is not None and case.green_channel and case.risk_level == "red"
    plan = services.plan_measures_add(
        case=case,
        actor=users["township"],
        measures=[
            services.MeasureInput(measure_type="100A48", start_on=D0, item="other", description="临时救助"),
            services.MeasureInput(measure_type="100A39", start_on=D0, description="产业奖补"),
        ],
    )
    assert plan.measures.count() == 2
    assert Case.objects.get(pk=case.pk).state == CaseStateChoices.CLUE  # paperwork follows


def test_green_channel_only_for_sudden_events(users, li):
    with pytest.raises(InputRefused, match="R-ID-05"):
        services.clue_submit(
            actor=users["village"],
            channel="cadre_visit",
            household=li,
            risk_types=["education"],
            green_channel=True,
        )


def test_unmatched_clue_waits_for_staff(users, monkeypatch):
    set_today(monkeypatch, D0)
    hh = make_household("H_NAME")
    clue = services.clue_submit(
        actor=users["village"],
        channel="hotline",
        village_code=VILLAGE_A,
        subject_name="李建国",
        risk_types=["illness"],
    )
    assert clue.case is None and clue.household is None
    case = services.clue_household_resolve(
        clue=clue, household=Household.objects.get(pk=hh.pk), actor=users["village"]
    )
    assert case.household_id == hh.pk


def test_clue_from_warning_carries_signals_as_evidence(users, li):
    """The clue reads the warning's period, household, signals, risk types and suggested category (an
    unsaved row is enough)."""
    warning = ScreeningWarning(
        period="2025-02",
        household=li,
        household_no=li.household_no,
        signals=[
            {"rule": "MED-01", "policy": "R-WARN-01", "risk_type": "illness", "evidence": {"self_pay": 38000}}
        ],
        risk_types=["illness", "low_income"],
        suggested_category="unstable",
    )
    clue = services.clue_from_warning(warning=warning, actor=users["township"])
    assert clue.channel == "warning" and clue.source_ref == f"warning:2025-02:{li.household_no}"
    assert clue.evidence["signals"][0]["rule"] == "MED-01"
    assert clue.case is not None and clue.case.risk_types == ["illness"]  # low_income is not a recorded risk
