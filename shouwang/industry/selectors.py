"""Reads of the industry app: entity lists and pages, and the 双绑 coverage (POLICY R-IND-01/02).

Entities are business records of a county, not personal data: any household reader whose region is the
entity's county, inside it or above it sees the entity (decision 0802). What an entity's page shows of
households (bindings, payouts) is filtered by the reader's household scope (``user_household_q``), like
every household list.

产业发展条件和意愿 (R-IND-01): the registry holds no such flag. A household counts (decision 0801) when it
is a 脱贫户 or a monitoring object, is not cancelled, is not a 整户无劳动能力兜底保障户, and has a member with
labour (技能 or 普通劳动力) who lives with it — or when it already has a household-level binding in force
(a signed agreement shows the will).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from shouwang.accounts.access import NotFound, signed_in_with_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.industry.choices import BindingLevelChoices, CoverageChoices, EntityStatusChoices
from shouwang.industry.models import Binding, BusinessEntity, Loan, LoanMonth, Payout
from shouwang.regions.models import Region
from shouwang.registry.choices import (
    COUNTED_RESIDENCE,
    HouseholdStatusChoices,
    LabourChoices,
    PovertyStatusChoices,
)
from shouwang.registry.models import Household, Person

ABLE_LABOUR = (LabourChoices.SKILLED, LabourChoices.ORDINARY)


def entity_scope_q(user: Viewer) -> Q:
    """Entities the user may see: their county's, from the county above or below (module doc)."""
    official = signed_in_with_region(user)
    if official is None or official.role not in HOUSEHOLD_READERS:
        return Q(pk__in=[])
    code = official.region_code
    if len(code) <= 6:
        return Q(county_code__startswith=code)
    return Q(county_code=code[:6])


def entity_list(*, user: Viewer, entity_type: str = "", status: str = "") -> QuerySet[BusinessEntity]:
    qs = BusinessEntity.objects.filter(entity_scope_q(user))
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("county_code", "entity_type", "name")


def access_entity_by_id(user: Viewer, credit_code: str) -> BusinessEntity:
    """The entity if the user may see it; ``NotFound`` for "not yours" and "does not exist" alike."""
    entity = BusinessEntity.objects.filter(entity_scope_q(user), credit_code=credit_code).first()
    if entity is None:
        raise NotFound(credit_code)
    return entity


@dataclass
class EntityDetail:
    entity: BusinessEntity
    county_name: str
    village_name: str
    upper: list[Binding]  # 企业—合作社 agreements where this entity is the cooperative
    cooperatives: list[Binding]  # 企业—合作社 agreements where this entity is the enterprise
    households: list[Binding]  # its household agreements the reader may see
    payouts: list[Payout]
    due_total: Decimal
    paid_total: Decimal
    status_changes: list[Any]


def entity_get_detail(*, user: Viewer, entity: BusinessEntity, payout_limit: int = 200) -> EntityDetail:
    hh_scope = user_household_q(user, prefix="household__")
    households = list(
        entity.bindings.filter(level=BindingLevelChoices.ENTITY_HOUSEHOLD)
        .filter(hh_scope)
        .select_related("household", "household__village")
        .order_by("binding_no")
    )
    payouts_qs = entity.payouts.filter(hh_scope)
    payouts = list(payouts_qs.select_related("binding", "household").order_by("-due_on", "pk")[:payout_limit])
    sums = payouts_qs.aggregate(due=Sum("due_amount"), paid=Sum("paid_amount"))
    names = dict(
        Region.objects.filter(code__in=[entity.county_code, entity.village_code]).values_list(
            "code", "full_name"
        )
    )
    return EntityDetail(
        entity=entity,
        county_name=names.get(entity.county_code, ""),
        village_name=names.get(entity.village_code, ""),
        upper=list(entity.upper_bindings.select_related("entity").order_by("binding_no")),
        cooperatives=list(
            entity.bindings.filter(level=BindingLevelChoices.ENTERPRISE_COOPERATIVE)
            .select_related("partner")
            .order_by("binding_no")
        ),
        households=households,
        payouts=payouts,
        due_total=sums["due"] or Decimal(0),
        paid_total=sums["paid"] or Decimal(0),
        status_changes=list(entity.status_changes.order_by("-id")[:20]),
    )


# --- coverage ------------------------------------------------------------------------------------------


def _in_force(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_on__lte": on}) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": on})
    )


def industry_candidates(*, user: Viewer, on: dt.date, region_code: str = "") -> QuerySet[Household]:
    """Households with 产业发展条件和意愿 in the user's scope (module doc, decision 0801)."""
    able = Person.objects.filter(
        household=OuterRef("pk"), labour__in=ABLE_LABOUR, residence__in=COUNTED_RESIDENCE
    )
    bound = Binding.objects.filter(_in_force(on), household=OuterRef("pk"))
    derived = (Q(poverty_status=PovertyStatusChoices.FORMER_POOR) | ~Q(monitoring_category="")) & Q(
        no_labour_safety_net=False
    )
    qs = Household.objects.filter(user_household_q(user), status=HouseholdStatusChoices.ACTIVE)
    if region_code:
        qs = qs.filter(Q(village_id__startswith=region_code))
    return qs.filter((derived & Exists(able)) | Exists(bound))


