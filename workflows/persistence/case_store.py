"""The case repository: load a case with its open actions in one query; save a trigger's result under a version check.

A trigger's write runs in the caller's transaction: one UPDATE ... WHERE version = :v (or the INSERT of a new case),
one INSERT per opened action, one UPDATE of the changed actions, one audit row and one outbox row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from states import Action, Case, CaseStatus, TrackStatus, TransitionResult
from workflows.persistence.audit_chain import AuditRecord, ChainHead, anchor_seal, chained_row, private_rows
from workflows.persistence.audit_keys import current_keyring
from workflows.persistence.case_rows import (
    ACTION_FIELDS,
    INSERT_ACTION_SQL,
    INSERT_AUDIT_SQL,
    INSERT_CASE_SQL,
    INSERT_OUTBOX_SQL,
    INSERT_PRIVATE_SQL,
    LOAD_QUERY,
    UPDATE_ACTION_SQL,
    UPDATE_CASE_SQL,
    case_values,
)
from workflows.persistence.driver_cursor import DriverCursor
from workflows.persistence.errors import CaseNotFound, ConcurrentUpdate
from workflows.persistence.outbox import OPEN_ACTIONS, open_actions_entry, outbox_row
from workflows.persistence.unit_of_work import Transactional

__all__ = [
    "FIRED_EVENT",
    "TRANSITION_MESSAGE",
    "CaseNotFound",
    "ConcurrentUpdate",
    "LoadedCase",
    "load",
    "save",
    "save_changes",
]

FIRED_EVENT = "trigger_fired"  # audit: a trigger that changed the case
TRANSITION_MESSAGE = "case_transition"  # outbox: delivered to the case-transition flow


@dataclass(frozen=True)
class LoadedCase:
    """A case as read, with what its write needs: the row id and the head of its audit chain."""

    case: Case
    row_id: int
    audit_head: ChainHead


def _action(row: Mapping[str, Any]) -> Action:
    return Action(**{name: row[f"a_{name}"] for name in ACTION_FIELDS}, id=row["action_id"])


def _case(rows: Sequence[Mapping[str, Any]]) -> Case:
    first = rows[0]
    return Case(
        reference=first["reference"],
        authority=first["authority"],
        status=CaseStatus(first["status"]),
        version=first["version"],
        date_of_birth=first["date_of_birth"],
        expected_delivery_date=first["expected_delivery_date"],
        facts=dict(first["facts"]),
        actions=[_action(row) for row in rows if row["action_id"] is not None],
        team=first["team"],
        allocated_worker=first["allocated_worker"],
        child_id=first["child_id"],
        sex=first["sex"],
        upn=first["upn"],
        pre_proceedings=TrackStatus(first["pre_proceedings"]),
    )


def load(connection: Transactional, reference: str) -> LoadedCase | None:
    """The case with its open actions and audit head, in one round trip; None when there is no such case."""
    with DriverCursor(connection) as cursor:
        rows = cursor.rows(LOAD_QUERY, {"reference": reference})
    if not rows:
        return None
    first = rows[0]
    head = ChainHead(first["audit_seq"], first["audit_hash"]) if first["audit_seq"] is not None else ChainHead()
    return LoadedCase(case=_case(rows), row_id=first["id"], audit_head=head)


def _is_duplicate_audit_seq(error: IntegrityError) -> bool:
    diag = getattr(error.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None) == "uq_audit_events_case_reference"
    return "audit_events.seq" in str(error.orig)


def _write_case(cursor: DriverCursor, loaded: LoadedCase | None, case: Case, anchor: dict[str, Any]) -> int:
    """Insert or version-check-update the case row at `anchor`'s version; returns the row id."""
    values = case_values(case, anchor["version"], anchor["updated_at"]) | {
        name: anchor[name] for name in ("audit_seq", "audit_hash", "audit_seal")
    }
    if loaded is None:
        identity = {"reference": case.reference, "authority": case.authority, "created_at": anchor["updated_at"]}
        try:
            return int(cursor.run(INSERT_CASE_SQL, values | identity).fetchone()[0])
        except IntegrityError:
            # Only the unique reference can fail here: another trigger created this case after our read.
            raise ConcurrentUpdate(case.reference, None) from None
    check = {"row_id": loaded.row_id, "expected_version": loaded.case.version}
    if cursor.run(UPDATE_CASE_SQL, values | check).rowcount != 1:
        raise ConcurrentUpdate(case.reference, loaded.case.version)
    return loaded.row_id


def _insert_actions(cursor: DriverCursor, case_id: int, new: Sequence[Action]) -> None:
    # One statement per action, so each gets its id back without relying on the order of a multi-row RETURNING.
    for action in new:
        values = {name: getattr(action, name) for name in ACTION_FIELDS} | {"case_id": case_id}
        action.id = int(cursor.run(INSERT_ACTION_SQL, values).fetchone()[0])


