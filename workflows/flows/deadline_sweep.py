"""The `deadline-sweep` flow: reminders and the escalation ladder for every open action, as of one date.

A bounded number of task runs whatever the caseload (`max_task_runs`): one plan, at most `max_batches` batches, one
leftovers pass, one report, then the digests of what it raised (one per recipient role and team, recorded in one
task, e-mailed in one task with the e-mail retries, and one task opening incidents for those that would not go).
Heartbeats stay on (Prefect's default, every 180 s): one sweep a night makes their second at
exit irrelevant, and they are how the Prefect server marks a killed sweep as crashed for operations staff.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from prefect import flow, tags
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run

from tasks import (
    email_sweep_digests,
    plan_sweep,
    record_digest_incidents,
    record_sweep_digests,
    sweep_due_dates,
    sweep_leftovers,
    sweep_report,
    with_email_retries,
)
from workflows.bootstrap import current_runtime
from workflows.flows.errors import DigestsUndelivered
from workflows.logs import get_logger
from workflows.sweep import DEFAULT_MAX_BATCHES, DEFAULT_OVERDUE_LIMIT

__all__ = [
    "FLOW_NAME",
    "LEVELS_ARTIFACT",
    "OVERDUE_ARTIFACT",
    "DigestsUndelivered",
    "deadline_sweep",
    "max_task_runs",
    "run_deadline_sweep",
]

FLOW_NAME = "deadline-sweep"
LEVELS_ARTIFACT = "deadline-sweep-levels"
OVERDUE_ARTIFACT = "deadline-sweep-overdue"
LOGGER = "caseflow.deadline_sweep"


def max_task_runs(max_batches: int) -> int:
    """The most task runs one flow run makes: plan, batches, leftovers, report; record, e-mail, incidents."""
    return max(1, max_batches) + 6


def _log() -> Any:
    # Bound at each use, not at import: a logger bound before logging is configured keeps structlog's defaults.
    return get_logger(LOGGER)


def _levels_table(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "level": level,
            "open_actions": summary["open_at_level"].get(level, 0),
            "raised_as_of": summary["raised_as_of"].get(level, 0),
            "created_by_this_run": summary["created_by_run"].get(level, 0),
        }
        for level in summary["levels"]
    ]


def _publish(summary: dict[str, Any]) -> None:
    as_of = summary["as_of"]
    create_table_artifact(
        _levels_table(summary), key=LEVELS_ARTIFACT, description=f"Deadline sweep as of {as_of}: open actions per level"
    )
    shown, total = len(summary["overdue"]), summary["overdue_total"]
    create_table_artifact(
        summary["overdue"] or [{"case_reference": "-", "action": "nothing overdue"}],
        key=OVERDUE_ARTIFACT,
        description=f"Overdue actions as of {as_of}, most overdue first: {shown} of {total} shown",
    )


@flow(
    name=FLOW_NAME,
    flow_run_name="deadline-sweep {as_of}",
    persist_result=False,
)
def deadline_sweep(
    as_of: date, max_batches: int = DEFAULT_MAX_BATCHES, overdue_limit: int = DEFAULT_OVERDUE_LIMIT
) -> dict[str, Any]:
    """Remind before due, escalate what is due or overdue up each authority's ladder; publish counts and the list."""
    batches = plan_sweep(as_of, max_batches)
    created: Counter[str] = Counter()
    for first, last in batches:
        created.update(sweep_due_dates(as_of, first, last))
    created.update(sweep_leftovers(as_of))
    summary = sweep_report(as_of, dict(created), overdue_limit)
    _publish(summary)
    digests, undelivered = record_sweep_digests(as_of), _email_digests(as_of)
    _log().info(
        "deadline_sweep_done",
        as_of=as_of.isoformat(),
        batches=len(batches),
        created=dict(created),
        digests=digests,
        digests_undelivered=undelivered,
    )
    if undelivered:
        # Fail the run so it shows in the UI; every batch is done, and the incidents hold what is left to send.
        raise DigestsUndelivered(
            f"sweep {as_of.isoformat()}: {undelivered} digest e-mail(s) not sent; incidents opened"
        )
    return {key: summary[key] for key in ("as_of", "open_at_level", "raised_as_of", "created_by_run", "overdue_total")}


def _email_digests(as_of: date) -> int:
    """E-mail the sweep's digests with the e-mail retries; how many still failed after them (each an incident)."""
    if current_runtime().email is None:
        return 0
    if with_email_retries(email_sweep_digests)(as_of, return_state=True).is_completed():
        return 0
    opened = record_digest_incidents(as_of, str(flow_run.id) if flow_run.id else None)
    # A failure no digest recorded (the database, say) still fails the run: at least one thing was not sent.
    return max(1, len(opened))


def run_deadline_sweep(as_of: date, max_batches: int = DEFAULT_MAX_BATCHES) -> dict[str, Any]:
    """Run the flow in this process, tagged for the Prefect UI; raises DigestsUndelivered when e-mails failed."""
    with tags("sweep"):
        return deadline_sweep(as_of=as_of, max_batches=max_batches)
