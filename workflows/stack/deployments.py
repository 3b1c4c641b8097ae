"""What the stack serves to the Prefect server: the deployments, their names, tags and parameter forms.

Runs of a served deployment start in a subprocess of the serving process and find the application database
and policies through `current_runtime()`, from the CASEFLOW_* settings that process was started with.
Run this module's `main` in a process whose PREFECT_* environment is already set: Prefect reads it at import.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflows.flows import OUTBOX_DISPATCH, case_transition, deadline_sweep, manager_escalation, outbox_dispatch
from workflows.logs import get_logger

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

__all__ = ["DEPLOYMENTS", "RUNNER_PREFIX", "deployments", "main"]

RUNNER_PREFIX = "caseflow"
# Deployment name -> (tags, description). Names are persisted contracts: operators and scripts start runs by them.
DEPLOYMENTS: dict[str, tuple[list[str], str]] = {
    "case-transition": (
        ["caseflow", "transition"],
        "Re-run what follows one committed trigger, as of that trigger (normally run by an outbox worker).",
    ),
    "deadline-sweep": (
        ["caseflow", "sweep"],
        "Reminders and escalations for every open action as of a date; publishes counts and the overdue table.",
    ),
    "manager-escalation": (
        ["caseflow", "escalation"],
        "A manager raises a case up the escalation ladder (reason from a fixed list; no free text here).",
    ),
    OUTBOX_DISPATCH: (
        ["caseflow", "outbox"],
        "Deliver the waiting outbox rows by hand, one after another, beside the workers (each case stays in order).",
    ),
}
# Few at a time: the stack shares its machine with the Prefect server and the scheduler.
RUNNER_LIMIT = 4
# How often the runner asks the server for runs to start: short, so a run started from the UI starts promptly.
RUNNER_POLL_SECONDS = 2.0


def deployments() -> list[RunnerDeployment]:
    """One deployment per flow, named after it, with its tags and description."""
    flows: dict[str, Any] = {
        "case-transition": case_transition,
        "deadline-sweep": deadline_sweep,
        "manager-escalation": manager_escalation,
        OUTBOX_DISPATCH: outbox_dispatch,
    }
    return [
        flows[name].to_deployment(name, tags=tags, description=description)
        for name, (tags, description) in DEPLOYMENTS.items()
    ]


def main(ready_file: str | None = None) -> None:
    """Register every deployment, touch `ready_file`, then start their runs until SIGTERM or Ctrl-C."""
    from prefect.exceptions import TerminationSignal
    from prefect.runner import Runner

    from workflows.bootstrap import bootstrap

    bootstrap()  # settings and policies validated, logging configured, before anything is served
    runner = Runner(
        name=f"{RUNNER_PREFIX}-{socket.gethostname()}",
        query_seconds=RUNNER_POLL_SECONDS,
        limit=RUNNER_LIMIT,
        pause_on_shutdown=False,
    )
    for deployment in deployments():
        runner.add_deployment(deployment)  # registers it with the Prefect server now
    get_logger("caseflow.deployments").info("deployments_served", deployments=sorted(DEPLOYMENTS))
    if ready_file:
        Path(ready_file).touch()
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        get_logger("caseflow.deployments").info("deployments_stopped")
