"""Builders of cases, actions and staff for the sweep and escalation tests: SQLAlchemy core, no lifecycle."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from workflows.persistence import (
    ActionRow,
    CaseRow,
    EscalationRow,
    ReminderRow,
    StaffRoleRow,
    StaffRow,
    StaffTeamRow,
    load_all_policies,
)
from workflows.settings import REPOSITORY_CONFIG_DIR
from workflows.sweep import SweepContext

RECORDED = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
_references = itertools.count(1)


def policies() -> dict[str, Any]:
    return load_all_policies(Path(REPOSITORY_CONFIG_DIR) / "policies")


def context(engine: Engine) -> SweepContext:
    return SweepContext(engine, policies())


def make_case(connection: Connection, *, authority: str = "default", team: str = "north", **fields: Any) -> int:
    """Insert a case and return its id; the reference is unique per test session."""
    row = {
        "reference": f"CP-{next(_references):06d}",
        "authority": authority,
        "team": team,
        "status": "core_groups",
        "version": 1,
        "facts": {},
        "created_at": RECORDED,
        "updated_at": RECORDED,
        **fields,
    }
    return int(connection.execute(insert(CaseRow.__table__).returning(CaseRow.__table__.c.id), row).scalar_one())


def make_action(connection: Connection, case_id: int, due_on: date, **fields: Any) -> int:
    """Insert an open action on the case and return its id."""
    row = {
        "case_id": case_id,
        "kind": "hold_first_core_group",
        "owner_role": "social_worker",
        "status": "open",
        "due_on": due_on,
        "opened_on": date(2027, 1, 4),
        "done_on": None,
        "mandatory": True,
        "rule": "hold_first_core_group",
        "anchor": "icpc_date",
        "policy_version": "2026.1",
        "close_reason": None,
        **fields,
    }
    return int(connection.execute(insert(ActionRow.__table__).returning(ActionRow.__table__.c.id), row).scalar_one())


def make_staff(
    connection: Connection, staff_id: str, role: str, team: str | None, *, deactivated: bool = False
) -> None:
    """A member of staff in the directory with one role and one team (None: no teams, service-wide)."""
    row = {
        "id": staff_id,
        "email": f"{staff_id}@example.org",
        "created_at": RECORDED,
        "deactivated_at": RECORDED if deactivated else None,
    }
    connection.execute(insert(StaffRow.__table__), row)
    connection.execute(insert(StaffRoleRow.__table__), {"staff_id": staff_id, "role": role})
    if team is not None:
        connection.execute(insert(StaffTeamRow.__table__), {"staff_id": staff_id, "team": team})


def reference_of(connection: Connection, case_id: int) -> str:
    return str(connection.execute(select(CaseRow.reference).where(CaseRow.id == case_id)).scalar_one())


def sweep_escalations(engine: Engine) -> set[tuple[int, str, date]]:
    """(action id, level, due date) of every escalation the sweep wrote."""
    table = EscalationRow.__table__
    with engine.connect() as connection:
        rows = connection.execute(
            select(table.c.action_id, table.c.level, table.c.due_on).where(table.c.source == "sweep")
        )
        return {(row.action_id, row.level, row.due_on) for row in rows}


def reminders(engine: Engine) -> set[tuple[int, date]]:
    """(action id, due date) of every reminder."""
    table = ReminderRow.__table__
    with engine.connect() as connection:
        return {(row.action_id, row.due_on) for row in connection.execute(select(table.c.action_id, table.c.due_on))}


def row_counts(engine: Engine) -> tuple[int, int]:
    """How many escalation and reminder rows exist (a duplicate would show here)."""
    with engine.connect() as connection:
        escalations = len(connection.execute(select(EscalationRow.__table__.c.id)).all())
        reminder_rows = len(connection.execute(select(ReminderRow.__table__.c.id)).all())
    return escalations, reminder_rows
