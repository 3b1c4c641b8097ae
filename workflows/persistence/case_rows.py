"""The rows a case is kept in: the columns of the case and of its actions, and the statements that read and write them.

Statements are `:name` templates for the driver cursor (workflows.persistence.driver_cursor); the schema itself is
Alembic's (workflows/persistence/migrations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.sql.selectable import TextualSelect

from states import Case
from workflows.persistence.audit_chain import HASHED_FIELDS
from workflows.persistence.driver_cursor import typed_query
from workflows.persistence.models import ActionRow, CaseRow

__all__ = [
    "ACTION_FIELDS",
    "ANCHOR_COLUMNS",
    "CASE_COLUMNS",
    "CASE_FIELDS",
    "CHANGEABLE_FIELDS",
    "INSERT_ACTION_SQL",
    "INSERT_AUDIT_SQL",
    "INSERT_CASE_SQL",
    "INSERT_OUTBOX_SQL",
    "INSERT_PRIVATE_SQL",
    "LOAD_QUERY",
    "UPDATE_ACTION_SQL",
    "UPDATE_CASE_SQL",
    "case_values",
]

ACTION_FIELDS = (
    "kind",
    "owner_role",
    "status",
    "due_on",
    "opened_on",
    "done_on",
    "mandatory",
    "rule",
    "anchor",
    "policy_version",
    "close_reason",
)
# The columns of the case row a load reads.
CASE_FIELDS = (
    "id",
    "reference",
    "authority",
    "team",
    "allocated_worker",
    "status",
    "version",
    "date_of_birth",
    "expected_delivery_date",
    "facts",
    "child_id",
    "sex",
    "upn",
    "pre_proceedings",
)
# The columns of an action a later trigger (or a policy migration) may change.
CHANGEABLE_FIELDS = ("status", "due_on", "done_on", "close_reason", "rule", "anchor", "policy_version")
# The columns of the case row a trigger may change.
CASE_COLUMNS = (
    "status",
    "version",
    "team",
    "allocated_worker",
    "date_of_birth",
    "expected_delivery_date",
    "child_id",
    "sex",
    "upn",
    "facts",
    "updated_at",
    "pre_proceedings",
)

# The case row's anchor of its audit chain, written with every change of the case (workflows.persistence.audit).
ANCHOR_COLUMNS = ("audit_seq", "audit_hash", "audit_seal")


def case_values(case: Case, version: int, now: datetime) -> dict[str, Any]:
    """The case row's changeable columns (CASE_COLUMNS) for `case` at `version`, written at `now`."""
    return {
        "status": case.status.value,
        "version": version,
        "team": case.team,
        "allocated_worker": case.allocated_worker,
        "date_of_birth": case.date_of_birth,
        "expected_delivery_date": case.expected_delivery_date,
        "child_id": case.child_id,
        "sex": case.sex,
        "upn": case.upn,
        "facts": case.facts,
        "updated_at": now,
        "pre_proceedings": case.pre_proceedings.value,
    }


def _insert_sql(table: str, columns: Sequence[str], returning: str | None = None) -> str:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + name for name in columns)})"
    return f"{sql} RETURNING {returning}" if returning else sql


def _assignments(columns: Sequence[str]) -> str:
    return ", ".join(f"{name} = :{name}" for name in columns)


_WRITTEN_COLUMNS = (*CASE_COLUMNS, *ANCHOR_COLUMNS)
INSERT_CASE_SQL = _insert_sql("cases", ("reference", "authority", "created_at", *_WRITTEN_COLUMNS), returning="id")
UPDATE_CASE_SQL = (
    f"UPDATE cases SET {_assignments(_WRITTEN_COLUMNS)} WHERE id = :row_id AND version = :expected_version"
)
INSERT_ACTION_SQL = _insert_sql("actions", ("case_id", *ACTION_FIELDS), returning="id")
UPDATE_ACTION_SQL = f"UPDATE actions SET {_assignments(CHANGEABLE_FIELDS)} WHERE id = :action_id"
INSERT_AUDIT_SQL = _insert_sql("audit_events", (*HASHED_FIELDS, "hash"))
INSERT_PRIVATE_SQL = _insert_sql("private_text", ("case_reference", "seq", "field", "text", "state", "changed_by_seq"))
INSERT_OUTBOX_SQL = _insert_sql(
    "outbox", ("case_reference", "idempotency_key", "event_type", "payload", "created_at", "attempts")
)


def _load_query() -> TextualSelect:
    """The case, one row per open action (in id order), and the newest audit event's seq and hash (its anchor)."""
    cases, actions = CaseRow.__table__, ActionRow.__table__
    columns = {
        **{name: cases.c[name] for name in CASE_FIELDS},
        "audit_seq": cases.c.audit_seq,
        "audit_hash": cases.c.audit_hash,
        "action_id": actions.c.id,
        **{f"a_{name}": actions.c[name] for name in ACTION_FIELDS},
    }
    template = (
        f"SELECT {', '.join(f'cases.{name}' for name in CASE_FIELDS)}, cases.audit_seq, cases.audit_hash, "
        f"actions.id, {', '.join(f'actions.{name}' for name in ACTION_FIELDS)} "
        "FROM cases LEFT OUTER JOIN actions ON actions.case_id = cases.id AND actions.status = 'open' "
        "WHERE cases.reference = :reference ORDER BY actions.id"
    )
    return typed_query(template, columns)


LOAD_QUERY = _load_query()
