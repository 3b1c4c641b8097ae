"""Sweep batches: each a range of due dates swept in one transaction, one INSERT ... SELECT per level that joins the
open actions to their case and stage and leaves out those that already have their row; the table's unique key
skips a row another writer added meanwhile, so a rerun, a resumed run or a second concurrent sweep creates nothing
twice.

A `sweep_progress` row per due date is claimed with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises writers
anyway) and marked done in the same transaction, so two sweeps share the work instead of repeating it, and a killed
sweep's rerun picks up the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, Date, DateTime, literal, select, update

from states.policy import Policy
from workflows.persistence import EscalationRow, ReminderRow, SweepProgressRow
from workflows.settings import utc_now
from workflows.sweep.context import SweepContext, sweep_log
from workflows.sweep.keyed_insert import insert_missing
from workflows.sweep.open_actions import candidates
from workflows.sweep.stage_table import fill_stages, stage_table, staged
from workflows.sweep.stages import REMINDER, plan_stages

__all__ = ["sweep_batch", "sweep_leftovers"]

_reminders = ReminderRow.__table__
_escalations = EscalationRow.__table__
_progress = SweepProgressRow.__table__


def _claim(connection: Connection, as_of: date, first: date, last: date, wait: bool) -> list[date]:
    query = (
        select(_progress.c.due_on)
        .where(_progress.c.as_of == as_of, _progress.c.due_on.between(first, last), _progress.c.done_at.is_(None))
        .order_by(_progress.c.due_on)
        .with_for_update(skip_locked=not wait)
    )
    return list(connection.execute(query).scalars())


def _insert_level(connection: Connection, level: str, first: date, last: date, as_of: date, now: datetime) -> int:
    """Insert the reminders, or the escalations at one rung, of the staged open actions due from first to last."""
    found = candidates(first, last)
    action = found.c
    swept_on, created_at = literal(as_of, Date), literal(now, DateTime(timezone=True))
    if level == REMINDER:
        table, key = _reminders, ["action_id", "due_on"]
        columns = {
            "action_id": action.id,
            "case_id": action.case_id,
            "due_on": action.due_on,
            "swept_on": swept_on,
            "created_at": created_at,
        }
    else:
        table, key = _escalations, ["action_id", "level", "due_on"]
        columns = {
            "case_id": action.case_id,
            "action_id": action.id,
            "level": stage_table.c.level,
            "source": literal("sweep"),
            "due_on": action.due_on,
            "working_days_overdue": stage_table.c.days,
            "swept_on": swept_on,
            "raised_on": swept_on,
            "created_at": created_at,
        }
    return insert_missing(connection, table, key, columns, staged(found).where(stage_table.c.level == level))


def _sweep_dates(
    connection: Connection, policies: Mapping[str, Policy], as_of: date, dates: Sequence[date], now: datetime
) -> Counter[str]:
    # Stages for every policy, not only the authorities with cases: a stage no case joins costs nothing, and
    # asking which authorities have cases would scan the cases table once per batch.
    stages = plan_stages(policies, policies, as_of, dates)
    fill_stages(connection, stages)
    ranges: dict[str, tuple[date, date]] = {}
    for stage in stages:
        first, last = ranges.get(stage.level, (stage.due_on, stage.due_on))
        ranges[stage.level] = (min(first, stage.due_on), max(last, stage.due_on))
    created: Counter[str] = Counter()
    for level, (first, last) in sorted(ranges.items()):
        # One statement per level, so each level's count of new rows is the statement's own rowcount; each reads
        # only its own due dates from the index.
        created[level] += _insert_level(connection, level, first, last, as_of, now)
    return +created


def _mark_done(connection: Connection, as_of: date, dates: Sequence[date], now: datetime) -> None:
    connection.execute(
        update(_progress).where(_progress.c.as_of == as_of, _progress.c.due_on.in_(dates)).values(done_at=now)
    )


def sweep_batch(
    context: SweepContext,
    as_of: date,
    first: date,
    last: date,
    *,
    wait: bool = False,
    now: datetime | None = None,
) -> dict[str, int]:
    """Sweep the unclaimed, unfinished due dates in [first, last] in one transaction; new rows per level.

    wait=False skips dates another sweep holds (SKIP LOCKED); wait=True waits for it, then takes what it left.
    """
    now = now or utc_now()
    with context.engine.begin() as connection:
        dates = _claim(connection, as_of, first, last, wait)
        if not dates:
            return {}
        created = _sweep_dates(connection, context.policies, as_of, dates, now)
        _mark_done(connection, as_of, dates, now)
    sweep_log().info("sweep_batch_done", as_of=as_of.isoformat(), due_dates=len(dates), created=dict(created))
    return dict(created)


def sweep_leftovers(context: SweepContext, as_of: date, now: datetime | None = None) -> dict[str, int]:
    """Finish every due date of `as_of` still undone: those another sweep held, or a killed sweep left."""
    return sweep_batch(context, as_of, date.min, date.max, wait=True, now=now)
