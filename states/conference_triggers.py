"""The triggers that plan and hold conferences: the initial one, child-only ones and reviews, and what they open."""

from __future__ import annotations

from datetime import date
from typing import cast

from states import event_data as ev
from states.actions import CONFERENCE_DATE_ACTIONS, FOLLOW_UP_ACTIONS, PLAN_ACTIONS
from states.errors import InvalidEventData
from states.participation import DECIDED_FACT, DECISION
from states.policy import AdvocatePolicy, Policy
from states.trigger_step import Step, age_on, not_before, unborn

# Facts that belong to one conference's planning and are cleared once that conference is held.
_CYCLE_FACTS = ("child_only_conference_held_date", "child_invited", DECIDED_FACT)


def convene_icpc(step: Step) -> None:
    data = cast(ev.ConveneIcpc, step.data)
    not_before(data, "decision_date", data.decision_date, step, "strategy_discussion_date")
    step.set_fact("icpc_decision_date", data.decision_date)
    step.set_fact("conference_kind", "icpc")
    if data.conference_date is None:
        step.open("book_conference")
    else:
        step.set_fact("conference_date", data.conference_date)
        _open_conference_date_actions(step)
    step.open("refer_family_group_conference")
    open_advocate(step, data.decision_date, requested=data.advocate_requested)


def open_advocate(step: Step, on: date, requested: bool) -> None:
    """Open the request for an advocate when the policy wants one for this child on `on`."""
    dob = step.case.date_of_birth
    if dob is None:
        return
    ages = step.policy.ages
    wanted = {
        AdvocatePolicy.ALWAYS_CONSIDERED: True,
        AdvocatePolicy.ON_REQUEST: requested,
        AdvocatePolicy.AUTOMATIC: requested or age_on(dob, on) > ages.advocate_automatic_over,
    }[ages.advocate]
    if wanted:
        step.open("request_advocate")


def _open_conference_date_actions(step: Step) -> None:
    review = step.case.facts.get("conference_kind") == "review"
    for kind in CONFERENCE_DATE_ACTIONS:
        if kind == DECISION and step.case.facts.get(DECIDED_FACT):
            continue  # decided before the conference had a date: nothing left to chase
        if kind == "share_reports_with_family" and review:
            step.open(kind, rule="share_reports_before_review")
        else:
            step.open(kind)


def set_conference_date(step: Step) -> None:
    data = cast(ev.SetConferenceDate, step.data)
    first = "conference_date" not in step.case.facts
    not_before(data, "conference_date", data.conference_date, step, "icpc_decision_date")
    step.set_fact("conference_date", data.conference_date)
    if step.case.facts.get("conference_kind") == "review":
        step.set_fact("review_date", data.conference_date)
    step.changes.close(["book_conference"], "done", step.today, "completed")
    if first:
        _open_conference_date_actions(step)


def arrange_child_only_conference(step: Step) -> None:
    data = cast(ev.ArrangeChildOnlyConference, step.data)
    dob = step.case.date_of_birth
    if dob is None:
        raise InvalidEventData("arrange_child_only_conference: the child is not born yet")
    if not data.in_childs_interests:
        raise InvalidEventData(
            "arrange_child_only_conference: the chair has not decided it is in the child's interests "
            "(in_childs_interests must be true)"
        )
    _check_child_only_age(data, age_on(dob, data.date), step.policy)
    if data.date < data.chair_decided_on:
        raise InvalidEventData(f"arrange_child_only_conference: date {data.date} is before the chair's decision")
    conference = step.fact("conference_date")
    if conference is not None and data.date >= conference:
        raise InvalidEventData(
            f"arrange_child_only_conference: date {data.date} is not before the main conference ({conference})"
        )
    step.set_fact("child_only_conference_date", data.date)
    step.set_fact("child_only_conference_return", step.source.value)
    step.set_fact("child_only_conference_age_override", data.age_override_reason is not None)


def _check_child_only_age(data: ev.ArrangeChildOnlyConference, age: int, policy: Policy) -> None:
    bounds = policy.ages.child_only_conference
    if not bounds.min <= age <= bounds.max and data.age_override_reason is None:
        raise InvalidEventData(
            f"arrange_child_only_conference: the child is {age} on {data.date}, outside the policy's range "
            f"{bounds.min}-{bounds.max}: give an age_override_reason"
        )


