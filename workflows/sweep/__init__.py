"""The nightly deadline sweep, set-based: the stage each (authority, due date) has reached, the plan of what is due,
its batches and report, and the digests each team and role receive.

Modules, inward first: `stages` (pure Python), `context`, `open_actions`, `stage_table` and `keyed_insert` (the SQL
that plan, batches and report share), `plan`, `batches`, `report`, `run` (the whole sweep in one process, as
`caseflow sweep --local` and the benchmark run it) and `digests`.
"""

from workflows.sweep.batches import sweep_batch, sweep_leftovers
from workflows.sweep.context import SweepContext
from workflows.sweep.digests import (
    CLAIM_EXPIRES_AFTER,
    DIGEST_LINE_LIMIT,
    DigestSummary,
    email_digests,
    failed_digests,
    load_digest,
    record_digests,
    unsent_digests,
)
from workflows.sweep.plan import DEFAULT_MAX_BATCHES, plan_batches
from workflows.sweep.report import DEFAULT_OVERDUE_LIMIT, OverdueAction, SweepReport, report
from workflows.sweep.run import run_sweep
from workflows.sweep.stages import ladder_levels

__all__ = [
    "CLAIM_EXPIRES_AFTER",
    "DEFAULT_MAX_BATCHES",
    "DEFAULT_OVERDUE_LIMIT",
    "DIGEST_LINE_LIMIT",
    "DigestSummary",
    "OverdueAction",
    "SweepContext",
    "SweepReport",
    "email_digests",
    "failed_digests",
    "ladder_levels",
    "load_digest",
    "plan_batches",
    "record_digests",
    "report",
    "run_sweep",
    "sweep_batch",
    "sweep_leftovers",
    "unsent_digests",
]
