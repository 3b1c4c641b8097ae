"""The `case-transition` flow: what follows a committed trigger, run once per outbox row (again on redelivery)."""

from __future__ import annotations

from prefect import flow, tags
from prefect.runtime import flow_run
from prefect.settings import temporary_settings

from tasks import (
    check_outstanding_actions,
    email_notification,
    escalate_late_actions,
    record_email_incident,
    record_notifications,
    schedule_reminders,
    with_email_retries,
)
from workflows.bootstrap import current_runtime
from workflows.flows.errors import NotificationsUndelivered
from workflows.logs import get_logger

__all__ = ["FLOW_NAME", "NotificationsUndelivered", "case_transition", "run_case_transition", "run_tags"]

FLOW_NAME = "case-transition"
log = get_logger("caseflow.case_transition")


def run_tags(case_reference: str, trigger: str) -> tuple[str, str]:
    """The tags operations staff filter case-transition runs by in the Prefect UI."""
    return f"case:{case_reference}", f"trigger:{trigger}"


@flow(name=FLOW_NAME, flow_run_name="{case_reference} {trigger}", persist_result=False)
def case_transition(outbox_id: int, case_reference: str, trigger: str) -> dict[str, int]:
    """Check what the phase left open, remind, escalate what is late, notify; idempotent per outbox row."""
    outstanding = check_outstanding_actions(outbox_id)
    reminders = schedule_reminders(outbox_id)
    escalations = escalate_late_actions(outbox_id)
    notices = record_notifications(outbox_id)
    failed = _email(sorted({*outstanding, *reminders, *escalations, *notices}))
    summary = {
        "outstanding": len(outstanding),
        "reminders": len(reminders),
        "escalations": len(escalations),
        "notices": len(notices),
        "emails_failed": len(failed),
    }
    if failed:
        # Fail the run so it shows in the UI; the incidents hold what is left to do.
        raise NotificationsUndelivered(f"case {case_reference}: {len(failed)} e-mail(s) not sent; incidents opened")
    return summary


def _email(notification_ids: list[int]) -> list[int]:
    if current_runtime().email is None:
        return []
    send = with_email_retries(email_notification)
    failed = []
    for notification_id in notification_ids:
        if not send(notification_id, return_state=True).is_completed():
            record_email_incident(notification_id, str(flow_run.id) if flow_run.id else None)
            failed.append(notification_id)
    return failed


def run_case_transition(outbox_id: int, case_reference: str, trigger: str) -> None:
    """Run the flow in this process for one outbox row, tagged; raises unless every step ran.

    Heartbeats are off for these runs: a heartbeat costs about a second per run at exit, and a run whose
    process dies is redelivered from the outbox anyway, which is the crash detection that matters here.
    """
    with tags(*run_tags(case_reference, trigger)), temporary_settings(updates={"flows.heartbeat_frequency": None}):
        try:
            case_transition(outbox_id=outbox_id, case_reference=case_reference, trigger=trigger)
        except NotificationsUndelivered:
            log.warning("case_transition_incomplete_emails", case_ref=case_reference, outbox_id=outbox_id)
