"""Firing a trigger on a case: permission, status, data, guards, facts and actions, as one pure step."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from states import conference_triggers as conference
from states import plan_triggers as plan
from states import pre_proceedings_triggers as pre_proceedings
from states import referral_triggers as referral
from states.actions import ActionChanges, leave_phase, move_counted_from
from states.case import Actor, Case, TransitionResult
from states.conference_days import require_working_days
from states.errors import InvalidEventData, PermissionDenied, TransitionNotAllowed, UnknownTrigger
from states.event_data import check_dates, parse_event_data
from states.field_text import TriggerInput
from states.input_rules import shown
from states.lifecycle import CREATING_TRIGGERS, TRANSITIONS, TRIGGERS, CaseStatus, next_status, triggers_from
from states.participation import record_child_participation
from states.policy import Policy
from states.trigger_records import transition_result
from states.trigger_step import Step

# Each trigger's guards, facts and actions; a handler returns the route when it is not the data's own.
HANDLERS: dict[str, Callable[[Step], str | None]] = {
    "receive_referral": referral.receive_referral,
    "receive_transfer_in": referral.receive_transfer_in,
    "start_s47": referral.start_s47,
    "close_no_further_action": referral.close_no_further_action,
    "icpc_not_required": referral.icpc_not_required,
    "convene_icpc": conference.convene_icpc,
    "set_conference_date": conference.set_conference_date,
    "arrange_child_only_conference": conference.arrange_child_only_conference,
    "hold_child_only_conference": conference.hold_child_only_conference,
    "cancel_child_only_conference": conference.cancel_child_only_conference,
    "hold_icpc": conference.hold_icpc,
    "hold_core_group": plan.hold_core_group,
    "record_visit": plan.record_visit,
    "convene_review": conference.convene_review,
    "hold_review": conference.hold_review,
    "end_plan": plan.end_plan,
    "close_case": plan.close_case,
    "record_birth": plan.record_birth,
    "complete_action": plan.complete_action,
    **pre_proceedings.HANDLERS,
    "record_child_participation": record_child_participation,
    "allocate": referral.allocate,
}

_SOURCES: dict[str, frozenset[CaseStatus]] = {
    trigger: frozenset(s for spec in TRANSITIONS if spec.trigger == trigger for s in spec.sources)
    for trigger in TRIGGERS
}


def fire(
    case: Case | None,
    trigger: str,
    data: TriggerInput,
    actor: Actor,
    today: date,
    policy: Policy,
    reference: str | None = None,
    authority: str | None = None,
) -> TransitionResult:
    """Fire `trigger` on `case` (None to open one); pure: returns the new case and never changes the one given.

    `data` is the trigger's data, or its `field=value` text (FieldText) to be read in its types. Refusals come in a
    fixed order, each its own TriggerRefused: an unknown trigger, a role not permitted, a status that does not
    allow it, then bad data.
    """
    if trigger not in _SOURCES:
        raise UnknownTrigger(
            f"{_not_now(case, reference, f'unknown trigger {shown(trigger)}')}; every trigger: {', '.join(TRIGGERS)}"
        )
    if not policy.may_fire(actor.role, trigger):
        allowed = ", ".join(policy.permissions.get(trigger, ())) or "no role"
        raise PermissionDenied(
            f"role {actor.role!r} may not fire {trigger!r} under policy {policy.name!r} ({allowed} may)"
        )
    current = _start(case, trigger, reference, authority)
    if current.status not in _SOURCES[trigger]:
        allowed_from = ", ".join(s.value for s in CaseStatus if s in _SOURCES[trigger])
        problem = f"trigger {trigger!r} is not allowed from status {current.status.value!r}"
        raise TransitionNotAllowed(f"{_not_now(current, reference, problem)}; allowed from {allowed_from}")
    parsed = parse_event_data(trigger, data)
    changes = ActionChanges(current.actions)
    step = Step(current, parsed, today, policy, current.status, changes, track_source=current.pre_proceedings)
    pre_proceedings.move_track(step, trigger, parsed.route())
    # A new case's referral is the trigger's own date (the referral, or the notice of a transfer in).
    referral_date = step.fact("referral_date") or parsed.occurred_on(today)
    check_dates(trigger, parsed, referral_date, today)
    require_working_days(trigger, parsed, policy, current.authority)
    route = HANDLERS[trigger](step)
    step.dest = next_status(current.status, trigger, route if route is not None else parsed.route())
    pre_proceedings.end_track_with_the_plan(step, trigger)
    _finish(step)
    return transition_result(step, trigger, actor)


def _not_now(case: Case | None, reference: str | None, problem: str) -> str:
    """Why a trigger cannot fire on the case now, listing the triggers its status allows."""
    status = case.status if case is not None else CaseStatus.NEW
    what = f"case {case.reference}" if case is not None and status is not CaseStatus.NEW else f"new case {reference}"
    return f"{what}: {problem}: allowed now: {', '.join(triggers_from(status))}"


def _start(case: Case | None, trigger: str, reference: str | None, authority: str | None) -> Case:
    """A shallow working copy of the case (or a new one), which the trigger's handler may change freely."""
    if case is None:
        if trigger not in CREATING_TRIGGERS:
            raise TransitionNotAllowed(f"trigger {trigger!r} needs an existing case: a case opens with {_creators()}")
        if not reference or not authority:
            raise InvalidEventData(f"{trigger}: a new case needs a reference and an authority")
        return Case(reference, authority, CaseStatus.NEW, 0, None, None, {}, [], None)
    return dataclasses.replace(case, facts=dict(case.facts), actions=list(case.actions))


def _creators() -> str:
    return " or ".join(t for t in TRIGGERS if t in CREATING_TRIGGERS)


def _finish(step: Step) -> None:
    move_counted_from(step.changes, step.case, step.changed, step.policy)
    if step.dest is not step.source:
        leave_phase(step.changes, step.dest, step.policy, getattr(step.data, "override_reason", None))
    step.case.status = step.dest
    step.case.version += 1
    step.case.actions = step.changes.actions
