"""Deterministic builders for tests (STYLE 13): users for every role and whole households.

Named households used across the suite (all in 会泽县 530326):
* ``H_LI``   李家 — 脱贫户 in 古城街道堂琅社区, four members, one child in junior school.
* ``H_WANG`` 王家 — ordinary household in 娜姑镇 (another township), two elderly members, no labour.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from shouwang.accounts.models import User
from shouwang.common import crypto, idnumber
from shouwang.regions.models import Region
from shouwang.registry.income import income_compute, members_counted
from shouwang.registry.models import Household, IncomeRecord, Person

COUNTY = "530326"
TOWNSHIP_A = "530326001"  # 古城街道
VILLAGE_A = "530326001001"  # 堂琅社区
TOWNSHIP_B = "530326102"  # 娜姑镇
VILLAGE_B = "530326102001"

ROLE_REGIONS = {
    "province": "53",
    "prefecture": "5303",
    "county": COUNTY,
    "township": TOWNSHIP_A,
    "village": VILLAGE_A,
    "auditor": COUNTY,
    "department": COUNTY,
}


def make_user(
    role: str, region_code: str | None = None, *, username: str | None = None, **extra: Any
) -> User:
    code = region_code or ROLE_REGIONS.get(role, VILLAGE_A)
    user = User.objects.create_user(
        username=username or f"{role}_{code}",
        password="test-pass-123",
        role=role,
        region=Region.objects.get(code=code),
        **extra,
    )
    return user


def _person(hh: Household, *, seq: int, name: str, birth: dt.date, relation: str, **fields: Any) -> Person:
    number = idnumber.make(COUNTY, birth, seq)
    return Person.objects.create(
        household=hh,
        id_sealed=crypto.seal(number),
        id_index=crypto.blind_index(number),
        id_masked=idnumber.mask(number),
        name=name,
        sex="M" if seq % 2 else "F",
        birth_date=birth,
        relation=relation,
        labour=fields.pop("labour", "ordinary"),
        **fields,
    )


def make_household(
    household_no: str,
    village_code: str = VILLAGE_A,
    *,
    poverty_status: str = "former_poor",
    members: list[dict[str, Any]] | None = None,
    income: dict[str, Decimal] | None = None,
    income_period: str = "2024-12",
    phone: str = "13800001234",
    **fields: Any,
) -> Household:
    village = Region.objects.get(code=village_code)
    hh = Household.objects.create(
        household_no=household_no,
        village=village,
        province_code=village_code[:2],
        prefecture_code=village_code[:4],
        county_code=village_code[:6],
        township_code=village_code[:9],
        poverty_status=poverty_status,
        phone_sealed=crypto.seal(phone),
        phone_index=crypto.blind_index(phone),
        phone_masked=crypto.mask_phone(phone),
        **fields,
    )
    members = members or [
        {"seq": 11, "name": "李建国", "birth": dt.date(1975, 3, 8), "relation": "head"},
        {"seq": 22, "name": "张玉兰", "birth": dt.date(1978, 6, 1), "relation": "spouse"},
        {
            "seq": 31,
            "name": "李明",
            "birth": dt.date(2011, 9, 1),
            "relation": "child",
            "labour": "none",
            "school_status": "junior",
        },
        {
            "seq": 42,
            "name": "李秀英",
            "birth": dt.date(1948, 1, 20),
            "relation": "parent",
            "labour": "none",
            "health": "chronic",
        },
    ]
    people = [_person(hh, **m) for m in members]
    hh.head_name = next((p.name for p in people if p.relation == "head"), "")
    hh.registered_count = len(people)
    hh.member_count = members_counted(p.residence for p in people)
    if income is not None:
        amounts = {
            k: Decimal(str(income.get(k, 0)))
            for k in (
                "wage",
                "business",
                "property",
                "transfer",
                "business_cost",
                "compliant_self_pay",
                "insurance_claims",
            )
        }
        fig = income_compute(**amounts, members=hh.member_count)
        IncomeRecord.objects.create(
            household=hh,
            period=income_period,
            net_income=fig.net_income,
            members_counted=fig.members_counted,
            per_capita_net=fig.per_capita_net,
            per_capita_reference=fig.per_capita_reference,
            **amounts,
        )
        hh.income_period, hh.income_per_capita = income_period, fig.per_capita_net
    hh.save()
    return hh
