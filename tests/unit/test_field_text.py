"""`field=value` text read into a trigger's data: typed by the field, refused in one line that never repeats a value."""

from __future__ import annotations

from datetime import date

import pytest

from states.errors import InvalidEventData
from states.event_data import DATA_MODELS
from states.field_text import FieldText, typed_fields


def _typed(trigger: str, *arguments: str, on: str | None = None) -> dict[str, object]:
    return typed_fields(trigger, DATA_MODELS[trigger], FieldText(arguments, on))


def test_values_take_the_type_of_the_triggers_field_and_on_fills_the_date_it_happened() -> None:
    assert _typed("record_visit", "child_seen=yes", "seen_alone=False", on="2027-02-01") == {
        "child_seen": True,
        "seen_alone": False,
        "date": date(2027, 2, 1),
    }
    assert _typed("convene_icpc", "conference_date=2027-02-10", "advocate_requested=true") == {
        "conference_date": date(2027, 2, 10),
        "advocate_requested": True,
    }
    assert _typed("receive_referral", "earlier_plans_elsewhere=2") == {"earlier_plans_elsewhere": 2}


def test_an_unknown_field_is_left_for_the_trigger_to_refuse_by_name() -> None:
    assert _typed("start_s47", "strategy_date=2027-01-05") == {"strategy_date": "2027-01-05"}


@pytest.mark.parametrize(
    ("trigger", "arguments", "on", "fragment", "field"),
    [
        ("hold_icpc", ["outcome"], None, "expected field=value", None),
        ("record_visit", ["child_seen=maybe"], None, "child_seen: expected true or false", "child_seen"),
        (
            "convene_icpc",
            ["conference_date=2027-13-01"],
            None,
            "conference_date: the value given is not a date",
            "conference_date",
        ),
        (
            "convene_icpc",
            ["conference_date=20271015"],
            None,
            "conference_date: the value given is not a date",
            "conference_date",
        ),
        ("convene_icpc", ["conference_date=2027-W42-4"], None, "expected YYYY-MM-DD", "conference_date"),
        ("convene_icpc", ["conference_date="], None, "conference_date: empty", "conference_date"),
        ("hold_icpc", ["date=2027-01-08", "date=2027-01-09"], None, "date: given twice", "date"),
        ("hold_icpc", ["date=2027-01-08"], "2027-01-09", "--on and date disagree", "date"),
        ("hold_icpc", [], "20270109", "hold_icpc: --on: the value given is not a date", "date"),
        ("close_case", ["reason="], None, "reason: empty", "reason"),
        ("receive_referral", ["earlier_plans_elsewhere=" + "9" * 20], None, "whole number", "earlier_plans_elsewhere"),
        # Arabic-Indic digits: str.isdigit takes them, int() would read them as 202.
        (
            "receive_referral",
            ["earlier_plans_elsewhere=\u0662\u0660\u0662"],
            None,
            "digits 0-9",
            "earlier_plans_elsewhere",
        ),
    ],
)
def test_a_malformed_field_is_one_line_naming_the_field(
    trigger: str, arguments: list[str], on: str | None, fragment: str, field: str | None
) -> None:
    with pytest.raises(InvalidEventData, match=fragment) as refused:
        _typed(trigger, *arguments, on=on)
    assert refused.value.field == field
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("trigger", "argument"),
    [
        ("receive_referral", "date_of_birth=02/03/2015"),
        ("convene_icpc", "advocate_requested=Jane wants her aunt there"),
        ("hold_icpc", "date=2027-01-09"),
    ],
)
def test_a_refusal_never_repeats_the_value_given(trigger: str, argument: str) -> None:
    value = argument.partition("=")[2]
    with pytest.raises(InvalidEventData) as refused:
        _typed(trigger, argument, on="2027-01-08")
    assert value not in str(refused.value)
