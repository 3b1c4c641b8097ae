"""The outbox-dispatch flow: one pass of the dispatcher, delivering each committed row to the case-transition flow."""

from __future__ import annotations

from prefect import flow
from sqlalchemy import Engine

from workflows.bootstrap import current_runtime
from workflows.delivery import OutboxDispatcher, OutboxEntry
from workflows.flows.case_transition import run_case_transition

__all__ = ["OUTBOX_DISPATCH", "deliver_to_prefect", "outbox_dispatch", "outbox_dispatcher"]

OUTBOX_DISPATCH = "outbox-dispatch"


def deliver_to_prefect(entry: OutboxEntry) -> None:
    """Run the case-transition flow for the row in this process."""
    run_case_transition(entry.id, entry.case_reference, entry.trigger)


def outbox_dispatcher(engine: Engine) -> OutboxDispatcher:
    """The dispatcher the scheduler and the flow use: each row runs the case-transition flow."""
    return OutboxDispatcher(engine, deliver_to_prefect)


@flow(name=OUTBOX_DISPATCH, persist_result=False)
def outbox_dispatch() -> dict[str, int]:
    """Deliver the pending outbox rows now, as the scheduler's frequent job does."""
    report = outbox_dispatcher(current_runtime().engine).dispatch_once()
    return {"delivered": len(report.delivered), "failed": len(report.failed), "postponed": int(report.postponed)}
