"""Moving open actions to a new policy version: list the due dates that would move, or move them, audited.

Only open actions change; done and cancelled actions keep the due date and policy version they closed under.
A migration writes no outbox row: no trigger fired, and the deadline sweep reads due dates from the actions.
"Open cases" are the cases with at least one open action under another policy version (a closed case's
conference follow-up counts: its deadlines still run).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from states.case import Action, Case
from states.policy import NotInPolicy, Policy, PolicyNotFound
from workflows.persistence import ActionRow, AuditRecord, CaseRow, ConcurrentUpdate, case_store
from workflows.services.case_service import InputTooLong
from workflows.services.errors import PolicyVersionMismatch

__all__ = [
    "MIGRATED_EVENT",
    "CasePlan",
    "DueDateMove",
    "MigrationReport",
    "PolicyVersionMismatch",
    "migrate",
    "plan_case",
]

MIGRATED_EVENT = "policy_migrated"  # audit
ACTOR_ROLE = "administrator"
ACTOR_ID_LIMIT = 64
# A case changed by a trigger while it was being migrated is read again and re-planned, this many times.
ATTEMPTS_PER_CASE = 3

_cases = CaseRow.__table__
_actions = ActionRow.__table__


@dataclass(frozen=True)
class DueDateMove:
    """One open action whose due date moves: from what, to what, and the rule that says so."""

    case_reference: str
    action_id: int
    kind: str
    old_due: date
    new_due: date
    old_policy_version: str
    why: str


@dataclass(frozen=True)
class CasePlan:
    """What migrating one case does: the moves, the actions merely restamped, and those left as they are."""

    case_reference: str
    moves: list[DueDateMove]
    restamped: list[Action]
    kept: list[tuple[int, str, str]]  # (action id, kind, why it cannot be recounted)


@dataclass(frozen=True)
class MigrationReport:
    """The outcome of a migration (or of its dry run), case by case."""

    to_version: str
    authorities: list[str]
    dry_run: bool
    cases: list[CasePlan]

    @property
    def moves(self) -> list[DueDateMove]:
        return [move for plan in self.cases for move in plan.moves]


def _rule_text(policy: Policy, action: Action) -> str:
    timescale = policy.timescale(action.rule)
    unit = timescale.unit.value.replace("_", " ")
    return (
        f"{action.rule}: {timescale.amount} {unit} {timescale.direction.value} {action.anchor} "
        f"in policy {policy.name} {policy.version} (was {action.policy_version})"
    )


def _recount(case: Case, action: Action, policy: Policy) -> date | str:
    """The action's due date under `policy`, or why it cannot be recounted."""
    anchor = case.fact_date(action.anchor)
    if anchor is None:
        return f"fact {action.anchor} is not recorded"
    try:
        return policy.due_date(action.rule, anchor)
    except NotInPolicy:
        return f"policy {policy.name} {policy.version} has no timescale {action.rule}"


def plan_case(case: Case, policy: Policy) -> CasePlan:
    """Recount each open action of `case` not yet under `policy`'s version (pure: reads nothing, writes nothing)."""
    moves, restamped, kept = [], [], []
    for action in case.open_actions():
        if action.policy_version == policy.version or action.id is None:
            continue
        due = _recount(case, action, policy)
        if isinstance(due, str):
            kept.append((action.id, action.kind, due))
            continue
        if due != action.due_on:
            why = _rule_text(policy, action)
            moves.append(
                DueDateMove(case.reference, action.id, action.kind, action.due_on, due, action.policy_version, why)
            )
        restamped.append(dataclasses.replace(action, due_on=due, policy_version=policy.version))
    return CasePlan(case.reference, moves, restamped, kept)


def _target_policies(policies: Mapping[str, Policy], to_version: str, authority: str | None) -> dict[str, Policy]:
    if authority is not None:
        if authority not in policies:
            known = ", ".join(sorted(policies)) or "none"
            raise PolicyNotFound(f"authority {authority!r}: no policy loaded for it (loaded: {known})")
        chosen = {authority: policies[authority]}
    else:
        chosen = {name: policy for name, policy in policies.items() if policy.version == to_version}
    loaded = ", ".join(f"{name} {policy.version}" for name, policy in sorted(policies.items()))
    for name, policy in chosen.items():
        if policy.version != to_version:
            raise PolicyVersionMismatch(
                f"authority {name}: its policy file is at version {policy.version}, not {to_version}; "
                f"expected --to {policy.version} or a policy file at {to_version}"
            )
    if not chosen:
        raise PolicyVersionMismatch(f"no loaded policy is at version {to_version} (loaded: {loaded})")
    return chosen


