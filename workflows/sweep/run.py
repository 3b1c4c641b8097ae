"""The whole sweep in this process, without Prefect: plan, every batch, leftovers, report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

from workflows.sweep.batches import sweep_batch, sweep_leftovers
from workflows.sweep.context import SweepContext
from workflows.sweep.plan import DEFAULT_MAX_BATCHES, MIN_BATCH_ACTIONS, plan_batches
from workflows.sweep.report import SweepReport, report

__all__ = ["run_sweep"]


def run_sweep(
    context: SweepContext,
    as_of: date,
    max_batches: int = DEFAULT_MAX_BATCHES,
    min_batch_actions: int = MIN_BATCH_ACTIONS,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepReport:
    """The whole sweep in this process, without Prefect: plan, every batch, leftovers, report.

    `on_progress(done, total)` is told of each step (the batches and the leftovers pass), e.g. for a progress bar.
    """
    with context.engine.begin() as connection:
        batches = plan_batches(connection, context.policies, as_of, max_batches, min_batch_actions)
    progress = on_progress or (lambda _done, _total: None)
    total = len(batches) + 1
    progress(0, total)
    created: Counter[str] = Counter()
    for done, (first, last) in enumerate(batches, start=1):
        created.update(sweep_batch(context, as_of, first, last, now=now))
        progress(done, total)
    created.update(sweep_leftovers(context, as_of, now=now))
    progress(total, total)
    return report(context, as_of, created)
