"""Firing a trigger on a case: permission, status, data, guards, facts and actions, as one pure step."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any, cast

from states import event_data as ev
from states.actions import (
    COMPLETED_BY_TRIGGER,
    CONFERENCE_DATE_ACTIONS,
    FOLLOW_UP_ACTIONS,
    LIVES_IN,
    PLAN_ACTIONS,
    ActionChanges,
    Opening,
    due_date,
    leave_phase,
    move_counted_from,
)
from states.case import Action, Actor, Case, TransitionResult
from states.event_data import check_dates, parse_event_data
from states.lifecycle import CREATING_TRIGGERS, TRANSITIONS, TRIGGERS, CaseStatus, next_status
from states.lifecycle_errors import InvalidEventData, PermissionDenied, TransitionNotAllowed, UnknownTrigger
from states.policy import AdvocatePolicy, Policy

S = CaseStatus
_SOURCES: dict[str, frozenset[CaseStatus]] = {
    trigger: frozenset(s for spec in TRANSITIONS if spec.trigger == trigger for s in spec.sources)
    for trigger in TRIGGERS
}
_TRIGGER_SET = frozenset(TRIGGERS)
_VALUE = {status: status.value for status in CaseStatus}  # Enum.value is a slow descriptor on the hot path
# Facts that belong to one conference's planning and are cleared once that conference is held.
_CYCLE_FACTS = ("child_only_conference_held_date",)


@dataclass
class Step:
    """One trigger in progress: the new case being built, the validated data and what changed."""

    case: Case
    data: Any
    today: date
    policy: Policy
    source: CaseStatus
    changes: ActionChanges
    changed: set[str] = field(default_factory=set)
    dest: CaseStatus = S.NEW

    def set_fact(self, name: str, value: date | str | int | bool | None) -> None:
        """Record a fact (dates stored as ISO strings) and note it changed, so actions counted from it move."""
        stored = value.isoformat() if isinstance(value, date) else value
        if self.case.facts.get(name) != stored:
            self.case.facts[name] = stored
            self.changed.add(name)

    def open(self, kind: str, rule: str | None = None, anchor: str | None = None) -> None:
        """Open an action of `kind` counted from the case's facts (the policy's own timescale unless given)."""
        self.changes.open(Opening(kind, rule, anchor), self.case, self.policy, self.today)

    def fact(self, name: str) -> date | None:
        """A dated fact of the case being built."""
        return self.case.fact_date(name)


def fire(
    case: Case | None,
    trigger: str,
    data: Mapping[str, Any],
    actor: Actor,
    today: date,
    policy: Policy,
    reference: str | None = None,
    authority: str | None = None,
) -> TransitionResult:
    """Fire `trigger` on `case` (None to open one); pure: returns the new case and never changes the one given."""
    if trigger not in _TRIGGER_SET:
        raise UnknownTrigger(f"unknown trigger {trigger!r}: expected one of {', '.join(TRIGGERS)}")
    if not policy.may_fire(actor.role, trigger):
        allowed = ", ".join(policy.permissions.get(trigger, ())) or "no role"
        raise PermissionDenied(
            f"role {actor.role!r} may not fire {trigger!r} under policy {policy.name!r} ({allowed} may)"
        )
    current = _start(case, trigger, reference, authority)
    if current.status not in _SOURCES[trigger]:
        raise TransitionNotAllowed(
            f"case {current.reference}: trigger {trigger!r} is not allowed from status {current.status.value!r}: "
            f"allowed from {', '.join(s.value for s in S if s in _SOURCES[trigger])}"
        )
    parsed = parse_event_data(trigger, data)
    step = Step(current, parsed, today, policy, current.status, ActionChanges(current.actions))
    # A new case's referral is the trigger's own date (the referral, or the notice of a transfer in).
    referral = step.fact("referral_date") or parsed.occurred_on(today)
    check_dates(trigger, parsed, referral, today)
    route = HANDLERS[trigger](step)
    step.dest = next_status(current.status, trigger, route if route is not None else parsed.route())
    _finish(step)
    return _result(case, step, trigger, actor)


def _start(case: Case | None, trigger: str, reference: str | None, authority: str | None) -> Case:
    """A shallow working copy of the case (or a new one), which the trigger's handler may change freely."""
    if case is None:
        if trigger not in CREATING_TRIGGERS:
            raise TransitionNotAllowed(f"trigger {trigger!r} needs an existing case: a case opens with {_creators()}")
        if not reference or not authority:
            raise InvalidEventData(f"{trigger}: a new case needs a reference and an authority")
        return Case(reference, authority, S.NEW, 0, None, None, {}, [], None)
    return Case(
        case.reference,
        case.authority,
        case.status,
        case.version,
        case.date_of_birth,
        case.expected_delivery_date,
        dict(case.facts),
        list(case.actions),
        case.team,
        case.child_id,
        case.sex,
        case.upn,
    )


