"""Triggers from the initial conference to the end: the plan, core groups, visits, reviews, ending, closing, birth."""

from __future__ import annotations

from datetime import date

import pytest

from states.case import Case
from states.errors import InvalidEventData, PermissionDenied, TransitionNotAllowed
from states.lifecycle import CaseStatus
from tests.unit.lifecycle_builders import (
    CHAIR,
    ICPC,
    PLANNING_WORK,
    POLICIES,
    SOCIAL_WORKER,
    complete_all,
    due,
    in_icpc_planning,
    on_plan,
    open_actions,
    step,
    the_open,
)
from workflows.persistence import load_policy

# hold_icpc


def test_a_plan_made_before_easter_opens_core_group_review_visit_and_follow_up_with_hand_checked_dates() -> None:
    case = complete_all(in_icpc_planning(conference=date(2027, 3, 22)), PLANNING_WORK, date(2027, 3, 15))
    result = step(case, "hold_icpc", date(2027, 3, 22), date=date(2027, 3, 22), outcome="cp_plan", category="EMO")
    assert result.to_status is CaseStatus.CORE_GROUPS
    assert {a.kind: a.due_on for a in result.opened} == {
        # hand-checked: ICPC Mon 2027-03-22 + 10 WD: 23-25 (3), Good Friday and Easter Monday, 30 Mar-2 Apr (7),
        # 5-7 Apr (10) -> Wed 2027-04-07
        "hold_first_core_group": date(2027, 4, 7),
        "statutory_visit": date(2027, 4, 7),
        # hand-checked: 3 calendar months after Mon 2027-03-22 -> Tue 2027-06-22, a working day
        "hold_first_review": date(2027, 6, 22),
        # hand-checked: + 1 WD -> Tue 2027-03-23
        "send_decision_letter": date(2027, 3, 23),
        # hand-checked: + 15 WD: as above to Wed 7 Apr (10), 8-9 Apr (12), 12-14 Apr (15) -> Wed 2027-04-14
        "circulate_minutes": date(2027, 4, 14),
        "seek_feedback": date(2027, 4, 7),
    }
    assert result.case.facts["plan_start_date"] == "2027-03-22"


def test_the_conference_that_makes_the_plan_completes_the_conference_action() -> None:
    case = on_plan()
    done = [a for a in case.actions if a.kind == "hold_icpc"]
    assert [(a.status, a.done_on) for a in done] == [("done", ICPC)]


def test_a_plan_needs_a_category_and_only_a_plan_takes_one() -> None:
    case = complete_all(in_icpc_planning(), PLANNING_WORK, date(2026, 11, 20))
    with pytest.raises(InvalidEventData, match="category is required for a cp_plan outcome"):
        step(case, "hold_icpc", ICPC, date=ICPC, outcome="cp_plan")
    with pytest.raises(InvalidEventData, match="category is only given with a cp_plan outcome"):
        step(case, "hold_icpc", ICPC, date=ICPC, outcome="cin_plan", category="NEG")


def test_an_unknown_category_is_refused_listing_the_known_codes() -> None:
    case = complete_all(in_icpc_planning(), PLANNING_WORK, date(2026, 11, 20))
    with pytest.raises(
        InvalidEventData, match=r"category: Input should be 'NEG', 'PHY', 'SAB', 'EMO' or 'MUL' \(got 'CSE'\)"
    ):
        step(case, "hold_icpc", ICPC, date=ICPC, outcome="cp_plan", category="CSE")


def test_extra_familial_harm_is_a_sub_category_of_neglect_only() -> None:
    case = complete_all(in_icpc_planning(), PLANNING_WORK, date(2026, 11, 20))
    made = step(
        case, "hold_icpc", ICPC, date=ICPC, outcome="cp_plan", category="NEG", sub_category="extra_familial_harm"
    )
    assert made.case.facts["sub_category"] == "extra_familial_harm"
    with pytest.raises(InvalidEventData, match="belongs to category NEG only"):
        step(case, "hold_icpc", ICPC, date=ICPC, outcome="cp_plan", category="PHY", sub_category="extra_familial_harm")


