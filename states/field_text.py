"""A trigger's data typed in as `field=value` text (the command line), read strictly into the model's types.

Pure, and read by the data's own validation (`states.event_data.parse_event_data`), so a bad value is refused where
every other bad datum is: after the trigger and the case's status are checked, and recorded as a refusal of the
case like any other. A problem names the field and what was expected, never the value given: a field's value may
be personal or free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from states.errors import InputInvalid, InvalidEventData
from states.input_rules import check_identifier, parse_date

__all__ = ["FALSE", "TRUE", "DatedFields", "FieldText", "TriggerInput", "dated_fields", "given_field", "typed_fields"]

TRUE, FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})
# More digits than any count or year caseflow keeps: refused before Python reads a number of any size.
_MAX_DIGITS = 9


@dataclass(frozen=True)
class FieldText:
    """`field=value` arguments as typed, and the text `--on` gives for the trigger's own date field (if given)."""

    arguments: tuple[str, ...]
    happened: str | None = None


@dataclass(frozen=True)
class DatedFields:
    """A trigger's data as JSON gives it (an API request's body), and the text its `on` gives for the trigger's own
    date field (if given): the same rule as `--on`, in the one place that reads it."""

    fields: Mapping[str, Any]
    happened: str | None = None


# What a trigger's data may come as: already typed, typed in at the command line, or a request body with `on`.
TriggerInput = Mapping[str, Any] | FieldText | DatedFields


def given_field(data: TriggerInput, name: str) -> Any:
    """The value given for field `name`, as given (text from the command line), before any check; None without one.
    For a service that must look something up (a staff id) before the trigger's own transaction reads the data."""
    if isinstance(data, FieldText):
        given = [value for field, _, value in (a.partition("=") for a in data.arguments) if field.strip() == name]
        return given[-1] if given else None
    return (data.fields if isinstance(data, DatedFields) else data).get(name)


def dated_fields(trigger: str, model: type[BaseModel], given: DatedFields) -> dict[str, Any]:
    """The body's fields, with `on` filling the model's own date field."""
    data = dict(given.fields)
    if given.happened is not None:
        _fill_occurred(trigger, getattr(model, "OCCURRED", None), data, given.happened, "on")
    return data


def typed_fields(trigger: str, model: type[BaseModel], text: FieldText) -> dict[str, Any]:
    """The arguments as the values the model takes (bool, int, date, text); `happened` fills its date field."""
    data: dict[str, Any] = {}
    for argument in text.arguments:
        name, value = _split(trigger, argument)
        if name in data:
            raise InvalidEventData(f"{trigger}: {name}: given twice (expected each field once)", name)
        info = model.model_fields.get(name)
        data[name] = _typed(trigger, name, value, info.annotation if info is not None else str)
    if text.happened is not None:
        _fill_occurred(trigger, getattr(model, "OCCURRED", None), data, text.happened, "--on")
    return data


def _split(trigger: str, argument: str) -> tuple[str, str]:
    name, equals, value = argument.partition("=")
    if not equals:
        raise InvalidEventData(f"{trigger}: an argument without '=': expected field=value, like date=2027-01-05")
    try:
        return check_identifier(name.strip(), f"{trigger}: field name"), value
    except InputInvalid as exc:
        raise InvalidEventData(str(exc)) from None


def _typed(trigger: str, name: str, value: str, annotation: Any) -> Any:
    """`value` as the type the field takes: bool, int, date or a comma-separated list of codes; anything else stays
    text for the model to check."""
    kinds = _annotation_types(annotation)
    where = f"{trigger}: {name}"
    if get_origin(annotation) is list or any(get_origin(arg) is list for arg in get_args(annotation)):
        return [part.strip() for part in value.split(",")]
    if bool in kinds:
        lowered = value.strip().lower()
        if lowered in TRUE | FALSE:
            return lowered in TRUE
        raise InvalidEventData(f"{where}: expected true or false", name)
    if int in kinds:
        if not (value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS):
            raise InvalidEventData(f"{where}: expected a whole number written in digits 0-9", name)
        return int(value)
    if date in kinds:
        try:
            return parse_date(value, "", personal=True)
        except InputInvalid as exc:
            raise InvalidEventData(f"{where}: {exc.expected}", name) from None
    if value == "":
        raise InvalidEventData(f"{where}: empty: expected a value (leave the field out if there is none)", name)
    return value


def _annotation_types(annotation: Any) -> set[Any]:
    if get_origin(annotation) is Annotated:
        return _annotation_types(get_args(annotation)[0])
    arguments = get_args(annotation)
    if arguments and get_origin(annotation) is not None and not isinstance(arguments[0], str):
        return {kind for argument in arguments for kind in _annotation_types(argument)}
    return {annotation}


def _fill_occurred(trigger: str, occurred: str | None, data: dict[str, Any], text: str, where: str) -> None:
    if occurred is None:
        raise InvalidEventData(
            f"{where}: trigger {trigger} records no date of its own (it is recorded on today's date): "
            "give its dates as fields instead"
        )
    try:
        happened = parse_date(text, where, personal=True)
    except InputInvalid as exc:
        raise InvalidEventData(f"{trigger}: {exc}", occurred) from None
    # The field as typed (a date) or as JSON gives it (text): compared as the date it says, never repeated.
    if occurred in data and str(data[occurred]) != happened.isoformat():
        raise InvalidEventData(f"{where} and {occurred} disagree: give the date once", occurred)
    data[occurred] = happened