def _creators() -> str:
    return " or ".join(t for t in TRIGGERS if t in CREATING_TRIGGERS)


def _finish(step: Step) -> None:
    move_counted_from(step.changes, step.case, step.changed, step.policy)
    if step.dest is not step.source:
        leave_phase(step.changes, step.dest, step.policy, getattr(step.data, "override_reason", None))
    step.case.status = step.dest
    step.case.version += 1
    step.case.actions = step.changes.actions


# --- per-trigger handlers: guards, facts and actions; each returns the route when it is not the data's own.


def _receive_referral(step: Step) -> None:
    data = cast(ev.ReceiveReferral, step.data)
    _record_birth_facts(step, data, data.referral_date)
    step.set_fact("referral_date", data.referral_date)
    step.open("referral_decision")


def _receive_transfer_in(step: Step) -> None:
    data = cast(ev.ReceiveTransferIn, step.data)
    notice = data.transfer_notice_date
    _record_birth_facts(step, data, notice)
    # The notice of the permanent move is this authority's referral and its decision to convene.
    for name in ("referral_date", "transfer_notice_date", "icpc_decision_date"):
        step.set_fact(name, notice)
    step.set_fact("conference_kind", "transfer_in")
    step.open("hold_icpc", rule="transfer_in_conference")
    step.open("book_conference")
    step.open("refer_family_group_conference")
    _open_advocate(step, notice, requested=False)


def _record_birth_facts(step: Step, data: ev.ReceiveReferral | ev.ReceiveTransferIn, referral: date) -> None:
    if data.date_of_birth is not None and data.date_of_birth > referral:
        raise InvalidEventData(f"{_trigger(data)}: date_of_birth is after the referral ({referral})")
    if data.expected_delivery_date is not None and data.expected_delivery_date <= referral:
        raise InvalidEventData(
            f"{_trigger(data)}: expected_delivery_date is not after the referral ({referral}): give date_of_birth"
        )
    step.case.date_of_birth = data.date_of_birth
    step.case.expected_delivery_date = data.expected_delivery_date
    step.case.team = data.team
    step.case.child_id, step.case.sex, step.case.upn = data.child_id, data.sex, data.upn


def _start_s47(step: Step) -> None:
    data = cast(ev.StartS47, step.data)
    step.set_fact("strategy_discussion_date", data.strategy_discussion_date)
    step.changes.close(["referral_decision"], "done", data.strategy_discussion_date, "completed")
    if _unborn(step.case) and "pre_birth_conference" in step.policy.timescales:
        step.open("hold_icpc", rule="pre_birth_conference")
    else:
        step.open("hold_icpc")


def _close_no_further_action(step: Step) -> None:
    data = cast(ev.CloseNoFurtherAction, step.data)
    on = data.occurred_on(step.today)
    step.changes.close(["referral_decision"], "done", on, "completed")
    step.changes.close(["hold_icpc"], "cancelled", None, "not_needed")
    step.set_fact("closed_date", on)
    step.set_fact("closure_reason", data.reason)


