"""No raw codes on any page (issue 14): every console, self-report and field page is rendered for a
representative county and its visible text must be Chinese labels and formatted numbers, never a stored code.

The URL patterns are enumerated from the project's urlconf, so a new page is covered automatically: the test
fails on a pattern that is neither rendered (``PAGES``) nor excluded with a reason (``EXCLUDED``). Visible
text is what a reader sees: the text of the HTML without ``<script>``, ``<style>`` and attributes (``title=``
tooltips may carry rule codes and policy IDs; decision 0487). It must not contain a snake_case token, a
policy rule ID (R-XXX-NN) or screening rule code (MED-SELFPAY), Python's True/False/None, a stored choice
value, a region code without its region's name in the same block, or a decimal with more than two places.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.models import Case, Clue, Measure
from shouwang.cases.services import case_transition
from shouwang.channels.models import SelfReport
from shouwang.channels.services import self_report_respond, self_report_submit
from shouwang.common import crypto
from shouwang.common.errors import InputRefused
from shouwang.console.evidencetext import EVIDENCE_LABELS
from shouwang.console.models import ExportJob
from shouwang.console.tests.scenario import Scenario, build_county
from shouwang.employment.models import LabourRecord
from shouwang.employment.services import roster_refresh
from shouwang.exchange.choices import FEED_KINDS
from shouwang.exchange.models import ImportBatch
from shouwang.industry.creditcode import make
from shouwang.industry.services import industry_import, loan_import
from shouwang.publicposts.models import PostApplication, PostHolder, PublicPost
from shouwang.regions.models import Region
from shouwang.registry.models import Household, IncomeRecord, Person
from shouwang.screening.models import ScreeningRun, Warning
from shouwang.screening.rules import RULES_BY_CODE
from shouwang.testing.builders import make_user

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------------------
# Visible text


# Elements whose text is not shown, and block elements: a block's text is one line, the unit in which a
# region code must be accompanied by its name.
HIDDEN = {"script", "style", "template", "head"}
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "label", "legend", "li", "main", "nav", "ol", "optgroup", "option", "p", "section", "select",
    "summary", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def visible_lines(html: str) -> list[str]:
    """The page's visible text, one line per block element (attributes, scripts and styles left out)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.lines


# ---------------------------------------------------------------------------------------------------------
# What must not appear

