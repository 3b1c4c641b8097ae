"""The outbox, write side: a committed change of a case leaves one row for the dispatcher to deliver."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, insert

from workflows.persistence.models import OutboxRow

__all__ = ["OPEN_ACTIONS", "append", "idempotency_key", "open_actions_entry", "outbox_row"]

_outbox = OutboxRow.__table__
# The payload key of the case's open actions as the change left them, [action id, due date] each: the
# case-transition flow works out what was outstanding, due and late as of this version from it, however far the
# case has moved on by the time the row is delivered.
OPEN_ACTIONS = "open_actions"


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def due_on(self) -> date: ...


def open_actions_entry(actions: Iterable[_Stored]) -> list[tuple[int | None, date]]:
    """The OPEN_ACTIONS entry for `actions` (stored ones: each has its id); the JSON encoder writes dates as ISO."""
    return [(action.id, action.due_on) for action in actions]


def idempotency_key(reference: str, version: int) -> str:
    """One key per committed version of a case: a redelivery of the same row starts no second flow run."""
    return f"{reference}:{version}"


def outbox_row(
    reference: str, version: int, event_type: str, payload: Mapping[str, Any], created_at: datetime
) -> dict[str, Any]:
    """The row for a change that brought the case to `version`; payload holds ids and codes only."""
    return {
        "case_reference": reference,
        "idempotency_key": idempotency_key(reference, version),
        "event_type": event_type,
        "payload": dict(payload),
        "created_at": created_at,
        "attempts": 0,
    }


def append(
    connection: Connection,
    reference: str,
    version: int,
    event_type: str,
    payload: Mapping[str, Any],
    created_at: datetime,
) -> None:
    """Insert the row in the caller's transaction, so it commits or rolls back with the change it reports."""
    connection.execute(insert(_outbox), outbox_row(reference, version, event_type, payload, created_at))
