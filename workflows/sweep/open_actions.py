"""The open actions as the sweep reads them: how many fall due on each date, and those due in a range of dates with
their case's authority, read from the partial index of open actions by due date (migrations 0004 and 0007)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Subquery, func, select

from workflows.persistence import ActionRow, CaseRow

__all__ = ["OPEN", "actions", "candidates", "cases", "open_due_counts"]

actions = ActionRow.__table__
cases = CaseRow.__table__
OPEN = actions.c.status == "open"


def open_due_counts(connection: Connection, horizon: date) -> list[tuple[date, int]]:
    """How many open actions fall due on each date before `horizon`, in date order."""
    query = (
        select(actions.c.due_on, func.count())
        .where(OPEN, actions.c.due_on < horizon)
        .group_by(actions.c.due_on)
        .order_by(actions.c.due_on)
    )
    return [(row[0], int(row[1])) for row in connection.execute(query)]


def candidates(first: date, last: date, *columns: Any) -> Subquery:
    """Open actions due from first to last with their case's authority (and `columns`), to join to the stages."""
    query = (
        select(actions.c.id, actions.c.case_id, actions.c.due_on, cases.c.authority, *columns)
        .join_from(actions, cases, cases.c.id == actions.c.case_id)
        .where(OPEN, actions.c.due_on.between(first, last))
    )
    return query.subquery("sweep_candidates")