_NOT_ASCII_WORD = r"(?<![A-Za-z0-9_\-.])"
_END = r"(?![A-Za-z0-9_\-])"
SNAKE = re.compile(_NOT_ASCII_WORD + r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+" + _END)
POLICY_ID = re.compile(r"R-[A-Z]+-\d+")
CODE_LIKE = re.compile(_NOT_ASCII_WORD + r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+" + _END)
PYTHON = re.compile(_NOT_ASCII_WORD + r"(?:True|False|None)" + _END)
WORD = re.compile(_NOT_ASCII_WORD + r"[A-Za-z][A-Za-z0-9]*" + _END + r"(?!\.[a-z]{2,4}\b)")  # not a file name
DIGITS = re.compile(r"(?<![\d*])\d{6,12}(?![\d*])")
LONG_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d{3,}(?![\d.])")
TEMPLATE_LEFTOVER = re.compile(r"\{\{|\{%|%\(\w+\)s")

# The allow-list, kept minimal: hyphenated upper-case ASCII a reader is meant to see (date formats in hints).
# Household numbers, tracking codes, masked ID numbers and file names need no entry: they are neither
# snake_case nor hyphenated codes, and a masked ID's digits are cut by its asterisks.
ALLOWED_CODES = {"YYYY-MM-DD", "YYYY-MM"}


def choice_values() -> set[str]:
    """Every stored choice value of the project that is an ASCII identifier (``illness``, ``public_notice``):
    the models' field choices and every ``Choices`` class of the project (risk types, feed values …);
    shown as such it is a raw code, not a label."""
    values: set[str] = set()
    for model in apps.get_models():
        if model.__module__.startswith("shouwang."):
            for f in model._meta.get_fields():
                values.update(str(v) for v, _label in getattr(f, "flatchoices", None) or [])
    pending: list[type[models.Choices]] = [models.Choices]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("shouwang."):
            values.update(str(v) for v in cls.values)
    return {v for v in values if re.fullmatch(r"[a-z][a-z0-9_]*", v) and len(v) > 2}


@dataclass(frozen=True)
class Finding:
    page: str
    problem: str
    line: str

    def __str__(self) -> str:
        return f"{self.page}: {self.problem} in «{self.line[:160]}»"


class Checker:
    def __init__(self) -> None:
        self.choices = choice_values()
        self.regions = dict(Region.objects.values_list("code", "name"))

    def line_problems(self, line: str) -> Iterator[str]:
        for m in SNAKE.finditer(line):
            yield f"snake_case token {m.group()!r}"
        for m in POLICY_ID.finditer(line):
            yield f"policy rule ID {m.group()!r} in the text (belongs in a tooltip)"
        for m in CODE_LIKE.finditer(line):
            token = m.group()
            if POLICY_ID.fullmatch(token) or token in ALLOWED_CODES:
                continue
            yield f"code {token!r}"
        for m in WORD.finditer(line):
            token = m.group()
            if token in RULES_BY_CODE:
                yield f"screening rule code {token!r}"
            elif token in self.choices:
                yield f"choice value {token!r}"
        for m in PYTHON.finditer(line):
            yield f"Python {m.group()!r}"
        for m in DIGITS.finditer(line):
            name = self.regions.get(m.group())
            if name is not None and name.removesuffix("村民委员会").removesuffix("居民委员会") not in line:
                yield f"region code {m.group()!r} without its name ({name})"
        for m in LONG_DECIMAL.finditer(line):
            yield f"unformatted number {m.group()!r}"
        for m in TEMPLATE_LEFTOVER.finditer(line):
            yield f"template leftover {m.group()!r}"

    def page_problems(self, page: str, html: str) -> list[Finding]:
        return [Finding(page, p, line) for line in visible_lines(html) for p in self.line_problems(line)]


# ---------------------------------------------------------------------------------------------------------
# Every URL pattern


@dataclass
class Ctx:
    scenario: Scenario
    users: dict[str, User]
    data: dict[str, Any]

    def local(self, role: str, case: Case) -> str:
        """The key of the township or village official of the case's household."""
        hh = case.household
        return f"{role}:{hh.township_code if role == 'township' else hh.village_id}"

    def client(self, role: str) -> Client:
        c = Client()
        if role != "anonymous":
            c.force_login(self.users[role])
        return c


@dataclass(frozen=True)
class Request:
    label: str
    role: str
    url: str
    method: str = "GET"
    post: dict[str, Any] | None = None
    htmx: bool = False
    follow: bool = False
    status: int = 200  # a refused form answers 422
    shows: tuple[str, ...] = ()  # what the page must show (that the refusal or the message is there)


Page = Callable[[Ctx], list[Request]]


def _get(role: str, url: str, label: str = "", **kw: Any) -> Request:
    return Request(label or url, role, url, **kw)


def _each_role(url: str, roles: tuple[str, ...]) -> list[Request]:
    return [_get(role, url, f"{url} as {role}") for role in roles]


OFFICIALS = ("county", "township", "village", "grid", "prefecture", "province")


def _case_pages(ctx: Ctx) -> list[Request]:
    out = []
    for case in Case.objects.select_related("household").order_by("pk"):
        url = reverse("console:case_detail", args=[case.pk])
        out.append(_get("county", url))
        for role in ("township", "village"):
            out.append(_get(ctx.local(role, case), url, f"{url} as {role}"))
    monitored: Case = ctx.data["monitored"]
    url = reverse("console:case_detail", args=[monitored.pk]) + "?act=propose_elimination"
    out.append(_get(ctx.local("village", monitored), url, "case page: propose elimination"))
    return out


def _transition_refusals(ctx: Ctx) -> list[Request]:
    """Refused steps re-render the case page (422) with the refusal: a field error, a policy rule."""
    monitored: Case = ctx.data["monitored"]
    in_review: Case = ctx.data["village_review"]
    return [
        Request(
            "case page: refused assisted elimination (too early, R-ELIM-02)",
            "village",
            reverse("console:case_transition", args=[monitored.pk]),
            "POST",
            {"action": "propose_elimination", "expected_version": monitored.version, "mode": "assisted"},
            status=422,
            shows=("帮扶消除须在识别满6个月后", "政策依据：R-ELIM-02"),
        ),
        Request(
            "case page: refused village review (votes)",
            ctx.local("village", in_review),
            reverse("console:case_transition", args=[in_review.pk]),
            "POST",
            {
                "action": "village_review",
                "expected_version": in_review.version,
                "reviewed_on": clock.today().isoformat(),
                "attendance": "10",
                "votes_for": "8",
                "votes_against": "5",
                "result": "passed",
            },
            status=422,
            shows=("赞成与反对票合计超过参会人数",),
        ),
    ]


def _document_refusal(ctx: Ctx) -> list[Request]:
    case: Case = ctx.data["village_review"]
    return [
        Request(
            "case page: refused upload",
            ctx.local("village", case),
            reverse("console:case_document", args=[case.pk]),
            "POST",
            {"kind": "authorisation", "file": _named_file("授权书.jpg", b"not an image")},
            status=422,
        )
    ]


def _named_file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def _household_pages(ctx: Ctx) -> list[Request]:
    _industry_data(ctx)  # the first two households have 双绑 agreements and payouts
    out = []
    for hh in ctx.data["households"]:
        url = reverse("console:household_detail", args=[hh.household_no])
        out.append(_get("county", url))
    return out


def _evidence_pages(ctx: Ctx) -> list[Request]:
    out = []
    for hh in ctx.data["households"]:
        url = reverse("console:household_evidence", args=[hh.household_no])
        out += [_get("county", url), _get("county", url, f"{url} (htmx)", htmx=True)]
    return out


def _reveal_id(ctx: Ctx) -> list[Request]:
    hh = ctx.data["households"][0]
    person = hh.members.order_by("pk").first()
    url = reverse("console:person_reveal_id", args=[hh.household_no, person.pk])
    return [Request(url, "county", url, "POST", {"reason": "核实身份"})]


def _reveal_phone(ctx: Ctx) -> list[Request]:
    url = reverse("console:household_reveal_phone", args=[ctx.data["households"][0].household_no])
    return [Request(url, "county", url, "POST", {"reason": "电话回访"})]


def _self_report(ctx: Ctx) -> list[Request]:
    out = []
    for report in SelfReport.objects.order_by("pk"):
        url = reverse("console:self_report_detail", args=[report.tracking_code])
        out += [_get("county", url), _get(f"village:{report.village_id}", url, f"{url} as village")]
    return out


def _self_report_match(ctx: Ctx) -> list[Request]:
    report = SelfReport.objects.order_by("pk").first()
    assert report is not None
    url = reverse("console:self_report_match", args=[report.tracking_code])
    hh = Household.objects.filter(village_id=report.village_id).order_by("household_no").first()
    assert hh is not None
    post = {"household_no": hh.household_no}
    return [Request(f"{url} (matched)", "county", url, "POST", post, follow=True, shows=("已匹配到农户",))]


def _self_report_phone(ctx: Ctx) -> list[Request]:
    report = SelfReport.objects.order_by("pk").first()
    assert report is not None
    url = reverse("console:self_report_reveal_phone", args=[report.tracking_code])
    return [Request(url, "county", url, "POST", {"reason": "回访群众"})]


def _plan(ctx: Ctx) -> list[Request]:
    out = []
    for case in Case.objects.filter(kind="identification").order_by("pk"):
        url = reverse("console:plan", args=[case.pk])
        out += [_get("county", url), _get(ctx.local("village", case), url, f"{url} as village")]
    monitored: Case = ctx.data["monitored"]
    url = reverse("console:plan", args=[monitored.pk])
    out.append(
        Request(
            "plan page: refused measure row",
            "village",
            url,
            "POST",
            {  # a bad helper phone
                "m-TOTAL_FORMS": "3",
                "m-INITIAL_FORMS": "0",
                "m-0-measure_type": "100A48",
                "m-0-start_on": clock.today().isoformat(),
                "h-name": "王帮扶",
                "h-unit": "县农业农村局",
                "h-phone": "139123",
            },
            status=422,
            shows=("手机号码应为11位数字",),
        )
    )
    return out


def _measure_end(ctx: Ctx) -> list[Request]:
    measure = Measure.objects.filter(case=ctx.data["monitored"]).order_by("pk").first()
    assert measure is not None
    url = reverse("console:measure_end", args=[ctx.data["monitored"].pk, measure.pk])
    return [
        Request(
            "plan page: refused measure end",
            "village",
            url,
            "POST",
            {"ended_on": clock.today().isoformat(), "reason": "已完成"},
            follow=True,
        )
    ]


def _visit_create(ctx: Ctx) -> list[Request]:
    url = reverse("console:visit_create", args=[ctx.data["monitored"].pk])
    return [
        _get("village", url),
        Request(
            "visit form: refused",
            "village",
            url,
            "POST",
            {"visited_on": (clock.today() + dt.timedelta(days=3)).isoformat(), "notes": ""},
            status=422,
        ),
    ]


def _household_visit_create(ctx: Ctx) -> list[Request]:
    """A routine visit (常态化走访) of a household without an open case: the form, and a refusal."""
    hh = Household.objects.exclude(cases__is_open=True).order_by("household_no").first()
    assert hh is not None
    url = reverse("console:household_visit_create", args=[hh.household_no])
    return [
        _get("county", url),
        Request(
            "routine visit form: refused",
            "county",
            url,
            "POST",
            {
                "visited_on": (clock.today() + dt.timedelta(days=3)).isoformat(),
                "notes": "",
                "new_risks": ["x"],
            },
            status=422,
        ),
    ]


def _case_notices(ctx: Ctx) -> list[Request]:
    """The printable notice (公示) and announcement (公告) of every case that reached them."""
    out = []
    for case in Case.objects.filter(notice_started_on__isnull=False).order_by("pk"):
        out.append(_get("county", reverse("console:case_notice", args=[case.pk, "notice"])))
        if case.announced_on:
            out.append(_get("county", reverse("console:case_notice", args=[case.pk, "announcement"])))
    return out


def _plan_check(ctx: Ctx) -> list[Request]:
    """The plan form's live check (an htmx fragment) with a refused row."""
    monitored: Case = ctx.data["monitored"]
    return [
        Request(
            "plan live check: refused helper phone",
            "village",
            reverse("console:plan_check", args=[monitored.pk]),
            "POST",
            {
                "m-TOTAL_FORMS": "3",
                "m-INITIAL_FORMS": "0",
                "m-0-measure_type": "100A48",
                "m-0-start_on": clock.today().isoformat(),
                "h-name": "王帮扶",
                "h-unit": "县农业农村局",
                "h-phone": "139123",
            },
            htmx=True,
        )
    ]


def _clue_pages(ctx: Ctx) -> list[Request]:
    """Clues: the unmatched ones with their match search, and a few matched ones."""
    out = []
    unmatched = list(Clue.objects.filter(household__isnull=True).order_by("pk")[:3])
    matched = list(Clue.objects.filter(household__isnull=False).order_by("pk")[:2])
    for clue in [*unmatched, *matched]:
        url = reverse("console:clue_detail", args=[clue.pk]) + f"?q={clue.subject_name or '李'}"
        out.append(_get("county", url))
    return out


def _exports(ctx: Ctx) -> list[Request]:
    url = reverse("console:export_list")
    return [_get("county", url), _get("township", url, f"{url} as township")]


def _export_progress(ctx: Ctx) -> list[Request]:
    out = []
    for job in ExportJob.objects.order_by("pk"):
        url = reverse("console:export_progress", args=[job.pk])
        out += [_get("county", url), _get("county", url, f"{url} (htmx)", htmx=True)]
    return out


def _screening_runs(ctx: Ctx) -> list[Request]:
    return [
        _get("county", reverse("console:screening_run_detail", args=[run.pk]))
        for run in ScreeningRun.objects.order_by("pk")
    ]


def _batches(ctx: Ctx) -> list[Request]:
    """One feed batch of each kind (the registry's import batches are not pages)."""
    first = {}
    for batch in ImportBatch.objects.filter(kind__in=FEED_KINDS).order_by("-pk"):
        first[batch.kind] = batch
    assert len(first) > 3
    return [_get("county", reverse("console:batch_detail", args=[b.pk])) for b in first.values()]


def _dashboard(ctx: Ctx) -> list[Request]:
    url = reverse("console:dashboard")
    hh = ctx.data["households"][0]
    out = _each_role(url, ("county", "township", "prefecture", "province", "auditor"))
    for code in (hh.township_code, hh.village_id):
        out.append(_get("county", f"{url}?region={code}"))
    out.append(_get("county", f"{url}?period={ctx.scenario.periods[0]}"))
    return out


def _household_list(ctx: Ctx) -> list[Request]:
    url = reverse("console:household_list")
    hh = ctx.data["households"][0]
    return [
        *_each_role(url, ("county", "township", "village", "grid")),
        _get("county", f"{url}?region={hh.village_id}&monitoring=monitored"),
        Request(f"{url} (search)", "county", url, "POST", {"q": hh.head_name or hh.household_no}),
    ]


def _warnings(ctx: Ctx) -> list[Request]:
    url = reverse("console:warning_list")
    out = _each_role(url, ("county", "township", "village"))
    for period in ctx.scenario.periods:
        out.append(_get("county", f"{url}?period={period}&status=persisting"))
    return out


def _case_list(ctx: Ctx) -> list[Request]:
    url = reverse("console:case_list")
    return [
        *_each_role(url, ("county", "township", "village")),
        _get("county", f"{url}?state=public_notice"),
        _get("county", f"{url}?kind=elimination"),
    ]


def _public_form(ctx: Ctx) -> list[Request]:
    """The public form: the region picker (county, township) and a village's form."""
    url = reverse("channels:self_report")
    hh = ctx.data["households"][0]
    return [_get("anonymous", f"{url}?region={code}") for code in ("", hh.township_code, hh.village_id)]


def _employment(name: str) -> Page:
    """The employment pages (R-EMP-04/05) on the scenario's last month, after deriving its roster (which
    opens the 零就业 tasks): as each reading role, a month with comparisons, the freeze (then the refused
    refresh, both followed to the table)."""

    def pages(ctx: Ctx) -> list[Request]:
        county = ctx.users["county"].region_code
        last = ctx.scenario.periods[-1]
        if not LabourRecord.objects.filter(period=last).exists():
            for period in ctx.scenario.periods[-2:]:
                roster_refresh(period=period, counties=[county])
        url = reverse(name)
        if name == "console:employment":
            roles = ("county", "township", "village")
            return [*_each_role(url, roles), _get("county", f"{url}?period={last}")]
        if name == "console:dispatch":
            return _each_role(f"{url}?period={last}", ("county", "township", "prefecture", "auditor"))
        if name == "console:zero_tasks":
            return [
                *_each_role(url, ("county", "township", "village")),
                _get("county", f"{url}?status=closed", f"{url} closed"),
                _get("county", f"{url}?status=", f"{url} all"),
            ]
        post = {"county": county, "period": last}
        shows = ("已冻结上报",) if name == "console:dispatch_freeze" else ("不能刷新",)
        return [Request(f"{url} (POST)", "county", url, "POST", post, follow=True, shows=shows)]

    return pages


def _posts_data(ctx: Ctx) -> dict[str, Any]:
    """Public-welfare posts (R-EMP-07), built once: one hired (a holder with a month recorded and another
    dismissed), one announced with an application, one in review with a refused applicant."""
    if "posts" in ctx.data:
        return ctx.data["posts"]
    from shouwang.publicposts import services as ps  # noqa: PLC0415
    from shouwang.publicposts.tests.helpers import make_post  # noqa: PLC0415

    county = ctx.users["county"]
    village = ctx.data["monitored"].household.village_id
    today = clock.today()
    adults = list(
        Person.objects.select_related("household").filter(
            household__county_code=village[:6],
            household__poverty_status="former_poor",
            residence="present",
            birth_date__lte=today.replace(year=today.year - 20),
            birth_date__gte=today.replace(year=today.year - 55),
        )
    )
    # The village's own first: its cadre looks the household up on the application form.
    adults.sort(key=lambda p: (p.household.village_id != village, p.household_id, p.pk))
    one_each: list[Person] = []
    for p in adults:
        if all(o.household_id != p.household_id for o in one_each) and len(one_each) < 3:
            one_each.append(p)
    assert len(one_each) == 3
    hired = make_post(county, village=village, name="护林员", post_class="forest", places=2)
    hired = ps.post_transition(post=hired, action="announce", actor=county)
    apps = [ps.post_apply(post=hired, person_id=p.pk, actor=county) for p in one_each[:2]]
    hired = ps.post_transition(post=hired, action="close_applications", actor=county)
    for app in apps:
        ps.application_review(application=app, actor=county, approved=True)
    hired = ps.post_transition(post=hired, action="notice_start", actor=county)
    PublicPost.objects.filter(pk=hired.pk).update(notice_started_on=today - dt.timedelta(days=10))
    hired = ps.post_transition(post=PublicPost.objects.get(pk=hired.pk), action="hire", actor=county)
    holders = list(PostHolder.objects.filter(post=hired).order_by("pk"))
    period = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    PostHolder.objects.filter(post=hired).update(start_on=today.replace(day=1) - dt.timedelta(days=40))
    ps.post_month_record(
        post=hired,
        period=period,
        actor=county,
        entries=[ps.MonthEntry(holders[0].pk, 20, Decimal("800"), today.replace(day=1))],
    )
    ps.holder_dismiss(holder=holders[1], actor=county, reason="stable_job", ended_on=today, note="外出务工")
    announced = make_post(county, village=village, name="保洁员")
    announced = ps.post_transition(post=announced, action="announce", actor=county)
    ps.post_apply(post=announced, person_id=one_each[2].pk, actor=county)
    data = {
        "hired": hired,
        "announced": announced,
        "holder": holders[0],
        "period": period,
        "adult": one_each[0],
    }
    ctx.data["posts"] = data
    return data


def _post_pages(ctx: Ctx) -> list[Request]:
    d = _posts_data(ctx)
    out = []
    for post in (d["hired"], d["announced"]):
        url = reverse("console:post_detail", args=[post.pk])
        out += [_get("county", url), _get("village", url, f"{url} as village")]
    return out


def _post_list(ctx: Ctx) -> list[Request]:
    _posts_data(ctx)
    url = reverse("console:post_list")
    return [
        *_each_role(url, ("county", "township", "village", "auditor")),
        _get("county", url + "?stage=hired"),
    ]


def _post_transition(ctx: Ctx) -> list[Request]:
    post = _posts_data(ctx)["announced"]
    return [
        Request(
            "post page: a skipped step refused",
            "county",
            reverse("console:post_transition", args=[post.pk]),
            "POST",
            {"action": "hire", "expected_version": post.version},
            status=422,
            shows=("招聘环节不能跳过",),
        )
    ]


def _post_apply(ctx: Ctx) -> list[Request]:
    d = _posts_data(ctx)
    url = reverse("console:post_apply", args=[d["announced"].pk])
    adult = d["adult"]  # holds the 护林员 post: a second post is refused
    hh = adult.household.household_no
    return [
        _get("village", url),
        _get("village", f"{url}?household_no={hh}", "apply form: members with their eligibility"),
        Request(
            "apply form: a second post refused",
            "village",
            url,
            "POST",
            {"household_no": hh, "person_id": adult.pk},
            status=422,
            shows=("一人一岗",),
        ),
    ]


def _post_review(ctx: Ctx) -> list[Request]:
    post = _posts_data(ctx)["announced"]
    app = PostApplication.objects.filter(post=post).first()
    assert app is not None
    return [
        Request(
            "post page: review refused (not in review yet)",
            "county",
            reverse("console:post_application_review", args=[post.pk, app.pk]),
            "POST",
            {"decision": "reject", "note": ""},
            status=422,
            shows=("不能审核报名",),
        )
    ]


def _post_months(ctx: Ctx) -> list[Request]:
    d = _posts_data(ctx)
    url = reverse("console:post_months", args=[d["hired"].pk])
    return [
        _get("village", f"{url}?period={d['period']}"),
        Request(
            "months form: refused",
            "village",
            url,
            "POST",
            {"period": d["period"], f"days-{d['holder'].pk}": "40"},
            status=422,
        ),
    ]


def _post_dismiss(ctx: Ctx) -> list[Request]:
    d = _posts_data(ctx)
    url = reverse("console:post_holder_dismiss", args=[d["hired"].pk, d["holder"].pk])
    return [
        _get("county", url),
        Request(
            "dismiss form: refused", "county", url, "POST", {"reason": "absent", "ended_on": ""}, status=422
        ),
    ]


def _industry_data(ctx: Ctx) -> dict[str, str]:
    """Entities, 双绑 agreements and payouts for the households, through the real imports (once)."""
    if "industry" in ctx.data:
        return ctx.data["industry"]
    hh = ctx.data["households"]
    county = hh[0].county_code
    ent, coop = make(f"91{county}MA6K00001"), make(f"93{county}MA6K00002")
    folder = Path(tempfile.mkdtemp(prefix="industry-pages-"))

    def write(name: str, rows: list[list[str]]) -> Path:
        path = folder / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        return path

    industry_import(
        kind="entities",
        path=write(
            "e.csv",
            [
                [
                    "统一社会信用代码",
                    "主体名称",
                    "主体类型",
                    "龙头企业级别",
                    "主营产品",
                    "县代码",
                    "行政村代码",
                    "四个一批",
                ],
                [ent, "云岭牧业有限公司", "龙头企业", "省级", "肉牛", county, "", "升级"],
                [coop, "养牛专业合作社", "农民专业合作社", "", "肉牛", county, hh[0].village_id, "巩固"],
            ],
        ),
    )
    industry_import(
        kind="entities",
        path=write("m.csv", [["统一社会信用代码", "经营状态", "状态日期"], [coop, "经营异常", "2025-01-10"]]),
        source="market",
    )
    header = ["协议编号", "带动主体信用代码", "合作社信用代码", "户编号", "利益联结方式", "开始日期",
              "结束日期", "保底收购价", "土地流转租金", "分红比例", "保底收益", "优先雇用人数"]  # fmt: skip
    industry_import(
        kind="bindings",
        path=write(
            "b.csv",
            [
                header,
                ["SB2023001", ent, coop, "", "订单收购+分红", "2023-01-01", "", "", "", "", "", ""],
                [
                    "SB2023002",
                    coop,
                    "",
                    hh[0].household_no,
                    "订单收购+保底分红",
                    "2023-02-01",
                    "2030-12-31",
                    "28.5",
                    "",
                    "5",
                    "1200",
                    "1",
                ],
                [
                    "SB2023003",
                    ent,
                    "",
                    hh[1].household_no,
                    "土地流转+务工",
                    "2023-03-01",
                    "",
                    "",
                    "650",
                    "",
                    "",
                    "2",
                ],
            ],
        ),
    )
    industry_import(
        kind="payouts",
        path=write(
            "p.csv",
            [
                [
                    "协议编号",
                    "户编号",
                    "兑现类型",
                    "应付日期",
                    "应付金额",
                    "实付日期",
                    "实付金额",
                    "支付方式",
                ],
                [
                    "SB2023002",
                    hh[0].household_no,
                    "收购款",
                    "2024-06-30",
                    "3000",
                    "2024-07-05",
                    "3000",
                    "一卡通",
                ],
                ["SB2023003", hh[1].household_no, "租金", "2024-10-31", "1300", "2024-11-02", "1000", "转账"],
                ["SB2023003", hh[1].household_no, "工资", "2099-01-31", "2400", "", "", ""],
            ],
        ),
    )
    ctx.data["industry"] = {"enterprise": ent, "cooperative": coop}
    return ctx.data["industry"]


def _industry_entities(ctx: Ctx) -> list[Request]:
    _industry_data(ctx)
    url = reverse("console:industry_entities")
    return [
        *_each_role(url, ("county", "township", "village", "grid", "auditor")),
        _get("county", f"{url}?type=cooperative&status=abnormal"),
        _get("county", f"{url}?status=closed"),
    ]


def _industry_entity(ctx: Ctx) -> list[Request]:
    codes = _industry_data(ctx)
    return [
        _get(role, reverse("console:industry_entity_detail", args=[code]), f"{code} as {role}")
        for code in codes.values()
        for role in ("county", "village")
    ]


def _industry_coverage(ctx: Ctx) -> list[Request]:
    _industry_data(ctx)
    return _each_role(reverse("console:industry_coverage"), ("county", "township", "village"))


def _industry_loans(ctx: Ctx) -> list[Request]:
    """A bank file with one overdue and one 户贷企用 loan for the first two households (once)."""
    if "loans" not in ctx.data:
        hh = ctx.data["households"][:2]
        heads = [h.members.filter(relation="head").first() or h.members.first() for h in hh]
        path = Path(tempfile.mkdtemp(prefix="loan-pages-")) / "loans.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["合同编号", "贷款银行", "户编号", "借款人身份证号", "贷款金额", "放款日期",
                        "到期日期", "贷款余额", "逾期天数", "逾期金额", "贷款状态", "户贷企用"])  # fmt: skip
            for i, (h, p) in enumerate(zip(hh, heads, strict=True)):
                overdue = ["30", "2000", "逾期"] if i == 0 else ["0", "0", "正常"]
                w.writerow([f"XD{i}", "农商银行", h.household_no, crypto.unseal(p.id_sealed), "30000",
                            "2024-01-10", "2026-01-09", "20000", *overdue, "Y" if i else "N"])  # fmt: skip
        loan_import(path=path, period="2025-03")
        ctx.data["loans"] = True
    url = reverse("console:industry_loans")
    return [*_each_role(url, ("county", "township", "village")), _get("county", f"{url}?period=2024-01")]


