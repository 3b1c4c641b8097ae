"""Prefect tasks of the case-transition flow: outbox row id in, notification ids out; each its own transaction."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from states.notices import Notice
from states.transition_plan import OpenAction, Transition, escalations, opened_by, outstanding, reminders_due
from workflows.bootstrap import current_runtime
from workflows.logs import get_logger
from workflows.persistence import load_transition, open_actions, record_escalations, record_reminders

__all__ = ["check_outstanding_actions", "escalate_late_actions", "schedule_reminders"]

log = get_logger("caseflow.case_transition")
# Every write below is keyed, so a retry (or a redelivery of the whole transition) adds nothing.
RETRIES = 2
RETRY_DELAYS = [1.0, 4.0]


def _notice(kind: str, key: str, transition: Transition, action: OpenAction, role: str | None = None) -> Notice:
    return Notice(
        key, transition.case_reference, kind, role or action.owner_role, action.id, action.kind, action.due_on
    )


@task(name="check-outstanding-actions", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def check_outstanding_actions(outbox_id: int) -> list[int]:
    """What the phase left still has open: who owns it and how late; each owner gets an inbox notice."""
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
        create_table_artifact(
            table, description=f"Open actions of case {transition.case_reference} after {transition.trigger}"
        )
    log.info("outstanding_actions_checked", case_ref=transition.case_reference, outstanding=len(left))
    return ids


@task(name="schedule-reminders", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def schedule_reminders(outbox_id: int) -> list[int]:
    """Remind now the opened actions whose reminder date has already come; the nightly sweep has the rest."""
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        policy = rt.policy(transition.authority)
        opened = opened_by(transition, open_actions(connection, transition.case_id))
        due = reminders_due(policy, opened, transition.occurred_on)
        created = record_reminders(connection, transition.case_id, due, transition.occurred_on, rt.clock())
        notices = [_notice("reminder", f"reminder:{a.id}:{a.due_on}", transition, a) for a in due]
        ids = rt.inbox.record(connection, notices)
    planned = sorted({policy.reminder_date(a.due_on).isoformat() for a in opened if a not in due})
    log.info("reminders_scheduled", case_ref=transition.case_reference, now=created, planned_dates=planned)
    return ids


@task(name="escalate-late-actions", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def escalate_late_actions(outbox_id: int) -> list[int]:
    """Escalate the case's actions already due or late on the transition date, up the policy's ladder."""
    rt = current_runtime()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        found = escalations(
            rt.policy(transition.authority), open_actions(connection, transition.case_id), transition.occurred_on
        )
        created = record_escalations(connection, transition.case_id, found, transition.occurred_on, rt.clock())
        notices = [
            _notice(
                "escalation",
                f"escalation:{e.action.id}:{e.level}:{e.action.due_on}",
                transition,
                e.action,
                e.recipient_role,
            )
            for e in found
        ]
        ids = rt.inbox.record(connection, notices)
    log.info("late_actions_escalated", case_ref=transition.case_reference, escalated=created)
    return ids
