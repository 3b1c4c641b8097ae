"""Tables of delivery and operations: the notification inbox, incidents, the scheduler lease and its job store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import Base

__all__ = [
    "SCHEDULER_JOBS_TABLE",
    "DispatchWorkerRow",
    "IncidentRow",
    "NotificationRow",
    "SchedulerLeaseRow",
    "SweepDigestRow",
    "scheduler_jobs",
]

SCHEDULER_JOBS_TABLE = "scheduler_jobs"


class NotificationRow(Base):
    """One message to a role about a case: the inbox entry (always) and the state of its e-mail copy."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_role_read_at", "recipient_role", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<outbox idempotency key>:<kind>:<action id or role>": a redelivered transition finds its notices already here.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    case_reference: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient_role: Mapped[str] = mapped_column(String(32))
    action_id: Mapped[int | None] = mapped_column(Integer)
    action_kind: Mapped[str | None] = mapped_column(String(64))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class SweepDigestRow(Base):
    """What one deadline sweep raised for one role of one team: the inbox entry and the state of its e-mail copy."""

    __tablename__ = "sweep_digests"
    # One digest per sweep date and recipient: a rerun, or a second sweep at once, finds its digests already here.
    __table_args__ = (UniqueConstraint("as_of", "recipient_role", "team", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    recipient_role: Mapped[str] = mapped_column(String(32))
    # "" for the whole service (service-wide roles, and cases with no team): NULLs would never clash in the key.
    team: Mapped[str] = mapped_column(String(64))
    # The allocated worker it is for ("" for the role's recipients): a worker hears of the cases they hold only.
    staff_id: Mapped[str] = mapped_column(String(64), default="")
    actions: Mapped[int] = mapped_column(Integer)  # reminders and escalations it covers
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by the sender that is e-mailing it now, so a second sweep at once does not send it too.
    email_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))


class IncidentRow(Base):
    """Something operations staff must see and may retry: an e-mail that would not go, an outbox row stuck."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "email:<notification id>", "digest:<digest id>" or "outbox:<outbox id>": one incident per subject, reopened
    # if it fails again.
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    case_reference: Mapped[str | None] = mapped_column(String(64))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("sweep_digests.id"))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    error: Mapped[str] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    retries: Mapped[int] = mapped_column(Integer, default=0)


class SchedulerLeaseRow(Base):
    """Who may run the scheduler now: the holder renews expires_at; anyone may take a lease that has expired."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DispatchWorkerRow(Base):
    """A `caseflow worker` process delivering outbox rows: who it is, and what it has done since it started.

    Written by the worker itself every few seconds (seen_at, its counts) and deleted when it stops cleanly; a row
    not seen for longer than the claim lease is a worker that died (its claims have expired with it).
    """

    __tablename__ = "dispatch_workers"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


# APScheduler's SQLAlchemyJobStore table, declared here (same columns) so the migration owns it like every other.
scheduler_jobs = Table(
    SCHEDULER_JOBS_TABLE,
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
