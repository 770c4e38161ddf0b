"""The field app's API, /api/v1/field/ (docs/field.md). Adapters only (STYLE 2).

The PWA authenticates with the Django session (and sends the CSRF token on POST); the officials' own
mobile clients may use a bearer token like the rest of /api/v1/. Only grid workers and village cadres
(``FIELD_ROLES``) get answers; everyone else gets 403.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.security import SessionAuth

from shouwang.accounts.actors import request_user
from shouwang.accounts.auth import TokenAuth
from shouwang.cases.apischema import CleanSchema
from shouwang.common.apischema import ErrorOut
from shouwang.common.limits import max_length
from shouwang.field import services
from shouwang.field.models import FieldSubmission
from shouwang.field.selectors import field_user_check, field_workload
from shouwang.field.services import PHOTO_MAX_BYTES

router = Router(tags=["field"], auth=[TokenAuth(), SessionAuth(csrf=True)])
ENTRY_KEY_MAX = 64


class SessionOut(Schema):
    username: str
    role: str
    role_label: str
    region_code: str
    csrf_token: str


class IncomeOut(Schema):
    period: str
    per_capita_net: Decimal | None
    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    business_cost: Decimal
    compliant_self_pay: Decimal
    insurance_claims: Decimal


class CaseCardOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    risk_level: str
    risk_level_label: str
    risk_types: list[str]
    risk_labels: list[str]
    opened_on: dt.date
    due_on: dt.date | None
    overdue: bool
    green_channel: bool
    version: int
    base_version: str
    next_visit_due: dt.date | None
    needs_authorisation: bool


class RoutineOut(Schema):
    next_visit_due: dt.date
    rhythm_label: str


class LabourerOut(Schema):
    person_id: int
    name: str
    age: int
    labour_label: str
    status: str  # the latest roster status within a year, "" when none
    status_label: str
    status_period: str
    source_label: str


class CardOut(Schema):
    household_no: str
    head_name: str
    village_name: str
    group_name: str
    poverty_status: str
    poverty_status_label: str
    category: str
    category_label: str
    member_count: int
    risk_types: list[str]
    risk_labels: list[str]
    last_visit_on: dt.date | None
    income: IncomeOut | None
    case: CaseCardOut | None
    check: CaseCardOut | None
    routine: RoutineOut | None
    labourers: list[LabourerOut]


class UserOut(Schema):
    username: str
    name: str
    role: str
    role_label: str
    region_code: str
    region_name: str


class DueOut(Schema):
    household_no: str
    due_on: dt.date
    days_overdue: int
    risk_level: str
    kind: str  # follow_up (a monitored household's case, by tier) | routine (常态化走访)


class CheckOut(Schema):
    household_no: str
    due_on: dt.date | None


class ChoiceOut(Schema):
    value: str
    label: str


class WorkloadOut(Schema):
    user: UserOut
    today: dt.date
    generated_at: dt.datetime
    can_home_check: bool
    can_report_unregistered: bool
    visits_due: list[DueOut]
    checks: list[CheckOut]
    households: list[CardOut]
    truncated: bool
    risk_choices: list[ChoiceOut]
    risk_levels: list[ChoiceOut]
    labour_statuses: list[ChoiceOut]


class EntryIn(CleanSchema):
    # uuid and kind are checked per entry by the service (a wrong one fails that entry, not the batch),
    # so their caps only bound the text; what is stored is bounded by its column.
    uuid: str = Field(max_length=ENTRY_KEY_MAX)
    kind: str = Field(max_length=ENTRY_KEY_MAX)
    household_no: str = Field("", max_length=max_length(FieldSubmission, "household_no"))
    case_id: int | None = None
    base_version: str = Field("", max_length=max_length(FieldSubmission, "base_version"))
    recorded_at: dt.datetime | None = None
    data: dict[str, Any] = {}
    # base64 of the largest photo the service accepts, plus a data: URL prefix
    photo: str | None = Field(None, max_length=PHOTO_MAX_BYTES * 4 // 3 + 100)


class SyncIn(CleanSchema):
    entries: list[EntryIn]


class ResultErrorOut(Schema):
    column: str
    value: str
    reason: str


class ResultOut(Schema):
    uuid: str
    kind: str
    household_no: str
    status: str
    status_label: str
    message: str
    ids: dict[str, int | None]
    current_version: str
    server: CardOut | None
    changes: list[str]
    errors: list[ResultErrorOut]


class SyncOut(Schema):
    results: list[ResultOut]
    server_time: dt.datetime


@router.get("/session", response={200: SessionOut, 403: ErrorOut})
def field_session(request: HttpRequest) -> Any:
    """Who is signed in, and a fresh CSRF token for the next POST (the cached app shell may hold a stale
    one: signing in rotates the token)."""
    user = field_user_check(request.user)
    return {
        "username": user.get_username(),
        "role": user.role,
        "role_label": user.get_role_display(),
        "region_code": user.region_id,
        "csrf_token": get_token(request),
    }


@router.get("/today", response={200: WorkloadOut, 403: ErrorOut})
def field_today(request: HttpRequest) -> Any:
    return field_workload(user=request.user)


@router.post("/sync", response={200: SyncOut, 403: ErrorOut, 422: ErrorOut})
def field_sync(request: HttpRequest, payload: SyncIn) -> Any:
    results = services.field_sync(
        user=request_user(request),
        entries=[services.SyncEntry(**e.dict()) for e in payload.entries],
    )
    return {"results": results, "server_time": timezone.now()}
