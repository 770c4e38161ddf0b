"""The case page's read model (selector): the case as the API presents it, its history with actors, and
the workflow actions this user's role may take now, each with its inputs (forms.STEP_FIELDS)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from shouwang.accounts.access import signed_in
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import RoleChoices
from shouwang.cases import clock
from shouwang.cases.choices import CaseStateChoices
from shouwang.cases.models import Case
from shouwang.cases.parameters import params_get
from shouwang.cases.presenters import case_detail
from shouwang.cases.services import comparison_gather
from shouwang.cases.transitions import moves_from, responsible_role
from shouwang.console.forms import StepField, step_fields_for
from shouwang.registry.choices import RiskTypeChoices

RISK_LABELS = dict(RiskTypeChoices.choices)


@dataclass
class FieldView:
    """One input of an action form, with the value to show (what was posted, after a refusal)."""

    spec: StepField
    id: str
    value: str = ""
    values: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> Any:
        return self.spec.label

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def choices(self) -> Any:
        return self.spec.choices

    @property
    def required(self) -> bool:
        return self.spec.required


@dataclass
class ActionForm:
    action: str
    label: str
    policy: str
    fields: list[FieldView]
    danger: bool = False


@dataclass
class CasePage:
    case: Case
    detail: dict[str, Any]
    steps: list[Any]
    clues: list[Any]
    documents: list[Any]
    objections: list[Any]
    open_objections: list[Any]
    actions: list[ActionForm]
    others: list[dict[str, Any]]  # moves open now but for other roles (who is expected to act)
    comparison_preview: dict[str, Any] | None
    risk_labels: list[str] = field(default_factory=list)
    days_left: int | None = None
    responsible: str = ""
    notice_days: int | None = None  # during the village notice (公示): its minimum length (R-ID-03)
    notice_until: Any = None  # … and the first day the township may close it


def _field_views(action: str, kind: str, case: Case, posted: QueryDict | None) -> list[FieldView]:
    """Inputs of one action: what was posted after a refusal; otherwise today's date in date fields (steps
    are mostly recorded on the day) and the case's risk types."""
    views = []
    for f in step_fields_for(action, kind):
        view = FieldView(spec=f, id=f"{action}-{f.name}")
        if posted is not None:
            view.value = str(posted.get(f.name, "") or "")
            view.values = list(posted.getlist(f.name))
        elif f.kind == "date":
            view.value = clock.today().isoformat()
        elif f.kind == "risks":
            view.values = list(case.risk_types)
        views.append(view)
    return views


def case_page_get(
    *, case: Case, user: Viewer, posted: QueryDict | None = None, failed_action: str = ""
) -> CasePage:
    """Everything the case page shows, for a case obtained through ``access_case_by_id``. After a refused
    action, ``posted`` (the request's POST) refills that action's form."""

    official = signed_in(user)
    role = official.role if official is not None else ""
    today = clock.today()
    moves = moves_from(case.kind, case.state)
    actions = [
        ActionForm(
            action=m.action,
            label=m.label,
            policy=m.policy,
            fields=_field_views(m.action, case.kind, case, posted if m.action == failed_action else None),
            danger=m.action in ("reject", "rollback"),
        )
        for m in sorted(
            moves,
            key=lambda m: (
                not m.step or m.action in ("reject", "rollback"),
                m.action in ("reject", "rollback"),
            ),
        )
        if role in m.roles
    ]
    role_labels = dict(RoleChoices.choices)
    others = [
        {"label": m.label, "roles": "、".join(str(role_labels[r]) for r in sorted(m.roles))}
        for m in moves
        if role not in m.roles and m.step and m.action not in ("reject", "rollback")
    ]
    objections = list(case.objections.all())
    preview = None
    if any(a.action == "compare" for a in actions):
        preview = comparison_gather(case, today=today)  # a read: what the comparison step will record
    pending = responsible_role(case.kind, case.state)
    notice_days = notice_until = None
    if case.state == CaseStateChoices.PUBLIC_NOTICE and case.notice_started_on:
        notice_days = params_get(region_code=case.household.village_id, year=today.year).notice_days
        notice_until = case.notice_started_on + dt.timedelta(days=notice_days - 1)
    return CasePage(
        case=case,
        detail=case_detail(case, user=user),
        steps=list(case.steps.select_related("actor").order_by("id")),
        clues=list(case.clues.order_by("reported_on", "id")),
        documents=list(case.documents.all()),
        objections=objections,
        open_objections=[o for o in objections if o.resolved_on is None],
        actions=actions,
        others=others,
        comparison_preview=preview,
        risk_labels=[RISK_LABELS.get(r, r) for r in case.risk_types],
        days_left=(case.due_on - today).days if case.due_on and case.is_open else None,
        responsible=str(role_labels.get(pending, "")) if pending else "",
        notice_days=notice_days,
        notice_until=notice_until,
    )
