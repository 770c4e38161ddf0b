"""Shared test helpers: API clients with role tokens, a fixed clock, and a driver for the workflow."""

import datetime as dt
import io
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from PIL import Image

from shouwang.cases import clock, services
from shouwang.cases.choices import CaseStateChoices, DocumentKindChoices
from shouwang.cases.models import Case
from shouwang.screening.models import Parameter


def _jpeg_bytes() -> bytes:
    """A real (decodable) JPEG: uploads are checked by decoding them."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (180, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg_bytes()
D0 = dt.date(2025, 3, 3)  # a Monday; every test runs on a fixed calendar


def set_today(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def threshold(amount: str = "8700", region: str = "53", year: int = 2025) -> Parameter:
    """Set the monitoring range (R-THR-04; Yunnan 2025 = 8,700, 云农办通〔2025〕1号) where the system reads
    it: a new version of the screening parameter ``threshold``."""
    top = Parameter.objects.filter(region_code=region, year=year, key="threshold").aggregate(m=Max("version"))
    return Parameter.objects.create(
        region_code=region,
        year=year,
        key="threshold",
        value=amount,
        version=(top["m"] or 0) + 1,
        note="测试",
    )


class Api:
    """A django test client that logs in through POST /api/v1/auth/token like a real client."""

    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            r = self.client.post(
                "/api/v1/auth/token",
                {"username": user.username, "password": "test-pass-123"},
                content_type="application/json",
            )
            assert r.status_code == 200, r.content
            self.headers = {"Authorization": f"Bearer {r.json()['token']}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def upload(self, path: str, content: bytes, name: str = "授权书.jpg", kind: str = "authorisation") -> Any:

        f = SimpleUploadedFile(name, content, content_type="image/jpeg")
        return self.client.post(path, {"file": f, "kind": kind}, headers=self.headers)


def step(case: Case, action: str, actor: Any, **data: Any) -> Case:
    case.refresh_from_db()
    return services.case_transition(
        case=case, action=action, actor=actor, data=data, expected_version=case.version
    )


def drive(case: Case, users: dict[str, Any], *, until: str, start: dt.date, monkeypatch: Any) -> Case:
    """Run the identification steps in order with valid dates from ``start`` until (and including) the
    action ``until``. ``users`` maps role → user. Returns the case."""
    d = lambda n: (start + dt.timedelta(days=n)).isoformat()  # noqa: E731
    set_today(monkeypatch, start + dt.timedelta(days=13))
    doc = services.case_document_upload(
        case=case,
        actor=users["village"],
        kind=DocumentKindChoices.AUTHORISATION,
        filename="a.jpg",
        content=JPEG,
    )
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("home_check", "village", {"checked_on": d(1), "authorisation_document_id": doc.pk}),
        ("compare", "township", {"compared_on": d(2), "conflicts_note": "已入户核实"}),
        (
            "village_review",
            "village",
            {"reviewed_on": d(3), "attendance": 30, "votes_for": 28, "votes_against": 1, "result": "passed"},
        ),
        ("notice_start", "village", {"started_on": d(4)}),
        ("township_review", "township", {"notice_ended_on": d(8), "reviewed_on": d(9)}),
        ("county_approve", "county", {"approved_on": d(10), "category": _category(case)}),
        ("announce", "township", {"announced_on": d(11)}),
        ("enter_monitoring", "county", {}),
    ]
    for action, role, data in plan:
        case = step(case, action, users[role], **data)
        if action == until:
            break
    return case


def _category(case: Case) -> str:
    return "unstable" if case.household.poverty_status == "former_poor" else "marginal"


def monitoring_state() -> str:
    return CaseStateChoices.MONITORING
