"""The stages of the work in hand, in a temporary table per connection keyed on (authority, due date), so that
SQL can join each open action to the stage its authority and due date have reached."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    delete,
    insert,
    select,
)
from sqlalchemy.schema import CreateTable

from workflows.sweep.stages import Stage

__all__ = ["fill_stages", "stage_table", "staged"]

# Not part of the application schema: it lives and dies with the connection.
stage_table = Table(
    "sweep_stage",
    MetaData(),
    Column("authority", String(64), primary_key=True),
    Column("due_on", Date, primary_key=True),
    Column("level", String(32), nullable=False),
    Column("days", Integer, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)


def fill_stages(connection: Connection, stages: Sequence[Stage]) -> None:
    """Put the stages in this connection's temporary stage table, replacing what it held."""
    connection.execute(CreateTable(stage_table, if_not_exists=True))
    # PostgreSQL empties it at every commit (ON COMMIT DELETE ROWS); SQLite keeps rows until told.
    connection.execute(delete(stage_table))
    rows = [
        {"authority": s.authority, "due_on": s.due_on, "level": s.level, "days": s.working_days_overdue} for s in stages
    ]
    if rows:
        connection.execute(insert(stage_table), rows)
    if connection.dialect.name == "postgresql":
        # A temporary table has no statistics until analysed. Guessing its size, the planner drove the join from the
        # stage table, reading each due date's actions once per authority: the benchmark's first-ever sweep took
        # 23 s instead of 1.1 s.
        connection.exec_driver_sql(f"ANALYZE {stage_table.name}")


def staged(candidates: Subquery) -> Select[Any]:
    """The candidates with the stage their (authority, due date) has reached; those with none drop out."""
    stage_of = and_(stage_table.c.authority == candidates.c.authority, stage_table.c.due_on == candidates.c.due_on)
    return select(candidates.c.id).select_from(candidates.join(stage_table, stage_of))
