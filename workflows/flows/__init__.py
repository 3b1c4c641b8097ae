"""Every Prefect flow: case-transition, deadline-sweep, manager-escalation and outbox-dispatch."""

from workflows.flows.case_transition import case_transition, run_case_transition, run_tags, transition_runs
from workflows.flows.deadline_sweep import (
    LEVELS_ARTIFACT,
    OVERDUE_ARTIFACT,
    deadline_sweep,
    max_task_runs,
    run_deadline_sweep,
)
from workflows.flows.errors import DigestsUndelivered, NotificationsUndelivered
from workflows.flows.manager_escalation import manager_escalation
from workflows.flows.outbox_dispatch import (
    OUTBOX_DISPATCH,
    deliver_to_prefect,
    dispatch_or_wake,
    outbox_dispatch,
    outbox_dispatcher,
    outbox_worker,
)

__all__ = [
    "LEVELS_ARTIFACT",
    "OUTBOX_DISPATCH",
    "OVERDUE_ARTIFACT",
    "DigestsUndelivered",
    "NotificationsUndelivered",
    "case_transition",
    "deadline_sweep",
    "deliver_to_prefect",
    "dispatch_or_wake",
    "manager_escalation",
    "max_task_runs",
    "outbox_dispatch",
    "outbox_dispatcher",
    "outbox_worker",
    "run_case_transition",
    "run_deadline_sweep",
    "run_tags",
    "transition_runs",
]
