"""A policy that does not validate is refused with one line: the file, the dotted key and the problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from states.errors import CaseflowError
from states.policy import NotInPolicy, Policy, PolicyInvalid, policy_from_mapping
from workflows.persistence import load_policy

POLICIES = Path(__file__).resolve().parents[2] / "config" / "policies"
DEFAULT = load_policy(POLICIES, "default")


def default_data() -> dict[str, Any]:
    return DEFAULT.model_dump(mode="json")


def refusal(data: dict[str, Any]) -> PolicyInvalid:
    with pytest.raises(PolicyInvalid) as raised:
        policy_from_mapping(data, "policies/default.yaml")
    assert "\n" not in str(raised.value)
    return raised.value


def test_the_default_policy_round_trips_through_its_own_json() -> None:
    assert policy_from_mapping(default_data(), "copy") == DEFAULT


def test_an_unknown_top_level_key_is_refused() -> None:
    error = refusal({**default_data(), "colour": "blue"})
    assert str(error) == "policies/default.yaml: colour: unknown key"
    assert (error.source, error.key, error.problem) == ("policies/default.yaml", "colour", "unknown key")
    assert isinstance(error, CaseflowError)


def test_an_unknown_key_inside_a_timescale_is_refused_with_its_dotted_path() -> None:
    data = default_data()
    data["timescales"]["hold_icpc"]["within"] = 15
    assert str(refusal(data)) == "policies/default.yaml: timescales.hold_icpc.within: unknown key"


def test_an_unknown_unit_is_refused_naming_the_units_and_the_bad_value() -> None:
    data = default_data()
    data["timescales"]["hold_icpc"]["unit"] = "fortnights"
    error = refusal(data)
    assert error.key == "timescales.hold_icpc.unit"
    assert "'working_days'" in error.problem and "'calendar_months'" in error.problem
    assert "got 'fortnights'" in error.problem


def test_an_unknown_direction_is_refused() -> None:
    data = default_data()
    data["timescales"]["send_leaflet"]["direction"] = "around"
    error = refusal(data)
    assert error.key == "timescales.send_leaflet.direction"
    assert "'after' or 'before'" in error.problem


def test_an_amount_of_zero_is_refused() -> None:
    data = default_data()
    data["timescales"]["hold_icpc"]["amount"] = 0
    error = refusal(data)
    assert error.key == "timescales.hold_icpc.amount"
    assert "greater than 0" in error.problem


def test_a_timescale_without_a_source_is_refused() -> None:
    data = default_data()
    del data["timescales"]["hold_icpc"]["source"]
    assert str(refusal(data)) == "policies/default.yaml: timescales.hold_icpc.source: required key is missing"


def test_an_unknown_convention_is_refused() -> None:
    data = default_data()
    data["conventions"]["months"] = "lunar"
    error = refusal(data)
    assert error.key == "conventions.months"
    assert "'calendar' or 'fixed_days'" in error.problem


def test_an_action_naming_a_missing_timescale_is_refused() -> None:
    data = default_data()
    data["actions"]["hold_icpc"]["timescale"] = "hold_icpc_soon"
    assert str(refusal(data)) == (
        "policies/default.yaml: actions.hold_icpc.timescale: no timescale named 'hold_icpc_soon'"
    )


def test_an_action_owned_by_an_unknown_role_is_refused() -> None:
    data = default_data()
    data["actions"]["book_conference"]["owner_role"] = "receptionist"
    error = refusal(data)
    assert error.key == "actions.book_conference.owner_role"
    assert error.problem.startswith("unknown role 'receptionist' (roles: social_worker, cp_chair")


def test_a_permission_for_an_unknown_role_is_refused_with_its_position() -> None:
    data = default_data()
    data["permissions"]["hold_icpc"] = ["cp_chair", "judge"]
    error = refusal(data)
    assert error.key == "permissions.hold_icpc.1"
    assert error.problem.startswith("unknown role 'judge'")


def test_an_escalation_ladder_that_does_not_ascend_is_refused() -> None:
    data = default_data()
    data["escalation"][2]["working_days_overdue"] = 1
    error = refusal(data)
    assert error.key == "escalation.2.working_days_overdue"
    assert error.problem == "the ladder must ascend (1 is not above 1)"


def test_an_escalation_to_an_unknown_level_is_refused() -> None:
    data = default_data()
    data["escalation"][3]["level"] = "minister"
    assert refusal(data).key == "escalation.3.level"


def test_a_malformed_closure_day_is_refused() -> None:
    error = refusal({**default_data(), "closure_days": ["12-28..12-31", "Christmas week"]})
    assert error.key == "closure_days.1"
    assert "'Christmas week'" in error.problem and "expected a date" in error.problem


def test_an_age_range_upside_down_is_refused() -> None:
    data = default_data()
    data["ages"]["child_only_conference"] = {"min": 17, "max": 8}
    assert str(refusal(data)) == "policies/default.yaml: ages.child_only_conference: min 17 is above max 8"


def test_a_missing_section_is_refused() -> None:
    data = default_data()
    del data["ages"]
    assert str(refusal(data)) == "policies/default.yaml: ages: required key is missing"


def test_several_problems_are_reported_as_the_first_and_a_count() -> None:
    error = refusal({**default_data(), "colour": "blue", "size": "large"})
    assert error.problem == "unknown key (and 1 more)"


def test_closure_days_accept_dates_and_yearly_ranges_and_print_back_the_same() -> None:
    policy = policy_from_mapping({**default_data(), "closure_days": ["2027-03-25", "12-28..12-31"]}, "x")
    assert policy.model_dump(mode="json")["closure_days"] == ["2027-03-25", "12-28..12-31"]


def test_a_policy_is_immutable() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        DEFAULT.name = "other"  # type: ignore[misc]


def test_may_fire_allows_listed_roles_and_refuses_others_and_unknown_triggers() -> None:
    assert DEFAULT.may_fire("cp_chair", "hold_icpc")
    assert not DEFAULT.may_fire("social_worker", "hold_icpc")
    assert not DEFAULT.may_fire("cp_chair", "no_such_trigger")


def test_an_action_rule_names_its_owner_timescale_and_behaviour_on_leave() -> None:
    rule = DEFAULT.action_rule("book_conference")
    assert (rule.owner_role, rule.timescale, rule.mandatory, rule.on_leave) == (
        "business_support",
        "book_conference",
        True,
        "refuse",
    )


def test_asking_for_an_unknown_timescale_or_action_is_a_clear_error() -> None:
    with pytest.raises(NotInPolicy, match="policy 'default': no timescale named 'nap'"):
        DEFAULT.due_date("nap", date(2027, 1, 5))
    with pytest.raises(NotInPolicy, match="policy 'default': no action named 'nap'"):
        DEFAULT.action_rule("nap")


def test_the_escalation_level_is_the_highest_rung_reached() -> None:
    levels = [DEFAULT.escalation_level(days) for days in (-1, 0, 1, 4, 5, 9, 10, 30)]
    assert [level.level if level else None for level in levels] == [
        None,
        "owner",
        "team_manager",
        "team_manager",
        "service_manager",
        "service_manager",
        "head_of_service",
        "head_of_service",
    ]


def test_the_reminder_date_is_two_working_days_before_the_due_date() -> None:
    # hand-checked: due Tue 2027-01-05; Mon 4 (1), Fri 1 Jan bank holiday, Thu 2026-12-31 (2)
    assert DEFAULT.reminder_date(date(2027, 1, 5)) == date(2026, 12, 31)


def test_an_action_due_date_follows_its_timescale() -> None:
    # hand-checked: decision Thu 2026-12-24 + 1 WD: Fri 25 and Mon 28 bank holidays -> Tue 2026-12-29
    assert DEFAULT.action_due_date("book_conference", date(2026, 12, 24)) == date(2026, 12, 29)


def test_a_policy_copied_with_other_closure_days_uses_its_own_calendar() -> None:
    closed = Policy.model_validate({**default_data(), "closure_days": ["12-28..12-31"]})
    assert DEFAULT.calendar().is_working_day(date(2026, 12, 29))
    assert not closed.calendar().is_working_day(date(2026, 12, 29))
