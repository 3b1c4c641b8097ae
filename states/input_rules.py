"""What input caseflow accepts, in one place: dates, identifiers, counts, and how a bad value may be shown.

Every entry point (the commands, scenario files, the trigger data models, the HTTP API) checks its input with
these rules, so one value is accepted or refused alike wherever it comes from. A refusal is an `InputInvalid`:
one line naming where, and what was expected; it repeats a value only through `shown`, and never a personal
value or free text.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from states.errors import InputInvalid

__all__ = [
    "COUNT_MAX",
    "DATE_FORMAT",
    "EARLIEST_YEAR",
    "ID_ALPHABET",
    "MAX_IDENTIFIER",
    "check_count",
    "check_happened",
    "check_identifier",
    "check_la_code",
    "check_planned",
    "check_present",
    "check_seconds",
    "check_year",
    "clock_date",
    "escaped",
    "identifier_expected",
    "is_identifier",
    "latest_planned",
    "parse_date",
    "shown",
]

ID_ALPHABET = "ASCII letters, digits, '-' and '_'"
MAX_IDENTIFIER = 64
EARLIEST_YEAR = 1900
DATE_FORMAT = "YYYY-MM-DD, like 2027-03-10"
# A count of things a person could have had (earlier child protection plans): two digits is already implausible.
COUNT_MAX = 99
# Longest shown echo of a value: an error line stays one readable line.
_SHOWN_MAX = 40

# `[0-9]`, not `\d`: `\d` also matches other scripts' digits (Arabic-Indic two-zero-two reads as a `\d{3}`).
_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LA_CODE = re.compile(r"[0-9]{3}")


def shown(value: str) -> str:
    """`value` quoted for an error line: non-printable characters and quotes escaped, long values cut short.

    For identifiers and codes only; a personal value or free text is never shown at all.
    """
    cut = value if len(value) <= _SHOWN_MAX else value[:_SHOWN_MAX] + "..."
    return "'" + escaped(cut).replace("'", "\\'") + "'"


def escaped(text: str) -> str:
    """`text` with every non-printable character (a line break, ESC, a lone surrogate) written as an escape."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text
    )


def check_present(value: str, where: str, expected: str) -> str:
    """`value` when it is not empty: an empty string is a bad value, never "not given"."""
    if value == "":
        raise InputInvalid(where, f"empty: expected {expected}")
    return value


def check_identifier(value: str, where: str, max_length: int = MAX_IDENTIFIER) -> str:
    """A reference, staff id, role or team: 1 to `max_length` characters from the identifier alphabet."""
    if is_identifier(value, max_length):
        return value
    got = "empty" if value == "" else f"{shown(value)} is not an identifier"
    raise InputInvalid(where, f"{got}: {identifier_expected(max_length)}")


def is_identifier(value: str, max_length: int = MAX_IDENTIFIER) -> bool:
    """Whether `value` is 1 to `max_length` characters from the identifier alphabet (for callers that must not echo
    a bad value, such as a staff id that may be an e-mail address in the wrong place)."""
    return _IDENTIFIER.fullmatch(value) is not None and len(value) <= max_length


def identifier_expected(max_length: int = MAX_IDENTIFIER) -> str:
    """What an identifier must be, as every refusal of one says it."""
    return f"expected 1-{max_length} characters: {ID_ALPHABET}"


def check_la_code(value: str, where: str) -> str:
    """A DfE local authority number: exactly three ASCII digits."""
    if _LA_CODE.fullmatch(value):
        return value
    raise InputInvalid(where, f"{shown(value)}: expected the authority's three-digit DfE LA number, like 202")


def parse_date(value: str, where: str, *, personal: bool = False) -> date:
    """A date written strictly as YYYY-MM-DD, in 1900 or later; `personal` values are never repeated."""
    got = "the value given" if personal else shown(value)
    if value == "":
        raise InputInvalid(where, f"empty: expected a date as {DATE_FORMAT}")
    if not _ISO_DATE.fullmatch(value):
        raise InputInvalid(where, f"{got} is not a date: expected {DATE_FORMAT}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InputInvalid(where, f"{got} is not a date in the calendar: expected {DATE_FORMAT}") from None
    return check_year(parsed, where, personal=personal)


def check_year(value: date, where: str, *, personal: bool = False) -> date:
    """`value` when it is in 1900 or later: nothing caseflow records happened earlier."""
    if value.year >= EARLIEST_YEAR:
        return value
    got = "the date given" if personal else str(value)
    raise InputInvalid(where, f"{got} is before {EARLIEST_YEAR}: expected a date in {EARLIEST_YEAR} or later")


def latest_planned(today: date) -> date:
    """The last date a planned date may be: one year after `today` (29 February's year after is 28 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today + timedelta(days=365)


def check_planned(value: date, where: str, today: date) -> date:
    """A planned date no more than a year after `today`."""
    if value <= latest_planned(today):
        return value
    raise InputInvalid(where, f"{value} is more than a year after today ({today}): expected a date up to a year ahead")


def clock_date(value: str | None, where: str, today: date) -> date:
    """A date standing for the clock (`--today`, `--as-of`, the API's `as_of`): `today` when not given; when given,
    strictly YYYY-MM-DD from 1900 to a year after `today` (an empty value is a bad one, not "not given")."""
    if value is None:
        return today
    return check_planned(parse_date(check_present(value, where, "a date as YYYY-MM-DD"), where), where, today)


def check_happened(value: date, where: str, today: date, *, personal: bool = False) -> date:
    """A date of something that happened: not after `today`, the clock in force."""
    if value <= today:
        return value
    got = "the date given" if personal else str(value)
    raise InputInvalid(where, f"{got} is after today ({today}): it has not happened yet")


def check_count(value: int, where: str, maximum: int = COUNT_MAX) -> int:
    """A count of things: a whole number from 0 to `maximum`."""
    if 0 <= value <= maximum:
        return value
    raise InputInvalid(where, f"expected a whole number from 0 to {maximum}")


def check_seconds(value: float, where: str, low: float, high: float) -> float:
    """A duration in seconds from `low` to `high`: a finite number, never nan or infinite."""
    if math.isfinite(value) and low <= value <= high:
        return value
    raise InputInvalid(where, f"{value:g} is out of range: expected a number of seconds from {low:g} to {high:g}")
