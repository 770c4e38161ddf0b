"""The home page's work queue (selector): what this official has to do now, each item linking to its page.

Sections (docs/console.md "Work queue"): cases due and overdue (R-ID-03), notices whose period has ended
(R-ID-03, the township review is next), warnings not yet turned into a clue (R-WARN, R-ID-01), visits due or
overdue (R-ID-06 tiers), routine visits of the grid's other households (常态化走访) and self-reports waiting
for an answer or escalated (R-ID-07). Everything is scoped with ``user_household_q`` / the user's region;
counts are bounded (``COUNT_CAP``) so a province's home page costs the same as a village's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.access import signed_in, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.choices import TERMINAL_STATES, CaseKindChoices, CaseStateChoices, RiskLevelChoices
from shouwang.cases.models import Case, CaseParameter, Clue
from shouwang.cases.overdue import case_is_overdue
from shouwang.cases.parameters import Params, params_by_village
from shouwang.cases.selectors import clue_unresolved_list, routine_visit_due_list
from shouwang.cases.transitions import pending_steps
from shouwang.channels.choices import SelfReportStatusChoices
from shouwang.channels.models import SelfReport
from shouwang.console.models import RegionPeriodStat
from shouwang.console.permissions import has_work_queue
from shouwang.console.stats import stat_refresh_latest
from shouwang.regions.models import Region
from shouwang.registry.choices import RiskTypeChoices
from shouwang.screening.choices import RunSourceChoices, RunStatusChoices, WarningStatusChoices
from shouwang.screening.models import ScreeningRun, Warning

ITEMS = 8
COUNT_CAP = 999
DUE_SOON_DAYS = 3
VISIT_HORIZON_DAYS = 7
RISK_LABELS = dict(RiskTypeChoices.choices)
SUPERVISORS = frozenset({RoleChoices.PROVINCE, RoleChoices.PREFECTURE})


@dataclass
class Section:
    key: str
    title: str
    count: int
    items: list[dict[str, Any]] = field(default_factory=list)
    more_link: str = ""
    note: str = ""

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _bounded_count(qs: QuerySet[Any]) -> int:
    return qs[: COUNT_CAP + 1].count()


def _case_item(case: Case, today: dt.date, role: str) -> dict[str, Any]:
    steps = pending_steps(case.kind, case.state)
    roles = {r for m in steps for r in m.roles}
    return {
        "link": reverse("console:case_detail", args=[case.pk]),
        "title": _("%(name)s户 · %(kind)s")
        % {"name": case.household.head_name or case.household.household_no, "kind": case.get_kind_display()},
        "household_no": case.household.household_no,
        "village": case.household.village.name,
        "state": case.get_state_display(),
        "next": "、".join(m.label for m in steps) or "—",
        "yours": role in roles,
        "due_on": case.due_on,
        "days_left": (case.due_on - today).days if case.due_on else None,
        "days_over": (today - case.due_on).days if case.due_on and case.due_on < today else 0,
        "overdue": case_is_overdue(case, today),
        "escalated_to": case.escalated_to,
    }


def _cases(user: User, today: dt.date) -> Section:
    qs = (
        Case.objects.filter(user_household_q(user, prefix="household__"), is_open=True)
        .exclude(state__in=[CaseStateChoices.MONITORING, *TERMINAL_STATES])
        .select_related("household", "household__village")
    )
    urgent = qs.filter(due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    items = [_case_item(c, today, user.role) for c in urgent.order_by("due_on", "id")[:ITEMS]]
    overdue = _bounded_count(qs.filter(due_on__lt=today))
    return Section(
        key="cases",
        title=_("到期及超期案件"),
        count=_bounded_count(urgent),
        items=items,
        more_link=f"{reverse('console:case_list')}?due=overdue",
        note=_("其中已超期 %(n)s 件（识别时限15天，R-ID-03）")
        % {"n": overdue if overdue <= COUNT_CAP else f"{COUNT_CAP}+"},
    )


def _notices(user: User, today: dt.date) -> Section:
    """Notices whose period has ended: the township review is next (R-ID-03, ≥ notice_days calendar days,
    inclusive, of the village's parameters)."""
    cases = list(
        Case.objects.filter(
            user_household_q(user, prefix="household__"),
            is_open=True,
            state=CaseStateChoices.PUBLIC_NOTICE,
            notice_started_on__lte=today,
        )
        .select_related("household", "household__village")
        .order_by("notice_started_on", "id")[: COUNT_CAP + 1]
    )
    params = params_by_village(villages={c.household.village_id for c in cases}, year=today.year)
    ended = []
    for case in cases:
        assert case.notice_started_on is not None
        days = params[case.household.village_id].notice_days
        if (today - case.notice_started_on).days + 1 > days:
            item = _case_item(case, today, user.role)
            item["note"] = _("公示自 %(start)s 起已满 %(days)s 天") % {
                "start": case.notice_started_on,
                "days": days,
            }
            ended.append(item)
    return Section(
        key="notices",
        title=_("公示期满待审核"),
        count=len(ended),
        items=ended[:ITEMS],
        more_link=f"{reverse('console:case_list')}?state=public_notice",
    )


def latest_screened_period() -> str:
    return (
        ScreeningRun.objects.filter(source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
        or ""
    )


def unverified_q(period: str) -> Q:
    """A warning of ``period`` not yet turned into a clue: its household has no clue reported on or after
    the month's first day (the same definition as the dashboard's funnel, console/stats.py)."""
    first = dt.date(int(period[:4]), int(period[5:7]), 1)
    return ~Q(Exists(Clue.objects.filter(household=OuterRef("household"), reported_on__gte=first)))


def to_verify_q(period: str) -> Q:
    """The one definition of a *warning to verify* of ``period`` (the work queue's section, the warning list's
    仅未核实 filter and the dashboard's funnel, decision 0451): a new or persisting warning — not one of a
    household that is already a monitoring object (its new risk is followed in its monitoring case) — whose
    household has no clue since the month began."""
    return Q(status__in=[WarningStatusChoices.NEW, WarningStatusChoices.PERSISTING]) & unverified_q(period)


def warning_village_prefilter(user: User) -> Q:
    """A redundant narrowing on the warning's own village code (index ``source, period, village_code``), so
    the database reads one region's warnings of the month instead of joining all of them to households.
    The scope itself is always ``user_household_q``; this only helps the planner."""
    code = user.region_code[:12]
    return Q(village_code__startswith=code) if code else Q()


def _warnings(user: User) -> Section:
    period = latest_screened_period()
    if not period:
        return Section(key="warnings", title=_("待核实预警"), count=0, note=_("尚无已完成的月度筛查"))
    qs = (
        Warning.objects.filter(
            user_household_q(user, prefix="household__"),
            source=RunSourceChoices.SCREENING,
            period=period,
        )
        .filter(warning_village_prefilter(user))
        .filter(to_verify_q(period))
        .select_related("household", "household__village")
    )
    items = [
        {
            "link": reverse("console:household_detail", args=[w.household_no]),
            "title": _("%(name)s户") % {"name": w.household.head_name or w.household_no}
            if w.household
            else w.household_no,
            "household_no": w.household_no,
            "village": w.household.village.name if w.household else w.village_code,
            "state": w.get_status_display(),
            "next": "、".join(RISK_LABELS.get(r, r) for r in w.risk_types) or "—",
            "score": w.score,
        }
        for w in qs.order_by("-score", "household_no")[:ITEMS]
    ]
    return Section(
        key="warnings",
        title=_("待核实预警（%(period)s）") % {"period": period},
        count=_bounded_count(qs),
        items=items,
        more_link=f"{reverse('console:warning_list')}?period={period}&unverified=1",
    )


def visits_due(user: User, today: dt.date, *, cap: int = COUNT_CAP + 1) -> list[dict[str, Any]]:
    """Monitored households whose next visit (last visit, or identification, + tier interval, R-ID-06) falls
    within VISIT_HORIZON_DAYS or is past, most overdue first — at most ``cap`` of them.

    One query per tier, each narrowed in SQL with the shortest interval any parameter row gives that tier
    (a superset), light rows only; the exact due date then uses each village's own parameters."""
    horizon = today + dt.timedelta(days=VISIT_HORIZON_DAYS)
    shortest = _shortest_intervals(today.year)
    base = (
        Case.objects.filter(
            user_household_q(user, prefix="household__"),
            kind=CaseKindChoices.IDENTIFICATION,
            state=CaseStateChoices.MONITORING,
            is_open=True,
        )
        .annotate(last_visit=Max("visits__visited_on"))
        .annotate(since=Coalesce(F("last_visit"), F("decided_on"), F("opened_on")))
    )
    rows: list[dict[str, Any]] = []
    for level, days in shortest.items():
        rows += list(
            base.filter(risk_level=level, since__lte=horizon - dt.timedelta(days=days))
            .order_by("since", "id")
            .values(
                "id",
                "risk_level",
                "since",
                "last_visit",
                "household__household_no",
                "household__head_name",
                "household__village_id",
                "household__village__name",
            )[:cap]
        )
    params = params_by_village(villages={r["household__village_id"] for r in rows}, year=today.year)
    labels = dict(RiskLevelChoices.choices)
    out = []
    for r in rows:
        due = r["since"] + dt.timedelta(days=params[r["household__village_id"]].visit_days(r["risk_level"]))
        if due > horizon:
            continue
        out.append(
            {
                # The work queue lands on the action: the visit form of the case.
                "link": reverse("console:visit_create", args=[r["id"]]),
                "visit_link": reverse("console:visit_create", args=[r["id"]]),
                "case_link": reverse("console:case_detail", args=[r["id"]]),
                "title": _("%(name)s户")
                % {"name": r["household__head_name"] or r["household__household_no"]},
                "household_no": r["household__household_no"],
                "village": r["household__village__name"],
                "village_code": r["household__village_id"],
                "state": labels.get(r["risk_level"], r["risk_level"]),
                "risk_level": r["risk_level"],
                "next": _("走访"),
                "due_on": due,
                "days_left": (due - today).days,
                "days_over": max(0, (today - due).days),
                "overdue": due < today,
                "last_visit": r["last_visit"],
            }
        )
    out.sort(key=lambda x: (x["due_on"], x["household_no"]))
    return out[:cap]


def routine_visits_due(
    user: User, today: dt.date, *, limit: int = ITEMS
) -> tuple[int, int, list[dict[str, Any]]]:
    """Routine visits (常态化走访) of households without an open case due within VISIT_HORIZON_DAYS or
    past, oldest first: (count due, count overdue, the first ``limit`` rows as work-queue items)."""
    total, overdue, rows = routine_visit_due_list(
        user=user, today=today, horizon_days=VISIT_HORIZON_DAYS, limit=limit
    )
    rhythm = {"green": _("脱贫户/曾监测户（每季度）"), "routine": _("一般农户（常态化）")}
    items = [
        {
            "link": reverse("console:household_visit_create", args=[r["household_no"]]),
            "visit_link": reverse("console:household_visit_create", args=[r["household_no"]]),
            "case_link": reverse("console:household_detail", args=[r["household_no"]]),
            "title": _("%(name)s户") % {"name": r["household"].head_name or r["household_no"]},
            "household_no": r["household_no"],
            "village": r["household"].village.name,
            "village_code": r["household"].village_id,
            "group": r["household"].group_name,
            "state": rhythm[r["rhythm"]],
            "next": _("常态化走访"),
            "due_on": r["due_on"],
            "days_left": (r["due_on"] - today).days,
            "days_over": max(0, r["days_overdue"]),
            "overdue": r["due_on"] < today,
            "last_visit": r["last_visit"],
        }
        for r in rows
    ]
    return total, overdue, items


def _routine_visits(user: User, today: dt.date) -> Section:
    total, overdue, items = routine_visits_due(user, today)
    return Section(
        key="routine_visits",
        title=_("常态化走访"),
        count=total,
        items=items,
        more_link=reverse("console:visits_due") + "#routine",
        note=_("网格内未纳入监测的农户按常态化节奏走访，其中已超期 %(n)s 户（R-ID-06）") % {"n": overdue},
    )


def _shortest_intervals(year: int) -> dict[str, int]:
    """Per tier, the shortest visit interval of the defaults and of any parameter row of the year."""
    default = Params()
    out = {level: default.visit_days(level) for level in RiskLevelChoices.values}
    for red, yellow, green in CaseParameter.objects.filter(Q(year=year) | Q(year__isnull=True)).values_list(
        "visit_days_red", "visit_days_yellow", "visit_days_green"
    ):
        for level, days in (("red", red), ("yellow", yellow), ("green", green)):
            out[level] = min(out[level], days)
    return out


def _visits(user: User, today: dt.date) -> Section:
    rows = visits_due(user, today)
    overdue = sum(1 for r in rows if r["overdue"])
    shown = f"{COUNT_CAP}+" if overdue > COUNT_CAP else str(overdue)
    return Section(
        key="visits",
        title=_("到期及超期走访"),
        count=len(rows),
        items=rows[:ITEMS],
        more_link=reverse("console:visits_due"),
        note=_("其中已超期 %(n)s 户（红色每周、黄色每月、绿色每季度，R-ID-06）") % {"n": shown},
    )


def _visits_supervised(user: User) -> Section:
    """The county and above follow visits as a figure by township (the pre-aggregated statistics: a
    county can have thousands of monitored households; the visits themselves are the townships' and
    villages' work)."""

    refresh = stat_refresh_latest()
    if refresh is None:
        return Section(key="visits", title=_("走访超期的监测户"), count=0, note=_("尚未生成统计数据"))
    rows = dict(
        RegionPeriodStat.objects.filter(
            parent_code=user.region_code, period=refresh.last_period, metric="visits_overdue"
        ).values_list("region_code", "value")
    )
    total = (
        RegionPeriodStat.objects.filter(
            region_code=user.region_code, period=refresh.last_period, metric="visits_overdue"
        )
        .values_list("value", flat=True)
        .first()
    ) or 0
    names = dict(Region.objects.filter(code__in=rows).values_list("code", "name"))
    items = [
        {
            "link": f"{reverse('console:dashboard')}?region={code}",
            "title": names.get(code, code),
            "household_no": "",  # a region, not a household: its name is the title
            "village": "",
            "state": _("%(n)s户") % {"n": n},
            "next": _("督促走访"),
        }
        for code, n in sorted(rows.items(), key=lambda kv: -kv[1])[:ITEMS]
    ]
    return Section(
        key="visits",
        title=_("走访超期的监测户"),
        count=total,
        items=items,
        note=_("按下级区划统计（统计更新于 %(at)s）；走访由乡镇、村负责（R-ID-06）")
        % {
            "at": timezone.localtime(refresh.finished_at).strftime("%m-%d %H:%M")
            if refresh.finished_at
            else ""
        },
    )


def _self_reports(user: User) -> Section:

    qs = SelfReport.objects.filter(
        village__code__startswith=user.region_code, status=SelfReportStatusChoices.SUBMITTED
    ).select_related("village")
    if user.role in SUPERVISORS or user.role == RoleChoices.COUNTY:
        # 县级督单: the county (and above) follows the escalated ones.
        qs = qs.filter(escalated_at__isnull=False)
    items = [
        {
            "link": reverse("console:self_report_detail", args=[r.tracking_code]),
            "title": f"{r.subject_name} · {r.get_difficulty_display()}",
            "household_no": r.tracking_code,
            "village": r.village.name,
            "state": _("已督办") if r.escalated_at else r.get_status_display(),
            "next": _("答复群众"),
            "due_on": r.submitted_on,
            "overdue": bool(r.escalated_at),
        }
        for r in qs.order_by(F("escalated_at").desc(nulls_last=True), "submitted_on", "id")[:ITEMS]
    ]
    return Section(
        key="self_reports",
        title=_("群众自主申报待答复") if user.role not in SUPERVISORS else _("已督办的群众申报"),
        count=_bounded_count(qs),
        items=items,
        note=_("超过10天未答复的申报自动督办至县级（R-ID-07）"),
    )


def _unmatched_clues(user: User) -> Section:
    """Clues whose household is still to be found (hotline calls, reports without an ID or of people not
    in the registry): each item lands on the clue's match search."""
    qs = clue_unresolved_list(user=user).select_related("village")
    items = [
        {
            "link": reverse("console:clue_detail", args=[c.pk]),
            "title": f"{c.subject_name or _('（未留姓名）')} · {c.get_channel_display()}",
            "household_no": "",
            "village": c.village.name,
            "state": _("待匹配农户"),
            "next": _("匹配农户"),
            "due_on": c.reported_on,
        }
        for c in qs.order_by("reported_on", "pk")[:ITEMS]
    ]
    return Section(
        key="unmatched_clues",
        title=_("待匹配农户的线索"),
        count=_bounded_count(qs),
        items=items,
        more_link=reverse("console:clue_list"),
        note=_("找到对应农户后，线索转入该户的识别案件"),
    )


def work_queue_get(*, user: Viewer) -> list[Section]:
    """The sections for this user's role (empty for roles without a queue)."""

    official = signed_in(user)
    if official is None or not has_work_queue(user):
        return []
    today = clock.today()
    role = official.role
    sections = [_cases(official, today)]
    if role in {RoleChoices.TOWNSHIP, RoleChoices.COUNTY, *SUPERVISORS}:
        sections.append(_notices(official, today))
    sections.append(_warnings(official))
    if role in SUPERVISORS or role == RoleChoices.COUNTY:
        sections.append(_visits_supervised(official))
    else:
        sections.append(_visits(official, today))
        sections.append(_routine_visits(official, today))
    if role != RoleChoices.GRID:
        sections.append(_self_reports(official))
    if role in {RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY}:
        sections.append(_unmatched_clues(official))
    return sections
