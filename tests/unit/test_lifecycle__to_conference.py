"""Triggers from referral to the initial conference: referral, transfer-in, s47, decisions, child-only conference."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from states.case import Case, TransitionResult
from states.errors import InvalidEventData, PermissionDenied
from states.lifecycle import CaseStatus
from tests.unit.lifecycle_builders import (
    DECISION,
    ICPC,
    REFERRAL,
    SOCIAL_WORKER,
    due,
    in_icpc_planning,
    in_s47,
    open_actions,
    referred,
    step,
    the_open,
    with_ages,
)

# receive_referral


def test_a_referral_opens_the_referral_decision_due_the_next_working_day_after_christmas() -> None:
    result = step(
        None, "receive_referral", date(2026, 12, 24), referral_date=date(2026, 12, 24), date_of_birth=date(2016, 5, 1)
    )
    assert result.to_status is CaseStatus.REFERRED
    # hand-checked: referral Thu 2026-12-24; Fri 25 and Mon 28 bank holidays, weekend between -> Tue 2026-12-29
    assert due(result.case, "referral_decision") == date(2026, 12, 29)
    assert the_open(result.case, "referral_decision").owner_role == "social_worker"


def test_a_referral_with_a_date_of_birth_after_it_is_refused() -> None:
    with pytest.raises(InvalidEventData, match=r"date_of_birth is after the referral \(2026-11-02\)"):
        step(None, "receive_referral", REFERRAL, referral_date=REFERRAL, date_of_birth=date(2026, 11, 3))


def test_a_referral_needs_exactly_one_of_a_date_of_birth_or_an_expected_delivery_date() -> None:
    with pytest.raises(InvalidEventData, match="exactly one of date_of_birth or expected_delivery_date"):
        step(None, "receive_referral", REFERRAL, referral_date=REFERRAL)
    with pytest.raises(InvalidEventData, match="exactly one of"):
        step(
            None,
            "receive_referral",
            REFERRAL,
            referral_date=REFERRAL,
            date_of_birth=date(2016, 5, 1),
            expected_delivery_date=date(2027, 5, 1),
        )


def test_a_pre_birth_referral_records_the_expected_delivery_date_and_no_date_of_birth() -> None:
    case = referred(born=None, expected=date(2027, 6, 21))
    assert (case.date_of_birth, case.expected_delivery_date) == (None, date(2027, 6, 21))


def test_a_referral_dated_after_today_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="referral_date 2026-11-03 is after today"):
        step(None, "receive_referral", REFERRAL, referral_date=date(2026, 11, 3), date_of_birth=date(2016, 5, 1))


# receive_transfer_in


def test_a_transfer_in_goes_straight_to_planning_with_the_transfer_in_timescale_across_easter() -> None:
    notice = date(2027, 3, 15)
    result = step(None, "receive_transfer_in", notice, transfer_notice_date=notice, date_of_birth=date(2016, 5, 1))
    assert result.to_status is CaseStatus.ICPC_PLANNING
    conference = the_open(result.case, "hold_icpc")
    # hand-checked: notice Mon 2027-03-15 + 15 WD: 16-19 (4), 22-25 (8), Good Friday 26 and Easter Monday 29
    # skipped, 30-31 (10), 1-2 Apr (12), 5-7 Apr (15) -> Wed 2027-04-07
    assert (conference.due_on, conference.rule, conference.anchor) == (
        date(2027, 4, 7),
        "transfer_in_conference",
        "transfer_notice_date",
    )
    # hand-checked: the next working day after Mon 2027-03-15 is Tue 2027-03-16
    assert due(result.case, "book_conference") == date(2027, 3, 16)


# start_s47


def test_the_strategy_discussion_starts_the_15_working_day_clock_across_christmas_and_new_year() -> None:
    case = step(
        None, "receive_referral", date(2026, 12, 9), referral_date=date(2026, 12, 9), date_of_birth=date(2016, 5, 1)
    ).case
    result = step(case, "start_s47", date(2026, 12, 10), strategy_discussion_date=date(2026, 12, 10))
    # hand-checked: SD Thu 2026-12-10 + 15 WD, skipping Fri 25 Dec, Mon 28 Dec and Fri 1 Jan -> Tue 2027-01-05
    assert due(result.case, "hold_icpc") == date(2027, 1, 5)
    assert [(a.kind, a.status, a.done_on) for a in result.closed] == [("referral_decision", "done", date(2026, 12, 10))]


def test_a_pre_birth_enquiry_counts_the_conference_from_the_expected_delivery_date_before_easter() -> None:
    case = in_s47(born=None, expected=date(2027, 6, 21))
    conference = the_open(case, "hold_icpc")
    # hand-checked: EDD Mon 2027-06-21 - 12 weeks = Mon 2027-03-29, Easter Monday; back over the weekend and
    # Good Friday 26 Mar -> Thu 2027-03-25
    assert (conference.due_on, conference.rule) == (date(2027, 3, 25), "pre_birth_conference")


def test_a_strategy_discussion_by_a_business_support_officer_is_refused() -> None:
    from tests.unit.lifecycle_builders import BUSINESS_SUPPORT

    with pytest.raises(PermissionDenied):
        step(referred(), "start_s47", REFERRAL, actor=BUSINESS_SUPPORT, strategy_discussion_date=REFERRAL)


# close_no_further_action


def test_closing_a_referral_with_no_further_action_completes_the_referral_decision() -> None:
    result = step(referred(), "close_no_further_action", date(2026, 11, 3), reason="Universal services enough")
    assert result.to_status is CaseStatus.CLOSED
    assert [(a.kind, a.status) for a in result.closed] == [("referral_decision", "done")]


def test_closing_an_enquiry_with_no_further_action_cancels_the_conference_it_no_longer_needs() -> None:
    result = step(in_s47(), "close_no_further_action", date(2026, 11, 10), reason="Concerns not substantiated")
    assert [(a.kind, a.status, a.close_reason) for a in result.closed] == [("hold_icpc", "cancelled", "not_needed")]
    assert result.case.facts["closed_date"] == "2026-11-10"


def test_closing_with_no_further_action_needs_a_manager() -> None:
    with pytest.raises(PermissionDenied):
        step(in_s47(), "close_no_further_action", date(2026, 11, 10), actor=SOCIAL_WORKER, reason="x")


# icpc_not_required


def test_an_enquiry_that_needs_no_conference_steps_down_to_a_cin_plan() -> None:
    result = step(in_s47(), "icpc_not_required", date(2026, 11, 10), outcome="cin_plan")
    assert result.to_status is CaseStatus.CIN_PLAN
    assert result.case.facts["cin_plan_start_date"] == "2026-11-10"
    assert open_actions(result.case, "hold_icpc") == []


def test_an_enquiry_that_needs_no_conference_may_close_the_case() -> None:
    assert (
        step(in_s47(), "icpc_not_required", date(2026, 11, 10), outcome="no_further_action").to_status
        is CaseStatus.CLOSED
    )


def test_an_unknown_outcome_of_an_enquiry_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(
        InvalidEventData, match=r"outcome: Input should be 'cin_plan' or 'no_further_action' \(got 'cp_plan'\)"
    ):
        step(in_s47(), "icpc_not_required", date(2026, 11, 10), outcome="cp_plan")


# convene_icpc


def test_convening_a_conference_opens_booking_family_group_referral_and_advocate_after_christmas() -> None:
    case = step(
        None, "receive_referral", date(2026, 12, 9), referral_date=date(2026, 12, 9), date_of_birth=date(2016, 5, 1)
    ).case
    case = step(case, "start_s47", date(2026, 12, 10), strategy_discussion_date=date(2026, 12, 10)).case
    result = step(case, "convene_icpc", date(2026, 12, 24), decision_date=date(2026, 12, 24))
    # hand-checked: decision Thu 2026-12-24 + 1 WD, skipping Fri 25 and Mon 28 (bank holidays) -> Tue 2026-12-29
    assert [(a.kind, a.due_on) for a in result.opened] == [
        ("book_conference", date(2026, 12, 29)),
        ("refer_family_group_conference", date(2026, 12, 29)),
        ("request_advocate", date(2026, 12, 29)),
    ]


def test_convening_with_a_conference_date_opens_the_work_counted_back_from_it_and_no_booking() -> None:
    case = in_icpc_planning(conference=ICPC)
    assert open_actions(case, "book_conference") == []
    # hand-checked against conference Tue 2026-11-24 (no holidays in November): chair 1 WD before -> Mon 23;
    # leaflet 5 days before -> Thu 19; agency reports 3 WD before -> Thu 19; family 2 WD before -> Fri 20
    assert [
        due(case, k)
        for k in ("chair_pre_meeting", "send_leaflet", "submit_agency_reports", "share_reports_with_family")
    ] == [date(2026, 11, 23), date(2026, 11, 19), date(2026, 11, 19), date(2026, 11, 20)]


def test_an_automatic_advocate_is_requested_only_for_a_child_older_than_the_policy_age() -> None:
    policy = with_ages(advocate="automatic", advocate_automatic_over=8)
    # hand-checked: on the decision date Wed 2026-11-04 a child born 2018-06-01 is 8, one born 2017-06-01 is 9
    eight = in_icpc_planning(born=date(2018, 6, 1), policy=policy)
    nine = in_icpc_planning(born=date(2017, 6, 1), policy=policy)
    assert open_actions(eight, "request_advocate") == []
    assert len(open_actions(nine, "request_advocate")) == 1


def test_an_advocate_on_request_is_requested_only_when_asked_for() -> None:
    policy = with_ages(advocate="on_request")
    assert open_actions(in_icpc_planning(policy=policy), "request_advocate") == []
    asked = step(
        in_s47(policy=policy), "convene_icpc", DECISION, policy=policy, decision_date=DECISION, advocate_requested=True
    ).case
    assert len(open_actions(asked, "request_advocate")) == 1


def test_no_advocate_is_requested_for_an_unborn_child() -> None:
    assert open_actions(in_icpc_planning(born=None, expected=date(2027, 6, 21)), "request_advocate") == []


def test_a_decision_before_the_strategy_discussion_is_refused() -> None:
    with pytest.raises(InvalidEventData, match=r"decision_date 2026-11-02 is before the strategy discussion date"):
        step(in_s47(), "convene_icpc", DECISION, decision_date=date(2026, 11, 2))


def test_a_conference_date_before_the_decision_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="conference_date 2026-11-03 is before decision_date 2026-11-04"):
        step(in_s47(), "convene_icpc", DECISION, decision_date=DECISION, conference_date=date(2026, 11, 3))


# arrange_child_only_conference

COC = date(2026, 11, 19)


def arrange(case: Case, **overrides: Any) -> TransitionResult:
    data = {"date": COC, "chair_decided_on": date(2026, 11, 5), "in_childs_interests": True, **overrides}
    return step(case, "arrange_child_only_conference", date(2026, 11, 5), **data)


def test_a_child_of_the_policy_age_may_have_a_child_only_conference_before_the_main_one() -> None:
    # hand-checked: a child born 2018-11-19 turns 8 on the conference day Thu 2026-11-19
    result = arrange(in_icpc_planning(born=date(2018, 11, 19)))
    assert result.to_status is CaseStatus.CHILD_ONLY_CONFERENCE
    assert result.case.facts["child_only_conference_return"] == "icpc_planning"


def test_a_child_under_the_policy_age_needs_an_override_reason_for_a_child_only_conference() -> None:
    # hand-checked: a child born 2018-11-20 is still 7 on Thu 2026-11-19
    case = in_icpc_planning(born=date(2018, 11, 20))
    with pytest.raises(InvalidEventData, match="the child is 7 on 2026-11-19, outside the policy's range 8-17"):
        arrange(case)
    result = arrange(case, age_override_reason="Mature 7-year-old who asked to speak to the chair")
    assert result.case.facts["child_only_conference_age_override"] is True


def test_the_age_range_of_a_child_only_conference_is_the_policys() -> None:
    policy = with_ages(child_only_conference={"min": 10, "max": 17})
    case = in_icpc_planning(born=date(2017, 6, 1), policy=policy)  # 9 on 2026-11-19
    with pytest.raises(InvalidEventData, match="outside the policy's range 10-17"):
        step(
            case,
            "arrange_child_only_conference",
            date(2026, 11, 5),
            policy=policy,
            date=COC,
            chair_decided_on=date(2026, 11, 5),
            in_childs_interests=True,
        )


def test_a_child_only_conference_needs_the_chairs_decision_that_it_is_in_the_childs_interests() -> None:
    with pytest.raises(InvalidEventData, match="the chair has not decided it is in the child's interests"):
        arrange(in_icpc_planning(), in_childs_interests=False)
    with pytest.raises(InvalidEventData, match="chair_decided_on is required"):
        step(in_icpc_planning(), "arrange_child_only_conference", date(2026, 11, 5), date=COC, in_childs_interests=True)


def test_only_the_chair_arranges_a_child_only_conference() -> None:
    with pytest.raises(PermissionDenied):
        step(
            in_icpc_planning(),
            "arrange_child_only_conference",
            date(2026, 11, 5),
            actor=SOCIAL_WORKER,
            date=COC,
            chair_decided_on=date(2026, 11, 5),
            in_childs_interests=True,
        )


def test_a_child_only_conference_on_or_after_the_main_conference_is_refused() -> None:
    with pytest.raises(InvalidEventData, match=r"is not before the main conference \(2026-11-24\)"):
        arrange(in_icpc_planning(), date=ICPC)


def test_an_unborn_child_cannot_have_a_child_only_conference() -> None:
    with pytest.raises(InvalidEventData, match="not born yet"):
        arrange(in_icpc_planning(born=None, expected=date(2027, 6, 21)))


# hold_child_only_conference / cancel_child_only_conference


def held_child_only_conference() -> TransitionResult:
    case = arrange(in_icpc_planning()).case
    return step(
        case,
        "hold_child_only_conference",
        COC,
        date=COC,
        child_views="Wants dad to stop shouting",
        shared_with_conference="The shouting",
        who_feeds_back="social worker",
    )


def test_holding_a_child_only_conference_returns_to_planning_and_opens_the_chairs_letter() -> None:
    result = held_child_only_conference()
    assert result.to_status is CaseStatus.ICPC_PLANNING
    # hand-checked: held Thu 2026-11-19 + 10 WD: 20 (1), 23-27 (6), 30 (7), 1-3 Dec (10) -> Thu 2026-12-03
    assert due(result.case, "chair_letter_to_child") == date(2026, 12, 3)


def test_the_main_conference_after_a_child_only_conference_opens_feedback_to_the_child() -> None:
    case = held_child_only_conference().case
    result = step(case, "hold_icpc", ICPC, date=ICPC, outcome="cin_plan", override_reason="Held at short notice")
    # hand-checked: conference Tue 2026-11-24 + 5 WD: 25, 26, 27, 30 Nov, 1 Dec -> Tue 2026-12-01
    assert due(result.case, "feedback_to_child") == date(2026, 12, 1)


def test_the_childs_views_stay_out_of_the_outbox() -> None:
    result = held_child_only_conference()
    assert "shouting" not in str(result.outbox)
    assert result.case.facts["child_views"] == "Wants dad to stop shouting"


def test_a_cancelled_child_only_conference_returns_to_the_planning_it_came_from() -> None:
    case = arrange(in_icpc_planning()).case
    result = step(case, "cancel_child_only_conference", date(2026, 11, 10), reason="Child changed their mind")
    assert result.to_status is CaseStatus.ICPC_PLANNING
    assert open_actions(result.case, "chair_letter_to_child") == []


def test_planning_goes_on_while_a_child_only_conference_is_arranged() -> None:
    case = arrange(in_icpc_planning()).case
    result = step(case, "set_conference_date", date(2026, 11, 6), conference_date=date(2026, 11, 26))
    assert result.to_status is CaseStatus.CHILD_ONLY_CONFERENCE
    # hand-checked: Thu 2026-11-26 less one working day -> Wed 2026-11-25
    assert due(result.case, "chair_pre_meeting") == date(2026, 11, 25)
