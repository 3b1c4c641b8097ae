"""Who a case may be allocated to: an active member of the staff directory holding one of the policy's allocated
roles (`allocated_roles`: the social worker by default) and, when they have teams, the case's team. The domain records the allocation; only the service can see
the directory, so it checks the worker before the trigger's transaction writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from states import Case
from states.field_text import TriggerInput, given_field
from states.policy import Policy
from workflows.services.errors import WorkerNotAllocatable
from workflows.services.staff import StaffMember, load_member

__all__ = ["ALLOCATION_FIELDS", "Candidate", "candidate_of", "check_allocation"]

# The field each allocating trigger names the worker in; the referral's and transfer-in's is optional.
ALLOCATION_FIELDS = {
    "allocate": "worker",
    "receive_referral": "allocated_worker",
    "receive_transfer_in": "allocated_worker",
}


def _problem(member: StaffMember | None, team: str | None, policy: Policy) -> str | None:
    if member is None:
        return "not in the staff directory"
    if not member.active:
        return "deactivated"
    if not any(policy.allocates(role) for role in member.roles):
        wanted = " or ".join(policy.allocated_roles)
        return f"does not hold role {wanted} (holds: {', '.join(member.roles) or 'none'})"
    if member.teams and team not in member.teams:
        return f"not in the case's team {team or 'none'} (teams: {', '.join(member.teams)})"
    return None


@dataclass(frozen=True)
class Candidate:
    """The worker a trigger's data names, as the directory holds them (None: not in it)."""

    worker: str
    member: StaffMember | None


def candidate_of(engine: Engine, trigger: str, data: TriggerInput) -> Candidate | None:
    """The worker `trigger`'s data would allocate the case to, read from the directory; None when it names none.

    Read before the trigger's transaction, not in it: that transaction runs on the driver's cursor (the case
    store's fast path), and on SQLite a second connection could not read while it holds the write lock.
    """
    field = ALLOCATION_FIELDS.get(trigger)
    worker = given_field(data, field) if field is not None else None
    if not isinstance(worker, str):
        return None
    with engine.connect() as connection:
        return Candidate(worker, load_member(connection, worker))


def check_allocation(
    candidate: Candidate | None, trigger: str, before: Case | None, after: Case, policy: Policy
) -> None:
    """WorkerNotAllocatable when `trigger` gave the case a worker who may not hold it under `policy` (the case's);
    a worker kept is not rechecked."""
    if candidate is None or after.allocated_worker != candidate.worker:
        return
    if before is not None and before.allocated_worker == candidate.worker:
        return
    problem = _problem(candidate.member, after.team, policy)
    if problem is not None:
        raise WorkerNotAllocatable(f"{trigger}: {ALLOCATION_FIELDS[trigger]} {candidate.worker}: {problem}")
