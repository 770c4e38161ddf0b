"""Recruitment of a public-welfare post as data (STYLE 7, like cases/transitions.py): which action moves a
post from which stages to which, and who may do it. R-EMP-07 (Yunnan 2021): 公告 → 申报 → 审核 → 公示 →
聘用; the preconditions of each action are checked in one place, ``services.post_transition``.

Applications (申报) are received while the post is announced (``post_apply``); their review (审核) is
recorded while the post is in review or on public notice (an objection during the notice may still turn an
applicant down). A step cannot be skipped: the service refuses any action whose source is not the post's
stage, naming the step that comes next.
"""

from dataclasses import dataclass

from shouwang.accounts.choices import RoleChoices
from shouwang.publicposts.choices import PostStageChoices as S

MANAGERS = frozenset({RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
# Who records applications and months: the village too (it knows the applicants and keeps attendance).
LOCAL = frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
READERS_OF_POSTS = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.VILLAGE,
        RoleChoices.GRID,
        RoleChoices.AUDITOR,
    }
)


@dataclass(frozen=True)
class PostMove:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    policy: str = "R-EMP-07"


_OPEN = frozenset({S.DRAFT, S.ANNOUNCED, S.REVIEW, S.PUBLIC_NOTICE, S.HIRED})

POST_MOVES: dict[str, PostMove] = {
    m.action: m
    for m in [
        PostMove("announce", "发布招聘公告", frozenset({S.DRAFT}), S.ANNOUNCED, MANAGERS),
        PostMove(
            "close_applications", "截止报名、进入资格审核", frozenset({S.ANNOUNCED}), S.REVIEW, MANAGERS
        ),
        PostMove("notice_start", "开始拟聘公示", frozenset({S.REVIEW}), S.PUBLIC_NOTICE, MANAGERS),
        PostMove("hire", "公示期满、聘用上岗", frozenset({S.PUBLIC_NOTICE}), S.HIRED, MANAGERS),
        PostMove("reopen", "岗位空缺、重新招聘", frozenset({S.HIRED}), S.ANNOUNCED, MANAGERS),
        PostMove("close", "撤销岗位", _OPEN, S.CLOSED, MANAGERS),
    ]
}

# The procedure in order (for "the next step is …" and the stage bar on the post page).
PROCEDURE = [S.DRAFT, S.ANNOUNCED, S.REVIEW, S.PUBLIC_NOTICE, S.HIRED]
# The stages in which applications are received, and in which they are reviewed.
APPLYING_STAGES = frozenset({S.ANNOUNCED})
REVIEW_STAGES = frozenset({S.REVIEW, S.PUBLIC_NOTICE})


def post_move_get(action: str) -> PostMove | None:
    return POST_MOVES.get(action)


def post_moves_from(stage: str) -> list[PostMove]:
    return [m for m in POST_MOVES.values() if stage in m.sources]


def next_step(stage: str) -> PostMove | None:
    """The procedural step that follows ``stage`` (not 撤销)."""
    return next((m for m in post_moves_from(stage) if m.action != "close"), None)
