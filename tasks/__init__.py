"""Prefect tasks only: thin, ids in, small values out, each with its own unit of work."""

from tasks.errors import DigestsNotSent, NoticesNotSent
from tasks.notification_tasks import (
    email_notices,
    email_sweep_digests,
    record_digest_incidents,
    record_email_incidents,
    record_sweep_digests,
    with_email_retries,
)
from tasks.sweep_tasks import plan_sweep, sweep_due_dates, sweep_leftovers, sweep_report

__all__ = [
    "DigestsNotSent",
    "NoticesNotSent",
    "email_notices",
    "email_sweep_digests",
    "plan_sweep",
    "record_digest_incidents",
    "record_email_incidents",
    "record_sweep_digests",
    "sweep_due_dates",
    "sweep_leftovers",
    "sweep_report",
    "with_email_retries",
]
