"""Actions: moving with the conference date, leaving a phase with work open, and completing work by hand."""

from __future__ import annotations

from datetime import date

import pytest

from states.case import Case
from states.errors import InvalidEventData, OpenActionsBlockTransition
from states.lifecycle import CaseStatus
from tests.unit.lifecycle_builders import (
    ICPC,
    PLANNING_WORK,
    POLICIES,
    POLICY,
    complete_all,
    due,
    in_icpc_planning,
    make_policy,
    open_actions,
    step,
    the_open,
)
from workflows.persistence import load_policy

# Authority A's participation standards make the preparation before a conference mandatory (override on leave).
PARTICIPATION_STANDARDS = load_policy(POLICIES, "authority_a")
CONFERENCE_WORK = (
    "chair_pre_meeting",
    "send_leaflet",
    "submit_agency_reports",
    "share_reports_with_family",
    "decide_child_participation",
)


def christmas_planning() -> Case:
    """A case referred Wed 2026-12-09, SD Thu 12-10, conference decided Mon 12-14 with no date yet."""
    case = step(
        None, "receive_referral", date(2026, 12, 9), referral_date=date(2026, 12, 9), date_of_birth=date(2016, 5, 1)
    ).case
    case = step(case, "start_s47", date(2026, 12, 10), strategy_discussion_date=date(2026, 12, 10)).case
    return step(case, "convene_icpc", date(2026, 12, 14), decision_date=date(2026, 12, 14)).case


# set_conference_date


def test_setting_the_conference_date_books_it_and_counts_the_preparation_back_over_new_year() -> None:
    result = step(christmas_planning(), "set_conference_date", date(2026, 12, 15), conference_date=date(2027, 1, 5))
    assert [(a.kind, a.status, a.done_on) for a in result.closed] == [("book_conference", "done", date(2026, 12, 15))]
    # hand-checked against conference Tue 2027-01-05: chair 1 WD before -> Mon 4 Jan; leaflet 5 days before ->
    # Thu 31 Dec; agency reports 3 WD before: 4 Jan, 31 Dec, 30 Dec (1 Jan a bank holiday) -> Wed 30 Dec;
    # family reports 2 WD before -> Thu 31 Dec; the child's participation 5 WD before: 4 Jan, 31, 30, 29, 24 Dec
    # (1 Jan, 28 and 25 Dec are bank holidays) -> Thu 24 Dec
    assert {a.kind: a.due_on for a in result.opened} == {
        "chair_pre_meeting": date(2027, 1, 4),
        "send_leaflet": date(2026, 12, 31),
        "submit_agency_reports": date(2026, 12, 30),
        "share_reports_with_family": date(2026, 12, 31),
        "decide_child_participation": date(2026, 12, 24),
    }


def test_moving_the_conference_date_moves_every_open_action_counted_from_it() -> None:
    case = step(christmas_planning(), "set_conference_date", date(2026, 12, 15), conference_date=date(2027, 1, 5)).case
    result = step(case, "set_conference_date", date(2026, 12, 16), conference_date=date(2027, 1, 11))
    # hand-checked against Mon 2027-01-11: chair 1 WD before -> Fri 8 Jan; leaflet 5 days before -> Wed 6 Jan;
    # agency reports 3 WD before: 8, 7, 6 Jan -> Wed 6 Jan; family reports 2 WD before: 8, 7 Jan -> Thu 7 Jan;
    # the child's participation 5 WD before: 8, 7, 6, 5, 4 Jan -> Mon 4 Jan
    assert [(a.kind, a.due_on, old) for a, old in result.moved] == [
        ("chair_pre_meeting", date(2027, 1, 8), date(2027, 1, 4)),
        ("send_leaflet", date(2027, 1, 6), date(2026, 12, 31)),
        ("submit_agency_reports", date(2027, 1, 6), date(2026, 12, 30)),
        ("share_reports_with_family", date(2027, 1, 7), date(2026, 12, 31)),
        ("decide_child_participation", date(2027, 1, 4), date(2026, 12, 24)),
    ]
    assert result.opened == [] and result.event["moved"][0] == {
        "kind": "chair_pre_meeting",
        "from": "2027-01-04",
        "to": "2027-01-08",
    }


def test_work_already_done_does_not_move_with_the_conference_date() -> None:
    case = step(christmas_planning(), "set_conference_date", date(2026, 12, 15), conference_date=date(2027, 1, 5)).case
    case = complete_all(case, ("send_leaflet",), date(2026, 12, 21))
    result = step(case, "set_conference_date", date(2026, 12, 22), conference_date=date(2027, 1, 11))
    assert "send_leaflet" not in [a.kind for a, _ in result.moved]
    assert [a.due_on for a in result.case.actions if a.kind == "send_leaflet"] == [date(2026, 12, 31)]


