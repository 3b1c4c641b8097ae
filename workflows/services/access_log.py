"""The access log: every read of one case by a person, whatever it came through (cli, api, console)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from workflows.persistence import CaseReadRow

__all__ = ["CHANNELS", "CaseRead", "list_access", "record_access"]

# What a read came through; a persisted value, like a status.
CHANNELS = ("cli", "api", "console")

_reads = CaseReadRow.__table__


@dataclass(frozen=True)
class CaseRead:
    """One read: who (None: a command-line read with no --actor), when, through what."""

    staff_id: str | None
    read_at: datetime
    channel: str


def record_access(connection: Connection, staff_id: str | None, reference: str, channel: str, now: datetime) -> None:
    """Record that `staff_id` read case `reference` through `channel` at `now`, in the caller's transaction."""
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r}: expected one of {', '.join(CHANNELS)}")
    connection.execute(insert(_reads).values(case_reference=reference, staff_id=staff_id, channel=channel, read_at=now))


def list_access(connection: Connection, reference: str) -> list[CaseRead]:
    """Every recorded read of case `reference`, oldest first."""
    rows = connection.execute(
        select(_reads.c.staff_id, _reads.c.read_at, _reads.c.channel)
        .where(_reads.c.case_reference == reference)
        .order_by(_reads.c.read_at, _reads.c.id)
    )
    return [CaseRead(row.staff_id, row.read_at, row.channel) for row in rows]