def test_a_conference_with_no_further_action_closes_the_case_but_its_minutes_are_still_owed() -> None:
    case = complete_all(in_icpc_planning(), PLANNING_WORK, date(2026, 11, 20))
    closed = step(case, "hold_icpc", ICPC, date=ICPC, outcome="no_further_action").case
    assert closed.status is CaseStatus.CLOSED
    done = step(closed, "complete_action", date(2026, 12, 1), kind="circulate_minutes", done_on=date(2026, 12, 1))
    assert [(a.kind, a.status) for a in done.closed] == [("circulate_minutes", "done")]


def test_only_the_chair_records_the_conference() -> None:
    with pytest.raises(PermissionDenied):
        step(in_icpc_planning(), "hold_icpc", ICPC, actor=SOCIAL_WORKER, date=ICPC, outcome="cin_plan")


# hold_core_group


def test_the_first_core_group_is_followed_by_one_every_four_weeks() -> None:
    result = step(on_plan(), "hold_core_group", date(2026, 12, 8), date=date(2026, 12, 8))
    assert [(a.kind, a.status) for a in result.closed] == [("hold_first_core_group", "done")]
    # hand-checked: Tue 2026-12-08 + 28 days -> Tue 2027-01-05, a working day
    assert due(result.case, "hold_core_group") == date(2027, 1, 5)


def test_a_core_group_due_on_boxing_day_substitute_falls_back_before_christmas() -> None:
    result = step(on_plan(), "hold_core_group", date(2026, 11, 30), date=date(2026, 11, 30))
    # hand-checked: Mon 2026-11-30 + 28 days = Mon 28 Dec (bank holiday); back over the weekend and Fri 25 Dec
    # (Christmas) -> Thu 2026-12-24
    assert due(result.case, "hold_core_group") == date(2026, 12, 24)


def test_an_authority_with_six_weekly_core_groups_counts_six_weeks() -> None:
    policy = load_policy(POLICIES, "authority_a")
    case = step(
        on_plan(policy=policy), "hold_core_group", date(2026, 12, 8), policy=policy, date=date(2026, 12, 8)
    ).case
    # hand-checked: Tue 2026-12-08 + 42 days -> Tue 2027-01-19
    assert due(case, "hold_core_group") == date(2027, 1, 19)


def test_a_core_group_before_the_conference_that_made_the_plan_is_refused() -> None:
    with pytest.raises(InvalidEventData, match=r"date 2026-11-23 is before the icpc date \(2026-11-24\)"):
        step(on_plan(), "hold_core_group", date(2026, 12, 1), date=date(2026, 11, 23))


# record_visit


def test_a_visit_that_sees_the_child_sets_the_next_one_ten_working_days_on_over_christmas() -> None:
    result = step(
        on_plan(), "record_visit", date(2026, 12, 17), date=date(2026, 12, 17), child_seen=True, seen_alone=True
    )
    # hand-checked: Thu 2026-12-17 + 10 WD: 18, 21-24 (5), 29-31 (8), 4-5 Jan (10), skipping 25 and 28 Dec and 1 Jan
    # -> Tue 2027-01-05
    assert due(result.case, "statutory_visit") == date(2027, 1, 5)
    assert result.case.facts["last_seen_alone_date"] == "2026-12-17"


def test_a_visit_that_did_not_see_the_child_does_not_meet_the_statutory_visit() -> None:
    case = on_plan()
    result = step(case, "record_visit", date(2026, 12, 1), date=date(2026, 12, 1), child_seen=False, seen_alone=False)
    assert the_open(result.case, "statutory_visit") == the_open(case, "statutory_visit")
    assert "last_visit_date" not in result.case.facts


