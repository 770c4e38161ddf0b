"""Overdue cases and escalation (督办, R-ID-03)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, field_changes
from shouwang.cases import clock
from shouwang.cases.models import Case
from shouwang.cases.overdue import case_overdue_q
from shouwang.cases.parameters import params_get
from shouwang.cases.transitions import LEVEL_RANK, NEXT_LEVEL, responsible_role


@transaction.atomic
def case_escalate_overdue(*, today: dt.date | None = None, actor: Actor = "system") -> list[Case]:
    """Mark cases past their due date (R-ID-03, 15 days from the first clue) and escalate (督办) to the
    level above the one whose step is late; still late ``escalation_step_days`` later → one level up."""
    today = today or clock.today()
    now = timezone.now()
    changed = []
    qs = (
        Case.objects.select_for_update(of=("self",)).select_related("household").filter(case_overdue_q(today))
    )
    for case in qs:
        params = params_get(region_code=case.household.village_id, year=today.year)
        responsible = responsible_role(case.kind, case.state) or RoleChoices.VILLAGE
        target = NEXT_LEVEL.get(responsible, RoleChoices.COUNTY)
        if case.escalated_to and LEVEL_RANK.get(case.escalated_to, 0) >= LEVEL_RANK.get(target, 0):
            waited = (now - case.escalated_at).days if case.escalated_at else 0
            if waited < params.escalation_step_days or case.escalated_to == RoleChoices.COUNTY:
                continue
            target = NEXT_LEVEL.get(case.escalated_to, RoleChoices.COUNTY)
        old = {"overdue": case.overdue, "escalated_to": case.escalated_to}
        case.overdue, case.escalated_to, case.escalated_at = True, target, now
        case.save(update_fields=["overdue", "escalated_to", "escalated_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditActionChoices.UPDATE,
            object_type="case",
            object_id=str(case.pk),
            region_code=case.household.village_id,
            changes=field_changes(old, {"overdue": True, "escalated_to": target}),
            reason=f"超过办结时限{case.due_on}，督办至{dict(RoleChoices.choices)[target]}（R-ID-03）",
        )
        changed.append(case)
    return changed
