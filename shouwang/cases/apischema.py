"""Input schema base for the cases and channels routers.

PostgreSQL text cannot hold NUL (0x00); a NUL in any input string would reach the database and fail
there with a server error. Such input is refused up front as a 422 with a Chinese message.
"""

from typing import Any

from ninja import Schema
from pydantic import field_validator

from shouwang.common.errors import InputRefused, RowError

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class CleanSchema(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("输入内容含有非法字符（NUL），请检查后重新提交")
        return value


def clean_path(name: str, value: str) -> str:
    """Path and query parameters: the same rule, refused with the shared 422 shape."""
    if NUL in value:
        raise InputRefused("输入内容含有非法字符（NUL）", [RowError(None, name, "", "含有非法字符")])
    return value
