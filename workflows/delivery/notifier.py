"""Notifications: a notice about a case goes to the inbox table always, and by e-mail when SMTP is configured.

A notice carries the case reference, the action and its due date: never the child's name or anything
else personal, so it is safe in a mailbox, a log line and the Prefect UI alike.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, runtime_checkable

from sqlalchemy import Connection, Engine, select

from states.notices import NOTICE_TEXT, WHOLE_SERVICE, Digest, DigestLine, Notice
from workflows.delivery.errors import EmailNotSent
from workflows.persistence import NotificationRow, insert_new
from workflows.settings import utc_now

__all__ = [
    "NOTICE_TEXT",
    "WHOLE_SERVICE",
    "Channel",
    "Digest",
    "DigestLine",
    "EmailNotSent",
    "InboxChannel",
    "Mailer",
    "Notice",
    "SmtpChannel",
    "deliver_notice",
    "digest_message",
    "email_message",
    "mailer_of",
    "role_mailbox",
    "team_mailbox",
]

_notifications = NotificationRow.__table__


class Channel(Protocol):
    """Somewhere a notice can be delivered."""

    name: str

    def deliver(self, notice: Notice) -> None:
        """Deliver `notice`; raise a CaseflowError when it could not be."""


class InboxChannel:
    """The notifications table: every notice lands here; a notice whose key is already there is left alone."""

    name = "inbox"

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def deliver(self, notice: Notice) -> None:
        with self._engine.begin() as connection:
            self.record(connection, [notice])

    def record(self, connection: Connection, notices: list[Notice]) -> list[int]:
        """Insert the notices in the caller's transaction; returns the ids of all of them, new or not."""
        now = self._clock()
        insert_new(
            connection,
            _notifications,
            [asdict(notice) | {"created_at": now, "email_attempts": 0} for notice in notices],
        )
        keys = [notice.key for notice in notices]
        if not keys:
            return []
        found = connection.execute(
            select(_notifications.c.key, _notifications.c.id).where(_notifications.c.key.in_(keys))
        )
        ids = {row.key: row.id for row in found}
        return [ids[key] for key in keys]


