"""Prefect tasks that record and send notices: ids in, ids or flags out."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from workflows import incidents, runtime
from workflows.logs import get_logger
from workflows.transition_plan import opened_by, transition_notices
from workflows.transition_store import load_notice, load_transition, mark_emailed, open_actions, record_email_failure

__all__ = ["email_notification", "record_email_incident", "record_notifications"]

log = get_logger("caseflow.notifications")


@task(name="record-notifications", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1.0, 4.0])
def record_notifications(outbox_id: int) -> list[int]:
    """The notices the transition implies (invitations, leaflet, advocate, decision letter, feedback), in the inbox."""
    rt = runtime.current()
    with rt.engine.begin() as connection:
        transition = load_transition(connection, outbox_id)
        opened = opened_by(transition, open_actions(connection, transition.case_id))
        ids = rt.inbox.record(connection, transition_notices(transition, opened))
    log.info("notifications_recorded", case_ref=transition.case_reference, notices=len(ids))
    return ids


@task(name="email-notification", cache_policy=NO_CACHE)
def email_notification(notification_id: int) -> bool:
    """E-mail one inbox notice unless it already went; True when sent now. Retries are set by the flow."""
    rt = runtime.current()
    if rt.email is None:
        return False
    with rt.engine.connect() as connection:
        notice, emailed_at = load_notice(connection, notification_id)
    if emailed_at is not None:
        return False
    try:
        rt.email.deliver(notice)
    except Exception as exc:  # any channel failure is recorded on the notice, then retried or made an incident
        with rt.engine.begin() as connection:
            record_email_failure(connection, notification_id, str(exc))
        raise
    with rt.engine.begin() as connection:
        mark_emailed(connection, notification_id, rt.clock())
    log.info("notification_emailed", case_ref=notice.case_reference, notification_id=notification_id)
    return True


@task(name="record-email-incident", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1.0, 4.0])
def record_email_incident(notification_id: int, flow_run_id: str | None) -> int:
    """Open (or reopen) the incident of a notice whose e-mail failed every retry; returns its id."""
    rt = runtime.current()
    with rt.engine.begin() as connection:
        notice, _ = load_notice(connection, notification_id)
        error = incidents.notification_error(connection, notification_id)
        incident_id = incidents.open_incident(
            connection,
            incidents.email_subject(notification_id),
            incidents.EMAIL_FAILED,
            error,
            rt.clock(),
            case_reference=notice.case_reference,
            notification_id=notification_id,
            flow_run_id=flow_run_id,
        )
    log.warning("incident_opened", case_ref=notice.case_reference, incident_id=incident_id, kind=incidents.EMAIL_FAILED)
    return incident_id
