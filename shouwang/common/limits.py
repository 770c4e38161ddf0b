"""Input limits shared by the API schemas, the services and the forms: refused when exceeded, never cut."""

from django.db import models


def max_length(model: type[models.Model], field: str) -> int:
    """A text field's length limit, read from the model so schema and column cannot drift apart."""
    limit = getattr(model._meta.get_field(field), "max_length", None)
    if not isinstance(limit, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return limit


# Limits of input that has no column of its own to read a max_length from (TextFields, raw forms).
FREE_TEXT_MAX = 2000  # descriptions, answers, notes typed by staff
PHONE_INPUT_MAX = 20  # an 11-digit mobile or a landline with spaces and dashes
ID_NUMBER_INPUT_MAX = 24  # 18 characters plus spaces
LIST_MAX = 20  # risk types and other short pick lists
NESTED_TEXT_MAX = 10_000  # any string inside a free-form object (transition data, evidence)


def bad_text(value: str) -> str:
    """Why a string cannot be stored ("" when it can): a NUL, or a lone UTF-16 surrogate."""
    if "\x00" in value:
        return "含有非法字符（NUL）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含有无效的Unicode字符（孤立代理项）"
    return ""