def _icpc_not_required(step: Step) -> None:
    data = cast(ev.IcpcNotRequired, step.data)
    on = data.occurred_on(step.today)
    _not_before(data, "date", on, step, "strategy_discussion_date")
    step.changes.close(["hold_icpc"], "cancelled", None, "not_needed")
    step.set_fact("icpc_not_required_date", on)
    step.set_fact("cin_plan_start_date" if data.outcome == "cin_plan" else "closed_date", on)


def _convene_icpc(step: Step) -> None:
    data = cast(ev.ConveneIcpc, step.data)
    _not_before(data, "decision_date", data.decision_date, step, "strategy_discussion_date")
    step.set_fact("icpc_decision_date", data.decision_date)
    step.set_fact("conference_kind", "icpc")
    if data.conference_date is None:
        step.open("book_conference")
    else:
        step.set_fact("conference_date", data.conference_date)
        _open_conference_date_actions(step)
    step.open("refer_family_group_conference")
    _open_advocate(step, data.decision_date, requested=data.advocate_requested)


def _open_advocate(step: Step, on: date, requested: bool) -> None:
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
        if kind == "share_reports_with_family" and review:
            step.open(kind, rule="share_reports_before_review")
        else:
            step.open(kind)


def _set_conference_date(step: Step) -> None:
    data = cast(ev.SetConferenceDate, step.data)
    first = "conference_date" not in step.case.facts
    _not_before(data, "conference_date", data.conference_date, step, "icpc_decision_date")
    step.set_fact("conference_date", data.conference_date)
    if step.case.facts.get("conference_kind") == "review":
        step.set_fact("review_date", data.conference_date)
    step.changes.close(["book_conference"], "done", step.today, "completed")
    if first:
        _open_conference_date_actions(step)


def _arrange_child_only_conference(step: Step) -> None:
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


def _hold_child_only_conference(step: Step) -> str:
    data = cast(ev.HoldChildOnlyConference, step.data)
    step.set_fact("child_only_conference_date", data.date)
    step.set_fact("child_only_conference_held_date", data.date)
    step.set_fact("child_views", data.child_views)
    step.set_fact("shared_with_conference", data.shared_with_conference)
    step.set_fact("who_feeds_back", data.who_feeds_back)
    step.open("chair_letter_to_child")
    return _return_route(step)


def _cancel_child_only_conference(step: Step) -> str:
    data = cast(ev.CancelChildOnlyConference, step.data)
    step.set_fact("child_only_conference_cancelled_date", data.occurred_on(step.today))
    step.set_fact("child_only_conference_cancel_reason", data.reason)
    return _return_route(step)


def _return_route(step: Step) -> str:
    return str(step.case.facts["child_only_conference_return"])


def _hold_icpc(step: Step) -> None:
    data = cast(ev.HoldIcpc, step.data)
    _not_before(data, "date", data.date, step, "icpc_decision_date")
    step.changes.close(["hold_icpc"], "done", data.date, "completed")
    step.set_fact("conference_held_date", data.date)
    step.set_fact("icpc_date", data.date)
    step.set_fact("icpc_outcome", data.outcome)
    if _unborn(step.case):
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


def _plan_running(step: Step, trigger: str) -> None:
    if not step.case.facts.get("plan_start_date") or step.case.facts.get("plan_end_date"):
        raise TransitionNotAllowed(f"case {step.case.reference}: {trigger} needs a child protection plan running")


def _hold_core_group(step: Step) -> None:
    data = cast(ev.HoldCoreGroup, step.data)
    _plan_running(step, "hold_core_group")
    _not_before(data, "date", data.date, step, "icpc_date")
    step.changes.close(["hold_first_core_group", "hold_core_group"], "done", data.date, "completed")
    step.set_fact("last_core_group_date", data.date)
    step.open("hold_core_group")


