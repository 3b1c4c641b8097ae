"""The roles a case may be allocated to are the policy's `allocated_roles`: the social worker by default, the lead
child protection practitioner too on the Families First profile; a role the policy does not name is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from states.policy import PolicyInvalid, policy_from_mapping
from tests.unit.lifecycle_builders import POLICIES, POLICY, make_policy
from workflows.persistence import load_policy

FAMILIES_FIRST = load_policy(POLICIES, "authority_d")


def test_the_default_policy_allocates_cases_to_social_workers_only() -> None:
    assert POLICY.allocated_roles == ["social_worker"]
    assert POLICY.allocates("social_worker")
    assert not POLICY.allocates("team_manager") and not POLICY.allocates("lead_cp_practitioner")


def test_families_first_allocates_cases_to_lead_practitioners_and_social_workers() -> None:
    assert FAMILIES_FIRST.allocated_roles == ["social_worker", "lead_cp_practitioner"]
    assert FAMILIES_FIRST.allocates("lead_cp_practitioner") and FAMILIES_FIRST.allocates("social_worker")
    assert not FAMILIES_FIRST.allocates("team_manager")


def test_every_owner_of_the_social_workers_actions_on_families_first_may_hold_the_case() -> None:
    # The actions the default gives the social worker go, on Families First, to the lead practitioner (the
    # referral decision stays with the social worker): whoever owns them must be one the case can be allocated to,
    # or their notices could never reach the person holding the case.
    social_workers = [kind for kind, rule in POLICY.actions.items() if rule.owner_role == "social_worker"]
    owners = {FAMILIES_FIRST.action_rule(kind).owner_role for kind in social_workers}
    assert owners == {"social_worker", "lead_cp_practitioner"}
    assert all(FAMILIES_FIRST.allocates(owner) for owner in owners)


def test_an_allocated_role_the_policy_does_not_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="allocated_roles: unknown role 'caretaker'"):
        make_policy(allocated_roles=["social_worker", "caretaker"])
    # The default's roles have no lead practitioner: a profile must add the role before it may allocate to it.
    with pytest.raises(ValidationError, match="allocated_roles: unknown role 'lead_cp_practitioner'"):
        make_policy(allocated_roles=["lead_cp_practitioner"])


def test_a_policy_file_with_an_unknown_or_no_allocated_role_is_one_line_naming_the_key() -> None:
    data = POLICY.model_dump(mode="json")
    with pytest.raises(PolicyInvalid) as unknown:
        policy_from_mapping({**data, "allocated_roles": ["caretaker"]}, "authority_x.yaml")
    assert "allocated_roles" in str(unknown.value) and "unknown role 'caretaker'" in str(unknown.value)
    assert "\n" not in str(unknown.value)
    with pytest.raises(PolicyInvalid) as empty:
        policy_from_mapping({**data, "allocated_roles": []}, "authority_x.yaml")
    assert "allocated_roles" in str(empty.value)
