"""What a committed transition implies, decided without I/O: outstanding work, reminders, escalations, notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from states.notices import Notice
from states.policy import OWNER_LEVEL, Policy

__all__ = [
    "ACTION_NOTICES",
    "TRIGGER_NOTICES",
    "Escalation",
    "OpenAction",
    "Transition",
    "escalations",
    "opened_by",
    "outstanding",
    "reminders_due",
    "transition_notices",
]

# Notices a trigger implies whatever actions it opened: (kind, recipient role).
TRIGGER_NOTICES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "convene_icpc": (("invitations", "business_support"),),
    "receive_transfer_in": (("invitations", "business_support"),),
    "convene_review": (("invitations", "business_support"),),
    "arrange_child_only_conference": (("invitations", "business_support"),),
}
# Notices implied by an action the transition opened, sent to that action's owner.
ACTION_NOTICES: Mapping[str, str] = {
    "send_leaflet": "leaflet",
    "request_advocate": "advocate_request",
    "send_decision_letter": "decision_letter",
    "seek_feedback": "feedback_request",
    "feedback_to_child": "feedback_request",
}


@dataclass(frozen=True)
class Transition:
    """An outbox row as the flow reads it: ids and codes only."""

    outbox_id: int
    key: str
    case_reference: str
    case_id: int
    authority: str
    trigger: str
    from_status: str
    to_status: str
    occurred_on: date
    opened: tuple[tuple[str, date], ...]  # (kind, due_on) of each action the trigger opened
    version: int = 0  # the case's version this transition made
    # (action id, due_on) of every action open once the transition was made; None for an outbox row written
    # before rows carried it (the flow then reads the case's open actions as they are now).
    stood_open: tuple[tuple[int, date], ...] | None = None

    @classmethod
    def from_payload(
        cls, outbox_id: int, key: str, case_id: int, authority: str, payload: Mapping[str, Any]
    ) -> Transition:
        opened = tuple((item["kind"], date.fromisoformat(item["due_on"])) for item in payload.get("opened", ()))
        stood = payload.get("open_actions")
        return cls(
            outbox_id,
            key,
            str(payload["reference"]),
            case_id,
            authority,
            str(payload["trigger"]),
            str(payload["from"]),
            str(payload["to"]),
            date.fromisoformat(payload["occurred_on"]),
            opened,
            int(payload.get("version", 0)),
            None if stood is None else tuple((int(id_), date.fromisoformat(due)) for id_, due in stood),
        )

    @property
    def left_a_phase(self) -> bool:
        return self.from_status != self.to_status


@dataclass(frozen=True)
class OpenAction:
    """An open action of the case, as the flow needs it."""

    id: int
    kind: str
    owner_role: str
    due_on: date


@dataclass(frozen=True)
class Escalation:
    """An open action overdue far enough to reach a rung of the ladder; `recipient_role` is who is told."""

    action: OpenAction
    level: str
    working_days_overdue: int
    recipient_role: str


def opened_by(transition: Transition, actions: Sequence[OpenAction]) -> list[OpenAction]:
    """The open actions the transition opened, matched on kind and due date (the payload carries no ids)."""
    wanted = list(transition.opened)
    found = []
    for action in sorted(actions, key=lambda a: -a.id):  # the newest rows are the ones this transition wrote
        if (action.kind, action.due_on) in wanted:
            wanted.remove((action.kind, action.due_on))
            found.append(action)
    return sorted(found, key=lambda a: a.id)


def outstanding(transition: Transition, actions: Sequence[OpenAction]) -> list[OpenAction]:
    """Actions left open by the phase the transition left (none when the status did not change)."""
    if not transition.left_a_phase:
        return []
    new = {action.id for action in opened_by(transition, actions)}
    return [action for action in actions if action.id not in new]


def reminders_due(policy: Policy, actions: Sequence[OpenAction], as_of: date) -> list[OpenAction]:
    """Actions not yet due whose reminder date has already come: the nightly sweep would remind them only tomorrow."""
    return [a for a in actions if a.due_on > as_of and policy.reminder_date(a.due_on) <= as_of]


def escalations(policy: Policy, actions: Sequence[OpenAction], as_of: date) -> list[Escalation]:
    """Actions due on or before `as_of`, with the rung of the ladder each has reached."""
    calendar, found = policy.calendar(), []
    for action in actions:
        if action.due_on > as_of:
            continue
        overdue = calendar.working_days_between(action.due_on, as_of)
        rung = policy.escalation_level(overdue)
        if rung is not None:
            recipient = action.owner_role if rung.level == OWNER_LEVEL else rung.level
            found.append(Escalation(action, rung.level, overdue, recipient))
    return found


def transition_notices(transition: Transition, opened: Sequence[OpenAction]) -> list[Notice]:
    """The notices a transition implies: invitations for a conference convened, one per notable action opened."""
    notices = [
        Notice(f"{transition.key}:{kind}:{role}", transition.case_reference, kind, role)
        for kind, role in TRIGGER_NOTICES.get(transition.trigger, ())
    ]
    for action in opened:
        if action.kind in ACTION_NOTICES:
            kind = ACTION_NOTICES[action.kind]
            notices.append(
                Notice(
                    f"{transition.key}:{kind}:{action.id}",
                    transition.case_reference,
                    kind,
                    action.owner_role,
                    action.id,
                    action.kind,
                    action.due_on,
                )
            )
    return notices