def _references(connection: Connection, policies: Mapping[str, Policy]) -> list[tuple[str, str]]:
    """(reference, authority) of every case with an open action under another version than its policy's."""
    found: set[tuple[str, str]] = set()
    for name, policy in policies.items():
        query = (
            select(_cases.c.reference, _cases.c.authority)
            .join(_actions, _actions.c.case_id == _cases.c.id)
            .where(_cases.c.authority == name, _actions.c.status == "open", _actions.c.policy_version != policy.version)
            .distinct()
        )
        found.update((row.reference, row.authority) for row in connection.execute(query))
    return sorted(found)


def _audit_record(plan: CasePlan, policy: Policy, actor_id: str, today: date) -> AuditRecord:
    return AuditRecord(
        event_type=MIGRATED_EVENT,
        actor_id=actor_id,
        actor_role=ACTOR_ROLE,
        occurred_on=today,
        payload={
            "policy": policy.name,
            "policy_version": policy.version,
            "moves": [_move_json(move) for move in plan.moves],
            "restamped": [action.id for action in plan.restamped],
            "kept": [{"action_id": i, "kind": k, "why": w} for i, k, w in plan.kept],
        },
    )


def _move_json(move: DueDateMove) -> dict[str, Any]:
    return {
        "action_id": move.action_id,
        "kind": move.kind,
        "old_due": move.old_due.isoformat(),
        "new_due": move.new_due.isoformat(),
        "old_policy_version": move.old_policy_version,
        "why": move.why,
    }


def _apply_case(
    session_factory: sessionmaker[Session], reference: str, policy: Policy, actor_id: str, today: date, now: datetime
) -> CasePlan | None:
    """Migrate one case in its own transaction; None when, read again, it has nothing left to change."""
    with session_factory.begin() as session:
        connection = session.connection()
        loaded = case_store.load(connection, reference)
        if loaded is None:
            return None
        plan = plan_case(loaded.case, policy)
        if not plan.restamped:
            return None
        record = _audit_record(plan, policy, actor_id, today)
        changes: tuple[Sequence[Action], Sequence[Action]] = ([], plan.restamped)
        case_store.save_changes(connection, loaded, loaded.case, changes, (record, None), now)
        return plan


def _apply_with_retries(
    session_factory: sessionmaker[Session], reference: str, policy: Policy, actor_id: str, today: date, now: datetime
) -> CasePlan | None:
    for attempt in range(ATTEMPTS_PER_CASE):
        try:
            return _apply_case(session_factory, reference, policy, actor_id, today, now)
        except ConcurrentUpdate:
            if attempt == ATTEMPTS_PER_CASE - 1:
                raise
    return None


def _dry_run(session_factory: sessionmaker[Session], targets: Mapping[str, Policy]) -> list[CasePlan]:
    plans = []
    with session_factory() as session:
        connection = session.connection()
        for reference, authority in _references(connection, targets):
            loaded = case_store.load(connection, reference)
            if loaded is not None:
                plans.append(plan_case(loaded.case, targets[authority]))
    return plans


def migrate(
    session_factory: sessionmaker[Session],
    policies: Mapping[str, Policy],
    to_version: str,
    *,
    today: date,
    now: Callable[[], datetime],
    authority: str | None = None,
    dry_run: bool = True,
    actor_id: str = "policy-migration",
) -> MigrationReport:
    """Plan (dry run) or apply the move of every open action to `to_version`: one audited transaction per case."""
    if len(actor_id) > ACTOR_ID_LIMIT:
        raise InputTooLong(f"actor id is {len(actor_id)} characters long: expected at most {ACTOR_ID_LIMIT}")
    targets = _target_policies(policies, to_version, authority)
    if dry_run:
        plans = _dry_run(session_factory, targets)
    else:
        with session_factory() as session:
            references = _references(session.connection(), targets)
        applied = (
            _apply_with_retries(session_factory, ref, targets[name], actor_id, today, now()) for ref, name in references
        )
        plans = [plan for plan in applied if plan is not None]
    return MigrationReport(to_version, sorted(targets), dry_run, plans)