def _record_visit(step: Step) -> None:
    data = cast(ev.RecordVisit, step.data)
    _plan_running(step, "record_visit")
    if step.case.date_of_birth is None:
        raise TransitionNotAllowed(f"case {step.case.reference}: record_visit needs the child born (record_birth)")
    _not_before(data, "date", data.date, step, "icpc_date")
    if not data.child_seen:
        # A visit where the child was not seen does not meet the statutory visit.
        step.set_fact("last_unseen_visit_date", data.date)
        return
    step.changes.close(["statutory_visit"], "done", data.date, "completed")
    step.set_fact("last_visit_date", data.date)
    if data.seen_alone:
        step.set_fact("last_seen_alone_date", data.date)
    step.open("statutory_visit")


def _convene_review(step: Step) -> None:
    data = cast(ev.ConveneReview, step.data)
    _not_before(data, "conference_date", data.conference_date, step, "conference_held_date")
    step.set_fact("conference_kind", "review")
    step.set_fact("conference_date", data.conference_date)
    step.set_fact("review_date", data.conference_date)
    _open_conference_date_actions(step)


def _hold_review(step: Step) -> None:
    data = cast(ev.HoldReview, step.data)
    _not_before(data, "date", data.date, step, "conference_held_date")
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
        _end_plan_facts(step, data.date, to_cin=data.outcome == "end_plan_cin")
        step.changes.close(PLAN_ACTIONS, "cancelled", None, "plan_ended")
    _open_follow_ups(step)


def _end_plan_facts(step: Step, on: date, to_cin: bool) -> None:
    step.set_fact("plan_end_date", on)
    # The CIN plan starts the day the CP plan ends, so the two never overlap.
    step.set_fact("cin_plan_start_date" if to_cin else "closed_date", on)


def _end_plan(step: Step) -> None:
    data = cast(ev.EndPlan, step.data)
    _not_before(data, "date", data.date, step, "plan_start_date")
    dob = step.case.date_of_birth
    if data.reason == "turned_18" and (dob is None or age_on(dob, data.date) < 18):
        raise InvalidEventData(f"end_plan: reason turned_18 but the child is not 18 on {data.date}")
    step.set_fact("plan_end_reason", data.reason)
    _end_plan_facts(step, data.date, to_cin=data.outcome == "cin_plan")
    dest = S.CIN_PLAN if data.outcome == "cin_plan" else S.CLOSED
    # Ending the plan makes the plan's and any planned review's actions moot, whatever their on_leave.
    moot = {a.kind for a in step.changes.actions if a.status == "open" and dest not in LIVES_IN.get(a.kind, dest)}
    step.changes.close(moot, "cancelled", None, "plan_ended")


def _close_case(step: Step) -> None:
    data = cast(ev.CloseCase, step.data)
    _not_before(data, "date", data.date, step, "cin_plan_start_date")
    step.set_fact("cin_plan_end_date", data.date)
    step.set_fact("closed_date", data.date)
    step.set_fact("closure_reason", data.reason)


def _record_birth(step: Step) -> None:
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
    due = due_date(step.policy, "first_review_after_birth", born)
    for action in [a for a in step.changes.actions if a.status == "open" and a.kind == "hold_first_review"]:
        if due < action.due_on:
            step.changes.move(action, due, step.policy.version, rule="first_review_after_birth", anchor="date_of_birth")


def _complete_action(step: Step) -> None:
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


def _not_before(data: ev.EventData, name: str, value: date, step: Step, fact: str) -> None:
    earlier = step.fact(fact)
    if earlier is not None and value < earlier:
        raise InvalidEventData(f"{_trigger(data)}: {name} {value} is before the {fact.replace('_', ' ')} ({earlier})")


def _trigger(data: ev.EventData) -> str:
    return next(t for t, model in ev.DATA_MODELS.items() if model is type(data))


def _unborn(case: Case) -> bool:
    return case.date_of_birth is None and case.expected_delivery_date is not None


