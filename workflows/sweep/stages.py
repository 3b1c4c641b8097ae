"""Where the open actions of one authority due on one date stand as of a sweep date: a reminder, a rung of the
escalation ladder, or nothing yet.

Working days overdue depend on each authority's calendar, but there are few distinct due dates: the sweep works
out the stage of every (authority, due date) here, in Python, and lets SQL apply the stages to the actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from states.policy import Policy

__all__ = ["REMINDER", "Stage", "ladder_levels", "plan_stages", "reminder_horizon"]

REMINDER = "reminder"


@dataclass(frozen=True)
class Stage:
    """Where the open actions of one authority due on one date stand as of the sweep date."""

    authority: str
    due_on: date
    level: str  # REMINDER, or a rung of the escalation ladder
    working_days_overdue: int  # negative: working days still to go before a reminder's due date


def _authority_stages(name: str, policy: Policy, as_of: date, due_dates: Sequence[date]) -> Iterable[Stage]:
    calendar = policy.calendar()
    for due in due_dates:
        if due > as_of:
            if policy.reminder_date(due) <= as_of:
                yield Stage(name, due, REMINDER, -calendar.working_days_between(as_of, due))
            continue
        overdue = calendar.working_days_between(due, as_of)
        rung = policy.escalation_level(overdue)
        if rung is not None:
            yield Stage(name, due, rung.level, overdue)


def plan_stages(
    policies: Mapping[str, Policy], authorities: Iterable[str], as_of: date, due_dates: Sequence[date]
) -> list[Stage]:
    """The stage of every (authority, due date) that needs a reminder or has reached a rung, as of `as_of`."""
    stages: list[Stage] = []
    for name in sorted(set(authorities)):
        if name in policies:
            stages.extend(_authority_stages(name, policies[name], as_of, due_dates))
    return stages


def reminder_horizon(policies: Mapping[str, Policy], as_of: date) -> date:
    """A due date beyond which no policy reminds anyone as of `as_of`."""
    return max(
        policy.calendar().add_working_days(as_of, policy.reminders.before_due_working_days + 1)
        for policy in policies.values()
    )


def ladder_levels(policies: Mapping[str, Policy]) -> list[str]:
    """Reminder first, then every rung of the escalation ladders in order."""
    ladder = [rung.level for policy in policies.values() for rung in policy.escalation]
    return [REMINDER, *dict.fromkeys(ladder)]
