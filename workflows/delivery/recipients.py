"""Who is e-mailed: the people the staff directory names for a notice or digest, the role's mailbox otherwise.

- A notice or digest about a case that has an allocated worker, for an owner role the case's policy allocates
  (`allocated_roles`: the social worker by default, the lead child protection practitioner too on the Families
  First profile), goes to that worker's e-mail while they are an active member holding that role.
- One for the team-manager rung goes to the active team managers of the case's team.
- Anything else, or when the directory names nobody, goes to the role's shared mailbox, as before allocation.

Addresses are returned for the message's `To` header only: they are never logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import ColumnElement, Connection, select

from states.notices import WHOLE_SERVICE
from states.policy import Policy
from workflows.persistence import CaseRow, StaffRoleRow, StaffRow, StaffTeamRow

__all__ = ["TEAM_MANAGER_ROLE", "digest_recipients", "notice_people", "people_for"]

# The escalation rung whose recipients are the managers of the case's own team (the directory knows them).
TEAM_MANAGER_ROLE = "team_manager"

Mailbox = Callable[[str, str], str]
_staff, _roles, _teams, _cases = StaffRow.__table__, StaffRoleRow.__table__, StaffTeamRow.__table__, CaseRow.__table__


def _active_holding(role: str) -> ColumnElement[bool]:
    held = select(_roles.c.staff_id).where(_roles.c.role == role)
    return (_staff.c.deactivated_at.is_(None)) & _staff.c.email.is_not(None) & _staff.c.id.in_(held)


def _worker_email(connection: Connection, staff_id: str, role: str) -> str | None:
    query = select(_staff.c.email).where(_staff.c.id == staff_id, _active_holding(role))
    return connection.execute(query).scalar()


def _team_managers(connection: Connection, team: str) -> list[str]:
    of_team = select(_teams.c.staff_id).where(_teams.c.team == team)
    query = select(_staff.c.email).where(_active_holding(TEAM_MANAGER_ROLE), _staff.c.id.in_(of_team))
    return sorted(connection.execute(query).scalars())


def people_for(connection: Connection, role: str, team: str, staff_id: str) -> str | None:
    """The `To` of the people the directory names for `role` of `team` (WHOLE_SERVICE: none) about work held by
    allocated worker `staff_id` ("" for none, or when the case's policy does not allocate `role`: the caller
    decides); None when it names nobody and the role's mailbox is the recipient."""
    if staff_id:
        worker = _worker_email(connection, staff_id, role)
        if worker is not None:
            return worker
    if role == TEAM_MANAGER_ROLE and team != WHOLE_SERVICE:
        managers = _team_managers(connection, team)
        if managers:
            return ", ".join(managers)
    return None


def digest_recipients(connection: Connection, role: str, team: str, staff_id: str, mailbox: Mailbox) -> str:
    """The `To` of a digest for `role` of `team`, kept for allocated worker `staff_id`: people, else the mailbox."""
    return people_for(connection, role, team, staff_id) or mailbox(role, team)


def notice_people(connection: Connection, case_reference: str, role: str, policies: Mapping[str, Policy]) -> str | None:
    """The `To` of the people a notice for `role` about case `case_reference` goes to (its allocated worker when the
    case's policy, from `policies` by its authority, allocates `role`; its team's managers); None when the directory
    names nobody and the role's mailbox is the recipient."""
    case = connection.execute(
        select(_cases.c.team, _cases.c.allocated_worker, _cases.c.authority).where(_cases.c.reference == case_reference)
    ).first()
    if case is None:
        return None
    policy = policies.get(case.authority)
    worker = (case.allocated_worker or "") if policy is not None and policy.allocates(role) else ""
    return people_for(connection, role, case.team or WHOLE_SERVICE, worker)