def household_coverage(*, households: list[int] | QuerySet[Household], on: dt.date) -> dict[int, str]:
    """双绑 / 单绑 / 未绑 of each household (R-IND-02): 双绑 when bound (in force) to a cooperative that has
    an enterprise agreement in force; 单绑 when bound only directly to an enterprise or to a cooperative
    without one; otherwise 未绑. Agreements of a 注销 entity do not count."""
    live = ~Q(entity__status=EntityStatusChoices.CLOSED)
    upper = set(
        Binding.objects.filter(_in_force(on), live, level=BindingLevelChoices.ENTERPRISE_COOPERATIVE)
        .exclude(partner__status=EntityStatusChoices.CLOSED)
        .values_list("partner_id", flat=True)
    )
    # A queryset stays a subquery (a county's tens of thousands of households are no parameter list).
    ids = list(households.values_list("pk", flat=True)) if isinstance(households, QuerySet) else households
    out = dict.fromkeys(ids, CoverageChoices.NONE.value)
    rows = Binding.objects.filter(
        _in_force(on), live, level=BindingLevelChoices.ENTITY_HOUSEHOLD, household_id__in=households
    ).values_list("household_id", "entity_id")
    for household_id, entity_id in rows:
        if entity_id in upper:
            out[household_id] = CoverageChoices.DOUBLE.value
        elif out[household_id] != CoverageChoices.DOUBLE:
            out[household_id] = CoverageChoices.SINGLE.value
    return out


@dataclass
class CoverageRow:
    code: str
    name: str
    eligible: int = 0
    double: int = 0
    single: int = 0
    none: int = 0

    @property
    def rate(self) -> float | None:
        """双绑覆盖率 (R-IND-01): 双绑 ÷ households with 产业发展条件和意愿, in percent."""
        return round(100 * self.double / self.eligible, 1) if self.eligible else None


@dataclass
class CoverageReport:
    on: dt.date
    rows: list[CoverageRow]
    total: CoverageRow
    unbound: list[dict[str, Any]] = field(default_factory=list)
    single: list[dict[str, Any]] = field(default_factory=list)
    unbound_more: bool = False


def coverage_report(
    *, user: Viewer, on: dt.date, region_code: str = "", list_limit: int = 500
) -> CoverageReport:
    """双绑 coverage per township of the user's scope, with the 未绑 and 单绑 household lists."""
    scope = industry_candidates(user=user, on=on, region_code=region_code)
    candidates = list(
        scope.order_by("township_code", "village_id", "household_no").values(
            "pk", "household_no", "head_name", "township_code", "village_id"
        )
    )
    state = household_coverage(households=scope, on=on)
    codes = {c["township_code"] for c in candidates} | {c["village_id"] for c in candidates}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    by_township: dict[str, CoverageRow] = {}
    total = CoverageRow(code="", name="合计")
    lists: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in candidates:
        row = by_township.setdefault(
            c["township_code"], CoverageRow(code=c["township_code"], name=names.get(c["township_code"], ""))
        )
        s = state[c["pk"]]
        for target in (row, total):
            target.eligible += 1
            setattr(target, s, getattr(target, s) + 1)
        if s != CoverageChoices.DOUBLE:
            lists[s].append(
                {
                    "household_no": c["household_no"],
                    "head_name": c["head_name"],
                    "township": names.get(c["township_code"], ""),
                    "village": names.get(c["village_id"], ""),
                }
            )
    return CoverageReport(
        on=on,
        rows=sorted(by_township.values(), key=lambda r: r.code),
        total=total,
        unbound=lists[CoverageChoices.NONE][:list_limit],
        single=lists[CoverageChoices.SINGLE][:list_limit],
        unbound_more=len(lists[CoverageChoices.NONE]) > list_limit,
    )


@dataclass
class EntityRow:
    entity: BusinessEntity
    place: str
    households: int
    cooperatives: int


def entity_rows(
    *, user: Viewer, entity_type: str = "", status: str = "", limit: int = 500
) -> list[EntityRow]:
    """The entity list page: each entity with where it is (village, else county, by name) and how many
    households and cooperatives it binds (agreements of any date)."""
    qs = entity_list(user=user, entity_type=entity_type, status=status).annotate(
        n_households=Count("bindings", filter=Q(bindings__level=BindingLevelChoices.ENTITY_HOUSEHOLD)),
        n_coops=Count("bindings", filter=Q(bindings__level=BindingLevelChoices.ENTERPRISE_COOPERATIVE)),
    )
    entities = list(qs[:limit])
    codes = {e.village_code for e in entities} | {e.county_code for e in entities}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "full_name"))
    return [
        EntityRow(
            entity=e,
            place=names.get(e.village_code) or names.get(e.county_code, ""),
            households=getattr(e, "n_households", 0),
            cooperatives=getattr(e, "n_coops", 0),
        )
        for e in entities
    ]


