"""A conference, planned or held, of any kind, falls on a working day of the case's authority, or is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from states.case import Case
from states.conference_days import CONFERENCE_DATES
from states.errors import InvalidEventData
from states.lifecycle import TRIGGERS
from tests.unit.lifecycle_builders import (
    ICPC,
    POLICIES,
    in_icpc_planning,
    in_s47,
    on_plan,
    step,
)
from workflows.persistence import load_policy


def in_review_planning() -> Case:
    return step(on_plan(), "convene_review", date(2026, 12, 1), conference_date=date(2027, 1, 12)).case


# Each dated conference on Sat 2027-01-09 (a weekend), checked against the 2027 calendar.
SATURDAY = date(2027, 1, 9)
REFUSED_ON_A_SATURDAY: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("convene_icpc", in_s47, "conference_date", {"decision_date": date(2026, 11, 4)}),
    ("set_conference_date", in_icpc_planning, "conference_date", {}),
    ("convene_review", on_plan, "conference_date", {}),
    ("set_conference_date", in_review_planning, "conference_date", {}),
    ("hold_review", in_review_planning, "date", {"outcome": "continue_plan"}),
    (
        "arrange_child_only_conference",
        in_review_planning,
        "date",
        {"chair_decided_on": date(2026, 12, 2), "in_childs_interests": True},
    ),
]


@pytest.mark.parametrize(("trigger", "case", "field", "data"), REFUSED_ON_A_SATURDAY)
def test_a_conference_dated_on_a_saturday_is_refused_naming_the_date_and_why(
    trigger: str, case: Any, field: str, data: dict[str, Any]
) -> None:
    with pytest.raises(InvalidEventData) as refused:
        step(case(), trigger, date(2027, 1, 11), **data, **{field: SATURDAY})
    assert str(refused.value) == (
        f"{trigger}: {field} 2027-01-09 is a Saturday, not a working day for default (policy default): "
        "a conference is held on a working day"
    )


def test_an_initial_conference_held_on_a_sunday_is_refused() -> None:
    # Sun 2026-11-22, two days before the planned Tue 24 Nov
    with pytest.raises(InvalidEventData, match=r"hold_icpc: date 2026-11-22 is a Sunday, not a working day"):
        step(in_icpc_planning(), "hold_icpc", date(2026, 11, 23), date=date(2026, 11, 22), outcome="cin_plan")


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 12, 25), "a bank holiday (Christmas Day)"),  # Fri 25 Dec 2026
        (date(2026, 12, 28), "a bank holiday (Boxing Day (observed))"),  # Mon 28 Dec 2026: Boxing Day is a Saturday
        (date(2027, 1, 1), "a bank holiday (New Year's Day)"),  # Fri 1 Jan 2027
        (date(2027, 3, 29), "a bank holiday (Easter Monday)"),  # Easter Sunday is 28 Mar 2027
    ],
)
def test_a_conference_on_a_bank_holiday_is_refused_naming_the_holiday(day: date, why: str) -> None:
    with pytest.raises(
        InvalidEventData, match=rf"conference_date {day} is {why.replace('(', '[(]').replace(')', '[)]')}"
    ):
        step(in_icpc_planning(), "set_conference_date", date(2026, 11, 5), conference_date=day)


def test_a_conference_on_the_authoritys_own_closure_day_is_refused_there_and_not_elsewhere() -> None:
    closed_at_christmas = load_policy(POLICIES, "authority_c")  # closed 28-31 December every year
    tuesday = date(2026, 12, 29)  # Tue 29 Dec 2026: a working day in England, closed in authority C
    case = in_icpc_planning(policy=closed_at_christmas)
    with pytest.raises(InvalidEventData, match="2026-12-29 is a closure day of the authority, not a working day"):
        step(case, "set_conference_date", date(2026, 11, 5), policy=closed_at_christmas, conference_date=tuesday)
    moved = step(in_icpc_planning(), "set_conference_date", date(2026, 11, 5), conference_date=tuesday)
    assert moved.case.facts["conference_date"] == "2026-12-29"


def test_a_conference_on_a_working_day_goes_ahead() -> None:
    assert step(in_icpc_planning(), "hold_icpc", ICPC, date=ICPC, outcome="cin_plan").case.status.value == "cin_plan"


def test_every_trigger_that_dates_a_conference_is_checked() -> None:
    dated = {
        "convene_icpc",
        "set_conference_date",
        "convene_review",
        "hold_icpc",
        "hold_review",
        "arrange_child_only_conference",
        "hold_child_only_conference",
    }
    assert set(CONFERENCE_DATES) == dated and dated <= set(TRIGGERS)
