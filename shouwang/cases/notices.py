"""Village notices (公示) and announcements (公告) as printable HTML and PDF (R-ID-02, R-ID-03, R-ID-04).

R-ID-04: a notice never shows ID numbers, phones, bank accounts or health status. The rows are built
from an explicit allow-list of household fields (number, head's name, village group, category, risk
types or elimination mode); nothing else of the household reaches the template.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.loader import render_to_string
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shouwang.accounts.access import NotFound, user_can_see_region
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.cases.parameters import params_get
from shouwang.common.errors import InputRefused, RowError
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import (
    EliminationModeChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)


class NoticeStageChoices:
    NOTICE = "notice"
    ANNOUNCEMENT = "announcement"
    values = (NOTICE, ANNOUNCEMENT)


@dataclass
class NoticeRow:
    household_no: str
    head_name: str
    group_name: str
    category: str
    risks: str


@dataclass
class Notice:
    title: str
    issuer: str
    village_name: str
    township_name: str
    kind: str
    stage: str
    period_from: dt.date | None
    period_to: dt.date | None
    issued_on: dt.date
    rows: list[NoticeRow] = field(default_factory=list)
    objection_text: str = ""

    @property
    def columns(self) -> list[str]:
        last = "风险类型" if self.kind == CaseKindChoices.IDENTIFICATION else "消除方式"
        return ["序号", "户编号", "户主姓名", "村民小组", "监测对象类别", last]


def proposed_category(case: Case) -> str:
    """The category an identification case is noticed with (R-OBJ-01), before the county gives it at
    approval: from the household's 户类型 and the income gathered at the comparison step (inside the
    monitoring range: 脱贫不稳定户 for a 脱贫户, 边缘易致贫户 for an ordinary household; above it:
    突发严重困难户), else the latest screening warning's suggestion, else the category 户类型 gives inside
    the range. The county may still approve another one (``county_approve``)."""
    comparison = case.comparison or {}
    income = (comparison.get("income") or {}).get("per_capita_net")
    threshold = comparison.get("threshold")
    if income not in (None, "") and threshold not in (None, ""):
        try:
            inside = Decimal(str(income)) < Decimal(str(threshold))
        except (InvalidOperation, ValueError):
            inside = None
        if inside is False:
            return MonitoringCategoryChoices.SUDDEN
        if inside:
            former = case.household.poverty_status == PovertyStatusChoices.FORMER_POOR
            return MonitoringCategoryChoices.UNSTABLE if former else MonitoringCategoryChoices.MARGINAL
    for w in comparison.get("warnings") or []:
        if isinstance(w, dict) and w.get("suggested_category") in MonitoringCategoryChoices.values:
            return str(w["suggested_category"])
    # No income known to be above the range: the category 户类型 gives inside it.
    if case.household.poverty_status == PovertyStatusChoices.FORMER_POOR:
        return MonitoringCategoryChoices.UNSTABLE
    return MonitoringCategoryChoices.MARGINAL


def _row(case: Case) -> NoticeRow:
    hh = case.household
    code = case.category or hh.monitoring_category
    if not code and case.kind == CaseKindChoices.IDENTIFICATION:
        code = proposed_category(case)  # at the notice stage the county has not given it yet
    category = dict(MonitoringCategoryChoices.choices).get(code, "")
    if case.kind == CaseKindChoices.IDENTIFICATION:
        labels = dict(RiskTypeChoices.choices)
        last = "、".join(str(labels.get(r, r)) for r in case.risk_types)
    else:
        last = str(dict(EliminationModeChoices.choices).get(case.elimination_mode, ""))
    return NoticeRow(
        household_no=hh.household_no,
        head_name=hh.head_name,
        group_name=hh.group_name or (hh.group.name if hh.group is not None else ""),
        category=str(category),
        risks=last,
    )


def notice_build(*, village: Region, kind: str, stage: str, on: dt.date | None = None) -> Notice:
    """The notice of ``village`` for the cases in the notice (stage "notice") or announced in the last
    30 days (stage "announcement")."""
    on = on or clock.today()
    township = village.parent
    township_name = township.name if township is not None else "乡镇"
    params = params_get(region_code=village.code, year=on.year)
    cases = Case.objects.select_related("household", "household__group").filter(
        household__village=village, kind=kind
    )
    what = (
        "防止返贫致贫监测对象识别"
        if kind == CaseKindChoices.IDENTIFICATION
        else "防止返贫致贫监测对象风险消除"
    )
    if stage == NoticeStageChoices.NOTICE:
        cases = cases.filter(state=CaseStateChoices.PUBLIC_NOTICE, notice_started_on__lte=on)
        starts = [c.notice_started_on for c in cases if c.notice_started_on]
        start = min(starts) if starts else on
        period_from, period_to = start, start + dt.timedelta(days=params.notice_days - 1)
        title = f"关于{village.name}{what}结果的公示"
        issuer = f"{village.name}"
        objection = (
            f"公示期为{period_from:%Y年%m月%d日}至{period_to:%Y年%m月%d日}（不少于{params.notice_days}天）。"
            f"如对上述农户有异议，请在公示期内以书面、电话或当面方式向{village.name}或"
            f"{township_name}人民政府反映；反映时请提供具体事实，"
            "我们将依法保护反映人的个人信息。"
        )
    else:
        since = on - dt.timedelta(days=30)
        cases = cases.filter(announced_on__gte=since, announced_on__lte=on).exclude(
            state__in=[CaseStateChoices.REJECTED, CaseStateChoices.ROLLED_BACK]
        )
        period_from, period_to = since, on
        title = f"关于{village.name}{what}的公告"
        # R-ID-02 step 7: announced in the village, in the township's name.
        issuer = f"{township_name}人民政府"
        objection = (
            f"以上农户经村级民主评议、村内公示、乡镇审核和县级审定，现予公告。"
            f"如有疑问，请向{township_name}人民政府反映。"
        )
    rows = [_row(c) for c in cases.order_by("household__household_no")]
    return Notice(
        title=title,
        issuer=issuer,
        village_name=village.full_name or village.name,
        township_name=township_name,
        kind=kind,
        stage=stage,
        period_from=period_from,
        period_to=period_to,
        issued_on=on,
        rows=rows,
        objection_text=objection,
    )


NOTICE_FORMATS = ("html", "pdf")


def notice_for_user(*, user: User, village_code: str, kind: str, stage: str, format: str = "html") -> Notice:
    """The notice (公示) or announcement (公告) of a village the user may read, audited as an export (it
    names households). ``NotFound`` outside the user's region (or for a reader role it is not);
    ``InputRefused`` naming every bad parameter."""
    village = Region.objects.filter(code=village_code, level=RegionLevelChoices.VILLAGE).first()
    if village is None or user.role not in HOUSEHOLD_READERS or not user_can_see_region(user, village_code):
        raise NotFound(village_code)
    errors = []
    if kind not in CaseKindChoices.values:
        errors.append(RowError(None, "kind", kind, "可选：identification、elimination"))
    if stage not in NoticeStageChoices.values:
        errors.append(RowError(None, "stage", stage, "可选：notice（公示）、announcement（公告）"))
    if format not in NOTICE_FORMATS:
        errors.append(RowError(None, "format", format, "可选：html、pdf"))
    if errors:
        raise InputRefused("参数有误：" + "；".join(e.reason for e in errors), errors)
    notice = notice_build(village=village, kind=kind, stage=stage)
    audit_record(
        actor=user,
        action=AuditActionChoices.EXPORT,
        object_type="notice",
        object_id=f"{village_code}:{kind}:{stage}",
        region_code=village_code,
        changes={"households": [r.household_no for r in notice.rows], "format": format},
        reason=notice.title,
    )
    return notice


def notice_render_html(notice: Notice) -> str:
    return render_to_string("cases/notice.html", {"notice": notice})


def notice_render_pdf(notice: Notice) -> bytes:
    """A4 PDF with reportlab's built-in CID font STSong-Light (no font files, no network)."""
    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6 * mm)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, firstLineIndent=22)
    right = ParagraphStyle("r", fontName=font, fontSize=11, leading=18, alignment=2)
    cell = ParagraphStyle("c", fontName=font, fontSize=10, leading=13)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=notice.title,
    )
    what = "拟纳入监测对象" if notice.kind == CaseKindChoices.IDENTIFICATION else "拟标注风险消除"
    intro = (
        f"根据防止返贫致贫动态监测和帮扶工作要求，经入户核实、信息比对和村级民主评议，"
        f"现将{notice.village_name}以下{len(notice.rows)}户{what}"
        f"名单予以{'公示' if notice.stage == 'notice' else '公告'}。"
    )
    data: list[list[Any]] = [notice.columns]
    for i, r in enumerate(notice.rows, start=1):
        data.append([str(i), r.household_no, r.head_name, r.group_name, r.category, Paragraph(r.risks, cell)])
    table = Table(data, colWidths=[12 * mm, 34 * mm, 24 * mm, 26 * mm, 32 * mm, 42 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story = [
        Paragraph(notice.title, title),
        Paragraph(intro, body),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(notice.objection_text, body),
        Spacer(1, 12 * mm),
        Paragraph(notice.issuer, right),
        Paragraph(f"{notice.issued_on:%Y年%m月%d日}", right),
    ]
    doc.build(story)
    return out.getvalue()
