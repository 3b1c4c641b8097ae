"""Who may see a case: team roles see their own teams' cases, service-wide roles and members with no team see all."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from tests.unit.lifecycle_builders import POLICY, make_policy
from workflows.services import (
    ActorRefused,
    NotVisible,
    StaffMember,
    act_as,
    require_visible,
    visible_teams,
    within_remit,
)

NORTH_WORKER = StaffMember("sw-n1", "sw-n1@example.org", ("social_worker",), ("north",))
NORTH_MANAGER = StaffMember("tm-n1", "tm-n1@example.org", ("team_manager", "service_manager"), ("north",))
FLOATING_WORKER = StaffMember("sw-x", "sw-x@example.org", ("social_worker",), ())


def test_a_team_role_sees_only_its_teams() -> None:
    caller = act_as(NORTH_WORKER, "social_worker", "api")
    assert visible_teams(caller, POLICY) == frozenset({"north"})
    require_visible(caller, POLICY, "C-1", "north")
    with pytest.raises(NotVisible, match=r"^case C-2: not found$"):
        require_visible(caller, POLICY, "C-2", "south")
    with pytest.raises(NotVisible):
        require_visible(caller, POLICY, "C-3", None)


def test_a_service_wide_role_or_a_member_with_no_team_sees_every_case() -> None:
    assert visible_teams(act_as(NORTH_MANAGER, "service_manager", "api"), POLICY) is None
    assert visible_teams(act_as(NORTH_MANAGER, "team_manager", "api"), POLICY) == frozenset({"north"})
    assert visible_teams(act_as(FLOATING_WORKER, "social_worker", "cli"), POLICY) is None


def test_a_role_not_held_or_an_inactive_member_cannot_act() -> None:
    with pytest.raises(ActorRefused, match=r"^staff sw-n1: does not hold role team_manager \(holds: social_worker\)$"):
        act_as(NORTH_WORKER, "team_manager", "cli")
    gone = StaffMember("sw-old", None, ("social_worker",), ("north",), active=False)
    with pytest.raises(ActorRefused, match="deactivated"):
        act_as(gone, "social_worker", "cli")


def test_the_policy_names_its_team_roles_from_its_own_roles() -> None:
    assert POLICY.team_roles == ["social_worker", "team_manager", "business_support"]
    with pytest.raises(ValidationError, match="team_roles: unknown role 'caretaker'"):
        make_policy(team_roles=["caretaker"])


def test_items_are_judged_under_their_own_cases_policy() -> None:
    @dataclass(frozen=True)
    class Listed:
        reference: str
        authority: str
        team: str | None

    # Under a policy where social workers are not a team role, the north worker sees that authority's south case.
    service_wide_workers = make_policy(name="authority_x", team_roles=["team_manager"])
    items = [
        Listed("D-1", "default", "north"),
        Listed("D-2", "default", "south"),
        Listed("X-1", "authority_x", "south"),
        Listed("U-1", "unloaded", "north"),
    ]
    caller = act_as(NORTH_WORKER, "social_worker", "console")

    shown = within_remit(caller, {"default": POLICY, "authority_x": service_wide_workers}, items)

    assert [item.reference for item in shown] == ["D-1", "X-1"]