def test_a_child_seen_alone_but_not_seen_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="seen_alone is true but child_seen is false"):
        step(on_plan(), "record_visit", date(2026, 12, 1), date=date(2026, 12, 1), child_seen=False, seen_alone=True)


def test_a_visit_needs_a_plan_running() -> None:
    case = step(
        in_icpc_planning(),
        "arrange_child_only_conference",
        date(2026, 11, 5),
        date=date(2026, 11, 19),
        chair_decided_on=date(2026, 11, 5),
        in_childs_interests=True,
    ).case
    with pytest.raises(TransitionNotAllowed, match="record_visit needs a child protection plan running"):
        step(case, "record_visit", date(2026, 11, 6), date=date(2026, 11, 6), child_seen=True, seen_alone=False)


# convene_review


def review_planning(conference: date = date(2027, 1, 8)) -> Case:
    return step(on_plan(), "convene_review", date(2026, 12, 14), conference_date=conference).case


def test_convening_a_review_opens_its_preparation_with_reports_five_working_days_before() -> None:
    case = review_planning()
    assert case.status is CaseStatus.REVIEW_PLANNING
    # hand-checked against review Fri 2027-01-08: chair 1 WD before -> Thu 7 Jan; leaflet 5 days before is Sun
    # 3 Jan -> back over the weekend and Fri 1 Jan -> Thu 31 Dec; agency reports 3 WD before -> Tue 5 Jan;
    # family reports 5 WD before: 7, 6, 5, 4 Jan, 31 Dec -> Thu 2026-12-31
    assert [
        due(case, k)
        for k in ("chair_pre_meeting", "send_leaflet", "submit_agency_reports", "share_reports_with_family")
    ] == [date(2027, 1, 7), date(2026, 12, 31), date(2027, 1, 5), date(2026, 12, 31)]
    assert the_open(case, "share_reports_with_family").rule == "share_reports_before_review"


def test_a_review_brought_forward_keeps_the_statutory_deadline_of_the_first_review() -> None:
    case = review_planning(date(2026, 12, 18))
    # hand-checked: ICPC Tue 2026-11-24 + 3 months -> Wed 2027-02-24
    assert due(case, "hold_first_review") == date(2027, 2, 24)
    assert case.facts["review_date"] == "2026-12-18"


def test_visits_and_core_groups_go_on_while_a_review_is_planned() -> None:
    case = step(review_planning(), "hold_core_group", date(2026, 12, 15), date=date(2026, 12, 15)).case
    assert case.status is CaseStatus.REVIEW_PLANNING
    assert [a.status for a in case.actions if a.kind == "hold_first_core_group"] == ["done"]


# hold_review

REVIEW_WORK = ("chair_pre_meeting", "send_leaflet", "submit_agency_reports", "share_reports_with_family")


def held_review(outcome: str, **data: object) -> Case:
    case = complete_all(review_planning(), REVIEW_WORK, date(2026, 12, 31))
    case = step(case, "hold_core_group", date(2026, 12, 15), date=date(2026, 12, 15)).case
    return step(case, "hold_review", date(2027, 1, 8), date=date(2027, 1, 8), outcome=outcome, **data).case


def test_a_review_that_continues_the_plan_sets_the_next_review_six_months_on() -> None:
    case = held_review("continue_plan", category="MUL")
    assert case.status is CaseStatus.CORE_GROUPS
    assert [a.status for a in case.actions if a.kind == "hold_first_review"] == ["done"]
    # hand-checked: Fri 2027-01-08 + 6 months -> Thu 2027-07-08, a working day
    assert due(case, "hold_review") == date(2027, 7, 8)
    assert (case.facts["initial_category"], case.facts["latest_category"]) == ("NEG", "MUL")


def test_a_plan_cannot_end_at_the_first_review_without_an_exceptional_reason() -> None:
    with pytest.raises(InvalidEventData, match="should not end at the first review save in exceptional cases"):
        held_review("end_plan_cin")


