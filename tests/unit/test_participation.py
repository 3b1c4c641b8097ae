"""The child's participation in every conference: decided in advance, checked against the policy's age, in codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from states.case import Case
from states.errors import InvalidEventData, OpenActionsBlockTransition
from tests.unit.lifecycle_builders import (
    ICPC,
    POLICIES,
    POLICY,
    in_icpc_planning,
    on_plan,
    open_actions,
    step,
    the_open,
)
from workflows.persistence import load_policy

DECISION = "decide_child_participation"
BORN_2012 = date(2012, 3, 1)  # 14 at the conference of Tue 2026-11-24: over the default age for invitation (12)
BORN_2016 = date(2016, 5, 1)  # 10 then: under it


def christmas_conference() -> Case:
    """Referred Mon 2026-12-14, strategy discussion Tue 12-15, the ICPC convened on Thu 17 Dec for Fri 8 Jan 2027."""
    case = step(
        None, "receive_referral", date(2026, 12, 14), referral_date=date(2026, 12, 14), date_of_birth=BORN_2016
    ).case
    case = step(case, "start_s47", date(2026, 12, 15), strategy_discussion_date=date(2026, 12, 15)).case
    return step(
        case, "convene_icpc", date(2026, 12, 17), decision_date=date(2026, 12, 17), conference_date=date(2027, 1, 8)
    ).case


def record(case: Case, today: date = date(2026, 11, 16), **data: Any) -> Case:
    return step(case, "record_child_participation", today, **data).case


NOT_INVITED = {"invited": False, "how": ["views_by_letter"], "advocate": False}
ATTENDS = {"invited": True, "how": ["in_person"], "advocate": False}


# opening and moving decide_child_participation


def test_a_conference_convened_on_17_december_for_8_january_wants_the_decision_by_thursday_31_december() -> None:
    # hand-checked, 5 WD before Fri 2027-01-08 (nth working day before, as share_reports_with_family): Thu 7 Jan (1),
    # Wed 6 (2), Tue 5 (3), Mon 4 (4); Sat 2, Sun 3 Jan and Fri 1 Jan (New Year's Day) are skipped; Thu 31 Dec (5)
    action = the_open(christmas_conference(), DECISION)
    assert (action.due_on, action.owner_role, action.mandatory) == (date(2026, 12, 31), "social_worker", False)


def test_the_decision_moves_with_the_conference_date() -> None:
    result = step(christmas_conference(), "set_conference_date", date(2026, 12, 18), conference_date=date(2027, 1, 5))
    # hand-checked, 5 WD before Tue 2027-01-05: Mon 4 Jan, Thu 31, Wed 30, Tue 29, Thu 24 Dec (Fri 1 Jan, Mon 28 Dec
    # and Fri 25 Dec are bank holidays; 26-27 Dec and 2-3 Jan are weekends)
    moved = {a.kind: (old, a.due_on) for a, old in result.moved}
    assert moved[DECISION] == (date(2026, 12, 31), date(2026, 12, 24))


def test_a_review_conference_opens_the_decision_too() -> None:
    result = step(on_plan(), "convene_review", date(2027, 1, 11), conference_date=date(2027, 2, 1))
    # hand-checked, 5 WD before Mon 2027-02-01: Fri 29, Thu 28, Wed 27, Tue 26, Mon 25 Jan -> Mon 25 Jan
    assert [(a.kind, a.due_on) for a in result.opened if a.kind == DECISION] == [(DECISION, date(2027, 1, 25))]


def test_a_transfer_in_conference_opens_the_decision_once_its_date_is_set() -> None:
    notice = date(2026, 11, 2)
    case = step(
        None, "receive_transfer_in", notice, transfer_notice_date=notice, date_of_birth=BORN_2016, team="north"
    ).case
    assert open_actions(case, DECISION) == []  # no conference date yet: nothing to count back from
    case = step(case, "set_conference_date", date(2026, 11, 3), conference_date=date(2026, 11, 20)).case
    # hand-checked, 5 WD before Fri 2026-11-20: Thu 19, Wed 18, Tue 17, Mon 16, Fri 13 Nov -> Fri 13 Nov
    assert the_open(case, DECISION).due_on == date(2026, 11, 13)


def test_a_decision_recorded_before_the_date_is_set_is_not_asked_for_again() -> None:
    case = in_icpc_planning(conference=None)
    case = record(case, date(2026, 11, 5), **NOT_INVITED)
    case = step(case, "set_conference_date", date(2026, 11, 6), conference_date=ICPC).case
    assert open_actions(case, DECISION) == [] and open_actions(case, "send_leaflet") != []


# recording it


def test_recording_the_decision_completes_it_on_the_day_and_audits_only_codes() -> None:
    result = step(in_icpc_planning(), "record_child_participation", date(2026, 11, 16), **NOT_INVITED)
    assert [(a.kind, a.status, a.done_on) for a in result.closed] == [(DECISION, "done", date(2026, 11, 16))]
    assert result.event["data"] == NOT_INVITED and result.case.facts["child_invited"] is False
    assert result.to_status.value == "icpc_planning"


def test_a_conference_held_without_the_decision_closes_it_as_cancelled() -> None:
    result = step(in_icpc_planning(), "hold_icpc", ICPC, date=ICPC, outcome="cin_plan")
    assert {a.kind: (a.status, a.close_reason) for a in result.closed}[DECISION] == ("cancelled", "phase_left")


def test_an_authority_whose_standards_make_it_mandatory_refuses_the_conference_without_it() -> None:
    standards = load_policy(POLICIES, "authority_a")
    with pytest.raises(OpenActionsBlockTransition) as refused:
        step(in_icpc_planning(policy=standards), "hold_icpc", ICPC, policy=standards, date=ICPC, outcome="cin_plan")
    # hand-checked, 5 WD before Tue 2026-11-24: Mon 23, Fri 20, Thu 19, Wed 18, Tue 17 Nov
    assert DECISION in refused.value.kinds and f"{DECISION} (due 2026-11-17)" in str(refused.value)


def test_the_next_conference_asks_for_a_new_decision() -> None:
    case = on_plan()  # its ICPC had the decision recorded
    assert "child_invited" not in case.facts or case.facts["child_invited"] is None
    case = step(case, "convene_review", date(2027, 1, 11), conference_date=date(2027, 2, 1)).case
    assert the_open(case, DECISION).status == "open"


# against the policy's age for invitation (default: from 12)


@pytest.mark.parametrize(
    ("born", "data"),
    [
        (BORN_2016, NOT_INVITED),  # under 12, not invited: the default
        (BORN_2012, ATTENDS),  # 14, invited: the default
        (BORN_2012, {**NOT_INVITED, "reason": "child_declined"}),  # 14, not invited, with the reason
        (BORN_2016, {**ATTENDS, "how": ["part_of_meeting"], "reason": "other"}),  # 10, invited, with the reason
        (BORN_2016, {**NOT_INVITED, "reason": "too_young"}),  # a reason may be given for a default decision too
    ],
)
def test_a_decision_that_follows_the_policys_age_or_gives_a_reason_is_recorded(born: date, data: Any) -> None:
    case = record(in_icpc_planning(born), **data)
    assert case.facts["child_invited"] is data["invited"]


def test_not_inviting_a_child_over_the_age_for_invitation_needs_a_reason() -> None:
    with pytest.raises(
        InvalidEventData, match=r"not inviting a child at or over the policy's age for invitation \(12\)"
    ):
        record(in_icpc_planning(BORN_2012), **NOT_INVITED)


def test_inviting_a_child_under_the_age_for_invitation_needs_a_reason() -> None:
    with pytest.raises(InvalidEventData, match=r"inviting a child under the policy's age for invitation \(12\)"):
        record(in_icpc_planning(BORN_2016), **ATTENDS)


def test_a_reason_for_inviting_a_child_who_is_invited_by_default_is_refused() -> None:
    with pytest.raises(InvalidEventData, match="reason is given only when the child is not invited"):
        record(in_icpc_planning(BORN_2012), **ATTENDS, reason="other")


def test_the_age_is_the_childs_on_the_conference_day() -> None:
    # Born Wed 2014-11-25: 11 when the decision is recorded on Mon 2026-11-16, 12 on... Tue 24 Nov is the day before
    # the birthday, so still 11 at the conference: not inviting needs no reason. Born 2014-11-24: 12 that very day.
    record(in_icpc_planning(date(2014, 11, 25)), **NOT_INVITED)
    with pytest.raises(InvalidEventData, match="needs a reason"):
        record(in_icpc_planning(date(2014, 11, 24)), **NOT_INVITED)


def test_where_any_age_is_invited_not_inviting_any_child_needs_a_reason() -> None:
    any_age = load_policy(POLICIES, "authority_c")
    with pytest.raises(InvalidEventData, match=r"age for invitation \(0\) needs a reason"):
        step(
            in_icpc_planning(policy=any_age),
            "record_child_participation",
            date(2026, 11, 16),
            policy=any_age,
            **NOT_INVITED,
        )


def test_an_unborn_child_cannot_be_invited_and_needs_no_reason_not_to_be() -> None:
    case = in_icpc_planning(born=None, expected=date(2027, 3, 1))
    record(case, invited=False, how=["none"], advocate=False)
    with pytest.raises(InvalidEventData, match="the child is not born yet: invited must be false"):
        record(case, **ATTENDS)


# the codes


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({**NOT_INVITED, "how": ["in_person"]}, "how: in_person needs the child invited"),
        ({**NOT_INVITED, "how": ["remote", "views_by_app"]}, "how: remote needs the child invited"),
        ({**NOT_INVITED, "how": ["none", "views_by_letter"]}, "how: none cannot be given with another way"),
        ({**NOT_INVITED, "how": []}, "how: give one or more ways, each once"),
        ({**NOT_INVITED, "how": ["views_by_app", "views_by_app"]}, "how: give one or more ways, each once"),
        ({**NOT_INVITED, "how": ["advocate_speaks"]}, "how: advocate_speaks needs advocate true"),
        ({**NOT_INVITED, "how": ["singing"]}, "how.0: Input should be 'in_person'"),
        ({**NOT_INVITED, "reason": "she said she was scared"}, "reason: Input should be 'not_in_childs_interests'"),
        ({**NOT_INVITED, "views": "free text"}, "unknown field 'views'"),
        ({"invited": False, "how": ["none"]}, "advocate is required"),
    ],
)
def test_participation_is_recorded_in_codes_only(data: Any, problem: str) -> None:
    with pytest.raises(InvalidEventData, match=problem):
        record(in_icpc_planning(), **data)


def test_every_way_of_contributing_of_the_issue_is_accepted() -> None:
    ways = ["in_person", "remote", "part_of_meeting", "views_by_letter", "views_by_drawing", "views_by_audio_video"]
    case = record(
        in_icpc_planning(BORN_2012), invited=True, how=[*ways, "views_by_app", "advocate_speaks"], advocate=True
    )
    assert case.facts["child_invited"] is True


def test_participation_is_recorded_only_while_a_conference_is_planned() -> None:
    from states.errors import TransitionNotAllowed

    with pytest.raises(
        TransitionNotAllowed, match="allowed from icpc_planning, child_only_conference, review_planning"
    ):
        record(on_plan(), date(2026, 12, 1), **NOT_INVITED)


def test_the_default_policy_says_where_the_five_working_days_come_from() -> None:
    rule = POLICY.timescale(DECISION)
    assert (rule.amount, rule.unit, rule.direction, rule.counts_from) == (
        5,
        "working_days",
        "before",
        "conference_date",
    )
    assert "Local practice" in rule.source
