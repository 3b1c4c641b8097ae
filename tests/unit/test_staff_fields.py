"""What a staff record may hold: ids and teams from the documented alphabet, an e-mail, the policies' roles."""

from __future__ import annotations

import pytest

from states.errors import InputInvalid
from states.input_rules import check_identifier
from workflows.persistence import load_all_policies
from workflows.services import ID_ALPHABET, StaffEntry, StaffInvalid, known_roles
from workflows.services.staff_fields import entry_problems, id_problem, require_valid
from workflows.settings import REPOSITORY_CONFIG_DIR

ROLES = known_roles(load_all_policies(REPOSITORY_CONFIG_DIR / "policies"))


def _entry(**fields: object) -> StaffEntry:
    values: dict[str, object] = {
        "id": "tm-north_1",
        "email": "tm.north@example.org",
        "roles": ("team_manager",),
        "teams": ("north",),
    }
    return StaffEntry(**{**values, **fields})  # type: ignore[arg-type]


def test_the_known_roles_are_every_role_any_loaded_policy_names() -> None:
    assert {"social_worker", "cp_chair", "team_manager", "service_manager", "head_of_service"} <= ROLES
    assert "manager" not in ROLES


def test_a_member_with_letters_digits_hyphens_underscores_several_roles_and_no_team_is_accepted() -> None:
    assert entry_problems(_entry(id="Sm-2_b", roles=("service_manager", "cp_chair"), teams=()), ROLES) == []


@pytest.mark.parametrize("staff_id", ["", "jane doe", "tm.north", "tm/1", "é-1", "x" * 65])
def test_an_id_outside_the_alphabet_or_too_long_is_refused_without_repeating_it(staff_id: str) -> None:
    with pytest.raises(StaffInvalid) as refused:
        require_valid(_entry(id=staff_id), ROLES)

    assert str(refused.value) == f"staff record: id: expected 1-64 characters: {ID_ALPHABET}"


@pytest.mark.parametrize("email", ["", "tm.north", "tm@north", "tm @example.org", "a@b@example.org", "a@example."])
def test_an_address_that_is_not_one_e_mail_is_refused_and_never_echoed(email: str) -> None:
    with pytest.raises(StaffInvalid) as refused:
        require_valid(_entry(email=email), ROLES)

    message = str(refused.value)
    assert (
        message == "staff tm-north_1: email: expected one e-mail address like name@example.org, at most 254 characters"
    )
    assert not email or email not in message


def test_an_unknown_role_is_named_when_it_is_a_plain_name_and_the_known_roles_are_listed() -> None:
    (problem,) = entry_problems(_entry(roles=("team_manager", "overlord")), ROLES)

    assert problem.field == "roles"
    assert problem.expected.startswith("unknown role 'overlord': expected roles of: business_support, cp_chair")


def test_an_unknown_role_that_could_be_an_e_mail_in_the_wrong_column_is_not_repeated() -> None:
    (problem,) = entry_problems(_entry(roles=("jane@example.org",)), ROLES)

    assert "jane" not in str(problem)
    assert str(problem).startswith("roles: an unknown role: expected roles of: ")


def test_a_member_needs_at_least_one_role() -> None:
    (problem,) = entry_problems(_entry(roles=()), ROLES)

    assert str(problem).startswith("roles: expected at least one role of: ")


@pytest.mark.parametrize("team", ["north east", "north;east", "", "x" * 65])
def test_a_team_outside_the_alphabet_is_refused(team: str) -> None:
    assert [str(p) for p in entry_problems(_entry(teams=("north", team)), ROLES)] == [
        f"teams: expected team names of 1-64 characters: {ID_ALPHABET}"
    ]


def test_every_bad_field_is_named_in_one_line_in_column_order() -> None:
    with pytest.raises(StaffInvalid) as refused:
        require_valid(_entry(email="nope", roles=(), teams=("a b",)), ROLES)

    message = str(refused.value)
    assert "\n" not in message
    assert [part.split(":")[0] for part in message.removeprefix("staff tm-north_1: ").split("; ")] == [
        "email",
        "roles",
        "teams",
    ]


@pytest.mark.parametrize("value", ["", "jane@example.org", "x" * 65, "caf\u00e9", "sw 1", "sw-1\nerror: forged"])
def test_a_staff_id_is_refused_by_the_input_rules_alphabet_in_their_words_but_never_echoed(value: str) -> None:
    problem = id_problem(value)
    assert problem is not None
    with pytest.raises(InputInvalid) as refused:
        check_identifier(value, "--actor")
    assert str(refused.value).endswith(problem.expected)
    assert value == "" or value not in problem.expected


@pytest.mark.parametrize("value", ["sw-1", "TM_2", "x" * 64])
def test_a_staff_id_the_input_rules_accept_is_accepted_by_the_directory(value: str) -> None:
    assert check_identifier(value, "--actor") == value
    assert id_problem(value) is None
