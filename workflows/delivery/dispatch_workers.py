"""The workers delivering the outbox, as they record themselves, and the backlog they work through.

Each `caseflow worker` keeps a row in `dispatch_workers` (seen every few seconds, deleted when it stops cleanly).
`caseflow incidents` reads this, with the claims on the outbox, to say who holds what and how old the backlog is;
the scheduler reads it to know whether a worker is there to deliver the outbox at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update

from workflows.delivery.outbox_claims import aware
from workflows.persistence import DispatchWorkerRow, OutboxRow

__all__ = [
    "Backlog",
    "WorkerRecord",
    "backlog",
    "forget_worker",
    "live_workers",
    "record_worker",
    "register_worker",
    "workers",
]

_workers = DispatchWorkerRow.__table__
_outbox = OutboxRow.__table__
# Pending rows read, oldest first, to say which worker holds which case: bounds the read of a huge backlog.
SCANNED_ROWS = 20_000


@dataclass(frozen=True)
class WorkerRecord:
    """A worker as it last recorded itself, and the rows it holds now."""

    name: str
    host: str
    pid: int
    concurrency: int
    started_at: datetime
    seen_at: datetime
    delivered: int
    failed: int
    in_flight: int  # rows it holds a live claim on: runs in progress (or about to start)
    waiting: int  # later rows of the cases it holds: they go once its runs of those cases have


@dataclass(frozen=True)
class Backlog:
    """The undelivered outbox: how many rows, how old the oldest, and how many are held, backing off or failing."""

    undelivered: int
    oldest_created_at: datetime | None
    in_flight: int
    backing_off: int


def register_worker(engine: Engine, name: str, host: str, pid: int, concurrency: int, now: datetime) -> None:
    """Record a starting worker (replacing a record of the same name left by a process that died)."""
    with engine.begin() as connection:
        connection.execute(delete(_workers).where(_workers.c.name == name))
        connection.execute(
            insert(_workers).values(
                name=name,
                host=host,
                pid=pid,
                concurrency=concurrency,
                started_at=now,
                seen_at=now,
                delivered=0,
                failed=0,
            )
        )


def record_worker(engine: Engine, name: str, now: datetime, delivered: int, failed: int) -> None:
    """A worker's heartbeat: seen now, with its counts since it started."""
    with engine.begin() as connection:
        connection.execute(
            update(_workers).where(_workers.c.name == name).values(seen_at=now, delivered=delivered, failed=failed)
        )


def forget_worker(engine: Engine, name: str) -> None:
    """A worker stopping cleanly takes its record with it."""
    with engine.begin() as connection:
        connection.execute(delete(_workers).where(_workers.c.name == name))


def live_workers(connection: Connection, now: datetime, within: timedelta) -> int:
    """How many workers have been seen within `within` of `now`."""
    query = select(func.count()).select_from(_workers).where(_workers.c.seen_at >= now - within)
    return int(connection.execute(query).scalar_one())


def workers(connection: Connection, now: datetime) -> list[WorkerRecord]:
    """Every recorded worker, with the cases it holds now and the rows waiting behind them, oldest worker first."""
    held, waiting = _held_cases(connection, now)
    rows = connection.execute(select(_workers).order_by(_workers.c.started_at, _workers.c.name))
    return [
        WorkerRecord(
            r.name,
            r.host,
            r.pid,
            r.concurrency,
            _required(aware(r.started_at)),
            _required(aware(r.seen_at)),
            r.delivered,
            r.failed,
            held.get(r.name, 0),
            waiting.get(r.name, 0),
        )
        for r in rows
    ]


def _held_cases(connection: Connection, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Per worker: the rows it holds a live claim on, and the later rows of those cases (its backlog)."""
    pending = connection.execute(
        select(_outbox.c.case_reference, _outbox.c.claimed_by, _outbox.c.claimed_until)
        .where(_outbox.c.delivered_at.is_(None))
        .order_by(_outbox.c.id)
        .limit(SCANNED_ROWS)
    )
    holder_of: dict[str, str | None] = {}  # per case: who holds its head (None: nobody)
    held: dict[str, int] = {}
    waiting: dict[str, int] = {}
    for reference, claimed_by, claimed_until in pending:
        if reference not in holder_of:
            live = claimed_by is not None and (until := aware(claimed_until)) is not None and until > now
            holder_of[reference] = claimed_by if live else None
            if live:
                held[claimed_by] = held.get(claimed_by, 0) + 1
        elif (holder := holder_of[reference]) is not None:
            waiting[holder] = waiting.get(holder, 0) + 1
    return held, waiting


def backlog(connection: Connection, now: datetime) -> Backlog:
    """The undelivered rows: count, oldest, held by a live claim, waiting out a backoff."""
    pending = _outbox.c.delivered_at.is_(None)
    row = connection.execute(
        select(
            func.count(),
            func.min(_outbox.c.created_at),
            func.sum(case((_outbox.c.claimed_until > now, 1), else_=0)),
            func.sum(case((_outbox.c.next_attempt_at > now, 1), else_=0)),
        ).where(pending)
    ).one()
    return Backlog(int(row[0]), aware(row[1]), int(row[2] or 0), int(row[3] or 0))


def _required(value: datetime | None) -> datetime:
    assert value is not None  # NOT NULL columns
    return value