def _work(ctx: Ctx) -> dict[str, Any]:
    """帮扶车间, 以工代赈 and 交通补助 data in the monitored household's village (once), the workshop checked
    for last quarter so that its history and a 监测待处置 status show."""
    if "work" not in ctx.data:
        from shouwang.console.tests.test_workshops_pages import work_data  # noqa: PLC0415

        hh = ctx.data["monitored"].household
        ctx.data["work"] = work_data(ctx.users["county"], hh.village_id, suffix="R")
        year = dt.date.today().year
        ctx.client("county").post(reverse("console:workshop_check"), {"quarter": f"{year}Q1"})
    return ctx.data["work"]


def _workshops(ctx: Ctx) -> list[Request]:
    _work(ctx)
    url = reverse("console:workshop_list")
    return [
        *_each_role(url, ("county", "township", "village", "province")),
        _get("county", f"{url}?status=pending"),
    ]


def _workshop_pages(ctx: Ctx) -> list[Request]:
    url = reverse("console:workshop_detail", args=[_work(ctx)["workshop"].pk])
    return _each_role(url, ("county", "village"))


def _workshop_check(ctx: Ctx) -> list[Request]:
    _work(ctx)
    return [
        Request(
            "workshop check: refused quarter",
            "county",
            reverse("console:workshop_check"),
            "POST",
            {"quarter": "2020Q5"},
            status=422,
            shows=("季度格式应为2026Q3",),
        )
    ]


