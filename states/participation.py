"""The child's participation in a conference: the decision whether to invite them, made in advance, and how they
contribute (attending, or their views brought by letter, drawing, recording, app or advocate)."""

from __future__ import annotations

from typing import cast

from states import event_data as ev
from states.errors import InvalidEventData
from states.trigger_step import Step, age_on

__all__ = ["DECIDED_FACT", "DECISION", "record_child_participation"]

DECISION = "decide_child_participation"
# Set when the decision for the conference being planned is recorded; cleared once that conference is held.
DECIDED_FACT = "child_participation_decided_date"
_TRIGGER = "record_child_participation"


def record_child_participation(step: Step) -> None:
    data = cast(ev.RecordChildParticipation, step.data)
    _check_against_invitation_age(step, data)
    step.set_fact("child_invited", data.invited)
    step.set_fact(DECIDED_FACT, step.today)
    step.changes.close([DECISION], "done", step.today, "completed")


def _check_against_invitation_age(step: Step, data: ev.RecordChildParticipation) -> None:
    """The policy's age for invitation is the default: departing from it needs a reason, following it needs none."""
    dob = step.case.date_of_birth
    if dob is None:
        if data.invited:
            raise InvalidEventData(f"{_TRIGGER}: the child is not born yet: invited must be false")
        return
    from_age = step.policy.ages.invite_to_conference_from
    # Age on the day of the conference when it is known: that is when the child would attend.
    on = step.fact("conference_date") or step.today
    invited_by_default = age_on(dob, on) >= from_age
    if data.invited == invited_by_default:
        if data.invited and data.reason is not None:
            raise InvalidEventData(
                f"{_TRIGGER}: reason is given only when the child is not invited, or is invited under the "
                f"policy's age for invitation ({from_age})"
            )
        return
    if data.reason is None:
        where = "under" if data.invited else "at or over"
        what = "inviting" if data.invited else "not inviting"
        raise InvalidEventData(
            f"{_TRIGGER}: {what} a child {where} the policy's age for invitation ({from_age}) needs a reason "
            "(not_in_childs_interests, too_young, child_declined or other)"
        )
