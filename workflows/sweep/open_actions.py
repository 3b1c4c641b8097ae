"""The open actions as the sweep reads them: how many fall due on each date, and those due in a range of dates with
their case's authority, read from the partial index of open actions by due date (migrations 0004 and 0007)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import CTE, Connection, Subquery, func, select

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


def candidates(connection: Connection, first: date, last: date, *columns: Any) -> Subquery | CTE:
    """Open actions due from first to last with their case's authority (and `columns`), to join to the stages.

    On PostgreSQL read once (a MATERIALIZED CTE), then joined to the stages. Planned as one query, PostgreSQL drove
    the join from the stage table (one row per authority and due date) and read each due date's actions and their
    cases once per authority, four times the work: it cannot see that a due date in the range holds as many open
    actions as a due date in the whole table. SQLite plans the plain join well, and its driver reports no rowcount
    for an INSERT that starts with WITH, so there it stays a subquery that SQLite folds into the join.
    """
    query = (
        select(actions.c.id, actions.c.case_id, actions.c.due_on, cases.c.authority, *columns)
        .join_from(actions, cases, cases.c.id == actions.c.case_id)
        .where(OPEN, actions.c.due_on.between(first, last))
    )
    if connection.dialect.name == "postgresql":
        return query.cte("sweep_candidates").prefix_with("MATERIALIZED")
    return query.subquery("sweep_candidates")
