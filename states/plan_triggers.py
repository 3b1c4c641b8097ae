"""The triggers of a running plan and after it: core groups, visits, the birth, ending the plan, closing, actions."""

from __future__ import annotations

from datetime import date
from typing import cast

from states import event_data as ev
from states.actions import COMPLETED_BY_TRIGGER, LIVES_IN
from states.conference_triggers import end_plan_facts
from states.errors import InvalidEventData, TransitionNotAllowed
from states.lifecycle import CaseStatus
from states.trigger_step import Step, age_on, not_before, plan_running


def hold_core_group(step: Step) -> None:
    data = cast(ev.HoldCoreGroup, step.data)
    plan_running(step, "hold_core_group")
    not_before(data, "date", data.date, step, "icpc_date")
    step.changes.close(["hold_first_core_group", "hold_core_group"], "done", data.date, "completed")
    step.set_fact("last_core_group_date", data.date)
    step.open("hold_core_group")


def record_visit(step: Step) -> None:
    data = cast(ev.RecordVisit, step.data)
    plan_running(step, "record_visit")
    if step.case.date_of_birth is None:
        raise TransitionNotAllowed(f"case {step.case.reference}: record_visit needs the child born (record_birth)")
    not_before(data, "date", data.date, step, "icpc_date")
    if not data.child_seen:
        # A visit where the child was not seen does not meet the statutory visit.
        step.set_fact("last_unseen_visit_date", data.date)
        return
    step.changes.close(["statutory_visit"], "done", data.date, "completed")
    step.set_fact("last_visit_date", data.date)
    if data.seen_alone:
        step.set_fact("last_seen_alone_date", data.date)
    step.open("statutory_visit")


def end_plan(step: Step) -> None:
    data = cast(ev.EndPlan, step.data)
    not_before(data, "date", data.date, step, "plan_start_date")
    dob = step.case.date_of_birth
    if data.reason == "turned_18" and (dob is None or age_on(dob, data.date) < 18):
        raise InvalidEventData(f"end_plan: reason turned_18 but the child is not 18 on {data.date}")
    step.set_fact("plan_end_reason", data.reason)
    end_plan_facts(step, data.date, to_cin=data.outcome == "cin_plan")
    dest = CaseStatus.CIN_PLAN if data.outcome == "cin_plan" else CaseStatus.CLOSED
    # Ending the plan makes the plan's and any planned review's actions moot, whatever their on_leave.
    moot = {a.kind for a in step.changes.actions if a.status == "open" and dest not in LIVES_IN.get(a.kind, dest)}
    step.changes.close(moot, "cancelled", None, "plan_ended")


def close_case(step: Step) -> None:
    data = cast(ev.CloseCase, step.data)
    not_before(data, "date", data.date, step, "cin_plan_start_date")
    step.set_fact("cin_plan_end_date", data.date)
    step.set_fact("closed_date", data.date)
    step.set_fact("closure_reason", data.reason)


def record_birth(step: Step) -> None:
    data = cast(ev.RecordBirth, step.data)
    if step.case.date_of_birth is not None:
        raise TransitionNotAllowed(f"case {step.case.reference}: record_birth but a date of birth is already recorded")
    step.case.date_of_birth = data.date_of_birth
    _bring_first_review_forward(step, data.date_of_birth)
    running = step.case.facts.get("plan_start_date") and not step.case.facts.get("plan_end_date")
    if running and step.source in LIVES_IN["statutory_visit"]:
        step.open("statutory_visit", anchor="date_of_birth")


def _bring_first_review_forward(step: Step, born: date) -> None:
    """Pre-birth plans: the first review is due 10 WD after the birth if that is sooner than already due."""
    if "first_review_after_birth" not in step.policy.timescales:
        return
    due = step.policy.due_date("first_review_after_birth", born)
    for action in [a for a in step.changes.actions if a.status == "open" and a.kind == "hold_first_review"]:
        if due < action.due_on:
            step.changes.move(action, due, step.policy.version, rule="first_review_after_birth", anchor="date_of_birth")


def complete_action(step: Step) -> None:
    data = cast(ev.CompleteAction, step.data)
    if data.kind in COMPLETED_BY_TRIGGER:
        raise InvalidEventData(
            f"complete_action: {data.kind} is completed by the trigger {COMPLETED_BY_TRIGGER[data.kind]}"
        )
    if step.changes.complete_first(data.kind, data.done_on) is None:
        open_kinds = sorted({a.kind for a in step.changes.actions if a.status == "open"}) or ["none"]
        raise InvalidEventData(
            f"complete_action: no open action {data.kind!r} on case {step.case.reference} "
            f"(open: {', '.join(open_kinds)})"
        )