@runtime_checkable
class Mailer(Protocol):
    """An e-mail channel that sends ready-made messages, several in one session."""

    sender: str

    def send_all(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        """Send each message; per message, None when accepted or one line saying why it was not."""


def mailer_of(channel: Channel | None) -> Mailer | None:
    """The channel as a Mailer, when it can send ready-made messages (SMTP can; the inbox cannot)."""
    return channel if isinstance(channel, Mailer) else None


def team_mailbox(sender: str) -> Callable[[str, str], str]:
    """A role's shared mailbox in one team, at the sender's domain: team_manager.north@<domain>.

    For the whole service (WHOLE_SERVICE) it is the role's own mailbox, service_manager@<domain>. A team name is
    lower-cased and anything but letters, digits and hyphens becomes a hyphen ("North East" -> north-east).
    """
    domain = sender.rpartition("@")[2] or "localhost"

    def mailbox(role: str, team: str) -> str:
        local_team = re.sub(r"[^a-z0-9-]+", "-", team.lower()).strip("-")
        return f"{role}.{local_team}@{domain}" if local_team else f"{role}@{domain}"

    return mailbox


def role_mailbox(sender: str) -> Callable[[str], str]:
    """Each role's shared mailbox at the sender's domain: social_worker@<domain>, business_support@<domain>."""
    mailbox = team_mailbox(sender)
    return lambda role: mailbox(role, WHOLE_SERVICE)


def _message(sender: str, recipient: str, subject: str, lines: Sequence[str], header: tuple[str, str]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"[caseflow] {subject}"
    message.set_content("\n".join(lines) + "\n")
    message[header[0]] = header[1]
    return message


def email_message(notice: Notice, sender: str, recipient: str) -> EmailMessage:
    """The e-mail of a notice: the case reference and the action only."""
    what = NOTICE_TEXT.get(notice.kind, notice.kind.replace("_", " "))
    lines = [f"Case {notice.case_reference}: {what}."]
    if notice.action_kind:
        due = f", due {notice.due_on.isoformat()}" if notice.due_on else ""
        lines.append(f"Action: {notice.action_kind}{due}.")
    lines.append("Open the case in caseflow for the details.")
    return _message(
        sender, recipient, f"case {notice.case_reference}: {what}", lines, ("X-Caseflow-Notice", notice.key)
    )


def deliver_notice(channel: Channel, notice: Notice, people: str | None) -> None:
    """Deliver `notice` to `people` (a `To` header the directory gave) when the channel can address a message, else
    as the channel delivers it (SMTP: the role's mailbox); EmailNotSent when the server does not take it."""
    mailer = mailer_of(channel)
    if people is None or mailer is None:
        channel.deliver(notice)
        return
    [error] = mailer.send_all([email_message(notice, mailer.sender, people)])
    if error is not None:
        raise EmailNotSent(f"notice {notice.key}: {error}")


def _lateness(line: DigestLine) -> str:
    if line.working_days_late is None:
        return "not due yet"
    return f"{line.working_days_late} working day{'' if line.working_days_late == 1 else 's'} late"


def digest_message(digest: Digest, sender: str, recipient: str) -> EmailMessage:
    """The e-mail of a sweep digest: one line per action (case reference, action, due date, lateness, level)."""
    whom = digest.recipient_role + (f", team {digest.team}" if digest.team != WHOLE_SERVICE else "")
    whom = f"{digest.staff_id} ({whom})" if digest.staff_id else whom
    lines = [
        f"Deadline sweep of {digest.as_of.isoformat()}: {digest.actions} reminder(s) and escalation(s) for {whom}.",
        "",
    ]
    lines += [
        f"{line.case_reference}  {line.action_kind}  due {line.due_on.isoformat()}  {_lateness(line)}  level {line.level}"
        for line in digest.lines
    ]
    more = digest.actions - len(digest.lines)
    if more > 0:
        lines.append(
            f"... and {more} more; run `caseflow overdue --as-of {digest.as_of.isoformat()}` for the whole list."
        )
    lines += ["", "Open the cases in caseflow for the details."]
    subject = f"deadline sweep {digest.as_of.isoformat()}: {digest.actions} action(s) for {whom}"
    key = f"{digest.as_of.isoformat()}:{digest.recipient_role}:{digest.team}" + (
        f":{digest.staff_id}" if digest.staff_id else ""
    )
    return _message(sender, recipient, subject, lines, ("X-Caseflow-Digest", key))


class SmtpChannel:
    """E-mail through an SMTP server (stdlib smtplib): a notice to its role's mailbox, or ready-made messages."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipient_for: Callable[[str], str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._recipient_for = recipient_for or role_mailbox(sender)

    def deliver(self, notice: Notice) -> None:
        [error] = self.send_all([email_message(notice, self.sender, self._recipient_for(notice.recipient_role))])
        if error is not None:
            raise EmailNotSent(f"notice {notice.key}: {error}")

    def send_all(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        """Send the messages in one SMTP session; per message, None when accepted or why it was not."""
        errors: list[str | None] = []
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                for message in messages:
                    errors.append(self._send_one(smtp, message))
        except (smtplib.SMTPException, OSError) as exc:
            # No connection, or it dropped: every message not yet handled failed with it.
            errors.extend([self._refusal(exc)] * (len(messages) - len(errors)))
        return errors

    def _send_one(self, smtp: smtplib.SMTP, message: EmailMessage) -> str | None:
        try:
            smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            return self._refusal(exc)  # this message only: the session goes on with the next one
        return None

    def _refusal(self, exc: Exception) -> str:
        return f"SMTP server {self.host}:{self.port} did not accept it ({type(exc).__name__})"
