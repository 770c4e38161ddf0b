"""``shouwang import posts FILE``: a county's 公益性岗位花名册 (one row per tenure: the post and its holder),
all or nothing (CONTRACT §2, §4). See docs/publicposts.md "Import" and decision 0714.

Every row is checked first — village, post class, funding, insurance and exit reason (Chinese labels or
codes), subsidy, dates, the person (registered, in the row's household, of the post's county), R-AID-08's
bounds (under 16 or 70 and over at the start), 一人一岗 (two tenures of one person overlapping, in the file
or with stored ones) — and any error refuses the file with every reason (row, column, value, rule),
writing nothing. Then, in one transaction: an ``ImportBatch`` (kind ``public_posts``; the same file again
is a no-op, another file for the same county and period supersedes the earlier batch), posts upserted by
(village, 岗位名称) — a new one starts at 聘用上岗 — tenures by (post, person, 聘用开始), one audit row.
Rows are never deleted by absence."""

from __future__ import annotations

import datetime as dt
import getpass
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shouwang.accounts.actors import Actor
from shouwang.audit.services import audit_record_many
from shouwang.common import crypto, idnumber
from shouwang.common.dblock import write_transaction
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.batches import (
    batch_audit_entry,
    batch_region,
    batch_same_file,
    batch_start,
    batch_succeed,
)
from shouwang.exchange.choices import BatchKindChoices
from shouwang.exchange.files import ID, ColumnSpec, archive_file, read_table, sha256_file
from shouwang.publicposts.choices import (
    ExitReasonChoices,
    FundingSourceChoices,
    HolderStatusChoices,
    InsuranceChoices,
    PostClassChoices,
    PostStageChoices,
)
from shouwang.publicposts.eligibility import age_on
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Person

KIND = BatchKindChoices.PUBLIC_POSTS.value
KIND_LABEL = "公益性岗位花名册"
FILE_NAME = "公益性岗位花名册.xlsx"
COLUMNS = [
    ColumnSpec("county", "县"),
    ColumnSpec("township", "乡镇", aliases=("乡",)),
    ColumnSpec("village", "行政村"),
    ColumnSpec("village_code", "行政村代码", required=True),
    ColumnSpec("post_name", "岗位名称", required=True),
    ColumnSpec("post_class", "岗位类别", required=True),
    ColumnSpec("funding", "资金来源", required=True),
    ColumnSpec("monthly_subsidy", "月补贴", required=True, aliases=("月补贴（元）", "补贴标准")),
    ColumnSpec("insurance", "保险", required=True, aliases=("购买保险",)),
    ColumnSpec("places", "岗位数"),
    ColumnSpec("term_months", "聘期（月）", aliases=("聘期",)),
    ColumnSpec("name", "姓名", required=True),
    ColumnSpec("id_number", "证件号码", required=True, type=ID, aliases=("身份证号",)),
    ColumnSpec("household_no", "户编号", required=True),
    ColumnSpec("start_on", "聘用开始", required=True, aliases=("聘用开始时间",)),
    ColumnSpec("term_end_on", "聘用结束", required=True, aliases=("聘期结束", "聘用结束时间")),
    ColumnSpec("ended_on", "离岗日期"),
    ColumnSpec("exit_reason", "离岗原因"),
]
HEADERS = [c.label for c in COLUMNS]
# R-AID-08 (Guizhou 5_12_004/005, 3_01_008): a holder under 16 or aged 70 or over is a data error.
RECORD_MIN_AGE, RECORD_MAX_AGE = 16, 70


def _lookup(choices: Any) -> dict[str, str]:
    out = {c.value: c.value for c in choices}
    out.update({str(c.label): c.value for c in choices})
    return out


CLASSES = _lookup(PostClassChoices)
CLASSES.update(
    {"护林员（生态护林员）": "forest", "生态护林员": "forest", "管水员": "water", "护河员": "water"}
)
FUNDINGS = _lookup(FundingSourceChoices)
FUNDINGS.update({"衔接资金": "linkage"})
INSURANCES = _lookup(InsuranceChoices)
INSURANCES.update({"无": "none", "意外险": "accident"})
REASONS = _lookup(ExitReasonChoices)


