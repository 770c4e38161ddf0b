"""The workflow as data (STYLE 7): which action moves a case from which states to which state, and who
may do it. The preconditions and effects of each action are its step function in
shouwang.cases.services.steps, bound to the action here by ``@step_of`` (the table is the only list of
actions; binding an action that is not in it, or binding one twice, fails at import).

Identification follows R-ID-02 (入户核实 → 信息比对 → 民主评议 → 村内公示 → 乡镇审核 → 县级审定 → 公告 →
录入系统); elimination follows R-ELIM-04 (the same chain without the data comparison).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from shouwang.accounts.choices import RoleChoices
from shouwang.cases.choices import CaseKindChoices as K
from shouwang.cases.choices import CaseStateChoices as S

VILLAGE = frozenset({RoleChoices.VILLAGE})
TOWNSHIP = frozenset({RoleChoices.TOWNSHIP})
COUNTY = frozenset({RoleChoices.COUNTY})
TOWNSHIP_OR_COUNTY = frozenset({RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
ANY_OFFICIAL = frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})

# Rank of the working levels, for escalation (督办) and for "a higher level may reject".
LEVEL_RANK: dict[str, int] = {RoleChoices.VILLAGE: 1, RoleChoices.TOWNSHIP: 2, RoleChoices.COUNTY: 3}
NEXT_LEVEL: dict[str, str] = {
    RoleChoices.VILLAGE: RoleChoices.TOWNSHIP,
    RoleChoices.TOWNSHIP: RoleChoices.COUNTY,
}


@dataclass(frozen=True)
class Move:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    policy: str
    # A workflow step (advances the procedure) as opposed to a record kept inside one state.
    step: bool = True


def _moves(kind: str, rows: list[Move]) -> dict[tuple[str, str], Move]:
    return {(kind, m.action): m for m in rows}


_REVIEW_STATES = frozenset(
    {
        S.CLUE,
        S.CANDIDATE,
        S.HOME_CHECK,
        S.DATA_COMPARISON,
        S.VILLAGE_REVIEW,
        S.PUBLIC_NOTICE,
        S.TOWNSHIP_REVIEW,
        S.COUNTY_APPROVAL,
    }
)

_COMMON_TAIL = [
    Move("village_review", "民主评议", frozenset(), S.VILLAGE_REVIEW, VILLAGE, "R-ID-02"),
    Move("notice_start", "开始村内公示", frozenset({S.VILLAGE_REVIEW}), S.PUBLIC_NOTICE, VILLAGE, "R-ID-03"),
    Move(
        "objection_record",
        "登记公示异议",
        frozenset({S.PUBLIC_NOTICE}),
        S.PUBLIC_NOTICE,
        frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP}),
        "R-ID-03",
        step=False,
    ),
    Move(
        "objection_resolve",
        "处理公示异议",
        frozenset({S.PUBLIC_NOTICE}),
        S.PUBLIC_NOTICE,
        frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP}),
        "R-ID-03",
        step=False,
    ),
    Move("township_review", "乡镇审核", frozenset({S.PUBLIC_NOTICE}), S.TOWNSHIP_REVIEW, TOWNSHIP, "R-ID-02"),
    Move("county_approve", "县级审定", frozenset({S.TOWNSHIP_REVIEW}), S.COUNTY_APPROVAL, COUNTY, "R-ID-02"),
]


def _with_sources(move: Move, sources: frozenset[str]) -> Move:
    return Move(move.action, move.label, sources, move.target, move.roles, move.policy, move.step)


IDENTIFICATION_MOVES = _moves(
    K.IDENTIFICATION,
    [
        Move("home_check", "入户核实", frozenset({S.CLUE}), S.HOME_CHECK, VILLAGE, "R-ID-02"),
        Move(
            "compare",
            "信息比对",
            frozenset({S.HOME_CHECK}),
            S.DATA_COMPARISON,
            TOWNSHIP_OR_COUNTY,
            "R-ID-02",
        ),
        _with_sources(_COMMON_TAIL[0], frozenset({S.DATA_COMPARISON})),
        *_COMMON_TAIL[1:],
        Move("announce", "公告", frozenset({S.COUNTY_APPROVAL}), S.ANNOUNCED, TOWNSHIP_OR_COUNTY, "R-ID-02"),
        Move(
            "enter_monitoring",
            "录入系统、纳入监测",
            frozenset({S.ANNOUNCED}),
            S.MONITORING,
            TOWNSHIP_OR_COUNTY,
            "R-ID-02",
        ),
        Move(
            "set_risk_level",
            "调整走访等级",
            frozenset({S.MONITORING}),
            S.MONITORING,
            ANY_OFFICIAL,
            "R-ID-06",
            step=False,
        ),
        Move(
            "propose_elimination",
            "提出风险消除",
            frozenset({S.MONITORING}),
            S.MONITORING,
            ANY_OFFICIAL,
            "R-ELIM-04",
            step=False,
        ),
        Move("reject", "不予纳入", _REVIEW_STATES, S.REJECTED, ANY_OFFICIAL, "R-ID-02"),
    ],
)

ELIMINATION_MOVES = _moves(
    K.ELIMINATION,
    [
        Move("home_check", "入户核实", frozenset({S.CANDIDATE}), S.HOME_CHECK, VILLAGE, "R-ELIM-04"),
        _with_sources(_COMMON_TAIL[0], frozenset({S.HOME_CHECK})),
        *_COMMON_TAIL[1:],
        Move(
            "announce",
            "公告、标注风险消除",
            frozenset({S.COUNTY_APPROVAL}),
            S.ELIMINATED,
            TOWNSHIP_OR_COUNTY,
            "R-ELIM-04",
        ),
        Move("reject", "不予消除", _REVIEW_STATES, S.REJECTED, ANY_OFFICIAL, "R-ELIM-04"),
        Move(
            "rollback", "消除回退", frozenset({S.ELIMINATED}), S.ROLLED_BACK, TOWNSHIP_OR_COUNTY, "R-ELIM-07"
        ),
    ],
)

MOVES: dict[tuple[str, str], Move] = {**IDENTIFICATION_MOVES, **ELIMINATION_MOVES}


# Checks the action's preconditions (every problem into ``ctx.data.errors``) and collects its effects; it
# takes a ``cases.services.steps.StepContext`` (not named here: the table sits below the services).
StepFunction: TypeAlias = Callable[..., None]
# Filled by ``step_of`` only; an action names one function for both kinds.
_STEP_FUNCTIONS: dict[str, StepFunction] = {}


def step_of(action: str) -> Callable[[StepFunction], StepFunction]:
    """Decorator: bind the function as the step of ``action``, a move of the table above."""
    if not any(a == action for (_, a) in MOVES):
        raise LookupError(f"no move {action!r} in the transition table")

    def bind(fn: StepFunction) -> StepFunction:
        if action in _STEP_FUNCTIONS:
            raise ValueError(f"{action!r} is already bound to {_STEP_FUNCTIONS[action].__qualname__}")
        _STEP_FUNCTIONS[action] = fn
        return fn

    return bind


def move_step(move: Move) -> StepFunction:
    """The step function of ``move`` (bound once shouwang.cases.services.steps is imported)."""
    return _STEP_FUNCTIONS[move.action]


def step_bindings() -> dict[str, StepFunction]:
    """Action → step function, for the test that every move has exactly one."""
    return dict(_STEP_FUNCTIONS)


def move_get(kind: str, action: str) -> Move | None:
    return MOVES.get((kind, action))


def moves_from(kind: str, state: str) -> list[Move]:
    return [m for (k, _), m in MOVES.items() if k == kind and state in m.sources]


def pending_steps(kind: str, state: str) -> list[Move]:
    """The procedural steps that can follow ``state`` (records and rejection excluded)."""
    return [m for m in moves_from(kind, state) if m.step and m.action not in {"reject", "rollback"}]


def responsible_role(kind: str, state: str) -> str | None:
    """The lowest level that may take the next step: who is late when the case is overdue."""
    roles = [r for m in pending_steps(kind, state) for r in m.roles]
    return min(roles, key=lambda r: LEVEL_RANK.get(r, 9)) if roles else None
