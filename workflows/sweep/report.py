"""The sweep report: counts per level as of a sweep date, and the most overdue actions (ids and dates, nothing
personal)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from workflows.persistence import EscalationRow, ReminderRow
from workflows.sweep.context import SweepContext
from workflows.sweep.open_actions import OPEN, actions, candidates, cases, open_due_counts
from workflows.sweep.stage_table import fill_stages, stage_table, staged
from workflows.sweep.stages import REMINDER, plan_stages, reminder_horizon

__all__ = ["DEFAULT_OVERDUE_LIMIT", "OverdueAction", "SweepReport", "report"]

DEFAULT_OVERDUE_LIMIT = 200

_reminders = ReminderRow.__table__
_escalations = EscalationRow.__table__


@dataclass(frozen=True)
class OverdueAction:
    """One line of the overdue table: ids and dates only, nothing personal."""

    case_reference: str
    action: str
    owner_role: str
    due_on: date
    working_days_late: int
    level: str


@dataclass
class SweepReport:
    """What a sweep found and did as of one date: counts per level and the most overdue actions."""

    as_of: date
    open_at_level: dict[str, int] = field(default_factory=dict)
    raised_as_of: dict[str, int] = field(default_factory=dict)
    created_by_run: dict[str, int] = field(default_factory=dict)
    overdue_total: int = 0
    overdue: list[OverdueAction] = field(default_factory=list)


def _open_counts(connection: Connection, first: date, last: date) -> list[tuple[str, date, int]]:
    """Open actions per (authority, due date) from first to last, to match to the stages in Python."""
    # Grouped by what a stage is keyed on, not joined to the stage table action by action: a join cost about 0.2 s
    # more PostgreSQL server CPU in every phase of the sweep benchmark (the rerun 0.29 s instead of 0.09 s).
    query = (
        select(cases.c.authority, actions.c.due_on, func.count())
        .join_from(actions, cases, cases.c.id == actions.c.case_id)
        .where(OPEN, actions.c.due_on.between(first, last))
        .group_by(cases.c.authority, actions.c.due_on)
    )
    return [(authority, due, int(count)) for authority, due, count in connection.execute(query)]


def _raised_as_of(connection: Connection, as_of: date) -> Counter[str]:
    raised: Counter[str] = Counter()
    query = select(_escalations.c.level, func.count()).where(_escalations.c.swept_on == as_of)
    raised.update({level: int(count) for level, count in connection.execute(query.group_by(_escalations.c.level))})
    reminders = connection.execute(select(func.count()).where(_reminders.c.swept_on == as_of)).scalar_one()
    if reminders:
        raised[REMINDER] = int(reminders)
    return raised


def _overdue_lines(connection: Connection, late: Sequence[tuple[date, int]], limit: int) -> list[OverdueAction]:
    """The first `limit` overdue actions, most overdue first, from the due dates with a late stage (and how many
    open actions each has), oldest first.

    The stage join drops the actions of an authority not yet late on a date, so a window of due dates may fall
    short; the next window follows in due-date order, and so do the lines.
    """
    # A window of due dates at a time, each holding at least as many open actions as lines still wanted (one window
    # nearly always), not every late action with its case reference: one query over them all cost 0.15 s more
    # PostgreSQL server CPU per report on the sweep benchmark (the rerun 0.24 s instead of 0.09 s).
    lines: list[OverdueAction] = []
    start = 0
    while start < len(late) and len(lines) < limit:
        wanted, end, held = limit - len(lines), start, 0
        while end < len(late) and held < wanted:
            held += late[end][1]
            end += 1
        lines += _overdue_window(connection, late[start][0], late[end - 1][0], wanted)
        start = end
    return lines


def _overdue_window(connection: Connection, first: date, last: date, limit: int) -> list[OverdueAction]:
    found = candidates(first, last, cases.c.reference, actions.c.kind, actions.c.owner_role)
    action = found.c
    query = (
        staged(found)
        .with_only_columns(
            action.reference, action.kind, action.owner_role, action.due_on, stage_table.c.days, stage_table.c.level
        )
        .where(stage_table.c.days > 0)
        .order_by(action.due_on, action.id)
        .limit(limit)
    )
    return [OverdueAction(*row) for row in connection.execute(query)]


def report(
    context: SweepContext, as_of: date, created: Mapping[str, int] | None = None, limit: int = DEFAULT_OVERDUE_LIMIT
) -> SweepReport:
    """Counts per level as of `as_of` and the first `limit` overdue actions, most overdue first."""
    found = SweepReport(as_of=as_of, created_by_run=dict(created or {}))
    with context.engine.connect() as connection:
        found.raised_as_of = dict(_raised_as_of(connection, as_of))
        sized = open_due_counts(connection, reminder_horizon(context.policies, as_of))
        stages = plan_stages(context.policies, context.policies, as_of, [due for due, _ in sized])
        if not stages:
            return found
        stage_of = {(stage.authority, stage.due_on): stage for stage in stages}
        first, last = min(stage.due_on for stage in stages), max(stage.due_on for stage in stages)
        for authority, due, count in _open_counts(connection, first, last):
            stage = stage_of.get((authority, due))
            if stage is not None:
                found.open_at_level[stage.level] = found.open_at_level.get(stage.level, 0) + count
                found.overdue_total += count if stage.working_days_overdue > 0 else 0
        fill_stages(connection, stages)
        late = {stage.due_on for stage in stages if stage.working_days_overdue > 0}
        found.overdue = _overdue_lines(connection, [(due, size) for due, size in sized if due in late], limit)
    return found
