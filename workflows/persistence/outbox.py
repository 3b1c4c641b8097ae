"""The outbox, write side: a committed change of a case leaves one row for the dispatcher to deliver."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from workflows.persistence.models import OutboxRow

__all__ = ["append", "idempotency_key", "outbox_row"]

_outbox = OutboxRow.__table__


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
