"""The outbox dispatcher: one pass delivering committed outbox rows one after another in the calling thread.

What `outbox-dispatch` runs by hand, and what the scheduler runs when no worker is there (workers deliver the
outbox otherwise: `outbox_worker`). It claims rows exactly as workers do, so it never runs a case a worker holds,
and a case's rows go in order. At least once: a row is marked delivered only after its flow run returned, so a
crash in between delivers it again (the flow is idempotent). Failures back off exponentially; a row failing
`incident_after` times becomes an incident, and is still retried at the longest backoff until it goes through.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from workflows.delivery.outbox_claims import DEFAULT_BACKOFF, Backoff, LeaseKeeper, OutboxClaims, OutboxEntry
from workflows.delivery.prefect_health import prefect_is_up
from workflows.logs import get_logger
from workflows.settings import utc_now

__all__ = ["DispatchReport", "OutboxDispatcher"]

log = get_logger("caseflow.outbox")


@dataclass
class DispatchReport:
    """What one pass did; `postponed` means the flow's server was down and nothing more was tried."""

    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    postponed: bool = False


class OutboxDispatcher:
    """Delivers pending outbox rows one at a time, oldest case head first, each case's rows strictly in order."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[OutboxEntry], Any],
        *,
        is_ready: Callable[[], bool] = prefect_is_up,
        clock: Callable[[], datetime] = utc_now,
        backoff: Backoff = DEFAULT_BACKOFF,
        incident_after: int = 5,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self._deliver, self._is_ready = deliver, is_ready
        holder = f"dispatch-{socket.gethostname()}-{os.getpid()}"
        self.claims = OutboxClaims(
            engine, holder, lease=lease, clock=clock, backoff=backoff, incident_after=incident_after
        )

    def dispatch_once(self, stop: threading.Event | None = None) -> DispatchReport:
        """One pass: deliver until no row is free to claim (later, backing off, held by a worker, blocked).

        `stop` ends the pass between rows: a scheduler shutting down must not start flow runs it cannot finish.
        """
        report = DispatchReport()
        if not self._is_ready():
            # The server is down: the backlog is not the rows' fault, so no attempt is counted.
            report.postponed = True
            log.info("outbox_dispatch_postponed", reason="prefect_unreachable")
            return report
        keeper = LeaseKeeper(self.claims)
        try:
            while stop is None or not stop.is_set():
                claimed = self.claims.claim(1)
                if not claimed:
                    break
                keeper.hold([claimed[0].id])
                delivered = self._attempt(claimed[0], report)
                keeper.drop([claimed[0].id])
                if not delivered and report.postponed:
                    break
        finally:
            keeper.close()
        return report

    def _attempt(self, entry: OutboxEntry, report: DispatchReport) -> bool:
        try:
            self._deliver(entry)
        except Exception as exc:  # any delivery failure: recorded on the row, retried later; the pass goes on
            if not self._is_ready():
                self.claims.release([entry.id])
                report.postponed = True
                return False
            attempts = self.claims.failed(entry, f"{type(exc).__name__}: {exc}")
            report.failed.append(entry.id)
            log.warning("outbox_row_failed", case_ref=entry.case_reference, outbox_id=entry.id, attempts=attempts)
            return False
        if self.claims.delivered(entry):
            report.delivered.append(entry.id)
            log.info("outbox_row_delivered", case_ref=entry.case_reference, outbox_id=entry.id)
        return True
