"""The in-memory case: its status, facts and actions, and the result of firing a trigger on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from states.lifecycle import CaseStatus
from states.personal_data import PERSONAL_DATES
from states.pre_proceedings import TrackStatus

ActionStatus = Literal["open", "done", "cancelled"]


@dataclass
class Action:
    """A piece of human work on a case, with an owner role and a due date from the policy."""

    kind: str
    owner_role: str
    status: ActionStatus
    due_on: date
    opened_on: date
    done_on: date | None
    mandatory: bool
    rule: str
    anchor: str
    policy_version: str
    close_reason: str | None = None
    id: int | None = None


@dataclass
class Case:
    """One child's case. `facts` is JSON-safe: dates are ISO strings, keyed by the policy's fact names."""

    reference: str
    authority: str
    status: CaseStatus
    version: int
    date_of_birth: date | None
    expected_delivery_date: date | None
    facts: dict[str, Any] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    team: str | None = None
    # Who the child is in the authority's own records (personal, like the date of birth): the returns read them.
    child_id: str | None = None
    sex: str | None = None
    upn: str | None = None
    # The pre-proceedings track, a second region beside the status (states/pre_proceedings.py).
    pre_proceedings: TrackStatus = TrackStatus.NONE
    # The staff id of the social worker who holds the case (not personal data of the child); None: unallocated.
    allocated_worker: str | None = None

    def fact_date(self, name: str) -> date | None:
        """The date recorded under fact `name` (or the personal anchor field of that name), if any."""
        if name in PERSONAL_DATES:  # kept in the case's own fields, not in the JSON facts
            value: date | None = getattr(self, name)
            return value
        raw = self.facts.get(name)
        return date.fromisoformat(raw) if raw else None

    def open_actions(self) -> list[Action]:
        """The actions still open, in the order they were opened."""
        return [action for action in self.actions if action.status == "open"]


@dataclass(frozen=True)
class Actor:
    """Who fires a trigger: an id for the audit trail and the role the policy's permissions speak of."""

    id: str
    role: str


@dataclass(frozen=True)
class TransitionResult:
    """What a trigger did: the new case, the actions it opened, closed and moved, and its audit and outbox records."""

    case: Case
    trigger: str
    from_status: CaseStatus
    to_status: CaseStatus
    occurred_on: date
    opened: list[Action]
    closed: list[Action]
    moved: list[tuple[Action, date]]
    event: dict[str, Any]
    outbox: dict[str, Any]
    # The pre-proceedings track before and after the trigger (the same when it did not move).
    track_from: TrackStatus = TrackStatus.NONE
    track_to: TrackStatus = TrackStatus.NONE
    # The free text and personal facts the trigger carried, by field: kept beside the audit trail, never in it.
    private: dict[str, str] = field(default_factory=dict)
