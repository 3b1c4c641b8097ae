"""Incidents: what failed past its retries and needs operations staff, listed with the outbox rows not yet delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from workflows.delivery.errors import IncidentNotFound, IncidentNotRetryable
from workflows.persistence import ERROR_LENGTH, IncidentRow, NotificationRow, OutboxRow, SweepDigestRow, insert_new

__all__ = [
    "DIGEST_EMAIL_FAILED",
    "EMAIL_FAILED",
    "OUTBOX_STUCK",
    "Incident",
    "IncidentNotFound",
    "IncidentNotRetryable",
    "Undelivered",
    "digest_error",
    "digest_subject",
    "email_subject",
    "notification_error",
    "open_incident",
    "open_incidents",
    "outbox_subject",
    "resolve",
    "undelivered",
]

EMAIL_FAILED = "email_failed"
DIGEST_EMAIL_FAILED = "digest_email_failed"
OUTBOX_STUCK = "outbox_stuck"

_incidents = IncidentRow.__table__
_notifications = NotificationRow.__table__
_digests = SweepDigestRow.__table__
_outbox = OutboxRow.__table__


@dataclass(frozen=True)
class Incident:
    """An open incident, as listed to operations staff."""

    id: int
    kind: str
    case_reference: str | None
    error: str
    opened_at: datetime
    retries: int
    outbox_id: int | None
    notification_id: int | None
    flow_run_id: str | None
    digest_id: int | None = None


@dataclass(frozen=True)
class Undelivered:
    """An outbox row the dispatcher has not delivered yet."""

    outbox_id: int
    case_reference: str
    event_type: str
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    claimed_by: str | None = None  # the worker that holds it now (until claimed_until), or last took it
    claimed_until: datetime | None = None


def email_subject(notification_id: int) -> str:
    return f"email:{notification_id}"


def digest_subject(digest_id: int) -> str:
    return f"digest:{digest_id}"


def outbox_subject(outbox_id: int) -> str:
    return f"outbox:{outbox_id}"


def open_incident(connection: Connection, subject: str, kind: str, error: str, now: datetime, **refs: Any) -> int:
    """Open the incident of `subject`, or reopen it with the new error; returns its id."""
    values = {"subject": subject, "kind": kind, "error": error[:ERROR_LENGTH], "opened_at": now, "retries": 0, **refs}
    if not insert_new(connection, _incidents, [values]):
        changes = {
            "error": error[:ERROR_LENGTH],
            "resolved_at": None,
            **{k: v for k, v in refs.items() if v is not None},
        }
        connection.execute(update(_incidents).where(_incidents.c.subject == subject).values(changes))
    return int(connection.execute(select(_incidents.c.id).where(_incidents.c.subject == subject)).scalar_one())


def resolve(connection: Connection, subject: str, now: datetime) -> None:
    """Close the incident of `subject`, if one is open."""
    connection.execute(
        update(_incidents)
        .where(_incidents.c.subject == subject, _incidents.c.resolved_at.is_(None))
        .values(resolved_at=now)
    )


def notification_error(connection: Connection, notification_id: int) -> str:
    query = select(_notifications.c.last_error).where(_notifications.c.id == notification_id)
    return str(connection.execute(query).scalar_one_or_none() or "e-mail not sent")


def digest_error(connection: Connection, digest_id: int) -> str:
    query = select(_digests.c.last_error).where(_digests.c.id == digest_id)
    return str(connection.execute(query).scalar_one_or_none() or "e-mail not sent")


def open_incidents(connection: Connection) -> list[Incident]:
    """Every open incident, oldest first."""
    rows = connection.execute(select(_incidents).where(_incidents.c.resolved_at.is_(None)).order_by(_incidents.c.id))
    return [
        Incident(
            r.id,
            r.kind,
            r.case_reference,
            r.error,
            r.opened_at,
            r.retries,
            r.outbox_id,
            r.notification_id,
            r.flow_run_id,
            r.digest_id,
        )
        for r in rows
    ]


def undelivered(connection: Connection, limit: int = 500) -> list[Undelivered]:
    """Outbox rows not yet delivered, oldest first."""
    rows = connection.execute(
        select(_outbox).where(_outbox.c.delivered_at.is_(None)).order_by(_outbox.c.id).limit(limit)
    )
    return [
        Undelivered(
            r.id,
            r.case_reference,
            r.event_type,
            r.created_at,
            r.attempts,
            r.next_attempt_at,
            r.last_error,
            r.claimed_by,
            r.claimed_until,
        )
        for r in rows
    ]