def test_a_plan_ended_at_the_first_review_for_an_exceptional_reason_steps_down_to_cin_without_overlap() -> None:
    case = held_review("end_plan_cin", exceptional_reason="Family moved to a refuge; risk removed")
    assert case.status is CaseStatus.CIN_PLAN
    assert case.facts["plan_end_date"] == case.facts["cin_plan_start_date"] == "2027-01-08"
    assert open_actions(case, "statutory_visit") == [] and open_actions(case, "hold_core_group") == []
    assert {a.close_reason for a in case.actions if a.kind in ("statutory_visit", "hold_core_group")} == {"plan_ended"}


def test_a_plan_may_end_at_a_second_review_without_a_reason() -> None:
    case = held_review("continue_plan")
    case = step(case, "convene_review", date(2027, 2, 1), conference_date=date(2027, 3, 1)).case
    case = complete_all(case, REVIEW_WORK, date(2027, 2, 26))
    result = step(case, "hold_review", date(2027, 3, 1), date=date(2027, 3, 1), outcome="end_plan_close")
    assert result.to_status is CaseStatus.CLOSED


# end_plan

BORN_2009 = date(2009, 1, 20)


def test_a_manager_ends_the_plan_of_a_young_person_who_turned_18_and_its_actions_are_cancelled() -> None:
    # hand-checked: born 2009-01-20 -> 18 on Wed 2027-01-20
    result = step(
        on_plan(born=BORN_2009),
        "end_plan",
        date(2027, 1, 20),
        date=date(2027, 1, 20),
        reason="turned_18",
        outcome="close",
    )
    assert result.to_status is CaseStatus.CLOSED
    assert {(a.kind, a.close_reason) for a in result.closed} == {
        ("hold_first_core_group", "plan_ended"),
        ("statutory_visit", "plan_ended"),
        ("hold_first_review", "plan_ended"),
    }


def test_a_plan_ended_without_an_outcome_closes_the_case_and_a_transfer_may_step_down_to_cin() -> None:
    # The end_plan carries only a reason; each reason usually ends the service, so the case closes.
    closed = step(on_plan(), "end_plan", date(2026, 12, 1), date=date(2026, 12, 1), reason="left_uk")
    assert closed.to_status is CaseStatus.CLOSED
    stepped_down = step(
        on_plan(), "end_plan", date(2026, 12, 1), date=date(2026, 12, 1), reason="transferred_out", outcome="cin_plan"
    )
    assert stepped_down.to_status is CaseStatus.CIN_PLAN


def test_a_plan_cannot_end_for_turning_18_the_day_before_the_birthday() -> None:
    with pytest.raises(InvalidEventData, match="reason turned_18 but the child is not 18 on 2027-01-19"):
        step(
            on_plan(born=BORN_2009),
            "end_plan",
            date(2027, 1, 19),
            date=date(2027, 1, 19),
            reason="turned_18",
            outcome="close",
        )


def test_only_a_manager_ends_a_plan_and_the_refusal_changes_nothing() -> None:
    case = on_plan()
    with pytest.raises(PermissionDenied):
        step(
            case, "end_plan", date(2026, 12, 1), actor=CHAIR, date=date(2026, 12, 1), reason="left_uk", outcome="close"
        )
    assert case.status is CaseStatus.CORE_GROUPS and case.version == on_plan().version


def test_a_plan_ended_during_review_planning_cancels_the_review_preparation_too() -> None:
    result = step(
        review_planning(), "end_plan", date(2026, 12, 16), date=date(2026, 12, 16), reason="left_uk", outcome="close"
    )
    assert "send_leaflet" in {a.kind for a in result.closed}
    assert [a for a in result.case.actions if a.status == "open" and a.kind == "send_leaflet"] == []


