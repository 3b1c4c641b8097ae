"""Tables of the deadline sweep and of manager escalations: reminders, escalations, sweep progress."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from workflows.persistence.models.cases import ActionRow, Base

__all__ = ["OPEN_ACTIONS_BY_DUE_DATE", "EscalationRow", "ReminderRow", "SweepProgressRow"]

_OPEN = text("status = 'open'")
_HAS_REQUEST_KEY = text("request_key IS NOT NULL")

# The sweep's index on actions, kept beside the sweep's tables (migrations 0004, 0007). Partial: only open actions,
# a small share of all actions once a service has run a while. It holds the case id (and on PostgreSQL the action
# id; SQLite's indexes hold the rowid anyway), so the sweep reads actions due in a date range and joins them to
# their cases without touching the actions table itself. It is the only index of actions by status and due date
# (migration 0009 dropped the full one, which every trigger paid for). Status leads although it is constant: with
# that full index present, SQLite's planner preferred it to a partial index using fewer of the query's terms.
OPEN_ACTIONS_BY_DUE_DATE = Index(
    "ix_actions_open_due_on",
    ActionRow.__table__.c.status,
    ActionRow.__table__.c.due_on,
    ActionRow.__table__.c.case_id,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
    postgresql_include=["id"],
)

# Foreign keys on the two tables a sweep writes in bulk (migration 0007). Measured on PostgreSQL, first-ever sweep
# of 150,000 escalations: each foreign key costs 1.5-2 s of server CPU (a per-row trigger that looks up and
# key-share locks the parent row), about a third of the sweep. Actions and cases are never deleted, and every
# writer takes the ids from rows it read in the same transaction: the sweep selects them from actions joined to
# cases in the INSERT itself, the case-transition flow from the case's open actions, a manager's escalation from
# the case it loaded. So escalations keep no foreign key, and reminders (a few thousand a night) keep the one on
# action_id; a case_id beside an action_id is that action's case, copied so the case view needs no join.


class ReminderRow(Base):
    """A reminder to an action's owner before it is due; one per action and due date, however often swept."""

    __tablename__ = "reminders"
    # due_on is in the key so that an action whose due date moves is reminded again for the new date.
    __table_args__ = (UniqueConstraint("action_id", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    case_id: Mapped[int] = mapped_column(Integer)  # the action's case; no foreign key (see above)
    due_on: Mapped[date] = mapped_column(Date)
    swept_on: Mapped[date] = mapped_column(Date, index=True)  # the sweep's as_of that created it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EscalationRow(Base):
    """A rung of the escalation ladder reached by an overdue action (sweep), or raised by a manager (manual)."""

    __tablename__ = "escalations"
    __table_args__ = (
        # Sweep escalations: one per action, level and due date. Manual ones have no action (NULLs never clash).
        UniqueConstraint("action_id", "level", "due_on"),
        # The sweep's report and digests: what the sweep of one date raised.
        Index("ix_escalations_swept_on", "swept_on"),
        # Only manual escalations have a request key: partial, so the sweep's rows add no entry (about 1 s of
        # PostgreSQL server CPU per 150,000 rows, NULL keys included, measured).
        Index(
            "uq_escalations_request_key",
            "request_key",
            unique=True,
            sqlite_where=_HAS_REQUEST_KEY,
            postgresql_where=_HAS_REQUEST_KEY,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign keys on this table (see above); the case index serves the case view.
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    action_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # sweep / manual
    due_on: Mapped[date | None] = mapped_column(Date)
    working_days_overdue: Mapped[int | None] = mapped_column(Integer)
    swept_on: Mapped[date | None] = mapped_column(Date)  # the sweep's as_of; None for manual escalations
    raised_on: Mapped[date] = mapped_column(Date)
    raised_by: Mapped[str | None] = mapped_column(String(64))  # the manager's staff id; None for the sweep
    # How a manual escalation came in: "cli", "api", or "prefect_ui_on_behalf" (an operator for the named manager).
    raised_via: Mapped[str | None] = mapped_column(String(32))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    # Free text about the child: stays in this column, never leaves the database.
    note: Mapped[str | None] = mapped_column(Text)
    # A manual request's idempotency key (the flow run id): a retried run raises nothing twice.
    request_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SweepProgressRow(Base):
    """One due date of one sweep (as_of): done once every action due that day has been swept."""

    __tablename__ = "sweep_progress"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
