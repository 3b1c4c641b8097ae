"""Claims on outbox rows: who delivers which row now, so that any number of workers deliver in order per case.

Only the oldest undelivered row of a case (its head) is ever claimed, and only while no live claim is on it; the
next row of that case becomes its head once this one is delivered. So one worker at a time runs a case, and a case's
rows run in commit order (a later trigger of a case commits only after the earlier one did: the version check).
A claim is a lease: the holder renews it while the row's run lasts; a holder that dies loses it when the lease runs
out, and another worker delivers the row again (at least once; every effect of the flow is keyed).

Claiming reads the oldest pending rows by (delivered_at, id) with no lock, picks each case's head, and takes the free
ones in one UPDATE: on PostgreSQL through FOR UPDATE SKIP LOCKED, so workers never wait for each other's claims; on
SQLite inside the write transaction every unit of work starts with (BEGIN IMMEDIATE). Either way the UPDATE checks
again that the row is undelivered and unclaimed, so of two workers racing for a head exactly one gets it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from workflows.delivery import incidents
from workflows.logs import get_logger
from workflows.persistence import ERROR_LENGTH, OutboxRow
from workflows.settings import utc_now

__all__ = ["DEFAULT_BACKOFF", "Backoff", "LeaseKeeper", "OutboxClaims", "OutboxEntry", "aware"]

_outbox = OutboxRow.__table__
log = get_logger("caseflow.outbox")


@dataclass(frozen=True)
class OutboxEntry:
    """What delivery needs of an outbox row: its id, case and trigger (and how often it was tried before)."""

    id: int
    case_reference: str
    trigger: str
    attempts: int = 0


@dataclass(frozen=True)
class Backoff:
    """Delay before the next attempt after `attempts` failures: first * 2^(attempts-1), at most `longest`."""

    first: timedelta = timedelta(seconds=5)
    longest: timedelta = timedelta(minutes=10)

    def after(self, attempts: int) -> timedelta:
        delay: timedelta = self.first * 2 ** max(attempts - 1, 0)
        return min(delay, self.longest)


DEFAULT_BACKOFF = Backoff()


def aware(value: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        _outbox.c.delivered_at.is_(None),
        or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until <= now),
        or_(_outbox.c.next_attempt_at.is_(None), _outbox.c.next_attempt_at <= now),
    )


class OutboxClaims:
    """One holder's claims: take case heads, renew them, and settle each as delivered, failed or given back."""

    def __init__(
        self,
        engine: Engine,
        holder: str,
        *,
        lease: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = utc_now,
        backoff: Backoff = DEFAULT_BACKOFF,
        incident_after: int = 5,
        window: int = 500,
        pages: int = 4,
    ) -> None:
        self.engine, self.holder, self.lease, self._clock = engine, holder, lease, clock
        self._backoff, self._incident_after = backoff, incident_after
        # Pending rows read first, and how many times as many at most when those hold too few free heads.
        self._window, self._pages = window, pages
        self._skip_locked = engine.dialect.name == "postgresql"

    def claim(self, limit: int) -> list[OutboxEntry]:
        """Claim up to `limit` case heads that nobody holds and that are not backing off, oldest first."""
        if limit <= 0:
            return []
        now = self._clock()
        with self.engine.begin() as connection:
            heads = self._free_heads(connection, now, limit)
            if not heads:
                return []
            taken: ColumnElement[bool] = _claimable(now) & _outbox.c.id.in_(heads)
            if self._skip_locked:
                taken = _outbox.c.id.in_(select(_outbox.c.id).where(taken).with_for_update(skip_locked=True))
            rows = connection.execute(
                update(_outbox)
                .where(taken, _claimable(now))
                .values(claimed_by=self.holder, claimed_until=now + self.lease)
                .returning(_outbox.c.id, _outbox.c.case_reference, _outbox.c.payload, _outbox.c.attempts)
            ).all()
        return sorted(
            (OutboxEntry(r.id, r.case_reference, str(r.payload.get("trigger", "")), r.attempts) for r in rows),
            key=lambda entry: entry.id,
        )

    def _free_heads(self, connection: Connection, now: datetime, limit: int) -> list[int]:
        """Ids of the oldest rows of cases whose oldest undelivered row is free to claim now.

        Each read is one statement from the oldest pending row, so one snapshot: a later row of a case is never
        taken for its head while an earlier one, committed before it, is still pending. A second, longer read
        finds more heads when the first window is taken up by a few busy cases.
        """
        columns = (_outbox.c.id, _outbox.c.case_reference, _outbox.c.claimed_until, _outbox.c.next_attempt_at)
        free: list[int] = []
        for window in (self._window, self._window * self._pages):
            pending = connection.execute(
                select(*columns).where(_outbox.c.delivered_at.is_(None)).order_by(_outbox.c.id).limit(window)
            ).all()
            seen: set[str] = set()
            free = []
            for row in pending:
                if row.case_reference in seen:
                    continue  # a later row of a case: it waits for the case's head
                seen.add(row.case_reference)
                if _is_free(row, now):
                    free.append(row.id)
                    if len(free) == limit:
                        return free
            if len(pending) < window:
                break
        return free

    def renew(self, ids: Collection[int]) -> set[int]:
        """Extend the lease of the rows among `ids` this holder still holds; returns those."""
        if not ids:
            return set()
        now = self._clock()
        with self.engine.begin() as connection:
            rows = connection.execute(
                update(_outbox).where(self._held(ids)).values(claimed_until=now + self.lease).returning(_outbox.c.id)
            )
            return set(rows.scalars())

    def release(self, ids: Collection[int]) -> None:
        """Give rows back untried (a worker stopping, Prefect unreachable): no attempt is counted."""
        if ids:
            with self.engine.begin() as connection:
                connection.execute(update(_outbox).where(self._held(ids)).values(claimed_until=None))

    def delivered(self, entry: OutboxEntry) -> bool:
        """Mark the row delivered and close its incident; False when the claim had passed to another worker."""
        now = self._clock()
        with self.engine.begin() as connection:
            marked = connection.execute(
                update(_outbox)
                .where(self._held([entry.id]))
                .values(delivered_at=now, attempts=entry.attempts + 1, next_attempt_at=None, last_error=None)
                .values(claimed_until=None)
            ).rowcount
            if marked:
                incidents.resolve(connection, incidents.outbox_subject(entry.id), now)
        return bool(marked)

    def failed(self, entry: OutboxEntry, error: str) -> int:
        """Count a failed attempt, back off, and open an incident once it has failed often; returns the attempts."""
        now, attempts = self._clock(), entry.attempts + 1
        error = error.splitlines()[0][:ERROR_LENGTH] if error else "failed"
        with self.engine.begin() as connection:
            marked = connection.execute(
                update(_outbox)
                .where(self._held([entry.id]))
                .values(attempts=attempts, next_attempt_at=now + self._backoff.after(attempts), last_error=error)
                .values(claimed_until=None)
            ).rowcount
            if marked and attempts >= self._incident_after:
                incidents.open_incident(
                    connection,
                    incidents.outbox_subject(entry.id),
                    incidents.OUTBOX_STUCK,
                    error,
                    now,
                    case_reference=entry.case_reference,
                    outbox_id=entry.id,
                )
        return attempts

    def _held(self, ids: Collection[int]) -> ColumnElement[bool]:
        return and_(_outbox.c.id.in_(list(ids)), _outbox.c.claimed_by == self.holder, _outbox.c.delivered_at.is_(None))


