"""Cases, their actions, the audit trail and the outbox: the tables a trigger writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model here maps one Table; saying so lets Core statements take `Model.__table__` without casts.
    __table__: ClassVar[Table]
    type_annotation_map = {dict[str, Any]: JSON}  # noqa: RUF012 - SQLAlchemy reads this class attribute as is


class CaseRow(Base):
    """One child's case. Personal fields stay in this table; nothing outside the database sees them."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    authority: Mapped[str] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(64))
    # The staff id of the social worker who holds the case (allocate); None while unallocated.
    allocated_worker: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)
    # The pre-proceedings track, a second region beside the status: 'none' when no pre-proceedings are open.
    pre_proceedings: Mapped[str] = mapped_column(String(32), server_default=text("'none'"))
    # Optimistic concurrency: every trigger bumps it; an update that finds another value lost the race.
    version: Mapped[int] = mapped_column(Integer)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    expected_delivery_date: Mapped[date | None] = mapped_column(Date)
    # The authority's own id for the child (its case record system's person id): links a child's cases.
    child_id: Mapped[str | None] = mapped_column(String(20), index=True)
    sex: Mapped[str | None] = mapped_column(String(1))  # the DfE census code: M, F or U
    upn: Mapped[str | None] = mapped_column(String(13))  # unique pupil number
    # Facts the lifecycle has recorded (strategy discussion date, conference dates, plan dates, categories...).
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The anchor of the case's audit chain (migration 0015): its newest event, and a keyed seal over the reference,
    # the version and that event, so deleting the newest events or forging new ones shows in `audit verify`.
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    audit_hash: Mapped[str | None] = mapped_column(String(64))
    audit_seal: Mapped[str | None] = mapped_column(String(100))  # "<key id>:<HMAC-SHA256 hex>"


class ActionRow(Base):
    """A piece of human work on a case, with an owner role and a due date from the policy."""

    __tablename__ = "actions"
    # By status and due date only the open ones are read: the sweep's partial index (escalation_models) serves them.
    # An index over every action would be rewritten by each trigger that closes or moves one (migration 0009).

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    owner_role: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # open / done / cancelled
    due_on: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(64))  # the policy timescale the due date came from
    anchor: Mapped[str] = mapped_column(String(64))  # the fact it counts from, e.g. "conference_date"
    policy_version: Mapped[str] = mapped_column(String(64))
    close_reason: Mapped[str | None] = mapped_column(String(64))


class AuditEventRow(Base):
    """Append-only, hash-chained record of everything done (and refused) on a case."""

    __tablename__ = "audit_events"
    # The unique (case_reference, seq) index also serves "the newest event of a case"; no second index needed.
    # Database triggers (migration 0001) refuse UPDATE and DELETE; the hash chain makes any bypass evident.
    __table_args__ = (UniqueConstraint("case_reference", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per case, no gaps
    event_type: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))  # hash of the case's previous event; 64 zeros for seq 1
    # HMAC-SHA256, under the audit key `key_id`, of the canonical JSON of this event with prev_hash (migration 0015;
    # plain sha256 before it).
    hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))
    # The case version this event produced, for the events that changed the case (a trigger, a policy migration).
    case_version: Mapped[int | None] = mapped_column(Integer)


class OutboxRow(Base):
    """A committed fact waiting to be delivered to the case-transition flow (at least once, in order per case)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Not indexed (migration 0008): nothing reads the outbox by case, and every trigger writes a row here.
    case_reference: Mapped[str] = mapped_column(String(64))
    # "<case reference>:<case version>": one row per committed change of a case; the dispatcher can hand it
    # to Prefect as the idempotency key so a redelivery starts no second flow run.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The worker delivering the row now (until claimed_until), or the last one that took it. Only the oldest
    # undelivered row of a case is ever claimed, so one worker at a time runs a case, in order (migration 0012).
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