def _work_forms(ctx: Ctx) -> dict[str, list[Request]]:
    """The recognition, worker and project forms, shown and refused (each refusal under its field)."""
    work = _work(ctx)
    worker_url = reverse("console:workshop_worker_create", args=[work["workshop"].pk])
    project_url = reverse("console:relief_project_create")
    return {
        "console:workshop_create": [_get("county", reverse("console:workshop_create"))],
        "console:workshop_worker_create": [
            _get("county", worker_url),
            Request(
                "worker form: refused",
                "county",
                worker_url,
                "POST",
                {"id_number": "530326197001010000", "from_month": "2026-13"},
                status=422,
            ),
        ],
        "console:relief_participant_create": [
            _get("county", reverse("console:relief_participant_create", args=[work["project"].pk])),
            Request(
                "participant form: refused pay",
                "county",
                reverse("console:relief_participant_create", args=[work["project"].pk]),
                "POST",
                {
                    "id_number": "530326197001010000",
                    "from_month": "2026-01",
                    "to_month": "2026-01",
                    "pay": "-5",
                },
                status=422,
            ),
        ],
        "console:relief_project_create": [
            _get("county", project_url),
            Request(
                "project form: refused share",
                "county",
                project_url,
                "POST",
                {
                    "name": "水渠",
                    "year": "2026",
                    "central_investment": "100000",
                    "total_investment": "100000",
                    "planned_remuneration": "1000",
                },
                status=422,
                shows=("低于30%的最低比例",),
            ),
        ],
    }


