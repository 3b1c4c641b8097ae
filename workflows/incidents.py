"""Incidents: what failed past its retries and needs operations staff, listed with the outbox rows not yet delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from states.errors import CaseflowError
from workflows.models import OutboxRow
from workflows.notification_models import IncidentRow, NotificationRow, SweepDigestRow
from workflows.notifier import Channel, EmailNotSent, mailer_of
from workflows.transition_store import ERROR_LENGTH, load_notice, mark_emailed, record_email_failure
from workflows.unique_insert import insert_new

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
    "retry",
    "undelivered",
]

EMAIL_FAILED = "email_failed"
DIGEST_EMAIL_FAILED = "digest_email_failed"
OUTBOX_STUCK = "outbox_stuck"

_incidents = IncidentRow.__table__
_notifications = NotificationRow.__table__
_digests = SweepDigestRow.__table__
_outbox = OutboxRow.__table__


class IncidentNotFound(CaseflowError):
    """No open incident has that id."""


class IncidentNotRetryable(CaseflowError):
    """The incident cannot be retried from here (e.g. no SMTP server is configured)."""


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


def email_subject(notification_id: int) -> str:
    return f"email:{notification_id}"


def digest_subject(digest_id: int) -> str:
    return f"digest:{digest_id}"


def outbox_subject(outbox_id: int) -> str:
    return f"outbox:{outbox_id}"


def open_incident(
    connection: Connection, subject: str, kind: str, error: str, now: datetime, **refs: Any
) -> int:
    """Open the incident of `subject`, or reopen it with the new error; returns its id."""
    values = {"subject": subject, "kind": kind, "error": error[:ERROR_LENGTH], "opened_at": now, "retries": 0, **refs}
    if not insert_new(connection, _incidents, [values]):
        changes = {"error": error[:ERROR_LENGTH], "resolved_at": None, **{k: v for k, v in refs.items() if v is not None}}
        connection.execute(update(_incidents).where(_incidents.c.subject == subject).values(changes))
    return int(connection.execute(select(_incidents.c.id).where(_incidents.c.subject == subject)).scalar_one())


def resolve(connection: Connection, subject: str, now: datetime) -> None:
    """Close the incident of `subject`, if one is open."""
    connection.execute(
        update(_incidents).where(_incidents.c.subject == subject, _incidents.c.resolved_at.is_(None)).values(resolved_at=now)
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
        Incident(r.id, r.kind, r.case_reference, r.error, r.opened_at, r.retries, r.outbox_id, r.notification_id,
                 r.flow_run_id, r.digest_id)
        for r in rows
    ]  # fmt: skip


def undelivered(connection: Connection, limit: int = 500) -> list[Undelivered]:
    """Outbox rows not yet delivered, oldest first."""
    rows = connection.execute(
        select(_outbox).where(_outbox.c.delivered_at.is_(None)).order_by(_outbox.c.id).limit(limit)
    )
    return [
        Undelivered(r.id, r.case_reference, r.event_type, r.created_at, r.attempts, r.next_attempt_at, r.last_error)
        for r in rows
    ]


def _open_incident_row(connection: Connection, incident_id: int) -> Any:
    row = connection.execute(
        select(_incidents).where(_incidents.c.id == incident_id, _incidents.c.resolved_at.is_(None))
    ).first()
    if row is None:
        raise IncidentNotFound(f"incident {incident_id}: no open incident has this id (see `caseflow incidents`)")
    return row


def retry(engine: Engine, incident_id: int, email: Channel | None, now: datetime) -> str:
    """Retry an incident: send its e-mail (a notice's or a sweep digest's) again, or queue its outbox row for the
    next dispatch; returns what was done."""
    with engine.begin() as connection:
        row = _open_incident_row(connection, incident_id)
        connection.execute(update(_incidents).where(_incidents.c.id == incident_id).values(retries=row.retries + 1))
        if row.kind == OUTBOX_STUCK:
            connection.execute(update(_outbox).where(_outbox.c.id == row.outbox_id).values(next_attempt_at=now))
            return f"incident {incident_id}: outbox row {row.outbox_id} queued for the next dispatch"
        if row.kind != DIGEST_EMAIL_FAILED:
            notice, emailed_at = load_notice(connection, row.notification_id)
    if row.kind == DIGEST_EMAIL_FAILED:
        return _retry_digest(engine, row, email, now)
    if emailed_at is None:
        _send(engine, row.notification_id, notice, email, now)
    with engine.begin() as connection:
        resolve(connection, row.subject, now)
    return f"incident {incident_id}: notice {notice.key} e-mailed; incident resolved"


def _retry_digest(engine: Engine, row: Any, email: Channel | None, now: datetime) -> str:
    from workflows import sweep_notices  # the sweep's queries, needed only for this kind of incident

    mailer = mailer_of(email)
    if mailer is None:
        raise IncidentNotRetryable("no SMTP server is configured (CASEFLOW_SMTP_HOST): the e-mail cannot be retried")
    _, failed = sweep_notices.email_digests(engine, mailer, [row.digest_id], now)
    with engine.begin() as connection:
        if not failed:
            resolve(connection, row.subject, now)  # already, when it went now; or it had gone since the incident
            return f"incident {row.id}: sweep digest {row.digest_id} e-mailed; incident resolved"
        error = f"{sweep_notices.load_digest(connection, row.digest_id)}: {digest_error(connection, row.digest_id)}"
        connection.execute(update(_incidents).where(_incidents.c.id == row.id).values(error=error[:ERROR_LENGTH]))
    raise EmailNotSent(f"incident {row.id}: digest {row.digest_id} not sent again: {error}")


def _send(engine: Engine, notification_id: int, notice: Any, email: Channel | None, now: datetime) -> None:
    if email is None:
        raise IncidentNotRetryable("no SMTP server is configured (CASEFLOW_SMTP_HOST): the e-mail cannot be retried")
    try:
        email.deliver(notice)
    except CaseflowError as exc:
        with engine.begin() as connection:
            record_email_failure(connection, notification_id, str(exc))
            connection.execute(
                update(_incidents).where(_incidents.c.subject == email_subject(notification_id)).values(error=str(exc)[:ERROR_LENGTH])
            )
        raise
    with engine.begin() as connection:
        mark_emailed(connection, notification_id, now)
