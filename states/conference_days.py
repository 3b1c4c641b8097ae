"""Conferences are held on working days: a conference dated on a weekend, bank holiday or closure day is refused."""

from __future__ import annotations

from collections.abc import Mapping

from states.errors import InvalidEventData
from states.event_data import EventData
from states.policy import Policy

__all__ = ["CONFERENCE_DATES", "require_working_days"]

# The fields that date a conference, planned or held, of any kind, per trigger.
CONFERENCE_DATES: Mapping[str, tuple[str, ...]] = {
    "convene_icpc": ("conference_date",),
    "set_conference_date": ("conference_date",),
    "convene_review": ("conference_date",),
    "hold_icpc": ("date",),
    "hold_review": ("date",),
    "arrange_child_only_conference": ("date",),
    "hold_child_only_conference": ("date",),
}


def require_working_days(trigger: str, data: EventData, policy: Policy, authority: str) -> None:
    """Refuse a conference dated on a day that is not a working day in the authority's calendar, saying why."""
    calendar = policy.calendar()
    for name in CONFERENCE_DATES.get(trigger, ()):
        day = getattr(data, name)
        why = calendar.why_not_working(day) if day is not None else None
        if why is not None:
            raise InvalidEventData(
                f"{trigger}: {name} {day} is {why}, not a working day for {authority} (policy {policy.name}): "
                "a conference is held on a working day"
            )
