"""Reading the files of one registry import: which kind each file is (from its headers), its checksum and
its typed table (``exchange.files``); a file that cannot be read becomes the errors it is refused with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.files import read_header, read_table, sha256_file
from shouwang.exchange.registry_import.columns import REGISTRY_COLUMNS
from shouwang.exchange.registry_import.plan import KIND_LABELS, KIND_ORDER, Context, FileRowError, Plan

# Hints in file names (the headers decide; a name only breaks ties).
NAME_HINTS = {
    "households": ("household", "户信息", "农户"),
    "persons": ("person", "member", "成员", "人员"),
    "incomes": ("income", "收支", "收入"),
}


def detect_kind(path: str | Path) -> str:
    """households / persons / incomes from the headers (the file name only breaks ties)."""
    p = Path(path)
    headers = read_header(p)
    scores = {}
    for kind, specs in REGISTRY_COLUMNS.items():
        names = {}
        for s in specs:
            for h in (s.name, s.label, *s.aliases):
                names[h.strip().lower()] = s
        found = {names[h.strip().lower()].name for h in headers if h and h.strip().lower() in names}
        required = {s.name for s in specs if s.required}
        scores[kind] = (len(required & found) == len(required), len(found - {"household_no", "phone"}))
    complete = [k for k, (ok, _) in scores.items() if ok]
    if len(complete) == 1:
        return complete[0]
    candidates = complete or [k for k in KIND_ORDER if scores[k][1] > 0]
    lower = p.name.lower()
    hinted = [k for k in candidates if any(h in lower for h in NAME_HINTS[k])]
    if len(hinted) == 1:
        return hinted[0]
    if candidates:
        return max(candidates, key=lambda k: scores[k][1])
    raise InputRefused(
        f"{p.name}：无法识别文件类型（农户、家庭成员或家庭收支）",
        [
            FileRowError(
                1,
                "",
                "、".join(h for h in headers if h)[:200],
                "表头中没有找到户信息、家庭成员或家庭收支文件的必填列",
                file=p.name,
            )
        ],
    )


def plans_read(paths: Sequence[str | Path]) -> tuple[list[Plan], list[RowError]]:
    """A plan per readable file, in kind order, and the errors of the files that cannot be read."""
    errors: list[RowError] = []
    plans: list[Plan] = []
    for raw in paths:
        p = Path(raw)
        plan = Plan(path=p, kind="", checksum="")
        try:
            if not p.is_file():
                raise InputRefused(f"{p.name}：文件不存在（{p}）")
            plan.kind = detect_kind(p)
            plan.checksum = sha256_file(p)
            plan.table = read_table(
                p,
                columns=REGISTRY_COLUMNS[plan.kind],
                kind_label=KIND_LABELS[plan.kind],
                checksum=plan.checksum,
            )
        except InputRefused as exc:
            errors.extend(refuse_errors(plan, exc))
            continue
        plans.append(plan)
    plans.sort(key=lambda pl_: KIND_ORDER.index(pl_.kind))
    return plans, errors


def refuse_errors(plan: Plan, exc: InputRefused) -> list[RowError]:
    """A file refused while reading: its headline (without the file name) then each detail."""
    name = plan.path.name
    headline = exc.message.removeprefix(f"{name}：")
    details = [FileRowError(e.row, e.column, e.value, e.reason, file=name) for e in (exc.errors or [])]
    if not details:
        return [FileRowError(None, "", "", headline, file=name)]
    if len(details) == 1 and details[0].row is None:
        details[0].reason = f"{headline}（{details[0].reason}）"
        return list(details)
    return [FileRowError(None, "", "", headline, file=name), *details]


def as_of(ctx: Context, plans: list[Plan]) -> dt.date:
    """End of the month the registry describes (see ``Context.as_of``)."""
    period = ctx.period
    if period is None:
        found = [
            p.table.frame.get_column("period")
            .drop_nulls()
            .filter(p.table.frame.get_column("period").drop_nulls().str.contains(r"^\d{4}-(0[1-9]|1[0-2])$"))
            .max()
            for p in plans
            if p.kind == "incomes" and p.table is not None
        ]
        candidates = [str(f) for f in found if f]
        period = max(candidates) if candidates else None
    if period is None:
        return ctx.today
    year, month = int(period[:4]), int(period[5:7])
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return min(end, ctx.today)
