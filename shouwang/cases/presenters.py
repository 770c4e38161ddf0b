"""Masked, JSON-ready views of households and cases for the API and the console (no clear identifiers)."""

from typing import Any

from shouwang.accounts.actors import Viewer
from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.choices import MEASURE_COLOURS, CaseKindChoices, CaseStateChoices
from shouwang.cases.models import AssistancePlan, Case
from shouwang.cases.overdue import case_is_overdue
from shouwang.cases.selectors import case_next_visit_due
from shouwang.cases.services._common import age_on
from shouwang.cases.transitions import moves_from
from shouwang.registry.models import Household


def household_detail(household: Household) -> dict[str, Any]:
    today = clock.today()
    open_case = household.cases.filter(kind=CaseKindChoices.IDENTIFICATION, is_open=True).first()
    return {
        "household_no": household.household_no,
        "village_code": household.village_id,
        "village_name": household.village.full_name or household.village.name,
        "group_name": household.group_name,
        "head_name": household.head_name,
        "poverty_status": household.poverty_status,
        "monitoring_category": household.monitoring_category,
        "identified_on": household.identified_on,
        "risk_eliminated_on": household.risk_eliminated_on,
        "elimination_mode": household.elimination_mode,
        "no_labour_safety_net": household.no_labour_safety_net,
        "phone_masked": household.phone_masked,
        "member_count": household.member_count,
        "income_period": household.income_period,
        "income_per_capita": household.income_per_capita,
        "security": {
            "food_clothing": household.food_clothing_secure,
            "compulsory_education": household.compulsory_education_secure,
            "basic_medical": household.basic_medical_secure,
            "housing": household.housing_secure,
            "water": household.water_secure,
        },
        "members": [
            {
                "id": p.pk,
                "name": p.name,
                "id_masked": p.id_masked,
                "sex": p.sex,
                "age": age_on(p.birth_date, today),
                "relation": p.relation,
                "labour": p.labour,
                "health": p.health,
                "school_status": p.school_status,
                "dibao": p.dibao,
                "tekun": p.tekun,
                "residence": p.residence,
            }
            for p in household.members.all()
        ],
        "open_case_id": open_case.pk if open_case else None,
    }


def case_detail(case: Case, *, user: Viewer | None = None) -> dict[str, Any]:
    role = user.role if isinstance(user, User) else None
    plan = AssistancePlan.objects.filter(household=case.household).first()
    child = (
        Case.objects.filter(parent=case, kind=CaseKindChoices.ELIMINATION, is_open=True).first()
        if case.kind == CaseKindChoices.IDENTIFICATION
        else None
    )
    measures = list(plan.measures.all()) if plan else []
    return {
        "id": case.pk,
        "kind": case.kind,
        "state": case.state,
        "state_label": str(CaseStateChoices(case.state).label),
        "version": case.version,
        "household_no": case.household.household_no,
        "parent_id": case.parent_id,
        "open_elimination_case_id": child.pk if child else None,
        "opened_on": case.opened_on,
        "due_on": case.due_on,
        "overdue": case_is_overdue(case, clock.today()),
        "escalated_to": case.escalated_to,
        "green_channel": case.green_channel,
        "category": case.category,
        "risk_types": case.risk_types,
        "risk_remark": case.risk_remark,
        "risk_level": case.risk_level,
        "elimination_mode": case.elimination_mode,
        "dates": {
            "home_checked_on": case.home_checked_on,
            "compared_on": case.compared_on,
            "reviewed_on": case.reviewed_on,
            "notice_started_on": case.notice_started_on,
            "notice_ended_on": case.notice_ended_on,
            "township_reviewed_on": case.township_reviewed_on,
            "approved_on": case.approved_on,
            "announced_on": case.announced_on,
            "decided_on": case.decided_on,
        },
        "rejection_reason": case.rejection_reason,
        "comparison": case.comparison,
        "next_actions": [
            {"action": m.action, "label": m.label, "roles": sorted(m.roles), "yours": role in m.roles}
            for m in moves_from(case.kind, case.state)
        ],
        "steps": [
            {
                "action": s.action,
                "from_state": s.from_state,
                "to_state": s.to_state,
                "actor_role": s.actor_role,
                "at": s.at.isoformat(),
            }
            for s in case.steps.all()
        ],
        "clues": [
            {
                "id": c.pk,
                "channel": c.channel,
                "reported_on": c.reported_on.isoformat(),
                "risk_types": c.risk_types,
                "new_risks": c.new_risks,
                "source_ref": c.source_ref,
            }
            for c in case.clues.all()
        ],
        "documents": [
            {"id": d.pk, "kind": d.kind, "filename": d.filename, "size": d.size} for d in case.documents.all()
        ],
        "objections": [
            {
                "id": o.pk,
                "received_on": o.received_on.isoformat(),
                "content": o.content,
                "resolved_on": o.resolved_on.isoformat() if o.resolved_on else None,
                "resolution": o.resolution,
                "upheld": o.upheld,
            }
            for o in case.objections.all()
        ],
        "measures": [
            {
                "id": m.pk,
                "measure_type": m.measure_type,
                "label": m.get_measure_type_display(),
                "colour": MEASURE_COLOURS.get(m.measure_type, "#5f6368"),
                "item": m.item,
                "description": m.description,
                "person_id": m.person_id,
                "start_on": m.start_on.isoformat(),
                "end_on": m.end_on.isoformat() if m.end_on else None,
                "amount": str(m.amount) if m.amount is not None else None,
                "status": m.status,
            }
            for m in measures
        ],
        "helpers": [
            {
                "name": h.name,
                "unit": h.unit,
                "phone_masked": h.phone_masked,
                "start_on": h.start_on.isoformat(),
                "end_on": h.end_on.isoformat() if h.end_on else None,
            }
            for h in (plan.helpers.all() if plan else [])
        ],
        "plan_warnings": list(plan.warnings) if plan else [],
        "visits": [
            {
                "visited_on": v.visited_on.isoformat(),
                "risk_level": v.risk_level,
                "income_period": v.income_period,
            }
            for v in case.visits.all()
        ],
        "next_visit_due": case_next_visit_due(case),
    }