def age_on(born: date, day: date) -> int:
    """Age in whole years on `day` (a 29 February birthday falls on 1 March in other years)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


HANDLERS: dict[str, Callable[[Step], str | None]] = {
    "receive_referral": _receive_referral,
    "receive_transfer_in": _receive_transfer_in,
    "start_s47": _start_s47,
    "close_no_further_action": _close_no_further_action,
    "icpc_not_required": _icpc_not_required,
    "convene_icpc": _convene_icpc,
    "set_conference_date": _set_conference_date,
    "arrange_child_only_conference": _arrange_child_only_conference,
    "hold_child_only_conference": _hold_child_only_conference,
    "cancel_child_only_conference": _cancel_child_only_conference,
    "hold_icpc": _hold_icpc,
    "hold_core_group": _hold_core_group,
    "record_visit": _record_visit,
    "convene_review": _convene_review,
    "hold_review": _hold_review,
    "end_plan": _end_plan,
    "close_case": _close_case,
    "record_birth": _record_birth,
    "complete_action": _complete_action,
}


# --- the result: the audit event (database only) and the outbox payload (codes, ids and dates only).

_OUTBOX_DATA = ("outcome", "category", "sub_category", "reason", "kind")
_NOT_AUDITED = frozenset({"date_of_birth", "expected_delivery_date", "child_id", "sex", "upn"})


def _result(before: Case | None, step: Step, trigger: str, actor: Actor) -> TransitionResult:
    changes, occurred = step.changes, step.data.occurred_on(step.today)
    summary = _summary(changes)
    event: dict[str, Any] = {
        "trigger": trigger,
        "from": _VALUE[step.source],
        "to": _VALUE[step.dest],
        "occurred_on": occurred.isoformat(),
        "actor_id": actor.id,
        "actor_role": actor.role,
        "data": step.data.model_dump(mode="json", exclude_none=True, exclude=_NOT_AUDITED),
        "overridden": list(changes.overridden),
        **summary,
    }
    return TransitionResult(
        case=step.case,
        trigger=trigger,
        from_status=step.source,
        to_status=step.dest,
        occurred_on=occurred,
        opened=list(changes.opened),
        closed=list(changes.closed),
        moved=list(changes.moved),
        event=event,
        outbox=_outbox(step, trigger, occurred, summary),
    )


def _outbox(step: Step, trigger: str, occurred: date, summary: dict[str, Any]) -> dict[str, Any]:
    model: type[ev.EventData] = type(step.data)
    codes = {name: value for name in _outbox_fields(model) if (value := getattr(step.data, name)) is not None}
    return {
        "reference": step.case.reference,
        "authority": step.case.authority,
        "trigger": trigger,
        "from": _VALUE[step.source],
        "to": _VALUE[step.dest],
        "occurred_on": occurred.isoformat(),
        "version": step.case.version,
        **codes,
        **summary,
    }


def _summary(changes: ActionChanges) -> dict[str, Any]:
    """The actions a trigger opened, closed and moved, as codes and dates (shared by the audit and the outbox)."""
    return {
        "opened": [
            {"kind": a.kind, "owner_role": a.owner_role, "due_on": a.due_on.isoformat()} for a in changes.opened
        ],
        "closed": [_closed_summary(a) for a in changes.closed],
        "moved": [_moved_summary(a, old) for a, old in changes.moved],
    }


@cache
def _outbox_fields(model: type[ev.EventData]) -> tuple[str, ...]:
    """The fields of `model` that go to the outbox: codes from a closed list, never free text."""
    return tuple(name for name in _OUTBOX_DATA if name in ev.code_fields(model))


def _closed_summary(action: Action) -> dict[str, Any]:
    return {"kind": action.kind, "status": action.status, "close_reason": action.close_reason}


def _moved_summary(action: Action, old: date) -> dict[str, Any]:
    return {"kind": action.kind, "from": old.isoformat(), "to": action.due_on.isoformat()}
