"""Prefect tasks only: thin, ids in, small values out, each with its own unit of work."""

from tasks.errors import DigestsNotSent
from tasks.notification_tasks import (
    email_notification,
    email_sweep_digests,
    record_digest_incidents,
    record_email_incident,
    record_notifications,
    record_sweep_digests,
    with_email_retries,
)
from tasks.sweep_tasks import plan_sweep, sweep_due_dates, sweep_leftovers, sweep_report
from tasks.transition_tasks import check_outstanding_actions, escalate_late_actions, schedule_reminders

__all__ = [
    "DigestsNotSent",
    "check_outstanding_actions",
    "email_notification",
    "email_sweep_digests",
    "escalate_late_actions",
    "plan_sweep",
    "record_digest_incidents",
    "record_email_incident",
    "record_notifications",
    "record_sweep_digests",
    "schedule_reminders",
    "sweep_due_dates",
    "sweep_leftovers",
    "sweep_report",
    "with_email_retries",
]
