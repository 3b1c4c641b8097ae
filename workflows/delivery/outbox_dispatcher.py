"""The outbox dispatcher: delivers each committed outbox row to the case-transition flow, in order per case.

At least once: a row is marked delivered only after its flow run returned, so a crash in between delivers
it again (the flow is idempotent). In order per case: a case's later rows wait while an earlier one is
failing. Failures back off exponentially; a row failing `incident_after` times becomes an incident, and is
still retried at the longest backoff until it goes through.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update

from workflows.delivery import incidents
from workflows.logs import get_logger
from workflows.persistence import ERROR_LENGTH, OutboxRow
from workflows.settings import utc_now

__all__ = ["Backoff", "DispatchReport", "OutboxDispatcher", "OutboxEntry", "is_healthy", "prefect_is_up"]

_outbox = OutboxRow.__table__
log = get_logger("caseflow.outbox")


@dataclass(frozen=True)
class OutboxEntry:
    """What delivery needs of an outbox row: its id, case and trigger."""

    id: int
    case_reference: str
    trigger: str


@dataclass(frozen=True)
class Backoff:
    """Delay before the next attempt after `attempts` failures: first * 2^(attempts-1), at most `longest`."""

    first: timedelta = timedelta(seconds=5)
    longest: timedelta = timedelta(minutes=10)

    def after(self, attempts: int) -> timedelta:
        delay: timedelta = self.first * 2 ** max(attempts - 1, 0)
        return min(delay, self.longest)


@dataclass
class DispatchReport:
    """What one pass did; `postponed` means the flow's server was down and nothing was tried."""

    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    postponed: bool = False


def is_healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the Prefect API at `api_url` answers its health check within `timeout` seconds."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def prefect_is_up() -> bool:
    """Whether the Prefect API this process is configured for answers now."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    return bool(url) and is_healthy(str(url).rstrip("/"), timeout=2.0)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class OutboxDispatcher:
    """Delivers pending outbox rows, oldest first, one case's rows strictly in order."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[OutboxEntry], None],
        *,
        is_ready: Callable[[], bool] = prefect_is_up,
        clock: Callable[[], datetime] = utc_now,
        backoff: Backoff = Backoff(),
        incident_after: int = 5,
        batch_size: int = 200,
    ) -> None:
        self._engine, self._deliver, self._is_ready, self._clock = engine, deliver, is_ready, clock
        self._backoff, self._incident_after, self._batch_size = backoff, incident_after, batch_size

    def dispatch_once(self, stop: threading.Event | None = None) -> DispatchReport:
        """One pass over the pending rows; the rows left (later, backing off, blocked) wait for the next pass.

        `stop` ends the pass between rows: a scheduler shutting down must not start flow runs it cannot finish.
        """
        report = DispatchReport()
        if not self._is_ready():
            # The server is down: the backlog is not the rows' fault, so no attempt is counted.
            report.postponed = True
            log.info("outbox_dispatch_postponed", reason="prefect_unreachable")
            return report
        blocked: set[str] = set()
        for row in self._pending():
            if stop is not None and stop.is_set():
                break
            if row.case_reference in blocked:
                continue
            if not self._attempt(row, report):
                blocked.add(row.case_reference)
        return report

    def _pending(self) -> list[OutboxRowView]:
        query = (
            select(
                _outbox.c.id, _outbox.c.case_reference, _outbox.c.payload, _outbox.c.attempts, _outbox.c.next_attempt_at
            )
            .where(_outbox.c.delivered_at.is_(None))
            .order_by(_outbox.c.id)
            .limit(self._batch_size)
        )
        with self._engine.connect() as connection:
            return [
                OutboxRowView(
                    r.id, r.case_reference, str(r.payload.get("trigger", "")), r.attempts, _aware(r.next_attempt_at)
                )
                for r in connection.execute(query)
            ]

    def _attempt(self, row: OutboxRowView, report: DispatchReport) -> bool:
        """Deliver one row; False when it is not delivered (the case's later rows must then wait)."""
        now = self._clock()
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return False
        try:
            self._deliver(OutboxEntry(row.id, row.case_reference, row.trigger))
        except Exception as exc:  # any delivery failure: recorded on the row, retried later; the pass goes on
            self._failed(row, exc)
            report.failed.append(row.id)
            return False
        self._delivered(row)
        report.delivered.append(row.id)
        return True

    def _delivered(self, row: OutboxRowView) -> None:
        now = self._clock()
        with self._engine.begin() as connection:
            connection.execute(
                update(_outbox)
                .where(_outbox.c.id == row.id)
                .values(delivered_at=now, attempts=row.attempts + 1, next_attempt_at=None, last_error=None)
            )
            incidents.resolve(connection, incidents.outbox_subject(row.id), now)
        log.info("outbox_row_delivered", case_ref=row.case_reference, outbox_id=row.id)

    def _failed(self, row: OutboxRowView, exc: Exception) -> None:
        now, attempts = self._clock(), row.attempts + 1
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:ERROR_LENGTH]
        with self._engine.begin() as connection:
            connection.execute(
                update(_outbox)
                .where(_outbox.c.id == row.id)
                .values(attempts=attempts, next_attempt_at=now + self._backoff.after(attempts), last_error=error)
            )
            if attempts >= self._incident_after:
                incidents.open_incident(
                    connection,
                    incidents.outbox_subject(row.id),
                    incidents.OUTBOX_STUCK,
                    error,
                    now,
                    case_reference=row.case_reference,
                    outbox_id=row.id,
                )
        log.warning("outbox_row_failed", case_ref=row.case_reference, outbox_id=row.id, attempts=attempts, error=error)


@dataclass(frozen=True)
class OutboxRowView:
    """A pending outbox row as the dispatcher reads it."""

    id: int
    case_reference: str
    trigger: str
    attempts: int
    next_attempt_at: datetime | None
