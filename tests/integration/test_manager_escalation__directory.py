"""Who may escalate, from the staff directory: active members holding a manager role over the case's team."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from tests.integration.sweep_builders import make_case, policies, reference_of
from workflows.persistence import AuditEventRow
from workflows.services import (
    EscalationReason,
    EscalationRefused,
    EscalationRequest,
    ManagerEscalations,
    StaffDirectory,
    StaffEntry,
    known_roles,
)

TODAY = date(2027, 3, 10)


def _member(engine: Engine, staff_id: str, roles: tuple[str, ...], teams: tuple[str, ...] = ()) -> None:
    StaffDirectory(engine, known_roles(policies())).add(StaffEntry(staff_id, f"{staff_id}@example.org", roles, teams))


def _case(engine: Engine, team: str | None) -> str:
    with engine.begin() as connection:
        return reference_of(connection, make_case(connection, team=team))


def _escalate(engine: Engine, reference: str, manager_id: str) -> int:
    request = EscalationRequest(reference, "service_manager", EscalationReason.SAFETY_CONCERN, manager_id, TODAY)
    return ManagerEscalations(engine, policies()).raise_escalation(request)


def _problem(engine: Engine, reference: str, manager_id: str) -> str:
    with pytest.raises(EscalationRefused) as refused:
        _escalate(engine, reference, manager_id)
    return refused.value.problem


def _audited_roles(engine: Engine, reference: str) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEventRow.event_type, AuditEventRow.actor_role)
            .where(AuditEventRow.case_reference == reference)
            .order_by(AuditEventRow.seq)
        )
        return [(row.event_type, row.actor_role) for row in rows]


def test_a_manager_of_several_teams_escalates_in_each_and_is_audited_in_the_manager_role(engine: Engine) -> None:
    _member(engine, "tm-ns", ("social_worker", "team_manager"), ("north", "south"))
    north, south, east = _case(engine, "north"), _case(engine, "south"), _case(engine, "east")

    _escalate(engine, north, "tm-ns")
    _escalate(engine, south, "tm-ns")

    assert _problem(engine, east, "tm-ns") == (
        "a social_worker and team_manager of teams north, south is not a manager over team east"
    )
    assert _audited_roles(engine, south) == [("escalation_raised", "team_manager")]
    assert _audited_roles(engine, east) == [("escalation_refused", "team_manager")]


def test_a_deactivated_manager_is_refused_and_the_attempt_audited(engine: Engine) -> None:
    _member(engine, "tm-north", ("team_manager",), ("north",))
    StaffDirectory(engine, known_roles(policies())).deactivate("tm-north")
    reference = _case(engine, "north")

    assert _problem(engine, reference, "tm-north") == "the staff record is deactivated"
    assert _audited_roles(engine, reference) == [("escalation_refused", "team_manager")]


def test_a_service_wide_role_without_teams_is_over_every_team_and_a_case_with_no_team(engine: Engine) -> None:
    _member(engine, "hos", ("head_of_service",))

    for team in ("north", "east", None):
        _escalate(engine, _case(engine, team), "hos")


def test_a_service_manager_given_teams_is_over_those_teams_only(engine: Engine) -> None:
    _member(engine, "sm-north", ("service_manager",), ("north",))
    _escalate(engine, _case(engine, "north"), "sm-north")

    assert _problem(engine, _case(engine, "east"), "sm-north") == (
        "a service_manager of team north is not a manager over team east"
    )


def test_a_team_manager_without_teams_is_over_no_team(engine: Engine) -> None:
    _member(engine, "tm-none", ("team_manager",))

    assert _problem(engine, _case(engine, "north"), "tm-none") == (
        "a team_manager of team none is not a manager over team north"
    )