def test_moving_a_review_date_moves_the_reports_counted_from_the_review() -> None:
    from tests.unit.lifecycle_builders import on_plan

    case = step(on_plan(), "convene_review", date(2026, 12, 14), conference_date=date(2027, 1, 8)).case
    result = step(case, "set_conference_date", date(2026, 12, 15), conference_date=date(2027, 1, 15))
    # hand-checked: review Fri 2027-01-15, family reports 5 WD before: 14, 13, 12, 11, 8 Jan -> Fri 2027-01-08
    assert due(result.case, "share_reports_with_family") == date(2027, 1, 8)
    assert result.case.facts["review_date"] == "2027-01-15"


# leaving a phase with work open


def test_by_default_holding_the_conference_with_preparation_open_goes_ahead_and_cancels_it() -> None:
    # The default England policy: preparation is local practice; a conference that was held is recorded.
    result = step(in_icpc_planning(), "hold_icpc", ICPC, date=ICPC, outcome="cin_plan")
    assert result.to_status is CaseStatus.CIN_PLAN
    closed = {a.kind: (a.status, a.close_reason) for a in result.closed}
    for kind in (*CONFERENCE_WORK, "request_advocate", "refer_family_group_conference"):
        assert closed[kind] == ("cancelled", "phase_left")
    assert not result.event.get("overridden")


def test_where_preparation_is_mandatory_the_conference_is_refused_listing_it_without_an_override_reason() -> None:
    case = in_icpc_planning(policy=PARTICIPATION_STANDARDS)
    with pytest.raises(OpenActionsBlockTransition) as refused:
        step(case, "hold_icpc", ICPC, policy=PARTICIPATION_STANDARDS, date=ICPC, outcome="cin_plan")
    assert refused.value.kinds == (*CONFERENCE_WORK, "request_advocate")
    # hand-checked: leaflet 5 calendar days before the conference on Tue 2026-11-24 -> Thu 2026-11-19
    assert "send_leaflet (due 2026-11-19)" in str(refused.value) and "override_reason" in str(refused.value)


def test_an_override_reason_lets_the_conference_go_ahead_and_records_what_was_overridden() -> None:
    result = step(
        in_icpc_planning(policy=PARTICIPATION_STANDARDS),
        "hold_icpc",
        ICPC,
        policy=PARTICIPATION_STANDARDS,
        date=ICPC,
        outcome="cin_plan",
        override_reason="Emergency: conference brought forward",
    )
    closed = {a.kind: (a.status, a.close_reason) for a in result.closed}
    assert closed["send_leaflet"] == ("cancelled", "overridden")
    # not mandatory, so simply cancelled when the phase is left
    assert closed["refer_family_group_conference"] == ("cancelled", "phase_left")
    assert result.event["overridden"] == [*CONFERENCE_WORK, "request_advocate"]
    # Free text: kept beside the audit trail (its chained payload holds a keyed hash), never in the event itself.
    assert result.private["override_reason"] == "Emergency: conference brought forward"
    assert "Emergency" not in str(result.event)
    assert "Emergency" not in str(result.outbox)


def test_a_conference_never_booked_cannot_be_held_even_with_an_override_reason() -> None:
    case = in_icpc_planning(conference=None)
    with pytest.raises(OpenActionsBlockTransition, match=r"book_conference .* complete them first") as refused:
        step(case, "hold_icpc", ICPC, date=ICPC, outcome="cin_plan", override_reason="We met anyway")
    assert refused.value.kinds == ("book_conference",)


def test_whether_open_work_refuses_or_needs_a_reason_is_the_policys_choice_per_action() -> None:
    actions = POLICY.model_dump(mode="json")["actions"]
    refused_leaflet = {**actions["send_leaflet"], "mandatory": True, "on_leave": "refuse"}
    policy = make_policy(actions={**actions, "send_leaflet": refused_leaflet})
    case = in_icpc_planning(policy=policy)
    case = complete_all(case, tuple(k for k in PLANNING_WORK if k != "send_leaflet"), date(2026, 11, 20), policy)
    with pytest.raises(OpenActionsBlockTransition) as refused:
        step(case, "hold_icpc", ICPC, policy=policy, date=ICPC, outcome="cin_plan", override_reason="Short notice")
    assert refused.value.kinds == ("send_leaflet",)


