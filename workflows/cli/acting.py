"""Who a command acts as: a named member of staff from the directory, never whoever a flag says.

`--actor X --role R` must name an active member holding R; `escalate --manager X` an active member holding a
manager role (whether they are over the case's team is the escalation service's check, audited there);
`policy migrate --actor X` an active member (the migration acts in its own administrator role). Anything else is
refused in one line naming the option, before anything is read or written about a case.
"""

from __future__ import annotations

from sqlalchemy import Engine

from workflows.cli.errors import ActorNotStaff
from workflows.services import MANAGER_ROLES, ActorRefused, Caller, caller_from_directory, id_problem, load_member

__all__ = ["ActorNotStaff", "active_member", "manager_caller", "staff_caller"]

CHANNEL = "cli"


def _refused(option: str, staff_id: str, refusal: ActorRefused) -> ActorNotStaff:
    return ActorNotStaff(f"{option} {staff_id}: {str(refusal).removeprefix(f'staff {staff_id}: ')}")


def _checked_id(option: str, staff_id: str) -> None:
    problem = id_problem(staff_id)
    if problem is not None:  # not repeated: it may hold anything, control characters included
        raise ActorNotStaff(f"{option}: not a staff id: {problem.expected}")


def staff_caller(engine: Engine, staff_id: str, role: str, option: str = "--actor") -> Caller:
    """The member `staff_id` acting as `role` through the CLI; ActorNotStaff (one line) when they may not."""
    _checked_id(option, staff_id)
    try:
        with engine.connect() as connection:
            return caller_from_directory(connection, staff_id, role, CHANNEL)
    except ActorRefused as refusal:
        raise _refused(option, staff_id, refusal) from None


def manager_caller(engine: Engine, staff_id: str, option: str = "--manager") -> Caller:
    """The member `staff_id` acting in the first manager role they hold; ActorNotStaff when they hold none."""
    _checked_id(option, staff_id)
    with engine.connect() as connection:
        member = load_member(connection, staff_id)
    held = [role for role in MANAGER_ROLES if member is not None and role in member.roles]
    role = held[0] if held else MANAGER_ROLES[0]
    return staff_caller(engine, staff_id, role, option)


def active_member(engine: Engine, staff_id: str, option: str = "--actor") -> str:
    """`staff_id` when it names an active member of the directory, whatever their roles; ActorNotStaff otherwise."""
    _checked_id(option, staff_id)
    with engine.connect() as connection:
        member = load_member(connection, staff_id)
    if member is None:
        raise ActorNotStaff(f"{option} {staff_id}: not in the staff directory")
    if not member.active:
        raise ActorNotStaff(f"{option} {staff_id}: deactivated; a deactivated member cannot act")
    return staff_id
