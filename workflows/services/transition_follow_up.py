"""Following up one committed transition: outstanding work, reminders, escalations and notices, as of that transition.

One read of the outbox row and its case, one of the case's actions, then every write keyed (a redelivery adds
nothing), all in the caller's transaction. What to write is `states.follow_up`'s; this module reads and writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from states.follow_up import FollowUp, follow_up, stood_open
from states.policy import Policy
from states.working_days import WorkingDayCalendar
from workflows.delivery import InboxChannel
from workflows.persistence import load_transition_record, record_escalations, record_reminders
from workflows.services.errors import FollowUpFailed

__all__ = ["FollowedUp", "follow_up_transition", "outstanding_table"]


@dataclass(frozen=True)
class FollowedUp:
    """What one follow-up found and wrote: the plan, the inbox notices (ids, new or not) and the rows it added."""

    plan: FollowUp
    notification_ids: list[int]
    reminders_created: int
    escalations_created: int


def follow_up_transition(
    connection: Connection, outbox_id: int, policy_of: Callable[[str], Policy], inbox: InboxChannel, now: datetime
) -> FollowedUp:
    """Work out and record what outbox row `outbox_id`'s transition implies, in the caller's transaction.

    A database failure is raised as FollowUpFailed naming the step (the caller's rollback undoes the others).
    """
    with _step(outbox_id, "reading the transition and its actions"):
        record = load_transition_record(connection, outbox_id)
    transition = record.transition
    stood = stood_open(transition, record.kinds, record.now_open)
    plan = follow_up(policy_of(transition.authority), transition, stood, record.now_open, record.case_version)
    on = transition.occurred_on
    with _step(outbox_id, "reminders"):
        reminders = record_reminders(connection, transition.case_id, plan.reminders, on, now)
    with _step(outbox_id, "escalations"):
        escalations = record_escalations(connection, transition.case_id, plan.escalations, on, now)
    with _step(outbox_id, "notices (outstanding actions, reminders, escalations, the transition's own)"):
        ids = inbox.record(connection, plan.notices())
    return FollowedUp(plan, ids, reminders, escalations)


@contextmanager
def _step(outbox_id: int, name: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        raise FollowUpFailed(outbox_id, name, exc) from exc


def outstanding_table(plan: FollowUp, calendar: WorkingDayCalendar) -> list[dict[str, Any]]:
    """The outstanding-actions artifact: what the phase left open, as it stood on the transition date, and now."""
    on = plan.transition.occurred_on
    return [
        {
            "action": action.kind,
            "owner_role": action.owner_role,
            "due_on": action.due_on.isoformat(),
            "working_days_late": max(0, calendar.working_days_between(action.due_on, on)),
            "now": plan.now[action.id],
        }
        for action in plan.outstanding
    ]
