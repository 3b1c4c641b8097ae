"""Getting work to people: the outbox dispatcher (each committed row to the case-transition flow), notifications
(the inbox table and SMTP) and incidents (what could not be delivered, for operations staff).
"""

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
    digest_message,
    mailer_of,
    team_mailbox,
)
from workflows.delivery.outbox_dispatcher import Backoff, OutboxDispatcher, OutboxEntry, is_healthy

__all__ = [
    "DIGEST_EMAIL_FAILED",
    "OUTBOX_STUCK",
    "WHOLE_SERVICE",
    "Backoff",
    "Channel",
    "EmailNotSent",
    "InboxChannel",
    "IncidentNotFound",
    "IncidentNotRetryable",
    "Mailer",
    "Notice",
    "OutboxDispatcher",
    "OutboxEntry",
    "SmtpChannel",
    "digest_error",
    "digest_message",
    "email_subject",
    "is_healthy",
    "mailer_of",
    "resolve",
    "team_mailbox",
]