def _update_actions(cursor: DriverCursor, changed: Iterable[Action]) -> None:
    rows = [{**action.__dict__, "action_id": action.id} for action in changed if action.id is not None]
    if rows:
        cursor.run_many(UPDATE_ACTION_SQL, rows)


def _chained(loaded: LoadedCase | None, case: Case, record: AuditRecord, now: datetime) -> dict[str, Any]:
    """The audit row of this change, and (under "anchor") the case row's anchor of it at the new version."""
    version = loaded.case.version + 1 if loaded is not None else 1
    head = loaded.audit_head if loaded is not None else ChainHead()
    row = chained_row(case.reference, head, record, now, version)
    new_head = ChainHead(row["seq"], row["hash"])
    seal = anchor_seal(current_keyring(), case.reference, version, new_head)
    anchor = {"version": version, "updated_at": now, "audit_seq": row["seq"], "audit_hash": row["hash"]}
    return {**row, "anchor": anchor | {"audit_seal": seal}}


def _append_audit(cursor: DriverCursor, loaded: LoadedCase | None, case: Case, row: dict[str, Any]) -> None:
    try:
        cursor.run(INSERT_AUDIT_SQL, row)
    except IntegrityError as error:
        # A refusal was audited on this case after our read: the chain moved, so this write lost the race.
        if _is_duplicate_audit_seq(error):
            raise ConcurrentUpdate(case.reference, loaded.case.version if loaded else None) from None
        raise


def save_changes(
    connection: Transactional,
    loaded: LoadedCase | None,
    case: Case,
    changes: tuple[Sequence[Action], Sequence[Action]],
    records: tuple[AuditRecord, tuple[str, dict[str, Any]] | None],
    now: datetime,
) -> LoadedCase:
    """Write a change of a case in the caller's transaction: case row, actions, audit event, outbox row.

    `changes` is (new actions to insert, existing actions to update); `records` is the audit record and the
    outbox (event type, payload), if any. Returns the case as it is now stored (as `load` would read it once
    committed). Raises ConcurrentUpdate when the case moved on since `loaded` was read; the caller's rollback then
    discards everything.
    """
    new, changed = changes
    record, message = records
    audit_row = _chained(loaded, case, record, now)
    anchor = audit_row.pop("anchor")
    version, head = anchor["version"], ChainHead(audit_row["seq"], audit_row["hash"])
    with DriverCursor(connection) as cursor:
        row_id = _write_case(cursor, loaded, case, anchor)
        _insert_actions(cursor, row_id, new)
        _update_actions(cursor, changed)
        _append_audit(cursor, loaded, case, audit_row)
        if record.private:
            cursor.run_many(INSERT_PRIVATE_SQL, private_rows(case.reference, head.seq, record))
        # In id order, new ones last (their ids known once inserted): what a load would read once committed, and
        # what the outbox row records as standing open after this change.
        open_actions = [action for action in case.actions if action.status == "open"]
        if message is not None:
            payload = {**message[1], OPEN_ACTIONS: open_actions_entry(open_actions)}
            cursor.run(INSERT_OUTBOX_SQL, outbox_row(case.reference, version, message[0], payload, now))
    stored = replace(case, version=version, facts=dict(case.facts), actions=open_actions)
    return LoadedCase(stored, row_id, head)


def _audit_record(result: TransitionResult, actor_id: str, actor_role: str) -> AuditRecord:
    return AuditRecord(
        event_type=FIRED_EVENT,
        actor_id=actor_id,
        actor_role=actor_role,
        trigger=result.trigger,
        occurred_on=result.occurred_on,
        from_status=result.from_status.value,
        to_status=result.to_status.value,
        payload=result.event,
        private=result.private,
    )


def _action_changes(result: TransitionResult) -> tuple[list[Action], list[Action]]:
    """(actions to insert, actions to update), each in its final state after the trigger."""
    final = {action.id: action for action in result.case.actions if action.id is not None}
    touched = [*result.closed, *(action for action, _ in result.moved)]
    changed = {action.id: final.get(action.id, action) for action in touched if action.id is not None}
    new = [action for action in result.case.actions if action.id is None]
    return new, list(changed.values())


def save(
    connection: Transactional,
    loaded: LoadedCase | None,
    result: TransitionResult,
    actor: tuple[str, str],
    now: datetime,
) -> LoadedCase:
    """Persist a trigger's result (fired on `loaded`) in the caller's transaction; returns the case as now stored."""
    record = _audit_record(result, *actor)
    message = (TRANSITION_MESSAGE, result.outbox)
    return save_changes(connection, loaded, result.case, _action_changes(result), (record, message), now)
