"""The triggers of the pre-proceedings track: what each checks, records and opens, and how the track ends.

The open episode's facts are flat facts of the case (so actions can count from them); an episode that ends is kept,
with how and when it ended, in the list under EPISODES_FACT, which the census's module 5 reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from states import pre_proceedings_data as pp
from states.errors import TransitionNotAllowed
from states.lifecycle import CaseStatus
from states.pre_proceedings import PRE_PROCEEDINGS_TRIGGERS, TRACK_ACTIONS, TrackStatus, next_track_status
from states.trigger_step import Step, not_before

__all__ = [
    "EPISODES_FACT",
    "EPISODE_FACTS",
    "HANDLERS",
    "end_track_with_the_plan",
    "move_track",
]

EPISODES_FACT = "pre_proceedings_episodes"
# The facts of the open episode, cleared once it has been kept in EPISODES_FACT.
EPISODE_FACTS = (
    "pre_proceedings_start_date",
    "letter_before_proceedings_date",
    "fgdm_offered",
    "fgdm_not_offered_reason",
    "fgdm_outcome",
    "fgdm_date",
    "initial_pre_proceedings_meeting_date",
    "last_pre_proceedings_meeting_date",
    "pre_proceedings_review_meetings",
    "pre_proceedings_decision_date",
    "pre_proceedings_outcome",
    "court_application_date",
    "letter_initiating_proceedings_date",
)
# How an FGDM that was not held settles the action to hold it: (status, close reason).
_FGDM_NOT_HELD = {"declined": "fgdm_declined", "not_held": "fgdm_not_held"}


def move_track(step: Step, trigger: str, route: str | None) -> None:
    """Move the track for one of its own triggers; refuse it, before any other check, when the track is elsewhere."""
    if trigger in PRE_PROCEEDINGS_TRIGGERS:
        try:
            step.case.pre_proceedings = next_track_status(step.track_source, trigger, route)
        except TransitionNotAllowed as refused:
            raise TransitionNotAllowed(f"case {step.case.reference}: {refused}") from None


def end_track_with_the_plan(step: Step, trigger: str) -> None:
    """Closing the case or ending the plan ends an open track: its open actions are cancelled, the episode kept."""
    if trigger in PRE_PROCEEDINGS_TRIGGERS or step.case.pre_proceedings is TrackStatus.NONE:
        return
    if "plan_end_date" in step.changed:
        _end_episode(step, step.data.occurred_on(step.today), "plan_ended")
    elif step.dest is CaseStatus.CLOSED:
        _end_episode(step, step.data.occurred_on(step.today), "case_closed")


def _end_episode(step: Step, on: date, reason: str) -> None:
    step.changes.close(TRACK_ACTIONS, "cancelled", None, reason)
    facts = step.case.facts
    episode: dict[str, Any] = {name: facts[name] for name in EPISODE_FACTS if facts.get(name) is not None}
    episode |= {"ended_on": on.isoformat(), "end_reason": reason}
    facts[EPISODES_FACT] = [*facts.get(EPISODES_FACT, []), episode]
    step.changed.add(EPISODES_FACT)
    for name in EPISODE_FACTS:
        step.set_fact(name, None)
    step.case.pre_proceedings = TrackStatus.NONE


def start_pre_proceedings(step: Step) -> None:
    data = cast(pp.StartPreProceedings, step.data)
    facts = step.case.facts
    cp_plan_runs = bool(facts.get("plan_start_date")) and not facts.get("plan_end_date")
    if not cp_plan_runs and step.source is not CaseStatus.CIN_PLAN:
        raise TransitionNotAllowed(
            f"case {step.case.reference}: start_pre_proceedings needs a child protection or child in need plan running"
        )
    plan_start = "plan_start_date" if cp_plan_runs else "cin_plan_start_date"
    not_before(data, "decision_date", data.decision_date, step, plan_start)
    step.set_fact("pre_proceedings_start_date", data.decision_date)
    step.open("send_letter_before_proceedings")


def send_letter_before_proceedings(step: Step) -> None:
    data = cast(pp.SendLetterBeforeProceedings, step.data)
    not_before(data, "date", data.date, step, "pre_proceedings_start_date")
    step.changes.close(["send_letter_before_proceedings"], "done", data.date, "completed")
    step.set_fact("letter_before_proceedings_date", data.date)
    step.set_fact("fgdm_offered", data.fgdm_offered)
    step.set_fact("fgdm_not_offered_reason", data.fgdm_not_offered_reason)
    step.open("hold_initial_pre_proceedings_meeting")
    if data.fgdm_offered:
        step.open("hold_fgdm")


def record_fgdm(step: Step) -> None:
    data = cast(pp.RecordFgdm, step.data)
    if step.case.facts.get("fgdm_offered") is not True:
        raise TransitionNotAllowed(
            f"case {step.case.reference}: record_fgdm needs an FGDM offered in the letter before proceedings"
        )
    not_before(data, "date", data.date, step, "letter_before_proceedings_date")
    step.set_fact("fgdm_outcome", data.outcome)
    step.set_fact("fgdm_date", data.date)
    if data.outcome == "held":
        step.changes.close(["hold_fgdm"], "done", data.date, "completed")
    else:
        step.changes.close(["hold_fgdm"], "cancelled", None, _FGDM_NOT_HELD[data.outcome])


def hold_pre_proceedings_meeting(step: Step) -> None:
    data = cast(pp.HoldPreProceedingsMeeting, step.data)
    not_before(data, "date", data.date, step, "letter_before_proceedings_date")
    not_before(data, "date", data.date, step, "last_pre_proceedings_meeting_date")
    if step.fact("initial_pre_proceedings_meeting_date") is None:
        step.changes.close(["hold_initial_pre_proceedings_meeting"], "done", data.date, "completed")
        step.set_fact("initial_pre_proceedings_meeting_date", data.date)
        step.set_fact("pre_proceedings_review_meetings", 0)
        step.open("conclude_pre_proceedings")
    else:
        step.changes.close(["review_pre_proceedings"], "done", data.date, "completed")
        step.set_fact("pre_proceedings_review_meetings", int(step.case.facts["pre_proceedings_review_meetings"]) + 1)
    step.set_fact("last_pre_proceedings_meeting_date", data.date)
    step.open("review_pre_proceedings")


def decide_pre_proceedings(step: Step) -> None:
    data = cast(pp.DecidePreProceedings, step.data)
    facts = step.case.facts
    if data.outcome == "issue_proceedings" and not (facts.get("fgdm_offered") or facts.get("fgdm_not_offered_reason")):
        raise TransitionNotAllowed(
            f"case {step.case.reference}: decide_pre_proceedings: cannot issue proceedings: the letter before "
            "proceedings neither offered an FGDM nor recorded why not (s.31ZA Children Act 1989)"
        )
    not_before(data, "date", data.date, step, "initial_pre_proceedings_meeting_date")
    step.changes.close(["conclude_pre_proceedings"], "done", data.date, "completed")
    step.changes.close(["review_pre_proceedings"], "cancelled", None, "pre_proceedings_decided")
    step.set_fact("pre_proceedings_decision_date", data.date)
    step.set_fact("pre_proceedings_outcome", data.outcome)
    if data.outcome == "step_down":
        _end_episode(step, data.date, "stepped_down")
    else:
        step.open("apply_to_court")


def apply_to_court(step: Step) -> None:
    data = cast(pp.ApplyToCourt, step.data)
    not_before(data, "date", data.date, step, "pre_proceedings_decision_date")
    step.changes.close(["apply_to_court"], "done", data.date, "completed")
    step.set_fact("court_application_date", data.date)
    step.open("send_letter_initiating_proceedings")


def send_letter_initiating_proceedings(step: Step) -> None:
    data = cast(pp.SendLetterInitiatingProceedings, step.data)
    not_before(data, "date", data.date, step, "court_application_date")
    step.changes.close(["send_letter_initiating_proceedings"], "done", data.date, "completed")
    step.set_fact("letter_initiating_proceedings_date", data.date)
    _end_episode(step, data.date, "proceedings_issued")


HANDLERS = {
    "start_pre_proceedings": start_pre_proceedings,
    "send_letter_before_proceedings": send_letter_before_proceedings,
    "record_fgdm": record_fgdm,
    "hold_pre_proceedings_meeting": hold_pre_proceedings_meeting,
    "decide_pre_proceedings": decide_pre_proceedings,
    "apply_to_court": apply_to_court,
    "send_letter_initiating_proceedings": send_letter_initiating_proceedings,
}
