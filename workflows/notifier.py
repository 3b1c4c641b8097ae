"""Notifications: a notice about a case goes to the inbox table always, and by e-mail when SMTP is configured.

A notice carries the case reference, the action and its due date: never the child's name or anything
else personal, so it is safe in a mailbox, a log line and the Prefect UI alike.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import Connection, Engine, select

from states.errors import CaseflowError
from workflows.notification_models import NotificationRow
from workflows.unique_insert import insert_new

__all__ = [
    "NOTICE_TEXT",
    "Channel",
    "EmailNotSent",
    "InboxChannel",
    "Notice",
    "SmtpChannel",
    "email_message",
    "role_mailbox",
]

_notifications = NotificationRow.__table__

# What each kind of notice asks of its recipient, in words; the kind itself is a persisted code.
NOTICE_TEXT: Mapping[str, str] = {
    "invitations": "send the conference invitations",
    "leaflet": "send the conference leaflet to the child and family",
    "advocate_request": "request an advocate for the child",
    "decision_letter": "send the decision letter and outline plan",
    "feedback_request": "ask the child and parents for feedback on the conference",
    "outstanding": "an action is still open although the case has moved on",
    "reminder": "an action is due soon",
    "escalation": "an action is overdue",
}


class EmailNotSent(CaseflowError):
    """The SMTP server refused a notice or could not be reached."""


@dataclass(frozen=True)
class Notice:
    """A message to a role about one case: reference, what to do, which action, by when."""

    key: str
    case_reference: str
    kind: str
    recipient_role: str
    action_id: int | None = None
    action_kind: str | None = None
    due_on: date | None = None


class Channel(Protocol):
    """Somewhere a notice can be delivered."""

    name: str

    def deliver(self, notice: Notice) -> None:
        """Deliver `notice`; raise a CaseflowError when it could not be."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InboxChannel:
    """The notifications table: every notice lands here; a notice whose key is already there is left alone."""

    name = "inbox"

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def deliver(self, notice: Notice) -> None:
        with self._engine.begin() as connection:
            self.record(connection, [notice])

    def record(self, connection: Connection, notices: list[Notice]) -> list[int]:
        """Insert the notices in the caller's transaction; returns the ids of all of them, new or not."""
        now = self._clock()
        insert_new(connection, _notifications, [asdict(notice) | {"created_at": now, "email_attempts": 0} for notice in notices])
        keys = [notice.key for notice in notices]
        if not keys:
            return []
        found = connection.execute(select(_notifications.c.key, _notifications.c.id).where(_notifications.c.key.in_(keys)))
        ids = {row.key: row.id for row in found}
        return [ids[key] for key in keys]


def role_mailbox(sender: str) -> Callable[[str], str]:
    """Each role's shared mailbox at the sender's domain: social_worker@<domain>, business_support@<domain>."""
    domain = sender.rpartition("@")[2] or "localhost"
    return lambda role: f"{role}@{domain}"


def email_message(notice: Notice, sender: str, recipient: str) -> EmailMessage:
    """The e-mail of a notice: the case reference and the action only."""
    what = NOTICE_TEXT.get(notice.kind, notice.kind.replace("_", " "))
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"[caseflow] case {notice.case_reference}: {what}"
    lines = [f"Case {notice.case_reference}: {what}."]
    if notice.action_kind:
        due = f", due {notice.due_on.isoformat()}" if notice.due_on else ""
        lines.append(f"Action: {notice.action_kind}{due}.")
    lines.append("Open the case in caseflow for the details.")
    message.set_content("\n".join(lines) + "\n")
    message["X-Caseflow-Notice"] = notice.key
    return message


class SmtpChannel:
    """E-mail through an SMTP server (stdlib smtplib), one message per notice to the recipient role's mailbox."""

    name = "email"

    def __init__(
        self, host: str, port: int, sender: str, recipient_for: Callable[[str], str] | None = None, timeout: float = 10.0
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._recipient_for = recipient_for or role_mailbox(sender)

    def deliver(self, notice: Notice) -> None:
        message = email_message(notice, self.sender, self._recipient_for(notice.recipient_role))
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailNotSent(
                f"notice {notice.key}: SMTP server {self.host}:{self.port} did not accept it ({type(exc).__name__})"
            ) from None