def hold_child_only_conference(step: Step) -> str:
    data = cast(ev.HoldChildOnlyConference, step.data)
    step.set_fact("child_only_conference_date", data.date)
    step.set_fact("child_only_conference_held_date", data.date)
    step.set_fact("child_views", data.child_views)
    step.set_fact("shared_with_conference", data.shared_with_conference)
    step.set_fact("who_feeds_back", data.who_feeds_back)
    step.open("chair_letter_to_child")
    return _return_route(step)


def cancel_child_only_conference(step: Step) -> str:
    data = cast(ev.CancelChildOnlyConference, step.data)
    step.set_fact("child_only_conference_cancelled_date", data.occurred_on(step.today))
    step.set_fact("child_only_conference_cancel_reason", data.reason)
    return _return_route(step)


def _return_route(step: Step) -> str:
    return str(step.case.facts["child_only_conference_return"])


def hold_icpc(step: Step) -> None:
    data = cast(ev.HoldIcpc, step.data)
    not_before(data, "date", data.date, step, "icpc_decision_date")
    step.changes.close(["hold_icpc"], "done", data.date, "completed")
    step.set_fact("conference_held_date", data.date)
    step.set_fact("icpc_date", data.date)
    step.set_fact("icpc_outcome", data.outcome)
    if unborn(step.case):
        step.set_fact("pre_birth_conference_date", data.date)
    if data.outcome == "cp_plan":
        _start_plan(step, data)
    else:
        step.set_fact("cin_plan_start_date" if data.outcome == "cin_plan" else "closed_date", data.date)
    _open_follow_ups(step)


def _start_plan(step: Step, data: ev.HoldIcpc) -> None:
    step.set_fact("plan_start_date", data.date)
    step.set_fact("initial_category", data.category)
    step.set_fact("latest_category", data.category)
    step.set_fact("sub_category", data.sub_category)
    step.set_fact("reviews_held", 0)
    step.open("hold_first_core_group")
    if (
        "pre_birth_conference_date" in step.case.facts
        and "first_review_after_pre_birth_conference" in step.policy.timescales
    ):
        step.open("hold_first_review", rule="first_review_after_pre_birth_conference")
    else:
        step.open("hold_first_review")
    if step.case.date_of_birth is not None:
        # The first statutory visit counts from the conference that started the plan.
        step.open("statutory_visit", anchor="icpc_date")


def _open_follow_ups(step: Step) -> None:
    for kind in FOLLOW_UP_ACTIONS:
        step.open(kind)
    if step.case.facts.get("child_only_conference_held_date"):
        step.open("feedback_to_child")
    for name in _CYCLE_FACTS:
        step.set_fact(name, None)


def convene_review(step: Step) -> None:
    data = cast(ev.ConveneReview, step.data)
    not_before(data, "conference_date", data.conference_date, step, "conference_held_date")
    step.set_fact("conference_kind", "review")
    step.set_fact("conference_date", data.conference_date)
    step.set_fact("review_date", data.conference_date)
    _open_conference_date_actions(step)


def hold_review(step: Step) -> None:
    data = cast(ev.HoldReview, step.data)
    not_before(data, "date", data.date, step, "conference_held_date")
    held_before = int(step.case.facts.get("reviews_held", 0))
    if data.outcome != "continue_plan" and held_before == 0 and data.exceptional_reason is None:
        raise InvalidEventData(
            "hold_review: a plan should not end at the first review save in exceptional cases: give an exceptional_reason"
        )
    step.changes.close(["hold_first_review", "hold_review"], "done", data.date, "completed")
    step.set_fact("conference_held_date", data.date)
    step.set_fact("last_review_date", data.date)
    step.set_fact("reviews_held", held_before + 1)
    if data.category is not None:
        step.set_fact("latest_category", data.category)
        step.set_fact("sub_category", data.sub_category)
    if data.outcome == "continue_plan":
        step.open("hold_review")
    else:
        end_plan_facts(step, data.date, to_cin=data.outcome == "end_plan_cin")
        step.changes.close(PLAN_ACTIONS, "cancelled", None, "plan_ended")
    _open_follow_ups(step)


def end_plan_facts(step: Step, on: date, to_cin: bool) -> None:
    """Record the end of the plan on `on`, and the CIN plan or the closure that follows it."""
    step.set_fact("plan_end_date", on)
    # The CIN plan starts the day the CP plan ends, so the two never overlap.
    step.set_fact("cin_plan_start_date" if to_cin else "closed_date", on)