@dataclass
class HouseholdIndustry:
    coverage: str  # CoverageChoices label, "" when the household has no agreement at all
    bindings: list[Binding]
    payouts: list[Payout]
    loans: list[Loan] = field(default_factory=list)  # 小额信贷 (R-AID-06), latest first


def household_industry_get(*, household: Household, on: dt.date, payout_limit: int = 50) -> HouseholdIndustry:
    """The household page's 产业帮扶 panel: its agreements (with their entities), its 双绑 state and its
    latest payouts. The caller has the household from ``access_household_by_id``."""
    bindings = list(
        Binding.objects.filter(household=household)
        .select_related("entity")
        .order_by("-start_on", "binding_no")
    )
    payouts = list(
        Payout.objects.filter(household=household)
        .select_related("entity")
        .order_by("-due_on", "-pk")[:payout_limit]
    )
    label = ""
    if bindings:
        state = household_coverage(households=[household.pk], on=on)[household.pk]
        label = str(CoverageChoices(state).label)
    loans = list(Loan.objects.filter(household=household).select_related("borrower").order_by("-start_on"))
    return HouseholdIndustry(coverage=label, bindings=bindings, payouts=payouts, loans=loans)


# --- 小额信贷 (R-AID-06, R-IND-05) ----------------------------------------------------------------------


@dataclass
class LoanBulletinRow:
    """One line of the monthly overdue bulletin: a township, or the whole scope (``code`` the region)."""

    code: str
    name: str
    loans: int = 0
    balance: Decimal = Decimal(0)
    overdue_loans: int = 0
    overdue_balance: Decimal = Decimal(0)
    overdue_amount: Decimal = Decimal(0)
    enterprise_use: int = 0

    @property
    def overdue_rate(self) -> Decimal | None:
        """逾期率 = balance of overdue loans ÷ outstanding balance at month end, in % (decision 0823)."""
        if not self.balance:
            return None
        return (self.overdue_balance * 100 / self.balance).quantize(Decimal("0.01"))


def _loan_sums(qs: QuerySet[Any]) -> dict[str, Any]:
    overdue = Q(overdue_amount__gt=0)
    return {
        "s_loans": Count("id"),
        "s_balance": Sum("balance"),
        "s_overdue_loans": Count("id", filter=overdue),
        "s_overdue_balance": Sum("balance", filter=overdue),
        "s_overdue_amount": Sum("overdue_amount"),
        "s_enterprise_use": Count("id", filter=Q(enterprise_use=True)),
    }


def loan_bulletin(*, user: Viewer, period: str) -> tuple[list[LoanBulletinRow], LoanBulletinRow]:
    """The month's loans still owed (balance > 0) per township in the user's scope, and the total, computed
    in the database from ``LoanMonth`` (set-based: two aggregate queries whatever the number of loans)."""
    official = signed_in_with_region(user)
    qs = LoanMonth.objects.filter(
        user_household_q(user, prefix="loan__household__"), period=period, balance__gt=0
    )
    sums = _loan_sums(qs)
    grouped = qs.values("township_code").annotate(**sums).order_by("township_code")
    names = dict(
        Region.objects.filter(code__in=[g["township_code"] for g in grouped]).values_list("code", "name")
    )

    def row(code: str, name: str, g: dict[str, Any]) -> LoanBulletinRow:
        return LoanBulletinRow(
            code=code,
            name=name,
            loans=g["s_loans"] or 0,
            balance=g["s_balance"] or Decimal(0),
            overdue_loans=g["s_overdue_loans"] or 0,
            overdue_balance=g["s_overdue_balance"] or Decimal(0),
            overdue_amount=g["s_overdue_amount"] or Decimal(0),
            enterprise_use=g["s_enterprise_use"] or 0,
        )

    rows = [row(g["township_code"], names.get(g["township_code"], ""), g) for g in grouped]
    scope = official.region_code if official is not None else ""
    scope_name = Region.objects.filter(code=scope).values_list("name", flat=True).first() or "合计"
    return rows, row(scope, scope_name, qs.aggregate(**sums))


def loan_overdue_list(*, user: Viewer, period: str, limit: int = 500) -> list[Any]:
    """The month's overdue loans in the user's scope, longest overdue first."""
    return list(
        LoanMonth.objects.filter(
            user_household_q(user, prefix="loan__household__"), period=period, overdue_amount__gt=0
        )
        .select_related("loan", "loan__household", "loan__borrower")
        .order_by("-overdue_days", "loan__contract_no")[:limit]
    )


def loan_periods(*, user: Viewer, limit: int = 36) -> list[str]:
    """The months bank files reported for loans in the user's scope, latest first."""
    qs = LoanMonth.objects.filter(user_household_q(user, prefix="loan__household__"))
    return list(qs.values_list("period", flat=True).distinct().order_by("-period")[:limit])


def household_loans(*, household: Household) -> list[Any]:
    return list(Loan.objects.filter(household=household).order_by("-start_on"))
