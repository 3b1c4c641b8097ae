"""The `case-transition` flow: what follows a committed trigger, run once per outbox row (again on redelivery).

The follow-up (outstanding actions, reminders, escalations, notices) is one transaction done in the flow run itself,
not in a task run: its four steps read the same rows and commit together, so they succeed or fail as one, and the
run's state says which step failed. A task run would add nothing to see but cost the Prefect server about as much
again as the run (three more state writes): measured with the dispatch benchmark, one task run per flow run took
a third of the throughput away (docs/deployment.md). E-mail, which is retried and can fail notice by notice, is a
task run of its own when there is something to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from prefect import flow, tags
from prefect.artifacts import create_table_artifact
from prefect.context import SyncClientContext, TagsContext
from prefect.runtime import flow_run
from prefect.settings import get_current_settings, temporary_settings

from tasks import email_notices, record_email_incidents, with_email_retries
from workflows.bootstrap import current_runtime
from workflows.flows.errors import NotificationsUndelivered
from workflows.logs import get_logger
from workflows.services import FollowedUp, follow_up_transition, outstanding_table

__all__ = [
    "FLOW_NAME",
    "NotificationsUndelivered",
    "case_transition",
    "run_case_transition",
    "run_tags",
    "transition_runs",
]

FLOW_NAME = "case-transition"
log = get_logger("caseflow.case_transition")


def run_tags(case_reference: str, trigger: str) -> tuple[str, str]:
    """The tags operations staff filter case-transition runs by in the Prefect UI."""
    return f"case:{case_reference}", f"trigger:{trigger}"


@flow(name=FLOW_NAME, flow_run_name="{case_reference} {trigger}", persist_result=False)
def case_transition(outbox_id: int, case_reference: str, trigger: str) -> dict[str, int]:
    """Check what the phase left open, remind, escalate what is late, notify, as of the transition; idempotent."""
    done = _follow_up(outbox_id)
    # The run is tagged with the case; its task runs are not. Prefect takes a concurrency slot for every tag of a
    # task run: two more API calls each, and more write contention on the server's database.
    with TagsContext(current_tags=set()):
        failed = _email(done.notification_ids)
    plan = done.plan
    summary = {
        "outstanding": len(plan.outstanding),
        "reminders": len(plan.reminders),
        "escalations": len(plan.escalations),
        "notices": len(done.notification_ids),
        "moved_on": int(plan.moved_on),
        "emails_failed": len(failed),
    }
    if failed:
        # Fail the run so it shows in the UI; the incidents hold what is left to do.
        raise NotificationsUndelivered(f"case {case_reference}: {len(failed)} e-mail(s) not sent; incidents opened")
    return summary


def _follow_up(outbox_id: int) -> FollowedUp:
    rt = current_runtime()
    with rt.engine.begin() as connection:
        done = follow_up_transition(connection, outbox_id, rt.policy, rt.inbox, rt.clock())
    plan, transition = done.plan, done.plan.transition
    table = outstanding_table(plan, rt.policy(transition.authority).calendar())
    if table:
        description = f"Open actions of case {transition.case_reference} after {transition.trigger}"
        if plan.moved_on:
            description += (
                f" (version {transition.version}). The case has moved on since (now version {plan.case_version}):"
                " the actions as they stood then, how they stand now; nobody is told of one no longer as it stood."
            )
        create_table_artifact(table, description=description)
    log.info(
        "transition_followed_up",
        case_ref=transition.case_reference,
        outbox_id=outbox_id,
        version=transition.version,
        case_version=plan.case_version,
        outstanding=len(plan.outstanding),
        reminders=done.reminders_created,
        escalations=done.escalations_created,
        notices=len(done.notification_ids),
    )
    return done


def _email(notification_ids: list[int]) -> list[int]:
    if current_runtime().email is None or not notification_ids:
        return []
    state = with_email_retries(email_notices)(notification_ids, return_state=True)
    if state.is_completed():
        return []
    return record_email_incidents(notification_ids, str(flow_run.id) if flow_run.id else None)


@contextmanager
def transition_runs() -> Iterator[None]:
    """What case-transition runs in this thread share: heartbeats off, and one Prefect client kept open.

    Heartbeats cost about a second per run at exit, and a run whose process dies is redelivered from the outbox
    anyway, which is the crash detection that matters here. A client kept open saves building one (and its TLS
    context) and connecting again for every run. A worker enters this once per thread; nesting is cheap.
    """
    with ExitStack() as stack:
        if get_current_settings().flows.heartbeat_frequency is not None:
            stack.enter_context(temporary_settings(updates={"flows.heartbeat_frequency": None}))
        stack.enter_context(SyncClientContext.get_or_create())
        yield


def run_case_transition(outbox_id: int, case_reference: str, trigger: str) -> dict[str, Any] | None:
    """Run the flow in this process for one outbox row, tagged; raises unless every step ran.

    Returns the run's summary, or None when it ran but some e-mails were not sent (each has an incident).
    """
    with transition_runs(), tags(*run_tags(case_reference, trigger)):
        try:
            return case_transition(outbox_id=outbox_id, case_reference=case_reference, trigger=trigger)
        except NotificationsUndelivered:
            log.warning("case_transition_incomplete_emails", case_ref=case_reference, outbox_id=outbox_id)
            return None
