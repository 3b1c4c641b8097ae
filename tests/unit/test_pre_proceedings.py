"""The pre-proceedings track beside the plan: its triggers, due dates (counted by hand), refusals and its end.

Every case here is on a CP plan made at the conference on Tue 24 Nov 2026 (lifecycle_builders.on_plan). England and
Wales bank holidays used: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day substitute), Fri 1 Jan 2027, Good Friday
26 Mar 2027, Easter Monday 29 Mar 2027, early May Mon 3 May 2027. WD counts take the date itself as day 0; weeks
are 7 calendar days, and a due date on a non-working day moves to the previous working day (default policy).
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from states.case import Case
from states.errors import InvalidEventData, PermissionDenied, TransitionNotAllowed
from states.lifecycle import CaseStatus
from states.pre_proceedings import TrackStatus
from tests.unit.lifecycle_builders import (
    CHAIR,
    FGDM_COORDINATOR,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    due,
    in_icpc_planning,
    on_plan,
    open_actions,
    step,
)

DECIDED = date(2026, 12, 22)  # Tue
LETTER = date(2026, 12, 31)  # Thu
INITIAL_MEETING = date(2027, 1, 11)  # Mon
REVIEW_MEETING = date(2027, 2, 15)  # Mon
DECISION = date(2027, 3, 25)  # Thu, the day before Good Friday


def started() -> Case:
    return step(on_plan(), "start_pre_proceedings", DECIDED, decision_date=DECIDED).case


def letter_sent(fgdm_offered: bool = True) -> Case:
    reason = {} if fgdm_offered else {"fgdm_not_offered_reason": "fgdm_held_recently"}
    data = {"date": LETTER, "fgdm_offered": fgdm_offered, **reason}
    return step(started(), "send_letter_before_proceedings", LETTER, **data).case


def in_meetings(fgdm_offered: bool = True) -> Case:
    case = letter_sent(fgdm_offered)
    return step(case, "hold_pre_proceedings_meeting", INITIAL_MEETING, date=INITIAL_MEETING).case


def closed_kinds(case: Case, reason: str) -> set[str]:
    return {a.kind for a in case.actions if a.status == "cancelled" and a.close_reason == reason}


# starting: the issue's own example


def test_starting_keeps_the_plans_status_and_opens_the_letter_due_on_31_december_past_two_bank_holidays() -> None:
    result = step(on_plan(), "start_pre_proceedings", DECIDED, decision_date=DECIDED)
    # Tue 22 Dec 2026 + 5 WD: 23 (1), 24 (2), [25 and 28 Dec bank holidays, 26-27 weekend], 29 (3), 30 (4), 31 (5).
    assert due(result.case, "send_letter_before_proceedings") == date(2026, 12, 31)
    assert result.case.status is CaseStatus.CORE_GROUPS
    assert (result.from_status, result.to_status) == (CaseStatus.CORE_GROUPS, CaseStatus.CORE_GROUPS)
    assert result.case.pre_proceedings is TrackStatus.LETTER_DUE
    assert result.event["pre_proceedings"] == {"from": "none", "to": "letter_due"}
    assert result.outbox["pre_proceedings"] == {"from": "none", "to": "letter_due"}
    # The plan's own work goes on untouched.
    assert open_actions(result.case, "hold_first_core_group") and open_actions(result.case, "hold_first_review")


def test_the_letter_offering_an_fgdm_opens_the_initial_meeting_and_the_fgdm_counted_over_new_year() -> None:
    case = letter_sent(fgdm_offered=True)
    # Thu 31 Dec 2026 + 10 WD: [1 Jan bank holiday] 4, 5, 6, 7, 8 (5), 11, 12, 13, 14, 15 Jan 2027 (10).
    assert due(case, "hold_initial_pre_proceedings_meeting") == date(2027, 1, 15)
    # + 20 WD: on from 15 Jan (10): 18, 19, 20, 21, 22 (15), 25, 26, 27, 28, 29 Jan 2027 (20).
    assert due(case, "hold_fgdm") == date(2027, 1, 29)
    assert open_actions(case, "send_letter_before_proceedings") == []
    assert case.pre_proceedings is TrackStatus.LETTER_SENT


def test_a_letter_without_an_fgdm_opens_no_fgdm_and_needs_its_reason() -> None:
    case = letter_sent(fgdm_offered=False)
    assert open_actions(case, "hold_fgdm") == []
    assert case.facts["fgdm_not_offered_reason"] == "fgdm_held_recently"
    with pytest.raises(InvalidEventData) as refused:
        step(started(), "send_letter_before_proceedings", LETTER, date=LETTER, fgdm_offered=False)
    assert str(refused.value).startswith("send_letter_before_proceedings: fgdm_not_offered_reason is required")
    assert "\n" not in str(refused.value)


def test_the_initial_meeting_opens_the_16_weeks_which_fall_on_a_bank_holiday_and_move_back() -> None:
    case = in_meetings()
    # Mon 11 Jan 2027 + 16 weeks (112 days) = Mon 3 May 2027, the early May bank holiday: back to Fri 30 Apr.
    assert due(case, "conclude_pre_proceedings") == date(2027, 4, 30)
    # Mon 11 Jan 2027 + 6 weeks (42 days) = Mon 22 Feb 2027, a working day.
    assert due(case, "review_pre_proceedings") == date(2027, 2, 22)
    assert open_actions(case, "hold_initial_pre_proceedings_meeting") == []
    assert case.pre_proceedings is TrackStatus.MEETINGS
    assert case.facts["pre_proceedings_review_meetings"] == 0


def test_a_review_meeting_counts_the_next_review_from_itself_and_easter_moves_it_back() -> None:
    case = step(in_meetings(), "hold_pre_proceedings_meeting", REVIEW_MEETING, date=REVIEW_MEETING).case
    # Mon 15 Feb 2027 + 42 days = Mon 29 Mar 2027, Easter Monday; Sun 28, Sat 27, Fri 26 (Good Friday): Thu 25 Mar.
    assert due(case, "review_pre_proceedings") == date(2027, 3, 25)
    assert [a.status for a in case.actions if a.kind == "review_pre_proceedings"] == ["done", "open"]
    assert case.facts["pre_proceedings_review_meetings"] == 1
    # The 16 weeks still count from the initial meeting.
    assert due(case, "conclude_pre_proceedings") == date(2027, 4, 30)


def test_issuing_proceedings_runs_to_the_court_application_and_the_letter_which_ends_the_track() -> None:
    case = step(in_meetings(), "record_fgdm", date(2027, 1, 20), date=date(2027, 1, 20), outcome="held").case
    decided = step(case, "decide_pre_proceedings", DECISION, date=DECISION, outcome="issue_proceedings")
    # Thu 25 Mar 2027 + 5 WD: [26 Good Friday, 27-28 weekend, 29 Easter Monday] 30 (1), 31 (2), 1 Apr (3),
    # 2 Apr (4), Mon 5 Apr 2027 (5).
    assert due(decided.case, "apply_to_court") == date(2027, 4, 5)
    assert decided.case.pre_proceedings is TrackStatus.ISSUING
    assert decided.outbox["outcome"] == "issue_proceedings"
    assert closed_kinds(decided.case, "pre_proceedings_decided") == {"review_pre_proceedings"}
    applied = step(decided.case, "apply_to_court", DECISION, date=DECISION).case
    # Thu 25 Mar 2027 + 2 WD: [26 and 29 Mar bank holidays, 27-28 weekend] Tue 30 (1), Wed 31 Mar 2027 (2).
    assert due(applied, "send_letter_initiating_proceedings") == date(2027, 3, 31)
    ended = step(applied, "send_letter_initiating_proceedings", date(2027, 3, 30), date=date(2027, 3, 30))
    assert ended.case.pre_proceedings is TrackStatus.NONE
    assert ended.event["pre_proceedings"] == {"from": "applied", "to": "none"}
    assert ended.case.status is CaseStatus.CORE_GROUPS
    assert not [a for a in ended.case.open_actions() if a.kind in KINDS]
    [episode] = ended.case.facts["pre_proceedings_episodes"]
    assert episode == {
        "pre_proceedings_start_date": "2026-12-22",
        "letter_before_proceedings_date": "2026-12-31",
        "fgdm_offered": True,
        "fgdm_outcome": "held",
        "fgdm_date": "2027-01-20",
        "initial_pre_proceedings_meeting_date": "2027-01-11",
        "last_pre_proceedings_meeting_date": "2027-01-11",
        "pre_proceedings_review_meetings": 0,
        "pre_proceedings_decision_date": "2027-03-25",
        "pre_proceedings_outcome": "issue_proceedings",
        "court_application_date": "2027-03-25",
        "letter_initiating_proceedings_date": "2027-03-30",
        "ended_on": "2027-03-30",
        "end_reason": "proceedings_issued",
    }
    # A new episode may start once the last has ended.
    again = step(ended.case, "start_pre_proceedings", date(2027, 4, 1), decision_date=date(2027, 4, 1)).case
    assert again.pre_proceedings is TrackStatus.LETTER_DUE


KINDS = {
    "send_letter_before_proceedings",
    "hold_initial_pre_proceedings_meeting",
    "hold_fgdm",
    "review_pre_proceedings",
    "conclude_pre_proceedings",
    "apply_to_court",
    "send_letter_initiating_proceedings",
}


# the s.31ZA duty


def test_issuing_is_refused_in_one_line_when_the_letter_neither_offered_an_fgdm_nor_said_why_not() -> None:
    case = in_meetings()
    # A letter recorded before the duty existed (say, carried over from an older system) holds neither.
    facts = {**case.facts, "fgdm_offered": False, "fgdm_not_offered_reason": None}
    without = dataclasses.replace(case, facts=facts)
    with pytest.raises(TransitionNotAllowed) as refused:
        step(without, "decide_pre_proceedings", DECISION, date=DECISION, outcome="issue_proceedings")
    assert str(refused.value) == (
        "case CP-1: decide_pre_proceedings: cannot issue proceedings: the letter before proceedings neither offered "
        "an FGDM nor recorded why not (s.31ZA Children Act 1989)"
    )
    # Stepping down owes nothing to the duty.
    assert step(without, "decide_pre_proceedings", DECISION, date=DECISION, outcome="step_down").case


def test_a_recorded_reason_not_to_offer_an_fgdm_meets_the_duty() -> None:
    case = in_meetings(fgdm_offered=False)
    decided = step(case, "decide_pre_proceedings", DECISION, date=DECISION, outcome="issue_proceedings")
    assert decided.case.pre_proceedings is TrackStatus.ISSUING


# how the track ends


def test_stepping_down_cancels_the_tracks_open_actions_and_keeps_the_episode() -> None:
    result = step(in_meetings(), "decide_pre_proceedings", DECISION, date=DECISION, outcome="step_down")
    assert result.case.pre_proceedings is TrackStatus.NONE
    assert closed_kinds(result.case, "stepped_down") == {"hold_fgdm"}
    assert closed_kinds(result.case, "pre_proceedings_decided") == {"review_pre_proceedings"}
    assert [(a.kind, a.status) for a in result.closed if a.kind == "conclude_pre_proceedings"] == [
        ("conclude_pre_proceedings", "done")
    ]
    assert result.case.facts["pre_proceedings_episodes"][0]["end_reason"] == "stepped_down"
    assert result.case.facts["pre_proceedings_start_date"] is None
    assert open_actions(result.case, "hold_core_group") or open_actions(result.case, "hold_first_core_group")


def test_ending_the_plan_ends_an_open_track_the_same_way_audited() -> None:
    ended = step(in_meetings(), "end_plan", DECISION, date=DECISION, reason="left_uk")
    assert ended.case.status is CaseStatus.CLOSED
    assert ended.case.pre_proceedings is TrackStatus.NONE
    assert closed_kinds(ended.case, "plan_ended") >= {"hold_fgdm", "review_pre_proceedings", "conclude_pre_proceedings"}
    assert ended.event["pre_proceedings"] == {"from": "meetings", "to": "none"}
    audited = {c["kind"] for c in ended.event["closed"] if c["close_reason"] == "plan_ended"}
    assert {"hold_fgdm", "review_pre_proceedings", "conclude_pre_proceedings"} <= audited
    assert ended.case.facts["pre_proceedings_episodes"][0]["end_reason"] == "plan_ended"


def test_closing_a_cin_case_ends_a_track_started_under_its_cin_plan() -> None:
    case = in_icpc_planning()
    held = date(2026, 11, 24)
    case = step(case, "hold_icpc", held, date=held, outcome="cin_plan", override_reason="test").case
    case = step(case, "start_pre_proceedings", DECIDED, decision_date=DECIDED).case
    assert (case.status, case.pre_proceedings) == (CaseStatus.CIN_PLAN, TrackStatus.LETTER_DUE)
    closed = step(case, "close_case", LETTER, date=LETTER, reason="moved away").case
    assert closed.pre_proceedings is TrackStatus.NONE
    assert closed_kinds(closed, "case_closed") == {"send_letter_before_proceedings"}


def test_the_plan_goes_on_while_the_track_runs() -> None:
    result = step(in_meetings(), "hold_core_group", date(2027, 1, 12), date=date(2027, 1, 12))
    assert result.case.status is CaseStatus.CORE_GROUPS
    assert result.case.pre_proceedings is TrackStatus.MEETINGS
    assert "pre_proceedings" in result.event  # audited: the track stood open, unmoved
    assert result.event["pre_proceedings"] == {"from": "meetings", "to": "meetings"}


# refusals


def test_starting_needs_a_running_plan_and_no_open_track() -> None:
    with pytest.raises(TransitionNotAllowed, match="not allowed from status 'icpc_planning'"):
        step(in_icpc_planning(), "start_pre_proceedings", DECIDED, decision_date=DECIDED)
    with pytest.raises(TransitionNotAllowed) as refused:
        step(started(), "start_pre_proceedings", DECIDED, decision_date=DECIDED)
    assert str(refused.value) == (
        "case CP-1: trigger 'start_pre_proceedings' is not allowed while pre-proceedings are 'letter_due': "
        "allowed while none"
    )


def test_a_decision_before_the_initial_meeting_and_an_fgdm_never_offered_are_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="allowed while meetings"):
        step(letter_sent(), "decide_pre_proceedings", DECISION, date=DECISION, outcome="step_down")
    with pytest.raises(TransitionNotAllowed, match="record_fgdm needs an FGDM offered"):
        step(letter_sent(fgdm_offered=False), "record_fgdm", DECISION, date=DECISION, outcome="held")


def test_a_step_dated_before_the_step_it_follows_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="date 2026-12-21 is before the pre proceedings start date"):
        step(started(), "send_letter_before_proceedings", LETTER, date=date(2026, 12, 21), fgdm_offered=True)


def test_permissions_managers_start_and_decide_the_fgdm_coordinator_records_the_fgdm() -> None:
    with pytest.raises(PermissionDenied, match="'social_worker' may not fire 'start_pre_proceedings'"):
        step(on_plan(), "start_pre_proceedings", DECIDED, actor=SOCIAL_WORKER, decision_date=DECIDED)
    with pytest.raises(PermissionDenied, match="'fgdm_coordinator' may not fire 'hold_pre_proceedings_meeting'"):
        step(letter_sent(), "hold_pre_proceedings_meeting", LETTER, actor=FGDM_COORDINATOR, date=LETTER)
    with pytest.raises(PermissionDenied, match="'cp_chair' may not fire 'decide_pre_proceedings'"):
        step(in_meetings(), "decide_pre_proceedings", DECISION, actor=CHAIR, date=DECISION, outcome="step_down")
    held = step(letter_sent(), "record_fgdm", LETTER, actor=SOCIAL_WORKER, date=LETTER, outcome="declined").case
    assert closed_kinds(held, "fgdm_declined") == {"hold_fgdm"}
    assert step(letter_sent(), "hold_pre_proceedings_meeting", LETTER, actor=TEAM_MANAGER, date=LETTER).case


def test_the_tracks_actions_are_completed_only_by_their_own_triggers() -> None:
    with pytest.raises(InvalidEventData, match="hold_fgdm is completed by the trigger record_fgdm"):
        step(letter_sent(), "complete_action", LETTER, kind="hold_fgdm", done_on=LETTER)
