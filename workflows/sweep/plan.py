"""The plan of a sweep: which due dates it must handle as of its date, recorded in `sweep_progress`, and split into
batches of roughly equal numbers of actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from states.policy import Policy
from workflows.persistence import SweepProgressRow
from workflows.sweep.context import sweep_log
from workflows.sweep.open_actions import cases, open_due_counts
from workflows.sweep.stages import plan_stages, reminder_horizon

__all__ = ["DEFAULT_MAX_BATCHES", "MIN_BATCH_ACTIONS", "plan_batches"]

DEFAULT_MAX_BATCHES = 10
# Below this many actions a batch is not worth a task run of its own: each batch reads its own cases (on
# PostgreSQL a hash of the whole cases table) and in the flow costs a task run. 150,000 overdue actions make
# three batches; with no floor (max_batches alone, ten batches) the sweep benchmark's PostgreSQL server spent
# 1.1 s instead of 0.9 s of CPU on the first-ever sweep and 0.66 s instead of 0.40 s on the nightly sweep.
MIN_BATCH_ACTIONS = 50_000

_progress = SweepProgressRow.__table__


def _authorities(connection: Connection) -> list[str]:
    return list(connection.execute(select(cases.c.authority).distinct()).scalars())


def _split(sized_dates: Sequence[tuple[date, int]], max_batches: int, floor: int) -> list[tuple[date, date]]:
    """Contiguous ranges of due dates holding roughly equal numbers of actions, at most max_batches of them."""
    total = sum(size for _, size in sized_dates)
    target = max(floor, -(-total // max_batches))
    batches: list[list[date]] = [[]]
    filled = 0
    for due, size in sized_dates:
        if filled >= target and len(batches) < max_batches:
            batches.append([])
            filled = 0
        batches[-1].append(due)
        filled += size
    return [(batch[0], batch[-1]) for batch in batches if batch]


def plan_batches(
    connection: Connection,
    policies: Mapping[str, Policy],
    as_of: date,
    max_batches: int = DEFAULT_MAX_BATCHES,
    min_batch_actions: int = MIN_BATCH_ACTIONS,
) -> list[tuple[date, date]]:
    """Record the due dates this sweep must handle and return them as at most max_batches ranges."""
    authorities = _authorities(connection)
    unknown = sorted(set(authorities) - set(policies))
    if unknown:
        # Those cases' actions are left alone; the sweep goes on for every other authority.
        sweep_log().warning("sweep_authority_without_policy", authorities=unknown)
    sized = open_due_counts(connection, reminder_horizon(policies, as_of))
    staged = {stage.due_on for stage in plan_stages(policies, authorities, as_of, [due for due, _ in sized])}
    sized = [(due, size) for due, size in sized if due in staged]
    if sized:
        rows = [{"as_of": as_of, "due_on": due} for due, _ in sized]
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(_progress).on_conflict_do_nothing(index_elements=["as_of", "due_on"])
        connection.execute(insert, rows)
    return _split(sized, max(1, max_batches), max(1, min_batch_actions))
