"""The nightly deadline sweep, set-based: the plan of what is due (reminders, escalations), its batches and report,
and the digests each team and role receive.
"""

from workflows.sweep.plan import (
    DEFAULT_MAX_BATCHES,
    DEFAULT_OVERDUE_LIMIT,
    PARALLEL_BATCHES,
    SweepContext,
    ladder_levels,
    parallel_batches,
    report,
    run_sweep,
)

__all__ = [
    "DEFAULT_MAX_BATCHES",
    "DEFAULT_OVERDUE_LIMIT",
    "PARALLEL_BATCHES",
    "SweepContext",
    "ladder_levels",
    "parallel_batches",
    "report",
    "run_sweep",
]
