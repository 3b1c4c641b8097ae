"""Delivering the outbox to the case-transition flow: workers, the one-pass `outbox-dispatch` flow, the scheduler's job."""

from __future__ import annotations

import threading
from datetime import timedelta

from prefect import flow
from sqlalchemy import Engine

from workflows.bootstrap import current_runtime
from workflows.delivery import (
    DispatchReport,
    OutboxDispatcher,
    OutboxEntry,
    OutboxWorker,
    WorkerConfig,
    live_workers,
    notify_workers,
)
from workflows.flows.case_transition import run_case_transition, transition_runs
from workflows.settings import utc_now

__all__ = [
    "OUTBOX_DISPATCH",
    "deliver_to_prefect",
    "dispatch_or_wake",
    "outbox_dispatch",
    "outbox_dispatcher",
    "outbox_worker",
]

OUTBOX_DISPATCH = "outbox-dispatch"


def deliver_to_prefect(entry: OutboxEntry) -> None:
    """Run the case-transition flow for the row in this process."""
    run_case_transition(entry.id, entry.case_reference, entry.trigger)


def outbox_dispatcher(engine: Engine) -> OutboxDispatcher:
    """The one-pass dispatcher the scheduler and the flow use: each row runs the case-transition flow."""
    return OutboxDispatcher(engine, deliver_to_prefect)


def outbox_worker(engine: Engine, name: str, config: WorkerConfig, *, host: str = "", pid: int = 0) -> OutboxWorker:
    """A worker running case-transition flows on its threads, each thread with one Prefect client and no heartbeat."""
    return OutboxWorker(engine, deliver_to_prefect, name, config, thread_context=transition_runs, host=host, pid=pid)


def dispatch_or_wake(
    engine: Engine, seen_within: timedelta, stop: threading.Event | None = None
) -> DispatchReport | None:
    """The scheduler's frequent job: wake the workers if any is running, else deliver what waits, in one pass.

    Returns the pass's report, or None when workers were there (woken through NOTIFY on PostgreSQL; on SQLite they
    poll). `seen_within`: a worker seen this recently counts as running (its claim lease).
    """
    with engine.begin() as connection:
        if live_workers(connection, utc_now(), seen_within):
            notify_workers(connection)
            return None
    return outbox_dispatcher(engine).dispatch_once(stop=stop)


@flow(name=OUTBOX_DISPATCH, persist_result=False)
def outbox_dispatch() -> dict[str, int]:
    """Deliver the pending outbox rows now, one after another, beside any workers (claims keep each case in order)."""
    report = outbox_dispatcher(current_runtime().engine).dispatch_once()
    return {"delivered": len(report.delivered), "failed": len(report.failed), "postponed": int(report.postponed)}
