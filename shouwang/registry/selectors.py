"""Registry reads (STYLE 3): region-scoped household search and the household page's detail.

Scoping is always ``user_household_q`` (accounts/access.py): a user never sees a household outside their
region, whatever the query. ID numbers are searched by exact match only, through the blind index
(decision 0003): a query that is a valid 18-character ID is looked up by ``id_index``; anything that looks
like a (partial or invalid) ID matches no person — IDs are never compared with LIKE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from shouwang.accounts.access import NotFound, region_q, user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common import crypto, idnumber
from shouwang.regions.choices import LEVEL_BY_LENGTH, RegionLevelChoices
from shouwang.registry.choices import RelationChoices
from shouwang.registry.models import DataQualityIssue, Household, IncomeRecord, Person

_ID_LIKE = re.compile(r"^\d{15,17}[\dX]?$")
MAX_LIMIT = 200


@dataclass(frozen=True)
class HouseholdPage:
    households: list[Household]
    next_after: str | None  # pass as ``after`` for the next page; None on the last page


def _search_q(q: str) -> Q:
    """Exact ID (blind index), household number (exact or prefix), or name (head or member, prefix)."""
    value = idnumber.normalise(q)
    if idnumber.is_valid(value):
        return Q(Exists(Person.objects.filter(household=OuterRef("pk"), id_index=crypto.blind_index(value))))
    if _ID_LIKE.match(value):
        # Looks like an ID but is not a valid one: never fall back to partial matching on IDs.
        return Q(household_no=value)
    return (
        Q(household_no=q)
        | Q(household_no__startswith=q)
        | Q(head_name__startswith=q)
        | Q(Exists(Person.objects.filter(household=OuterRef("pk"), name__startswith=q)))
    )


def household_queryset(*, user: Viewer, q: str = "", region_code: str | None = None) -> QuerySet[Household]:
    """The households ``user`` may see, narrowed to ``region_code`` (inside the user's region) and ``q``."""
    qs = Household.objects.filter(user_household_q(user))
    if region_code:
        if len(region_code) not in LEVEL_BY_LENGTH or not user_can_see_region(user, region_code):
            return qs.none()
        qs = qs.filter(region_q(region_code))
    q = (q or "").strip()
    if q:
        qs = qs.filter(_search_q(q))
    return qs


def household_list(
    *, user: Viewer, q: str = "", region_code: str | None = None, after: str | None = None, limit: int = 50
) -> HouseholdPage:
    """One page of households ordered by household number (keyset pagination: ``after`` is the last
    household number of the previous page)."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    qs = household_queryset(user=user, q=q, region_code=region_code)
    if after:
        qs = qs.filter(household_no__gt=after)
    head_id = Person.objects.filter(household=OuterRef("pk"), relation=RelationChoices.HEAD).order_by("id")
    rows: list[Household] = list(
        qs.select_related("village")
        .annotate(head_id_masked=Subquery(head_id.values("id_masked")[:1]))
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
    """Members (in registration order), incomes (latest first) and data-quality findings of a household
    already obtained through ``access_household_by_id`` (which audits the look)."""
    return HouseholdDetail(
        household=household,
        members=list(household.members.order_by("id")),
        incomes=list(household.incomes.order_by("-period")),
        quality_issues=list(
            household.quality_issues.select_related("person", "batch").order_by("code", "person_id", "id")
        ),
    )


def access_household_by_id(user: Viewer, household_no: str, *, purpose: str = "view") -> Household:
    """The household if ``user`` may see it; otherwise ``NotFound``, the same as a missing one.

    Each look at a household (personal data) is audited, and so is each refused attempt.
    """
    household = Household.objects.filter(household_no=household_no).first()
    allowed = (
        household is not None and Household.objects.filter(user_household_q(user), pk=household.pk).exists()
    )
    if not allowed:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if household is None else AuditActionChoices.ACCESS_DENIED,
            object_type="household",
            object_id=household_no,
            region_code=household.village_id if household else "",
            reason=purpose,
        )
        raise NotFound(household_no)
    assert household is not None
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="household",
        object_id=household_no,
        region_code=household.village_id,
        reason=purpose,
    )
    return household


def household_busiest_region(*, level: str, inside: str) -> str:
    """The village (or village group) under ``inside`` with the most households ("" if none)."""
    if level == RegionLevelChoices.VILLAGE:
        field_name, scope = "village_id", {"township_code": inside}
    else:
        field_name, scope = "group_id", {"village_id": inside}
    row = (
        Household.objects.filter(**scope)
        .values(field_name)
        .annotate(n=Count("id"))
        .order_by("-n", field_name)
        .first()
    )
    return str(row[field_name]) if row and row[field_name] else ""


def household_person_counts(*, county_code: str) -> tuple[int, int]:
    """Households and members registered in a county."""
    households = Household.objects.filter(county_code=county_code).count()
    persons = Person.objects.filter(household__county_code=county_code).count()
    return households, persons
