"""Builders for field-app tests (and the browser tests in shouwang.e2e): grids, cases in a given state,
sync entries, and small real photos."""

import base64
import datetime as dt
import io
import itertools
import uuid
from typing import Any

from PIL import Image

from shouwang.accounts.actors import Actor
from shouwang.cases import clock
from shouwang.cases import services as cases
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.regions.models import Region
from shouwang.regions.services import village_groups_ensure
from shouwang.registry.models import Household
from shouwang.testing.builders import VILLAGE_A, make_household

_seq = itertools.count(100)
HEADS = ["李建国", "王德福", "张玉兰", "赵明华", "陈树林", "杨桂英", "刘国强", "周秀珍", "吴文才", "孙丽萍"]


def make_group(village_code: str, name: str) -> Region:
    """A village group (监测网格, 15-digit code) under ``village_code``."""
    codes = village_groups_ensure(pairs=[(village_code, name)])
    return Region.objects.get(code=codes[(village_code, name)])


def make_field_household(
    household_no: str, village_code: str = VILLAGE_A, *, group: Region | None = None, **fields: Any
) -> Household:
    """A two-person household with ID numbers unique across the test (make_household's default family
    is the same four people every time)."""
    n = next(_seq)
    head = HEADS[n % len(HEADS)]
    members = [
        {
            "seq": (2 * n + 1) % 1000,
            "name": head,
            "birth": dt.date(1960 + n % 30, 1 + n % 12, 1 + n % 28),
            "relation": "head",
        },
        {
            "seq": (2 * n) % 1000,
            "name": head[0] + "小妹",
            "birth": dt.date(1990 + n % 20, 1 + n % 12, 2),
            "relation": "child",
        },
    ]
    if group is not None:
        fields.setdefault("group_name", group.name)
    return make_household(household_no, village_code, group=group, members=members, **fields)


def make_monitored_case(
    household: Household, *, risk_level: str = "yellow", decided_days_ago: int = 40, risks: Any = None
) -> Case:
    """A household already in monitoring (R-ID-02 done), decided ``decided_days_ago`` days ago: the
    identification workflow itself is tested in the cases app; here only its end state matters."""
    today = clock.today()
    decided = today - dt.timedelta(days=decided_days_ago)
    return Case.objects.create(
        kind=CaseKindChoices.IDENTIFICATION,
        household=household,
        state=CaseStateChoices.MONITORING,
        opened_on=decided - dt.timedelta(days=14),
        due_on=decided,
        decided_on=decided,
        category="unstable",
        risk_types=list(risks or ["illness"]),
        risk_level=risk_level,
        version=9,
    )


def make_clue_case(household: Household, actor: Actor, *, risks: Any = None) -> Case:
    """A fresh clue from a cadre's visit: the case waits for the home check (R-ID-02 step 1)."""
    clue = cases.clue_submit(
        actor=actor, channel="cadre_visit", household=household, risk_types=list(risks or ["illness"])
    )
    assert clue.case is not None
    return clue.case


def jpeg_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG", quality=80)
    return out.getvalue()


def photo_data_url(**kwargs: Any) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes(**kwargs)).decode()


def entry(kind: str, household_no: str, *, case: Case | None = None, base: str = "", **data: Any) -> dict:
    photo = data.pop("photo", None)
    return {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "household_no": household_no,
        "case_id": case.pk if case else None,
        "base_version": base,
        "recorded_at": "2025-03-03T10:00:00+08:00",
        "data": data,
        "photo": photo,
    }
