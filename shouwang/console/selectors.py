"""Read models the console pages need beyond the domain selectors: the region picker."""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, Subquery

from shouwang.accounts.access import region_q, user_household_q
from shouwang.common import crypto, idnumber
from shouwang.regions.models import Region
from shouwang.regions.selectors import region_ancestors
from shouwang.registry.choices import RelationChoices
from shouwang.registry.models import DataQualityIssue, Household, IncomeRecord, Person


@dataclass(frozen=True)
class RegionPicker:
    """Where the user is looking (``current``), the way back up to their own region (``trail``,
    outermost first, ending with ``current``) and the way down (``children``)."""

    current: Region
    trail: list[Region]
    children: list[Region]


def region_picker_get(*, user: Any, region_code: str = "") -> RegionPicker | None:
    """The picker for ``region_code`` inside the user's subtree; a code outside it (or none) falls back
    to the user's own region — region codes are public NBS data, so this reveals nothing."""
    home = user.region_id or ""
    if not home:
        return None
    code = region_code if region_code and region_code.startswith(home) else home
    wanted = [c for c in region_ancestors(code) if len(c) >= len(home)]
    by_code = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    trail = [by_code[c] for c in wanted if c in by_code]
    if not trail or trail[-1].code != code:
        # Unknown code inside the subtree: behave as if none was given.
        return region_picker_get(user=user) if code != home else None
    children = list(Region.objects.filter(parent_id=code).order_by("code"))
    return RegionPicker(current=trail[-1], trail=trail, children=children)


# --- Interim household selectors --------------------------------------------------------------
# The registry engineer is writing shouwang/registry/selectors.py with the same signatures; these
# stand in until it lands and are then removed (the views import from one place: below).

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class HouseholdPage:
    households: list[Household]
    next_after: str | None


def _search_q(q: str) -> Q:
    """Exact matches only: a full ID number (by blind index), a household number or a name.
    A partial ID number matches nothing, by design (decisions/0003)."""
    value = idnumber.normalise(q)
    if _ID_SHAPE.match(value):
        return Q(pk__in=Person.objects.filter(id_index=crypto.blind_index(value)).values("household_id"))
    return Q(household_no=q) | Q(head_name=q) | Q(pk__in=Person.objects.filter(name=q).values("household_id"))


def household_list(
    *, user: Any, q: str = "", region_code: str = "", after: str = "", limit: int = 50
) -> HouseholdPage:
    qs = Household.objects.filter(user_household_q(user))
    if region_code and user.region_id and region_code.startswith(user.region_id):
        qs = qs.filter(region_q(region_code))
    if q.strip():
        qs = qs.filter(_search_q(q.strip()))
    if after:
        qs = qs.filter(household_no__gt=after)
    head_id = Person.objects.filter(household=OuterRef("pk"), relation=RelationChoices.HEAD).values(
        "id_masked"
    )[:1]
    rows: list[Household] = list(
        qs.select_related("village")
        .annotate(head_id_masked=Subquery(head_id))
        .order_by("household_no")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return HouseholdPage(households=rows, next_after=rows[-1].household_no if more and rows else None)


@dataclass(frozen=True)
class HouseholdDetail:
    household: Household
    members: list[Person]
    incomes: list[IncomeRecord]
    quality_issues: list[DataQualityIssue] = field(default_factory=list)


def household_get_detail(*, household: Household) -> HouseholdDetail:
    return HouseholdDetail(
        household=household,
        members=list(household.members.order_by("id")),
        incomes=list(household.incomes.order_by("-period")),
        quality_issues=list(household.quality_issues.select_related("person").order_by("-created_at")),
    )
