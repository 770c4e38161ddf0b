"""Test data for the console's tests: screening runs and warnings as the screening service stores them,
cases moved through the real case services, and signed-in clients."""

import datetime as dt
import io
import itertools
from decimal import Decimal
from typing import Any

import openpyxl
from django.test import Client
from django.utils import timezone
from PIL import Image

from shouwang.accounts.actors import Actor
from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.models import Case
from shouwang.cases.services import case_document_upload, case_transition, clue_submit
from shouwang.registry.models import Household
from shouwang.screening.models import ScreeningRun, Warning


def _jpeg_bytes() -> bytes:
    """A real (decodable) JPEG: uploads are checked by decoding them."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (180, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg_bytes()
TODAY = dt.date(2025, 3, 20)
_serial = itertools.count(1)


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def screening_run_for(period: str) -> ScreeningRun:
    run, _ = ScreeningRun.objects.get_or_create(
        period=period, source="screening", status="succeeded", defaults={"engine": "duckdb", "progress": 100}
    )
    return run


def warning_for(
    household: Household,
    period: str,
    *,
    status: str = "new",
    risk_types: list[str] | None = None,
    score: str = "0.7",
) -> Warning:
    """A stored warning (what ``screening_run_execute`` writes for a flagged household)."""
    risks = risk_types or ["illness"]
    return Warning.objects.create(
        run=screening_run_for(period),
        period=period,
        household=household,
        household_no=household.household_no,
        village_code=household.village_id,
        signals=[
            {"rule": "MED-SELFPAY", "policy": ["R-WARN-01"], "risk_type": r, "evidence": {"persons": 1}}
            for r in risks
        ],
        rules=["MED-SELFPAY"],
        risk_types=risks,
        income_per_capita=Decimal("7000"),
        threshold=Decimal("8700"),
        suggested_category="",
        score=Decimal(score),
        status=status,
        created_at=timezone.now(),
    )


def set_today(monkeypatch: Any, day: dt.date = TODAY) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def open_case(household: Household, actor: Actor, *, reported_on: dt.date | None = None) -> Case:
    """An identification case opened by a cadre's clue (R-ID-01) through ``cases.services.clue_submit``."""

    clue = clue_submit(
        actor=actor,
        channel="cadre_visit",
        household=household,
        risk_types=["illness"],
        description="入户排查发现：家人住院，自付医疗费用较多",
        reported_on=reported_on,
    )
    assert clue.case is not None
    return clue.case


def step(case: Case, action: str, actor: User, **data: Any) -> Case:

    case.refresh_from_db()
    return case_transition(case=case, action=action, actor=actor, data=data, expected_version=case.version)


def home_check(case: Case, village_user: User, on: dt.date) -> Case:

    doc = case_document_upload(
        case=case, actor=village_user, kind="authorisation", filename="授权书.jpg", content=JPEG
    )
    return step(case, "home_check", village_user, checked_on=on, authorisation_document_id=doc.pk)


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    """The first sheet's rows of an XLSX download (a FileResponse)."""

    data = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
