"""What follows a committed transition, worked out as of that transition however late it is delivered.

The outbox row says which actions stood open once the transition was made (ids and due dates). Outstanding work,
reminders, escalations and notices are worked out from those, on the transition's date; an action closed (or moved
to another due date) since then is still listed, as it stood, but nobody is told about it any more: a delivery
that lags behind its case must not tell an owner that finished work is "still open".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from states.notices import Notice
from states.policy import Policy
from states.transition_plan import (
    Escalation,
    OpenAction,
    Transition,
    escalations,
    opened_by,
    outstanding,
    reminders_due,
    transition_notices,
)

__all__ = ["CLOSED_SINCE", "MOVED_SINCE", "OPEN", "FollowUp", "follow_up", "stood_open"]

# How an action of the transition stands now, as the artifact says it.
OPEN = "open"
CLOSED_SINCE = "closed since"
MOVED_SINCE = "due date moved since"


def stood_open(
    transition: Transition, kinds: Mapping[int, tuple[str, str]], now_open: Sequence[OpenAction]
) -> list[OpenAction]:
    """The actions open once `transition` was made: its recorded (id, due date) with each action's (kind, owner role).

    An outbox row from before rows recorded them has none: the case's actions open now stand in for them.
    """
    if transition.stood_open is None:
        return list(now_open)
    return [OpenAction(id_, *kinds[id_], due_on) for id_, due_on in transition.stood_open if id_ in kinds]


@dataclass(frozen=True)
class FollowUp:
    """What a transition implies, as of its own date and version, and how each action of it stands now."""

    transition: Transition
    stood: tuple[OpenAction, ...]  # open once the transition was made, as they stood then
    now: Mapping[int, str]  # per action id in `stood`: OPEN, CLOSED_SINCE or MOVED_SINCE
    case_version: int  # the case's version now
    outstanding: tuple[OpenAction, ...]  # left open by the phase the transition left, as they stood
    reminders: tuple[OpenAction, ...]  # opened by it, inside their reminder window on its date, still as they stood
    escalations: tuple[Escalation, ...]  # due or late on its date, still as they stood

    @property
    def moved_on(self) -> bool:
        """Whether the case has changed since this transition (a later one is already committed)."""
        return self.case_version > self.transition.version

    def still_as_stood(self, action: OpenAction) -> bool:
        return self.now.get(action.id) == OPEN

    def notices(self) -> list[Notice]:
        """Every notice this transition implies about work still as it stood: outstanding, reminders, escalations,
        and the transition's own (invitations, leaflet, advocate, decision letter, feedback)."""
        t = self.transition
        opened = [a for a in opened_by(t, self.stood) if self.still_as_stood(a)]
        return [
            *(
                _notice("outstanding", f"{t.key}:outstanding:{a.id}", t, a)
                for a in self.outstanding
                if self.still_as_stood(a)
            ),
            *(_notice("reminder", f"reminder:{a.id}:{a.due_on}", t, a) for a in self.reminders),
            *(
                _notice(
                    "escalation", f"escalation:{e.action.id}:{e.level}:{e.action.due_on}", t, e.action, e.recipient_role
                )
                for e in self.escalations
            ),
            *transition_notices(t, opened),
        ]


def _notice(kind: str, key: str, transition: Transition, action: OpenAction, role: str | None = None) -> Notice:
    return Notice(
        key, transition.case_reference, kind, role or action.owner_role, action.id, action.kind, action.due_on
    )


def _standing(action: OpenAction, now_open: Mapping[int, date]) -> str:
    due_now = now_open.get(action.id)
    if due_now is None:
        return CLOSED_SINCE
    return OPEN if due_now == action.due_on else MOVED_SINCE


def follow_up(
    policy: Policy,
    transition: Transition,
    stood: Sequence[OpenAction],
    now_open: Sequence[OpenAction],
    case_version: int,
) -> FollowUp:
    """What `transition` implies, from the actions that `stood` open once it was made, on its own date.

    `now_open` is the case's open actions now and `case_version` its version now. Reminders and escalations are
    worked out for actions still as they stood: one closed since needs nobody chasing, and one moved to another due
    date is reminded and escalated for that date (by the nightly sweep, or by the run of the change that moved it).
    """
    due_now = {action.id: action.due_on for action in now_open}
    now = {action.id: _standing(action, due_now) for action in stood}
    as_stood = [action for action in stood if now[action.id] == OPEN]
    on = transition.occurred_on
    return FollowUp(
        transition=transition,
        stood=tuple(stood),
        now=now,
        case_version=case_version,
        outstanding=tuple(outstanding(transition, stood)),
        reminders=tuple(a for a in reminders_due(policy, opened_by(transition, stood), on) if now[a.id] == OPEN),
        escalations=tuple(escalations(policy, as_stood, on)),
    )