def _relief_list(ctx: Ctx) -> list[Request]:
    _work(ctx)
    return _each_role(reverse("console:relief_project_list"), ("county", "township", "village"))


def _relief_pages(ctx: Ctx) -> list[Request]:
    url = reverse("console:relief_project_detail", args=[_work(ctx)["project"].pk])
    return _each_role(url, ("county", "village"))


def _transport(ctx: Ctx) -> list[Request]:
    _work(ctx)
    url = reverse("console:transport_subsidy")
    return [
        *_each_role(url, ("county", "township", "province")),
        Request(
            "transport subsidy: computed",
            "county",
            reverse("console:transport_subsidy_compute"),
            "POST",
            {"year": str(dt.date.today().year)},
            follow=True,
            shows=("应补1人",),
        ),
    ]


def _simple(name: str, roles: tuple[str, ...] = ("county",)) -> Page:
    return lambda ctx: _each_role(reverse(name), roles)


PAGES: dict[str, Page] = {
    "console:home": _simple("console:home", OFFICIALS),
    "console:login": _simple("console:login", ("anonymous",)),
    "console:logout": _simple("console:logout", ("county",)),
    "console:dashboard": _dashboard,
    "console:household_list": _household_list,
    "console:household_detail": _household_pages,
    "console:household_evidence": _evidence_pages,
    "console:person_reveal_id": _reveal_id,
    "console:household_reveal_phone": _reveal_phone,
    "console:warning_list": _warnings,
    "console:case_list": _case_list,
    "console:case_detail": _case_pages,
    "console:case_transition": _transition_refusals,
    "console:case_document": _document_refusal,
    "console:self_report_detail": _self_report,
    "console:visits_due": _simple("console:visits_due", ("county", "township", "village", "grid")),
    "console:elimination_review": _simple("console:elimination_review", ("county", "township", "village")),
    "console:plan": _plan,
    "console:measure_end": _measure_end,
    "console:visit_create": _visit_create,
    "console:household_visit_create": _household_visit_create,
    "console:case_notice": _case_notices,
    "console:plan_check": _plan_check,
    "console:clue_list": _simple("console:clue_list", ("county", "township", "village")),
    "console:clue_detail": _clue_pages,
    "console:plan_contact": lambda ctx: [
        Request(
            "plan page: refused monitoring contact",
            "village",
            reverse("console:plan_contact", args=[ctx.data["monitored"].pk]),
            "POST",
            {"contact_name": "李村医", "contact_phone": "1391234"},
            status=422,
            shows=("手机号码应为11位数字",),
        )
    ],
    "console:self_report_match": _self_report_match,
    "console:self_report_reveal_phone": _self_report_phone,
    "console:export_list": _exports,
    "console:export_progress": _export_progress,
    "console:screening_runs": _simple("console:screening_runs", ("county", "township")),
    "console:screening_run_detail": _screening_runs,
    "console:parameters": _simple("console:parameters", ("county", "township")),
    "console:industry_entities": _industry_entities,
    "console:industry_entity_detail": _industry_entity,
    "console:industry_coverage": _industry_coverage,
    "console:industry_loans": _industry_loans,
    "console:batches": _simple("console:batches", ("county", "auditor")),
    "console:batch_detail": _batches,
    "console:audit_list": _simple("console:audit_list", ("county", "auditor")),
    "console:post_list": _post_list,
    "console:post_create": _simple("console:post_create", ("county", "township")),
    "console:post_detail": _post_pages,
    "console:post_transition": _post_transition,
    "console:post_apply": _post_apply,
    "console:post_application_review": _post_review,
    "console:post_months": _post_months,
    "console:post_holder_dismiss": _post_dismiss,
    "console:post_holder_renew": lambda ctx: [
        Request(
            "post page: renewal refused (too early in the term)",
            "county",
            reverse(
                "console:post_holder_renew",
                args=[_posts_data(ctx)["hired"].pk, _posts_data(ctx)["holder"].pk],
            ),
            "POST",
            status=422,
            shows=("方可办理续聘",),
        )
    ],
    "console:workshop_list": _workshops,
    "console:workshop_detail": _workshop_pages,
    "console:workshop_check": _workshop_check,
    "console:relief_project_list": _relief_list,
    "console:relief_project_detail": _relief_pages,
    "console:workshop_create": lambda ctx: _work_forms(ctx)["console:workshop_create"],
    "console:workshop_worker_create": lambda ctx: _work_forms(ctx)["console:workshop_worker_create"],
    "console:relief_project_create": lambda ctx: _work_forms(ctx)["console:relief_project_create"],
    "console:relief_participant_create": lambda ctx: _work_forms(ctx)["console:relief_participant_create"],
    "console:transport_subsidy": _transport,
    "console:employment": _employment("console:employment"),
    "console:dispatch": _employment("console:dispatch"),
    "console:zero_tasks": _employment("console:zero_tasks"),
    # Freeze first, then the refresh is refused (the order of the urlconf).
    "console:dispatch_freeze": _employment("console:dispatch_freeze"),
    "console:dispatch_refresh": _employment("console:dispatch_refresh"),
    "channels:self_report": _public_form,
    "channels:self_report_lookup": _simple("channels:self_report_lookup", ("anonymous",)),
    "channels:self_report_track": lambda ctx: [
        _get("anonymous", reverse("channels:self_report_track", args=[r.tracking_code]))
        for r in SelfReport.objects.order_by("pk")
    ],
    "field:index": _simple("field:index", ("anonymous",)),
    "field:offline": _simple("field:offline", ("anonymous",)),
    "field:login": _simple("field:login", ("anonymous",)),
}

