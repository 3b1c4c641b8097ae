"""The Prefect task of the case-transition flow: outbox row id in, notification ids and counts out; one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from states.working_days import WorkingDayCalendar
from workflows.bootstrap import current_runtime
from workflows.logs import get_logger
from workflows.services import FollowedUp, outstanding_table
from workflows.services import follow_up_transition as record_follow_up

__all__ = ["FollowUpSummary", "follow_up"]

log = get_logger("caseflow.case_transition")
# Every write is keyed, so a retry (or a redelivery of the whole transition) adds nothing.
RETRIES = 2
RETRY_DELAYS = [1.0, 4.0]


@dataclass(frozen=True)
class FollowUpSummary:
    """What the follow-up of one transition did: the inbox notices to e-mail, and counts for the run's result."""

    notification_ids: list[int]
    outstanding: int
    reminders: int
    escalations: int
    notices: int
    moved_on: bool


@task(name="follow-up-transition", cache_policy=NO_CACHE, retries=RETRIES, retry_delay_seconds=RETRY_DELAYS)
def follow_up(outbox_id: int) -> FollowUpSummary:
    """Outstanding actions of the phase left, reminders, escalations and notices, as of the transition; one transaction.

    One task for the four steps: they read the same rows and commit together, and each task run costs the Prefect
    server about as much as the flow run itself (docs/deployment.md). A failing step fails this task, and the
    run, with the step's error; the outstanding-actions table is the run's artifact.
    """
    rt = current_runtime()
    with rt.engine.begin() as connection:
        done = record_follow_up(connection, outbox_id, rt.policy, rt.inbox, rt.clock())
    _publish(done, rt.policy(done.plan.transition.authority).calendar())
    return _summary(done)


def _publish(done: FollowedUp, calendar: WorkingDayCalendar) -> None:
    plan, transition = done.plan, done.plan.transition
    table = outstanding_table(plan, calendar)
    if table:
        description = f"Open actions of case {transition.case_reference} after {transition.trigger}"
        if plan.moved_on:
            description += (
                f" (version {transition.version}); the case has moved on since (now version {plan.case_version}):"
                " as they stood then, and how they stand now; nobody is told about one no longer open as it stood"
            )
        create_table_artifact(table, description=description)
    log.info(
        "transition_followed_up",
        case_ref=transition.case_reference,
        outbox_id=transition.outbox_id,
        version=transition.version,
        case_version=plan.case_version,
        outstanding=len(plan.outstanding),
        reminders=done.reminders_created,
        escalations=done.escalations_created,
        notices=len(done.notification_ids),
    )


def _summary(done: FollowedUp) -> FollowUpSummary:
    plan = done.plan
    return FollowUpSummary(
        notification_ids=done.notification_ids,
        outstanding=len(plan.outstanding),
        reminders=len(plan.reminders),
        escalations=len(plan.escalations),
        notices=len(done.notification_ids),
        moved_on=plan.moved_on,
    )
