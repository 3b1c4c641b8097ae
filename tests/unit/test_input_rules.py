"""The one set of input rules: strict dates in a sane window, identifiers from one alphabet, bounded counts."""

from __future__ import annotations

from datetime import date

import pytest

from states.errors import InputInvalid
from states.input_rules import (
    check_count,
    check_identifier,
    check_la_code,
    check_planned,
    check_seconds,
    latest_planned,
    parse_date,
    shown,
)


def test_a_date_written_yyyy_mm_dd_is_read() -> None:
    assert parse_date("2026-10-15", "--on") == date(2026, 10, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261015", "is not a date"),  # date.fromisoformat takes it
        ("2026-W42-4", "is not a date"),  # an ISO week date: so does fromisoformat
        ("\u0662\u0660\u0662\u0666-\u0661\u0660-\u0661\u0665", "is not a date"),  # Arabic-Indic digits
        ("2026-02-30", "not a date in the calendar"),
        ("0001-01-01", "before 1900"),
        ("", "empty"),
        ("2026-10-15\n", "is not a date"),
    ],
)
def test_anything_else_is_refused_naming_the_option(text: str, expected: str) -> None:
    with pytest.raises(InputInvalid, match=expected) as refused:
        parse_date(text, "--on")
    assert str(refused.value).startswith("--on: ")
    assert "\n" not in str(refused.value)


def test_a_personal_date_is_never_repeated() -> None:
    with pytest.raises(InputInvalid) as refused:
        parse_date("02/03/2015", "date_of_birth", personal=True)
    assert "02/03/2015" not in str(refused.value)


def test_a_planned_date_may_be_a_year_ahead_and_no_more() -> None:
    today = date(2026, 12, 6)
    assert check_planned(date(2027, 12, 6), "conference_date", today) == date(2027, 12, 6)
    with pytest.raises(InputInvalid, match="more than a year after today"):
        check_planned(date(2027, 12, 7), "conference_date", today)


def test_a_year_after_29_february_is_28_february() -> None:
    # 2028 is a leap year (divisible by 4, not by 100); 2029 is not, so it has no 29 February.
    assert latest_planned(date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize("value", ["CP-1042", "sw_17", "north", "A" * 64])
def test_identifiers_from_the_alphabet_are_accepted(value: str) -> None:
    assert check_identifier(value, "--actor") == value


@pytest.mark.parametrize("value", ["", " ", "CP 1", "CP-1\n", "caf\u00e9", "\u0662\u0660\u0662", "\x1b[31m", "A" * 65])
def test_anything_else_is_not_an_identifier(value: str) -> None:
    with pytest.raises(InputInvalid, match="ASCII letters, digits") as refused:
        check_identifier(value, "--actor")
    assert not any(not character.isprintable() for character in str(refused.value))


def test_an_la_code_is_three_ascii_digits() -> None:
    assert check_la_code("202", "--la-code") == "202"
    for value in ("\u0662\u0660\u0662", "20", "2020", "abc"):
        with pytest.raises(InputInvalid, match="three-digit"):
            check_la_code(value, "--la-code")


def test_counts_are_bounded() -> None:
    assert check_count(99, "earlier_plans_elsewhere") == 99
    for value in (-1, 100, 2**64):
        with pytest.raises(InputInvalid, match="0 to 99"):
            check_count(value, "earlier_plans_elsewhere")


def test_a_shown_value_has_its_control_characters_escaped_and_is_cut_short() -> None:
    assert shown("CP-1\nerror: forged") == "'CP-1\\nerror: forged'"
    assert shown("\x1b[31mred") == "'\\x1b[31mred'"
    assert shown("x" * 100) == "'" + "x" * 40 + "...'"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), -0.001, 3600.001])
def test_seconds_must_be_a_finite_number_within_the_bounds(value: float) -> None:
    with pytest.raises(InputInvalid, match=r"^--wait: .* expected a number of seconds from 0 to 3600$"):
        check_seconds(value, "--wait", 0, 3600)


@pytest.mark.parametrize("value", [0.0, 0.25, 3600.0])
def test_seconds_at_or_within_the_bounds_are_kept(value: float) -> None:
    assert check_seconds(value, "--wait", 0, 3600) == value