# Patterns not rendered, each with the reason.
EXCLUDED: dict[str, str] = {
    "console:warning_clue": "POST only; redirects to the case page it opens (rendered)",
    "console:clue_match": "POST only; redirects to the case page (rendered) or back to the clue page",
    "console:export_download": "an XLSX file, not a page (its headers: test_exports.py)",
    "console:workshop_worker_end": "POST only; redirects to the workshop page (rendered)",
    "console:transport_subsidy_compute": "POST only; redirects to the transport page (rendered, _transport)",
    "console:transport_subsidy_file": "an XLSX file, not a page (test_workshops_pages.py reads both)",
    "console:dispatch_download": "an XLSX file, not a page (its layout: employment/tests/test_dispatch.py)",
    "field:logout": "POST only; redirects to the field login (rendered)",
    "field:service_worker": "JavaScript, not a page",
    "field:manifest": "the web app manifest (JSON), not a page",
}
# Included urlconfs that serve no HTML at all.
NOT_HTML = {
    "api": "the JSON API (/api/v1/) and its OpenAPI documentation page (for developers, not officials)"
}


def url_names() -> list[str]:
    """``namespace:name`` of every pattern of the project's urlconf (the JSON API's namespace aside)."""

    names: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in NOT_HTML:
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                names.append(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_pattern_is_rendered_or_excluded_with_a_reason():
    names = url_names()
    assert len(names) == len(set(names)), "every page pattern has a distinct name"
    missing = [n for n in names if n not in PAGES and n not in EXCLUDED]
    assert missing == [], f"add these URL patterns to PAGES (or EXCLUDED with a reason): {missing}"
    stale = [n for n in [*PAGES, *EXCLUDED] if n not in names]
    assert stale == []
    assert not set(PAGES) & set(EXCLUDED)


# ---------------------------------------------------------------------------------------------------------
# The dataset


def _dataset(tmp_path: Path) -> Ctx:
    """A county through the real paths (tests/scenario.py: simulated registry and twelve department feeds,
    four screened months, cases at every step, plans, visits, a self-report), then an elimination case, an
    answered self-report and exports of both kinds."""
    scenario = build_county(out=tmp_path / "sim", households=300, months=4)
    cases = scenario.cases
    monitored = next(c for c in cases if c.state == "monitoring")
    in_review = next(c for c in cases if c.state == "data_comparison")
    hh = monitored.household
    users = {
        **scenario.users,  # "village:<code>", "township:<code>" of every case
        "county": scenario.county_user,
        "township": scenario.users[f"township:{hh.township_code}"],
        "village": scenario.users[f"village:{hh.village_id}"],
        "grid": make_user("grid", hh.village_id, username="grid_rawids", display_name="网格员甲"),
        "prefecture": make_user("prefecture", "5303", username="pref_rawids", display_name="市级甲"),
        "province": make_user("province", "53", username="prov_rawids", display_name="省级甲"),
        "auditor": make_user("auditor", "530326", username="audit_rawids", display_name="审计甲"),
    }
    # An elimination case: a monitored household whose last two incomes are well above the range, proposed
    # for natural elimination (not bound to the minimum months, R-ELIM-02).
    eliminated = None
    for other in [c for c in cases if c.state == "monitoring" and c.pk != monitored.pk]:
        other.refresh_from_db()
        latest = IncomeRecord.objects.filter(household=other.household).order_by("-period")[:2]
        IncomeRecord.objects.filter(pk__in=[r.pk for r in latest]).update(per_capita_net=Decimal("30000"))
        with contextlib.suppress(InputRefused):
            case_transition(
                case=other,
                action="propose_elimination",
                actor=users[f"village:{other.household.village_id}"],
                data={"mode": "natural", "proposed_on": clock.today()},
                expected_version=other.version,
            )
            eliminated = other
            break
    assert eliminated is not None and Case.objects.filter(kind="elimination").count() == 1
    # A second self-report, answered; exports of households and warnings.
    answered, _dup = self_report_submit(
        village_code=hh.village_id,
        difficulty="medical_bills",
        subject_name="李桂芬",
        contact_phone="13712345678",
        description="老人长期慢病，药费负担重。",
    )
    self_report_respond(report=answered, actor=users["village"], response="已安排入户核实，请保持电话畅通。")
    county = ctx_client(users["county"])
    for kind in ("households", "warnings"):
        county.post(reverse("console:export_list"), {"kind": kind})
    households = [monitored.household, in_review.household, eliminated.household]
    households += [
        w.household
        for w in Warning.objects.filter(household__isnull=False)
        .exclude(household__in=households)
        .select_related("household")
        .order_by("-score")[:2]
        if w.household is not None
    ]
    monitored.refresh_from_db()
    in_review.refresh_from_db()
    # Representative: the pages have every kind of thing to show.
    assert len({c.state for c in Case.objects.all()}) >= 8
    assert len({r for w in Warning.objects.all() for r in w.rules}) >= 5
    assert ExportJob.objects.filter(status="succeeded").count() == 2
    assert Measure.objects.exists() and SelfReport.objects.count() == 2
    data = {"monitored": monitored, "village_review": in_review, "households": households}
    return Ctx(scenario, users, data)


def ctx_client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.slow
def test_no_page_shows_a_raw_code(tmp_path: Path):
    ctx = _dataset(tmp_path)
    checker = Checker()
    findings: list[Finding] = []
    rendered: dict[str, int] = {}
    for name in url_names():
        if name in EXCLUDED:
            continue
        for req in PAGES[name](ctx):
            client = ctx.client(req.role)
            headers = {"HX-Request": "true"} if req.htmx else {}
            if req.method == "POST":
                response = client.post(req.url, req.post or {}, headers=headers, follow=req.follow)
            else:
                response = client.get(req.url, headers=headers, follow=req.follow)
            html = response.content.decode()
            if response.status_code != req.status or not response["Content-Type"].startswith("text/html"):
                findings.append(Finding(req.label, f"answered {response.status_code} to {req.role}", ""))
                continue
            findings += [Finding(req.label, f"does not show {t!r}", "") for t in req.shows if t not in html]
            findings += checker.page_problems(req.label, html)
            rendered[name] = rendered.get(name, 0) + 1
    assert set(rendered) == set(PAGES)
    assert sum(rendered.values()) > 100
    assert [str(f) for f in findings] == [], "\n".join(str(f) for f in findings)


# ---------------------------------------------------------------------------------------------------------
# The checker itself


@pytest.mark.parametrize(
    "html",
    [
        "<td>income_per_capita 7000</td>",
        "<li>MED-SELFPAY 因病</li>",
        "<p>须至少包含一项开发式帮扶措施（R-AID-01）</p>",
        "<dd>WATER 因安全饮水</dd>",
        "<td>房屋受损 False</td>",
        "<td>None</td>",
        "<span>风险类型 illness</span>",
        "<td>530326001001</td>",
        "<td>监测范围 9000.0000元</td>",
        "<p>{{ value }}</p>",
    ],
)
def test_the_checker_finds_a_raw_code(html):
    assert Checker().page_problems("page", html) != []


@pytest.mark.parametrize(
    "html",
    [
        '<span class="rule" title="MED-SELFPAY · R-WARN-01">医疗自付费用超过规定比例</span>',
        '<span class="policy-tip" title="政策依据：R-AID-01">须至少包含一项开发式帮扶措施</span>',
        "<script>const code = 'MED-SELFPAY'; let x = None;</script><style>.a_b{}</style><p>正常</p>",
        "<td>530326001001 堂琅社区</td>",
        "<td>文件 credit.csv</td>",
        "<td>人均纯收入 8,629.40元 · 降幅 35.2%</td>",
        "<td>户编号 H53032620520300001 · 证件号码 5303**********1234 · 查询码 K5DJGDBA4M</td>",
    ],
)
def test_the_checker_lets_labels_and_tooltips_pass(html):
    assert Checker().page_problems("page", html) == []


def test_every_evidence_column_of_every_rule_has_a_chinese_label():
    missing = sorted({k for rule in RULES_BY_CODE.values() for k, _t in rule.evidence} - set(EVIDENCE_LABELS))
    assert missing == []