def test_leaving_a_phase_with_all_work_done_needs_no_reason() -> None:
    case = complete_all(in_icpc_planning(), PLANNING_WORK, date(2026, 11, 20))
    assert step(case, "hold_icpc", ICPC, date=ICPC, outcome="cin_plan").to_status is CaseStatus.CIN_PLAN


# complete_action


def test_completing_an_action_marks_it_done_on_its_date_and_stays_in_the_status() -> None:
    result = step(
        in_icpc_planning(), "complete_action", date(2026, 11, 18), kind="send_leaflet", done_on=date(2026, 11, 17)
    )
    assert result.to_status is result.from_status is CaseStatus.ICPC_PLANNING
    assert [(a.kind, a.status, a.done_on) for a in result.closed] == [("send_leaflet", "done", date(2026, 11, 17))]
    assert open_actions(result.case, "send_leaflet") == []


def test_completing_an_action_that_is_not_open_is_refused_listing_the_open_ones() -> None:
    case = complete_all(in_icpc_planning(), ("send_leaflet",), date(2026, 11, 17))
    with pytest.raises(
        InvalidEventData, match=r"no open action 'send_leaflet' on case CP-1 \(open: chair_pre_meeting, "
    ):
        step(case, "complete_action", date(2026, 11, 18), kind="send_leaflet", done_on=date(2026, 11, 18))


def test_an_action_with_a_trigger_of_its_own_cannot_be_completed_by_hand() -> None:
    with pytest.raises(InvalidEventData, match="hold_icpc is completed by the trigger hold_icpc"):
        step(in_icpc_planning(), "complete_action", date(2026, 11, 18), kind="hold_icpc", done_on=date(2026, 11, 18))


def test_work_done_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="done_on 2026-11-19 is after today"):
        step(in_icpc_planning(), "complete_action", date(2026, 11, 18), kind="send_leaflet", done_on=date(2026, 11, 19))


def test_an_action_records_its_owner_rule_anchor_and_policy_version() -> None:
    action = the_open(in_icpc_planning(), "send_leaflet")
    assert (action.owner_role, action.rule, action.anchor, action.policy_version, action.mandatory) == (
        "business_support",
        "send_leaflet",
        "conference_date",
        POLICY.version,
        False,
    )  # local practice by default
    assert (action.opened_on, action.id) == (date(2026, 11, 4), None)


def test_holding_a_later_conference_leaves_the_earlier_conferences_follow_ups_where_they_were() -> None:
    from tests.unit.lifecycle_builders import on_plan

    case = step(on_plan(), "convene_review", date(2026, 12, 1), conference_date=date(2026, 12, 10)).case
    case = complete_all(
        case,
        ("share_reports_with_family", "chair_pre_meeting", "send_leaflet", "submit_agency_reports"),
        date(2026, 12, 3),
    )
    result = step(
        case,
        "hold_review",
        date(2026, 12, 10),
        date=date(2026, 12, 10),
        outcome="continue_plan",
        override_reason="first core group not yet held",
    )
    minutes = sorted(a.due_on for a in result.case.actions if a.kind == "circulate_minutes" and a.status == "open")
    # hand-checked: ICPC Tue 2026-11-24 + 15 WD (25-27 Nov, 30 Nov-4 Dec, 7-11 Dec, 14, 15 Dec) -> Tue 2026-12-15;
    # review Thu 2026-12-10 + 15 WD (11, 14-18, 21-24, 29-31 Dec; 25, 28 Dec and 1 Jan are bank holidays; 4, 5 Jan)
    # -> Tue 2027-01-05. The ICPC's minutes keep their own due date.
    assert minutes == [date(2026, 12, 15), date(2027, 1, 5)]
    assert "circulate_minutes" not in [a.kind for a, _ in result.moved]


def test_an_action_moved_under_a_newer_policy_records_the_version_its_new_due_date_came_from() -> None:
    newer = make_policy(version="2027.1")
    case = in_icpc_planning()  # conference Tue 2026-11-24, planned under the default policy's version
    assert the_open(case, "share_reports_with_family").policy_version == POLICY.version
    result = step(case, "set_conference_date", date(2026, 11, 10), policy=newer, conference_date=date(2026, 11, 26))
    moved = the_open(result.case, "share_reports_with_family")
    # hand-checked: conference Thu 2026-11-26, reports 2 WD before: Wed 25, Tue 24 -> Tue 2026-11-24
    assert moved.due_on == date(2026, 11, 24)
    assert moved.policy_version == "2027.1"
    assert the_open(result.case, "hold_icpc").policy_version == POLICY.version  # not moved, not restamped
