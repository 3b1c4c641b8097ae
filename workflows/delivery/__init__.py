"""Getting work to people: outbox workers and the one-pass dispatcher (each committed row to the case-transition
flow, in order per case), notifications (the inbox table and SMTP) and incidents (what could not be delivered, for
operations staff).
"""

from workflows.delivery.dispatch_workers import (
    Backlog,
    WorkerRecord,
    backlog,
    forget_worker,
    live_workers,
    record_worker,
    register_worker,
    workers,
)
from workflows.delivery.errors import EmailNotSent, IncidentNotFound, IncidentNotRetryable
from workflows.delivery.incidents import (
    DIGEST_EMAIL_FAILED,
    OUTBOX_STUCK,
    digest_error,
    email_subject,
    resolve,
)
from workflows.delivery.notifier import (
    WHOLE_SERVICE,
    Channel,
    InboxChannel,
    Mailer,
    Notice,
    SmtpChannel,
    deliver_notice,
    digest_message,
    mailer_of,
    team_mailbox,
)
from workflows.delivery.outbox_claims import Backoff, OutboxClaims, OutboxEntry
from workflows.delivery.outbox_dispatcher import DispatchReport, OutboxDispatcher
from workflows.delivery.outbox_wakeup import NOTIFY_CHANNEL, notify_workers
from workflows.delivery.outbox_worker import OutboxWorker, WorkerConfig
from workflows.delivery.prefect_health import is_healthy, prefect_is_up
from workflows.delivery.recipients import digest_recipients, notice_people

__all__ = [
    "DIGEST_EMAIL_FAILED",
    "NOTIFY_CHANNEL",
    "OUTBOX_STUCK",
    "WHOLE_SERVICE",
    "Backlog",
    "Backoff",
    "Channel",
    "DispatchReport",
    "EmailNotSent",
    "InboxChannel",
    "IncidentNotFound",
    "IncidentNotRetryable",
    "Mailer",
    "Notice",
    "OutboxClaims",
    "OutboxDispatcher",
    "OutboxEntry",
    "OutboxWorker",
    "SmtpChannel",
    "WorkerConfig",
    "WorkerRecord",
    "backlog",
    "deliver_notice",
    "digest_error",
    "digest_message",
    "digest_recipients",
    "email_subject",
    "forget_worker",
    "is_healthy",
    "live_workers",
    "mailer_of",
    "notice_people",
    "notify_workers",
    "prefect_is_up",
    "record_worker",
    "register_worker",
    "resolve",
    "team_mailbox",
    "workers",
]
