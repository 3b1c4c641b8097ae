"""What a trigger's data got wrong, as one line: the field, what was expected, and the value only when safe.

A value is repeated only for a field that holds codes, dates or flags, only when it is not one of the child's
personal facts, and only when it is within the identifier alphabet (anything else may be free text in the wrong
field); it is shown escaped.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from states.errors import InputInvalid
from states.input_rules import check_identifier, shown
from states.personal_data import CHILD_PERSONAL_FIELDS

__all__ = ["code_fields", "describe", "free_text_fields"]

# Values of these fields may be personal or free text: an error never repeats them.
_NEVER_ECHOED = CHILD_PERSONAL_FIELDS


@cache
def code_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of `model` whose values come from a closed list or are identifiers: safe to repeat anywhere."""
    return frozenset(name for name, info in model.model_fields.items() if _is_code(info.annotation, info.metadata))


@cache
def free_text_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of `model` that hold free text (views, reasons): kept beside the audit trail, never in it."""
    codes = code_fields(model)
    return frozenset(
        name for name, info in model.model_fields.items() if name not in codes and _is_text(info.annotation)
    )


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    if get_origin(annotation) is Annotated:  # text unless constrained to a pattern (an identifier or a code)
        base, *metadata = get_args(annotation)
        return _is_text(base) and not any(getattr(item, "pattern", None) for item in metadata)
    return any(_is_text(arg) for arg in get_args(annotation) if get_origin(annotation) is not Literal)


def _is_code(annotation: Any, metadata: list[Any]) -> bool:
    if get_origin(annotation) is Literal:
        return True
    if any(getattr(item, "pattern", None) for item in metadata):
        return True
    return any(_is_code(arg, []) for arg in get_args(annotation) if arg is not type(None))


def _echoable(model: type[BaseModel], field: str) -> bool:
    info = model.model_fields.get(field)
    if info is None or field in _NEVER_ECHOED:
        return False
    return field in code_fields(model) or info.annotation in (bool, date)


def describe(trigger: str, model: type[BaseModel], error: ErrorDetails) -> tuple[str, str | None]:
    """One line for the first problem, and the field it is about (a field named in the model, else None)."""
    field = ".".join(str(part) for part in error["loc"])
    known = field if field in model.model_fields else None
    if error["type"] == "missing":
        return f"{trigger}: {field} is required", known
    if error["type"] == "extra_forbidden":
        return f"{trigger}: unknown field {shown(field)} (expected {', '.join(model.model_fields)})", None
    message = str(error.get("ctx", {}).get("error", error["msg"])) if error["type"] == "value_error" else error["msg"]
    return f"{trigger}: {field + ': ' if field else ''}{message}{_got(model, field, error['input'])}", known


def _got(model: type[BaseModel], field: str, value: Any) -> str:
    """` (got 'VALUE')` when the field is a code, a date or a flag and the value is safe to repeat, else nothing."""
    if not field or not _echoable(model, field) or not isinstance(value, str | int | date):
        return ""
    text = str(value)
    try:
        check_identifier(text, field)
    except InputInvalid:
        return ""  # outside the identifier alphabet: perhaps free text in the wrong field, never repeated
    return f" (got {shown(text)})"
