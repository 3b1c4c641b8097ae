"""The case-transition flow's reads and idempotent writes: every insert is keyed, so a redelivery adds nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, or_, select, update

from states.notices import Notice
from states.transition_plan import Escalation, OpenAction, Transition
from workflows.persistence.errors import OutboxRowMissing
from workflows.persistence.models import ActionRow, CaseRow, EscalationRow, NotificationRow, OutboxRow, ReminderRow
from workflows.persistence.unique_insert import insert_new

__all__ = [
    "TRANSITION_SOURCE",
    "OutboxRowMissing",
    "TransitionRecord",
    "load_notice",
    "load_transition",
    "load_transition_record",
    "mark_emailed",
    "open_actions",
    "record_email_failure",
    "record_escalations",
    "record_reminders",
    "unsent_emails",
]

# The `source` of an escalation this flow raises (the sweep writes "sweep", managers "manual").
TRANSITION_SOURCE = "transition"
ERROR_LENGTH = 500

_outbox = OutboxRow.__table__
_cases = CaseRow.__table__
_actions = ActionRow.__table__
_reminders = ReminderRow.__table__
_escalations = EscalationRow.__table__
_notifications = NotificationRow.__table__


def load_transition(connection: Connection, outbox_id: int) -> Transition:
    """The outbox row `outbox_id` with its case's id and authority."""
    row = connection.execute(
        select(_outbox.c.idempotency_key, _outbox.c.payload, _cases.c.id, _cases.c.authority)
        .join(_cases, _cases.c.reference == _outbox.c.case_reference)
        .where(_outbox.c.id == outbox_id)
    ).first()
    if row is None:
        raise OutboxRowMissing(f"outbox row {outbox_id}: not found, or its case does not exist")
    return Transition.from_payload(outbox_id, row.idempotency_key, row.id, row.authority, row.payload)


@dataclass(frozen=True)
class TransitionRecord:
    """An outbox row's transition, with what its follow-up reads of the case now: its version and actions."""

    transition: Transition
    case_version: int
    kinds: dict[int, tuple[str, str]]  # (kind, owner role) of the actions that stood open and of those open now
    now_open: list[OpenAction]  # the case's open actions now, oldest first


def load_transition_record(connection: Connection, outbox_id: int) -> TransitionRecord:
    """The transition of outbox row `outbox_id`, the case's version now, and the actions it and the case hold open."""
    row = connection.execute(
        select(_outbox.c.idempotency_key, _outbox.c.payload, _cases.c.id, _cases.c.authority, _cases.c.version)
        .join(_cases, _cases.c.reference == _outbox.c.case_reference)
        .where(_outbox.c.id == outbox_id)
    ).first()
    if row is None:
        raise OutboxRowMissing(f"outbox row {outbox_id}: not found, or its case does not exist")
    transition = Transition.from_payload(outbox_id, row.idempotency_key, row.id, row.authority, row.payload)
    stood_ids = [action_id for action_id, _ in transition.stood_open or ()]
    wanted = _actions.c.status == "open"
    if stood_ids:
        wanted = or_(wanted, _actions.c.id.in_(stood_ids))
    actions = connection.execute(
        select(_actions.c.id, _actions.c.kind, _actions.c.owner_role, _actions.c.status, _actions.c.due_on)
        .where(_actions.c.case_id == transition.case_id, wanted)
        .order_by(_actions.c.id)
    ).all()
    return TransitionRecord(
        transition,
        row.version,
        {a.id: (a.kind, a.owner_role) for a in actions},
        [OpenAction(a.id, a.kind, a.owner_role, a.due_on) for a in actions if a.status == "open"],
    )


def open_actions(connection: Connection, case_id: int) -> list[OpenAction]:
    """The case's open actions, oldest first."""
    rows = connection.execute(
        select(_actions.c.id, _actions.c.kind, _actions.c.owner_role, _actions.c.due_on)
        .where(_actions.c.case_id == case_id, _actions.c.status == "open")
        .order_by(_actions.c.id)
    )
    return [OpenAction(row.id, row.kind, row.owner_role, row.due_on) for row in rows]


def record_reminders(
    connection: Connection, case_id: int, actions: Sequence[OpenAction], as_of: date, now: datetime
) -> int:
    """Reminder rows (keyed like the sweep's: action and due date); returns how many were new."""
    rows = [
        {"action_id": a.id, "case_id": case_id, "due_on": a.due_on, "swept_on": as_of, "created_at": now}
        for a in actions
    ]
    return insert_new(connection, _reminders, rows)


def record_escalations(
    connection: Connection, case_id: int, found: Sequence[Escalation], as_of: date, now: datetime
) -> int:
    """Escalation rows (keyed like the sweep's: action, level, due date); returns how many were new."""
    rows = [
        {
            "case_id": case_id,
            "action_id": e.action.id,
            "level": e.level,
            "source": TRANSITION_SOURCE,
            "due_on": e.action.due_on,
            "working_days_overdue": e.working_days_overdue,
            "raised_on": as_of,
            "created_at": now,
        }
        for e in found
    ]
    return insert_new(connection, _escalations, rows)


def unsent_emails(connection: Connection, notification_ids: Sequence[int]) -> list[int]:
    """The notifications among `notification_ids` not yet e-mailed."""
    if not notification_ids:
        return []
    query = select(_notifications.c.id).where(
        _notifications.c.id.in_(notification_ids), _notifications.c.emailed_at.is_(None)
    )
    return sorted(connection.execute(query).scalars())


def load_notice(connection: Connection, notification_id: int) -> tuple[Notice, datetime | None]:
    """The notice behind inbox row `notification_id`, and when it was e-mailed (None: not yet)."""
    row = connection.execute(select(_notifications).where(_notifications.c.id == notification_id)).first()
    if row is None:
        raise OutboxRowMissing(f"notification {notification_id}: not found")
    notice = Notice(
        row.key, row.case_reference, row.kind, row.recipient_role, row.action_id, row.action_kind, row.due_on
    )
    return notice, row.emailed_at


def mark_emailed(connection: Connection, notification_id: int, now: datetime) -> None:
    connection.execute(
        update(_notifications)
        .where(_notifications.c.id == notification_id)
        .values(emailed_at=now, email_attempts=_notifications.c.email_attempts + 1, last_error=None)
    )


def record_email_failure(connection: Connection, notification_id: int, error: str) -> None:
    connection.execute(
        update(_notifications)
        .where(_notifications.c.id == notification_id)
        .values(email_attempts=_notifications.c.email_attempts + 1, last_error=error[:ERROR_LENGTH])
    )
