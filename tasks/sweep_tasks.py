"""Prefect tasks of the deadline sweep: a date (and a range of due dates) in, counts out; each its own transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from workflows import sweep
from workflows.bootstrap import current_runtime

__all__ = ["plan_sweep", "sweep_due_dates", "sweep_leftovers", "sweep_report"]

# Every write is keyed (unique keys, ON CONFLICT DO NOTHING, done marks), so a retry adds nothing.
RETRIES = 2
RETRY_DELAYS = [1.0, 4.0]


def _context() -> sweep.SweepContext:
    current = current_runtime()
    return sweep.SweepContext(current.engine, current.policies)


@task(name="plan-sweep", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def plan_sweep(as_of: date, max_batches: int) -> list[tuple[date, date]]:
    """Record the due dates to sweep as of `as_of`; return them as at most max_batches (first, last) ranges."""
    context = _context()
    with context.engine.begin() as connection:
        return sweep.plan_batches(connection, context.policies, as_of, max_batches)


@task(
    name="sweep-due-dates",
    task_run_name="sweep-due-dates {first}..{last}",
    cache_policy=NO_CACHE,
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
)
def sweep_due_dates(as_of: date, first: date, last: date) -> dict[str, int]:
    """Remind and escalate the open actions due from `first` to `last`; new rows per level."""
    return sweep.sweep_batch(_context(), as_of, first, last)


@task(name="sweep-leftovers", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def sweep_leftovers(as_of: date) -> dict[str, int]:
    """Finish the due dates another sweep held or a killed sweep left; new rows per level."""
    return sweep.sweep_leftovers(_context(), as_of)


@task(name="sweep-report", cache_policy=NO_CACHE)
def sweep_report(as_of: date, created: dict[str, int], limit: int) -> dict[str, Any]:
    """Counts per level and the most overdue actions (case references and ids only), as plain data."""
    found = sweep.report(_context(), as_of, created, limit)
    return {
        "as_of": found.as_of.isoformat(),
        "levels": sweep.ladder_levels(_context().policies),
        "open_at_level": found.open_at_level,
        "raised_as_of": found.raised_as_of,
        "created_by_run": found.created_by_run,
        "overdue_total": found.overdue_total,
        "overdue": [
            {
                "case_reference": line.case_reference,
                "action": line.action,
                "owner_role": line.owner_role,
                "due_on": line.due_on.isoformat(),
                "working_days_late": line.working_days_late,
                "level": line.level,
            }
            for line in found.overdue
        ],
    }
