"""The dispatch benchmark's baseline: case-transition delivery as it was before outbox workers, kept here to measure.

One row after another in one process (the one-pass dispatcher), each row a flow run of four task runs that each load
the transition again and read the case's open actions as they are now, tagged with the case (so each task run also
takes tag concurrency slots), with a new Prefect client per run. Same writes, same keys as the flow it was.
"""

from __future__ import annotations

from prefect import flow, tags, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.settings import temporary_settings
from sqlalchemy import Engine

from states.notices import Notice
from states.transition_plan import (
    OpenAction,
    Transition,
    escalations,
    opened_by,
    outstanding,
    reminders_due,
    transition_notices,
)
from workflows.bootstrap import current_runtime
from workflows.delivery import OutboxDispatcher, OutboxEntry
from workflows.flows import run_tags
from workflows.persistence import load_transition, open_actions, record_escalations, record_reminders

BASELINE_FLOW = "case-transition-before-workers"


def _notice(kind: str, key: str, transition: Transition, action: OpenAction, role: str | None = None) -> Notice:
    return Notice(
        key, transition.case_reference, kind, role or action.owner_role, action.id, action.kind, action.due_on
    )


@task(name="check-outstanding-actions", cache_policy=NO_CACHE)
def check_outstanding_actions(outbox_id: int) -> list[int]:
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        left = outstanding(transition, open_actions(connection, transition.case_id))
        notices = [_notice("outstanding", f"{transition.key}:outstanding:{a.id}", transition, a) for a in left]
        ids = rt.inbox.record(connection, notices)
    calendar = rt.policy(transition.authority).calendar()
    table = [
        {
            "action": a.kind,
            "owner_role": a.owner_role,
            "due_on": a.due_on.isoformat(),
            "working_days_late": max(0, calendar.working_days_between(a.due_on, transition.occurred_on)),
        }
        for a in left
    ]
    if table:
        create_table_artifact(table, description=f"Open actions of case {transition.case_reference}")
    return ids


@task(name="schedule-reminders", cache_policy=NO_CACHE)
def schedule_reminders(outbox_id: int) -> list[int]:
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        policy = rt.policy(transition.authority)
        opened = opened_by(transition, open_actions(connection, transition.case_id))
        due = reminders_due(policy, opened, transition.occurred_on)
        record_reminders(connection, transition.case_id, due, transition.occurred_on, rt.clock())
        notices = [_notice("reminder", f"reminder:{a.id}:{a.due_on}", transition, a) for a in due]
        return rt.inbox.record(connection, notices)


@task(name="escalate-late-actions", cache_policy=NO_CACHE)
def escalate_late_actions(outbox_id: int) -> list[int]:
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        policy = rt.policy(transition.authority)
        found = escalations(policy, open_actions(connection, transition.case_id), transition.occurred_on)
        record_escalations(connection, transition.case_id, found, transition.occurred_on, rt.clock())
        notices = [
            _notice("escalation", f"escalation:{e.action.id}:{e.level}:{e.action.due_on}", transition, e.action)
            for e in found
        ]
        return rt.inbox.record(connection, notices)


@task(name="record-notifications", cache_policy=NO_CACHE)
def record_notifications(outbox_id: int) -> list[int]:
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        opened = opened_by(transition, open_actions(connection, transition.case_id))
        return rt.inbox.record(connection, transition_notices(transition, opened))


@flow(name=BASELINE_FLOW, flow_run_name="{case_reference} {trigger}", persist_result=False)
def case_transition_before_workers(outbox_id: int, case_reference: str, trigger: str) -> int:
    found = [
        *check_outstanding_actions(outbox_id),
        *schedule_reminders(outbox_id),
        *escalate_late_actions(outbox_id),
        *record_notifications(outbox_id),
    ]
    return len(found)


def deliver_as_before(entry: OutboxEntry) -> None:
    """What the dispatcher called for each row: the flow in this process, tagged, heartbeats off for the call."""
    with (
        tags(*run_tags(entry.case_reference, entry.trigger)),
        temporary_settings(updates={"flows.heartbeat_frequency": None}),
    ):
        case_transition_before_workers(outbox_id=entry.id, case_reference=entry.case_reference, trigger=entry.trigger)


def serial_dispatcher(engine: Engine) -> OutboxDispatcher:
    """The one-pass dispatcher delivering with the flow as it was."""
    return OutboxDispatcher(engine, deliver_as_before)
