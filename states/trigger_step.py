"""One trigger in progress: the case being built, its validated data, and the checks every trigger's handler shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from states import event_data as ev
from states.actions import ActionChanges, Opening
from states.case import Case
from states.errors import InvalidEventData, TransitionNotAllowed
from states.lifecycle import CaseStatus
from states.policy import Policy
from states.pre_proceedings import TrackStatus


@dataclass
class Step:
    """One trigger in progress: the new case being built, the validated data and what changed."""

    case: Case
    data: Any
    today: date
    policy: Policy
    source: CaseStatus
    changes: ActionChanges
    changed: set[str] = field(default_factory=set)
    dest: CaseStatus = CaseStatus.NEW
    track_source: TrackStatus = TrackStatus.NONE  # the pre-proceedings track as the trigger found it

    def set_fact(self, name: str, value: date | str | int | bool | None) -> None:
        """Record a fact (dates stored as ISO strings) and note it changed, so actions counted from it move."""
        stored = value.isoformat() if isinstance(value, date) else value
        if self.case.facts.get(name) != stored:
            self.case.facts[name] = stored
            self.changed.add(name)

    def open(self, kind: str, rule: str | None = None, anchor: str | None = None) -> None:
        """Open an action of `kind` counted from the case's facts (the policy's own timescale unless given)."""
        self.changes.open(Opening(kind, rule, anchor), self.case, self.policy, self.today)

    def fact(self, name: str) -> date | None:
        """A dated fact of the case being built."""
        return self.case.fact_date(name)


def not_before(data: ev.EventData, name: str, value: date, step: Step, fact: str) -> None:
    """Refuse `value` (the data's field `name`) when it is before the case's dated `fact`."""
    earlier = step.fact(fact)
    if earlier is not None and value < earlier:
        raise InvalidEventData(f"{trigger_of(data)}: {name} {value} is before the {fact.replace('_', ' ')} ({earlier})")


def plan_running(step: Step, trigger: str) -> None:
    """Refuse `trigger` unless a child protection plan is running."""
    if not step.case.facts.get("plan_start_date") or step.case.facts.get("plan_end_date"):
        raise TransitionNotAllowed(f"case {step.case.reference}: {trigger} needs a child protection plan running")


def trigger_of(data: ev.EventData) -> str:
    """The trigger whose data `data` is."""
    return next(t for t, model in ev.DATA_MODELS.items() if model is type(data))


def unborn(case: Case) -> bool:
    """Whether the case is about an unborn child (an expected delivery date, no date of birth)."""
    return case.date_of_birth is None and case.expected_delivery_date is not None


def age_on(born: date, day: date) -> int:
    """Age in whole years on `day` (a 29 February birthday falls on 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
