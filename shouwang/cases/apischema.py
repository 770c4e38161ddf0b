"""Input schema base for the cases, channels and field routers.

A string that cannot be stored (a NUL, which PostgreSQL text cannot hold, or a lone surrogate, which
UTF-8 cannot encode) is refused up front as a 422 with a Chinese message, never a server error. The API's
JSON parser refuses such bodies before any handler runs; this is the same rule for every other way a
value reaches a schema. Strings nested in free-form objects are bounded too.
"""

from typing import Any, get_origin

from ninja import Schema
from pydantic import ValidationInfo, field_validator

from shouwang.common.errors import InputRefused, RowError
from shouwang.common.limits import NESTED_TEXT_MAX, bad_text
from shouwang.regions.choices import LEVEL_BY_LENGTH

NUL = "\x00"


def _problem(value: Any, *, free_form: bool, nested: bool = False) -> str:
    """Why ``value`` cannot be taken ("" when it can). Length is checked only inside free-form objects
    (``dict`` fields such as transition data or evidence); typed fields carry their own limits."""
    if isinstance(value, str):
        if why := bad_text(value):
            return f"输入内容{why}，请检查后重新提交"
        if free_form and nested and len(value) > NESTED_TEXT_MAX:
            return f"内容过长：其中每项文字不超过{NESTED_TEXT_MAX}字"
        return ""
    if isinstance(value, dict):
        for k, v in value.items():
            if why := _problem(k, free_form=free_form, nested=True) or _problem(
                v, free_form=free_form, nested=True
            ):
                return why
    if isinstance(value, list | tuple):
        for v in value:
            if why := _problem(v, free_form=free_form, nested=True):
                return why
    return ""


class CleanSchema(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def _refuse_unstorable(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        free_form = field is not None and get_origin(field.annotation) is dict
        if why := _problem(value, free_form=free_form):
            raise ValueError(why)
        return value


def clean_path(name: str, value: str) -> str:
    """Path and query parameters: the same rule, refused with the shared 422 shape."""
    if why := bad_text(value):
        raise InputRefused(f"输入内容{why}", [RowError(None, name, "", why)])
    return value


def region_param(name: str, code: str) -> str:
    """A region code given as a list filter: digits of a known level, else the shared 422."""
    clean_path(name, code)
    if not code.isdigit() or len(code) not in LEVEL_BY_LENGTH:
        raise InputRefused(
            "区划代码错误", [RowError(None, name, code, "区划代码应为2、4、6、9、12或15位数字")]
        )
    return code