@dataclass
class PostRosterResult:
    path: str
    rows: int = 0
    batch_id: int | None = None
    supersedes_id: int | None = None
    duplicate: bool = False
    posts_created: int = 0
    holders_created: int = 0
    holders_updated: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Row:
    row: int
    village: str
    post_name: str
    post_class: str
    funding: str
    subsidy: Decimal
    insurance: str
    places: int | None
    term_months: int
    person: Person
    start_on: dt.date
    term_end_on: dt.date
    ended_on: dt.date | None
    exit_reason: str


def _date(value: str | None) -> dt.date | None:
    text = (value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text[:19].split(" ")[0], fmt).date()
        except ValueError:
            continue
    return None


def _int(value: str | None) -> int | None:
    text = (value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isdigit() else None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _check(frame: Any, first_row: int, today: dt.date) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    raw = frame.to_dicts()
    ids = [idnumber.normalise(str(r.get("id_number") or "")) for r in raw]
    index = dict(zip(ids, crypto.blind_index_many(ids), strict=True))
    people = {
        p.id_index: p
        for p in Person.objects.filter(id_index__in=set(index.values())).select_related("household")
    }
    villages = {
        r.code: r
        for r in Region.objects.filter(
            code__in={str(r.get("village_code") or "").strip() for r in raw}, level=RegionLevelChoices.VILLAGE
        )
    }
    rows: list[_Row] = []
    for i, r in enumerate(raw):
        n = first_row + i
        bad: list[RowError] = []

        def err(column: str, value: Any, reason: str, bad: list[RowError] = bad, n: int = n) -> None:
            bad.append(RowError(n, column, "" if value is None else str(value), reason))

        code = str(r.get("village_code") or "").strip()
        if code not in villages:
            err("行政村代码", code, "行政村代码不存在（应为12位村级区划代码）")
        post_class = CLASSES.get(str(r.get("post_class") or "").strip())
        if post_class is None:
            err(
                "岗位类别",
                r.get("post_class"),
                "岗位类别不在可选范围内：" + "、".join(PostClassChoices.labels),
            )
        funding = FUNDINGS.get(str(r.get("funding") or "").strip())
        if funding is None:
            err("资金来源", r.get("funding"), "资金来源不在可选范围内")
        insurance = INSURANCES.get(str(r.get("insurance") or "").strip())
        if insurance is None:
            err("保险", r.get("insurance"), "保险不在可选范围内")
        try:
            subsidy = Decimal(str(r.get("monthly_subsidy") or "").strip())
        except InvalidOperation:
            subsidy = Decimal(-1)
        if not Decimal(0) < subsidy <= Decimal(5000):
            err("月补贴", r.get("monthly_subsidy"), "月补贴应大于0且不超过5000元")
        places = _int(r.get("places")) if r.get("places") else None
        if r.get("places") and (places is None or places < 1):
            err("岗位数", r.get("places"), "岗位数应为正整数")
        term = _int(r.get("term_months")) if r.get("term_months") else 12
        if term is None or not 1 <= term <= 36:
            err("聘期（月）", r.get("term_months"), "聘期应为1–36个月")
        number = ids[i]
        person = people.get(index[number]) if idnumber.is_valid(number) else None
        if not idnumber.is_valid(number):
            err(
                "证件号码", idnumber.mask(number) if len(number) == 18 else number, "不是有效的18位身份证号码"
            )
        elif person is None:
            err("证件号码", idnumber.mask(number), "登记信息中没有此人（请先导入户籍登记）")
        elif person.household.household_no != str(r.get("household_no") or "").strip():
            err("户编号", r.get("household_no"), f"此人登记在{person.household.household_no}户，与户编号不符")
        elif code in villages and person.household.county_code != code[:6]:
            err("证件号码", idnumber.mask(number), "此人户籍不在岗位所在县（R-EMP-07）")
        start, end = _date(r.get("start_on")), _date(r.get("term_end_on"))
        ended = _date(r.get("ended_on")) if r.get("ended_on") else None
        if start is None:
            err("聘用开始", r.get("start_on"), "日期格式应为YYYY-MM-DD")
        if end is None:
            err("聘用结束", r.get("term_end_on"), "日期格式应为YYYY-MM-DD")
        if start and end and end < start:
            err("聘用结束", r.get("term_end_on"), "聘用结束早于聘用开始")
        if start and start > today:
            err("聘用开始", r.get("start_on"), "聘用开始晚于今天")
        if r.get("ended_on") and (ended is None or (start and ended < start) or ended > today):
            err("离岗日期", r.get("ended_on"), "离岗日期应为聘用开始之后、今天之前的YYYY-MM-DD日期")
        reason = REASONS.get(str(r.get("exit_reason") or "").strip(), "") if r.get("exit_reason") else ""
        if r.get("exit_reason") and not reason:
            err(
                "离岗原因",
                r.get("exit_reason"),
                "离岗原因不在可选范围内：" + "、".join(ExitReasonChoices.labels),
            )
        if ended and not reason:
            err("离岗原因", "", "有离岗日期须填写离岗原因（R-EMP-07）")
        if reason and not r.get("ended_on"):
            err("离岗日期", "", "有离岗原因须填写离岗日期")
        if person is not None and start is not None:
            age = age_on(person.birth_date, start)
            if not RECORD_MIN_AGE <= age < RECORD_MAX_AGE:
                err(
                    "聘用开始",
                    r.get("start_on"),
                    f"聘用时{age}周岁：公益性岗位人员不应未满16周岁或70周岁以上（R-AID-08）",
                )
        if not str(r.get("post_name") or "").strip():
            err("岗位名称", "", "请填写岗位名称")
        errors += bad
        if not bad:
            assert person is not None and start is not None and end is not None
            assert post_class and funding and insurance and term
            rows.append(
                _Row(
                    n,
                    code,
                    str(r["post_name"]).strip(),
                    post_class,
                    funding,
                    subsidy,
                    insurance,
                    places,
                    term,
                    person,
                    start,
                    end,
                    ended,
                    reason,
                )
            )
    errors += _overlaps(rows)
    return rows, errors


def _overlaps(rows: list[_Row]) -> list[RowError]:
    """一人一岗 (R-EMP-07; R-AID-08 3_01_010/011): one person's tenures may not overlap, in the file or with
    the stored ones (a stored tenure of the same post and start is the row itself, re-imported)."""
    errors: list[RowError] = []
    by_person: dict[int, list[tuple[dt.date, dt.date, str, int | None]]] = defaultdict(list)
    far = dt.date(9999, 12, 31)
    for h in PostHolder.objects.filter(person_id__in={r.person.pk for r in rows}).select_related("post"):
        by_person[h.person_id].append(
            (h.start_on, h.ended_on or far, f"{h.post.village_id}/{h.post.name}", None)
        )
    for r in rows:
        key = f"{r.village}/{r.post_name}"
        stored = [
            s for s in by_person[r.person.pk] if not (s[3] is None and s[2] == key and s[0] == r.start_on)
        ]
        for start, end, name, row in stored:
            if r.start_on <= end and start <= (r.ended_on or far):
                where = f"与第{row}行" if row else "与已登记的"
                errors.append(
                    RowError(
                        r.row,
                        "聘用开始",
                        r.start_on.isoformat(),
                        f"{r.person.name}{where}“{name.split('/', 1)[1]}”岗位在岗时间重叠："
                        "一人一岗（R-EMP-07）",
                    )
                )
                break
        by_person[r.person.pk].append((r.start_on, r.ended_on or far, key, r.row))
    return errors


def post_roster_import(
    *,
    path: str | Path,
    period: str | None = None,
    source: str = KIND,
    actor: Actor | None = None,
    today: dt.date | None = None,
) -> PostRosterResult:
    """Import one 公益性岗位花名册 (module doc). ``InputRefused`` with every reason; nothing written then."""
    from django.utils import timezone  # noqa: PLC0415

    today = today or timezone.localdate()
    period = period or today.strftime("%Y-%m")
    actor = actor if actor is not None else f"cli:{_os_user()}"
    p = Path(path)
    table = read_table(p, columns=COLUMNS, kind_label=KIND_LABEL, header_search=3, allow_empty=True)
    checksum = sha256_file(p)
    result = PostRosterResult(path=str(p), rows=table.frame.height, warnings=list(table.warnings))
    with write_transaction():
        rows, errors = _check(table.frame, table.first_data_row, today)
        if errors:
            raise InputRefused(
                f"{p.name}：公益性岗位花名册导入被拒绝：共{len(errors)}处错误，未写入任何数据", errors
            )
        region = batch_region(r.village for r in rows)
        same = batch_same_file(kind=KIND, source=source, period=period, checksum=checksum, region=region)
        if same is not None:
            result.duplicate, result.batch_id = True, same.pk
            return result
        batch, replaces = batch_start(
            kind=KIND,
            source=source,
            period=period,
            region=region,
            checksum=checksum,
            filename=p.name,
            encoding=table.encoding,
            actor=actor,
            stored_path=archive_file(p, checksum),
            rows_total=table.frame.height,
            warnings=list(table.warnings),
            periods=[period],
            progress=60,
        )
        result.batch_id, result.supersedes_id = batch.pk, batch.supersedes_id
        _write(rows, batch, result)
        batch_succeed(
            batch,
            replaces=replaces,
            rows_created=result.holders_created,
            rows_updated=result.holders_updated,
            matched=len(rows),
            report={"posts_created": result.posts_created, "encoding": table.encoding},
        )
        changes = {
            "kind": KIND,
            "file": p.name,
            "checksum": checksum,
            "rows": result.rows,
            "posts_created": result.posts_created,
            "holders_created": result.holders_created,
            "holders_updated": result.holders_updated,
            "supersedes": result.supersedes_id,
        }
        audit_record_many(
            actor=actor,
            entries=[
                batch_audit_entry(batch, changes=changes, reason="导入公益性岗位花名册", region_code=region)
            ],
        )
    return result


def _write(rows: list[_Row], batch: Any, result: PostRosterResult) -> None:
    villages = {r.code: r for r in Region.objects.filter(code__in={r.village for r in rows})}
    posts = {(p.village_id, p.name): p for p in PublicPost.objects.filter(village_id__in=villages)}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r.ended_on is None:
            counts[(r.village, r.post_name)] += 1
    for r in rows:
        key = (r.village, r.post_name)
        post = posts.get(key)
        places = r.places or max(counts[key], 1)
        if post is None:
            post = PublicPost.objects.create(
                name=r.post_name,
                village=villages[r.village],
                county_code=r.village[:6],
                township_code=r.village[:9],
                post_class=r.post_class,
                funding=r.funding,
                monthly_subsidy=r.subsidy,
                insurance=r.insurance,
                places=places,
                term_months=r.term_months,
                stage=PostStageChoices.HIRED,
                hired_on=r.start_on,
            )
            posts[key] = post
            result.posts_created += 1
        else:
            post.post_class, post.funding, post.monthly_subsidy = r.post_class, r.funding, r.subsidy
            post.insurance, post.term_months = r.insurance, r.term_months
            post.places = max(post.places, places)
            post.save()
        _holder, created = PostHolder.objects.update_or_create(
            post=post,
            person=r.person,
            start_on=r.start_on,
            defaults={
                "household": r.person.household,
                "county_code": r.village[:6],
                "township_code": r.village[:9],
                "term_end_on": r.term_end_on,
                "ended_on": r.ended_on,
                "exit_reason": r.exit_reason,
                "status": HolderStatusChoices.ENDED if r.ended_on else HolderStatusChoices.ACTIVE,
                "source_batch": batch,
            },
        )
        if created:
            result.holders_created += 1
        else:
            result.holders_updated += 1
