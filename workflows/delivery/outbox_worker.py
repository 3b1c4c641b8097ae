"""A worker: delivers the outbox's case-transition work, up to `concurrency` runs at once, in order within a case.

Any number of workers, on any number of machines, share one application database: each claims case heads
(`outbox_claims`), so two workers never run the same case at once and a case's rows run in commit order. The runs
themselves happen in this process, one per delivery thread; a claiming loop keeps the threads fed. It claims when
woken: by a run finishing (its case's next row may now be free), by PostgreSQL's NOTIFY of a commit, or by its poll.

A worker told to stop (SIGTERM) claims nothing more, gives back the rows it has not started, and waits for its runs
in progress to finish. A worker that dies holds its rows until their lease runs out; another then delivers them.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from workflows.delivery.dispatch_workers import forget_worker, record_worker, register_worker
from workflows.delivery.outbox_claims import DEFAULT_BACKOFF, Backoff, LeaseKeeper, OutboxClaims, OutboxEntry
from workflows.delivery.outbox_wakeup import listener_for
from workflows.delivery.prefect_health import prefect_is_up
from workflows.logs import get_logger
from workflows.settings import utc_now

__all__ = ["OutboxWorker", "WorkerConfig"]

log = get_logger("caseflow.outbox")


@dataclass(frozen=True)
class WorkerConfig:
    """How many runs at once, the claim lease, how often to look for work unprompted, how long to wait at a stop."""

    concurrency: int = 4
    lease: timedelta = timedelta(seconds=30)
    # SQLite has no NOTIFY: a short poll is how a worker finds new rows. On PostgreSQL it only catches what a
    # missed notification (a listener reconnecting) or a backoff coming due would otherwise leave waiting.
    poll: timedelta = timedelta(seconds=0.25)
    ready_every: timedelta = timedelta(seconds=2)
    stop_grace: timedelta = timedelta(seconds=15)
    backoff: Backoff = DEFAULT_BACKOFF
    incident_after: int = 5


class OutboxWorker:
    """Claims case heads and runs them on its delivery threads until stopped."""

    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[OutboxEntry], Any],
        name: str,
        config: WorkerConfig = WorkerConfig(),
        *,
        is_ready: Callable[[], bool] = prefect_is_up,
        clock: Callable[[], datetime] = utc_now,
        thread_context: Callable[[], AbstractContextManager[Any]] = nullcontext,
        host: str = "",
        pid: int = 0,
    ) -> None:
        self.engine, self.name, self.config = engine, name, config
        self._deliver, self._is_ready, self._clock, self._thread_context = deliver, is_ready, clock, thread_context
        self._host, self._pid = host, pid
        self.claims = OutboxClaims(
            engine,
            name,
            lease=config.lease,
            clock=clock,
            backoff=config.backoff,
            incident_after=config.incident_after,
        )
        self.wake = threading.Event()
        self.started = threading.Event()
        self._stopping = threading.Event()
        self._queue: queue.Queue[OutboxEntry | None] = queue.Queue()
        self._keeper: LeaseKeeper | None = None
        self._counts_lock = threading.Lock()
        self.delivered = 0
        self.failed = 0
        self._ready_at: float | None = None  # monotonic time of the last readiness check that passed
        self._postponed = False

    @property
    def postponed(self) -> bool:
        """Whether the worker is waiting for Prefect to answer again before it claims anything."""
        return self._postponed

    def stop(self) -> None:
        """Claim nothing more; `run` gives back unstarted rows, waits for runs in progress, and returns."""
        self._stopping.set()
        self.wake.set()

    def run(self) -> None:
        """Deliver until `stop()`: the claiming loop in this thread, the runs on `concurrency` delivery threads."""
        register_worker(self.engine, self.name, self._host, self._pid, self.config.concurrency, self._clock())
        self._keeper = LeaseKeeper(self.claims, on_tick=self._heartbeat)
        listener = listener_for(self.engine, self.wake)
        threads = [self._delivery_thread(number) for number in range(self.config.concurrency)]
        if listener is not None:
            listener.start()
        self.started.set()
        try:
            self._claim_until_stopped()
        finally:
            self._shut_down(threads)
            if listener is not None:
                listener.stop()

    def _delivery_thread(self, number: int) -> threading.Thread:
        # Each thread starts in a copy of the creator's context (its Prefect settings, a test's temporary ones).
        context = contextvars.copy_context()
        thread = threading.Thread(target=context.run, args=(self._deliver_claimed,), name=f"{self.name}-{number}")
        thread.daemon = True
        thread.start()
        return thread

    def _claim_until_stopped(self) -> None:
        keeper = self._keeper
        assert keeper is not None
        while not self._stopping.is_set():
            self.wake.clear()
            wait = self.config.poll.total_seconds()
            try:
                if self._ready():
                    free = self.config.concurrency - len(keeper.held())
                    claimed = self.claims.claim(free)
                    keeper.hold([entry.id for entry in claimed])
                    for entry in claimed:
                        self._queue.put(entry)
                else:
                    wait = min(wait, 1.0)
            except SQLAlchemyError as exc:
                log.warning("outbox_claim_failed", worker=self.name, error=type(exc).__name__)
                wait = max(wait, 1.0)
            self.wake.wait(wait)

    def _ready(self) -> bool:
        """Whether Prefect answers; asked at most every `ready_every`, and at once after a run failed."""
        if self._ready_at is not None and monotonic() - self._ready_at < self.config.ready_every.total_seconds():
            return True
        ready = self._is_ready()
        self._ready_at = monotonic() if ready else None
        if ready != (not self._postponed):
            log.info("outbox_dispatch_resumed" if ready else "outbox_dispatch_postponed", worker=self.name)
        self._postponed = not ready
        return ready

    def _deliver_claimed(self) -> None:
        with self._thread_context():
            while (entry := self._queue.get()) is not None:
                try:
                    self._run(entry)
                finally:
                    assert self._keeper is not None
                    self._keeper.drop([entry.id])
                    self.wake.set()  # a slot is free, and the case's next row may be

    def _run(self, entry: OutboxEntry) -> None:
        try:
            self._deliver(entry)
        except Exception as exc:  # any failure of a run is the row's, recorded on it; the worker goes on
            self._settle_failure(entry, exc)
            return
        try:
            if not self.claims.delivered(entry):
                log.warning("outbox_claim_lost", worker=self.name, case_ref=entry.case_reference, outbox_id=entry.id)
        except SQLAlchemyError as exc:
            # The run happened but is not marked: the claim runs out and the row is delivered again (keyed effects).
            log.warning("outbox_row_not_marked", worker=self.name, outbox_id=entry.id, error=type(exc).__name__)
            return
        with self._counts_lock:
            self.delivered += 1
        log.info("outbox_row_delivered", case_ref=entry.case_reference, outbox_id=entry.id, worker=self.name)

    def _settle_failure(self, entry: OutboxEntry, exc: Exception) -> None:
        self._ready_at = None  # ask Prefect again before claiming more
        try:
            if not self._is_ready():
                # Prefect went away: not the row's fault, so no attempt is counted; it waits for Prefect.
                self.claims.release([entry.id])
                return
            attempts = self.claims.failed(entry, f"{type(exc).__name__}: {exc}")
        except SQLAlchemyError as db_error:
            log.warning("outbox_row_not_marked", worker=self.name, outbox_id=entry.id, error=type(db_error).__name__)
            return
        with self._counts_lock:
            self.failed += 1
        log.warning(
            "outbox_row_failed",
            case_ref=entry.case_reference,
            outbox_id=entry.id,
            attempts=attempts,
            error=type(exc).__name__,
        )

    def _heartbeat(self) -> None:
        with self._counts_lock:
            delivered, failed = self.delivered, self.failed
        record_worker(self.engine, self.name, self._clock(), delivered, failed)

    def _shut_down(self, threads: list[threading.Thread]) -> None:
        keeper = self._keeper
        assert keeper is not None
        unstarted: list[OutboxEntry] = []
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                break
            if entry is not None:
                unstarted.append(entry)
        try:
            self.claims.release([entry.id for entry in unstarted])
        except SQLAlchemyError as exc:
            log.warning("outbox_claims_not_released", worker=self.name, error=type(exc).__name__)
        keeper.drop([entry.id for entry in unstarted])
        for _ in threads:
            self._queue.put(None)
        deadline = monotonic() + self.config.stop_grace.total_seconds()
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - monotonic()))
        still_running = keeper.held()
        if still_running:
            # Their claims run out after the lease, and another worker delivers them again.
            log.warning(
                "outbox_worker_stopped_with_runs_in_progress", worker=self.name, outbox_ids=sorted(still_running)
            )
        keeper.close()
        try:
            forget_worker(self.engine, self.name)
        except SQLAlchemyError as exc:
            log.warning("outbox_worker_not_forgotten", worker=self.name, error=type(exc).__name__)