def test_a_plan_ended_by_death_cannot_step_down_to_cin() -> None:
    with pytest.raises(InvalidEventData, match="cannot step down to a cin_plan"):
        step(on_plan(), "end_plan", date(2026, 12, 1), date=date(2026, 12, 1), reason="died", outcome="cin_plan")


def test_an_unknown_reason_for_ending_a_plan_is_refused() -> None:
    with pytest.raises(
        InvalidEventData, match="reason: Input should be 'turned_18', 'died', 'left_uk' or 'transferred_out'"
    ):
        step(on_plan(), "end_plan", date(2026, 12, 1), date=date(2026, 12, 1), reason="better", outcome="close")


# close_case


def test_a_cin_plan_closes_with_its_end_date_and_reason() -> None:
    case = step(
        on_plan(), "end_plan", date(2026, 12, 1), date=date(2026, 12, 1), reason="transferred_out", outcome="cin_plan"
    ).case
    result = step(case, "close_case", date(2027, 2, 1), date=date(2027, 2, 1), reason="Needs met")
    assert result.to_status is CaseStatus.CLOSED
    assert result.case.facts["cin_plan_end_date"] == "2027-02-01"


def test_a_case_on_a_plan_cannot_be_closed_with_close_case() -> None:
    with pytest.raises(TransitionNotAllowed, match="allowed from cin_plan"):
        step(on_plan(), "close_case", date(2026, 12, 1), date=date(2026, 12, 1), reason="x")


# record_birth (pre-birth plans)

EXPECTED = date(2027, 1, 25)


def test_a_pre_birth_plan_reviews_first_within_three_months_of_the_conference() -> None:
    case = on_plan(born=None, expected=EXPECTED)
    review = the_open(case, "hold_first_review")
    # hand-checked: pre-birth conference Tue 2026-11-24 + 3 months -> Wed 2027-02-24
    assert (review.due_on, review.rule) == (date(2027, 2, 24), "first_review_after_pre_birth_conference")
    assert open_actions(case, "statutory_visit") == []


def test_a_birth_brings_the_first_review_forward_to_ten_working_days_after_it_when_sooner() -> None:
    result = step(
        on_plan(born=None, expected=EXPECTED), "record_birth", date(2026, 12, 22), date_of_birth=date(2026, 12, 21)
    )
    # hand-checked: born Mon 2026-12-21 + 10 WD: 22-24 (3), 29-31 (6), 4-7 Jan (10), skipping 25 and 28 Dec and
    # 1 Jan -> Thu 2027-01-07, sooner than Wed 2027-02-24
    assert [(a.kind, a.due_on, old) for a, old in result.moved] == [
        ("hold_first_review", date(2027, 1, 7), date(2027, 2, 24))
    ]
    assert the_open(result.case, "hold_first_review").rule == "first_review_after_birth"
    assert due(result.case, "statutory_visit") == date(2027, 1, 7)
    assert result.case.date_of_birth == date(2026, 12, 21)


def test_a_late_birth_leaves_the_three_month_review_date_alone() -> None:
    result = step(
        on_plan(born=None, expected=EXPECTED), "record_birth", date(2027, 2, 22), date_of_birth=date(2027, 2, 22)
    )
    # hand-checked: born Mon 2027-02-22 + 10 WD -> Mon 2027-03-08, later than Wed 2027-02-24
    assert result.moved == []
    assert due(result.case, "hold_first_review") == date(2027, 2, 24)


def test_a_birth_cannot_be_recorded_twice() -> None:
    with pytest.raises(TransitionNotAllowed, match="a date of birth is already recorded"):
        step(on_plan(), "record_birth", date(2026, 12, 1), date_of_birth=date(2026, 11, 30))


def test_a_visit_to_an_unborn_child_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="needs the child born"):
        step(
            on_plan(born=None, expected=EXPECTED),
            "record_visit",
            date(2026, 12, 1),
            date=date(2026, 12, 1),
            child_seen=True,
            seen_alone=False,
        )