def _is_free(row: Any, now: datetime) -> bool:
    claimed_until, next_attempt = aware(row.claimed_until), aware(row.next_attempt_at)
    return (claimed_until is None or claimed_until <= now) and (next_attempt is None or next_attempt <= now)


class LeaseKeeper:
    """A thread renewing the claims a holder has in hand every third of the lease, until closed.

    `on_tick` runs after each renewal (a worker records its heartbeat there). A renewal that fails (the database
    briefly unreachable) is tried again next tick; a claim not renewed in time may pass to another worker, which
    then delivers the row again: at least once, as ever.
    """

    def __init__(self, claims: OutboxClaims, on_tick: Callable[[], None] | None = None) -> None:
        self._claims, self._on_tick = claims, on_tick
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-lease-keeper", daemon=True)
        self._thread.start()

    def hold(self, ids: Collection[int]) -> None:
        with self._lock:
            self._held.update(ids)

    def drop(self, ids: Collection[int]) -> None:
        with self._lock:
            self._held.difference_update(ids)

    def held(self) -> set[int]:
        with self._lock:
            return set(self._held)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._closed.wait(self._claims.lease.total_seconds() / 3):
            try:
                asked = self.held()
                kept = self._claims.renew(asked)
                lost = (asked - kept) & self.held()
                if lost:
                    log.warning("outbox_claims_lost", holder=self._claims.holder, outbox_ids=sorted(lost))
                if self._on_tick is not None:
                    self._on_tick()
            except SQLAlchemyError as exc:
                log.warning("outbox_claims_not_renewed", holder=self._claims.holder, error=type(exc).__name__)
