"""Retrying an incident by hand (`caseflow incidents retry`): a notice's or a sweep digest's e-mail sent again, or
a stuck outbox row queued for the next dispatch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from states.errors import CaseflowError
from states.policy import Policy
from workflows.delivery import (
    DIGEST_EMAIL_FAILED,
    OUTBOX_STUCK,
    Channel,
    EmailNotSent,
    IncidentNotFound,
    IncidentNotRetryable,
    deliver_notice,
    digest_error,
    email_subject,
    mailer_of,
    notice_people,
    resolve,
)
from workflows.persistence import ERROR_LENGTH, IncidentRow, OutboxRow, load_notice, mark_emailed, record_email_failure
from workflows.sweep import email_digests, load_digest

__all__ = ["retry"]

_incidents = IncidentRow.__table__
_outbox = OutboxRow.__table__


def _open_incident_row(connection: Connection, incident_id: int) -> Any:
    row = connection.execute(
        select(_incidents).where(_incidents.c.id == incident_id, _incidents.c.resolved_at.is_(None))
    ).first()
    if row is None:
        raise IncidentNotFound(f"incident {incident_id}: no open incident has this id (see `caseflow incidents`)")
    return row


def retry(
    engine: Engine, incident_id: int, email: Channel | None, now: datetime, policies: Mapping[str, Policy]
) -> str:
    """Retry an incident: send its e-mail (a notice's or a sweep digest's) again, or queue its outbox row for the
    next dispatch; returns what was done. `policies` (by authority) say who a digest's lines are for."""
    with engine.begin() as connection:
        row = _open_incident_row(connection, incident_id)
        connection.execute(update(_incidents).where(_incidents.c.id == incident_id).values(retries=row.retries + 1))
        if row.kind == OUTBOX_STUCK:
            connection.execute(update(_outbox).where(_outbox.c.id == row.outbox_id).values(next_attempt_at=now))
            return f"incident {incident_id}: outbox row {row.outbox_id} queued for the next dispatch"
        if row.kind != DIGEST_EMAIL_FAILED:
            notice, emailed_at = load_notice(connection, row.notification_id)
            # The same people the first attempt was for (the allocated worker, the team's managers), not the
            # role's mailbox.
            people = notice_people(connection, notice.case_reference, notice.recipient_role, policies)
    if row.kind == DIGEST_EMAIL_FAILED:
        return _retry_digest(engine, row, email, now, policies)
    if emailed_at is None:
        _send(engine, row.notification_id, notice, people, email, now)
    with engine.begin() as connection:
        resolve(connection, row.subject, now)
    return f"incident {incident_id}: notice {notice.key} e-mailed; incident resolved"


def _retry_digest(
    engine: Engine, row: Any, email: Channel | None, now: datetime, policies: Mapping[str, Policy]
) -> str:
    mailer = mailer_of(email)
    if mailer is None:
        raise IncidentNotRetryable("no SMTP server is configured (CASEFLOW_SMTP_HOST): the e-mail cannot be retried")
    _, failed = email_digests(engine, mailer, [row.digest_id], now, policies)
    with engine.begin() as connection:
        if not failed:
            resolve(connection, row.subject, now)  # already, when it went now; or it had gone since the incident
            return f"incident {row.id}: sweep digest {row.digest_id} e-mailed; incident resolved"
        error = f"{load_digest(connection, row.digest_id)}: {digest_error(connection, row.digest_id)}"
        connection.execute(update(_incidents).where(_incidents.c.id == row.id).values(error=error[:ERROR_LENGTH]))
    raise EmailNotSent(f"incident {row.id}: digest {row.digest_id} not sent again: {error}")


def _send(
    engine: Engine, notification_id: int, notice: Any, people: str | None, email: Channel | None, now: datetime
) -> None:
    if email is None:
        raise IncidentNotRetryable("no SMTP server is configured (CASEFLOW_SMTP_HOST): the e-mail cannot be retried")
    try:
        deliver_notice(email, notice, people)
    except CaseflowError as exc:
        with engine.begin() as connection:
            record_email_failure(connection, notification_id, str(exc))
            connection.execute(
                update(_incidents)
                .where(_incidents.c.subject == email_subject(notification_id))
                .values(error=str(exc)[:ERROR_LENGTH])
            )
        raise
    with engine.begin() as connection:
        mark_emailed(connection, notification_id, now)
