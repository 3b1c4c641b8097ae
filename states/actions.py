"""Which actions a transition opens, completes, cancels or moves, and their due dates from the policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from states.case import Action, ActionStatus, Case
from states.errors import OpenActionsBlockTransition
from states.lifecycle import CaseStatus
from states.policy import OnLeave, Policy
from states.pre_proceedings import TRACK_ACTIONS

S = CaseStatus
_ICPC_PLANNING = frozenset({S.S47_ENQUIRY, S.ICPC_PLANNING, S.CHILD_ONLY_CONFERENCE})
_CONFERENCE_PLANNING = frozenset({S.ICPC_PLANNING, S.REVIEW_PLANNING, S.CHILD_ONLY_CONFERENCE})
_ON_PLAN = frozenset({S.CORE_GROUPS, S.REVIEW_PLANNING, S.CHILD_ONLY_CONFERENCE})
_ANYWHERE = frozenset(CaseStatus)
_PLAN_RUNS = _ON_PLAN | {S.CIN_PLAN}

# The statuses an open action of each kind lives on in; entering any other status leaves it behind,
# and the policy's on_leave says whether that is refused, needs an override reason, or cancels it.
LIVES_IN: Mapping[str, frozenset[CaseStatus]] = {
    "referral_decision": frozenset({S.REFERRED}),
    "hold_icpc": _ICPC_PLANNING,
    "book_conference": _CONFERENCE_PLANNING,
    "refer_family_group_conference": _CONFERENCE_PLANNING,
    "request_advocate": _CONFERENCE_PLANNING,
    "chair_pre_meeting": _CONFERENCE_PLANNING,
    "send_leaflet": _CONFERENCE_PLANNING,
    "submit_agency_reports": _CONFERENCE_PLANNING,
    "share_reports_with_family": _CONFERENCE_PLANNING,
    "decide_child_participation": _CONFERENCE_PLANNING,
    "hold_first_core_group": _ON_PLAN,
    "hold_core_group": _ON_PLAN,
    "statutory_visit": _ON_PLAN,
    "hold_first_review": _ON_PLAN,
    "hold_review": _ON_PLAN,
    # A conference's follow-up is owed whatever the outcome, even once the case is closed.
    "send_decision_letter": _ANYWHERE,
    "circulate_minutes": _ANYWHERE,
    "seek_feedback": _ANYWHERE,
    "feedback_to_child": _ANYWHERE,
    "chair_letter_to_child": _ANYWHERE,
    # The pre-proceedings track's actions go on while a plan runs; the track itself ends them when the plan ends.
    **dict.fromkeys(TRACK_ACTIONS, _PLAN_RUNS),
}

# Kinds a trigger of their own completes; complete_action refuses them so that trigger's checks always run.
COMPLETED_BY_TRIGGER: Mapping[str, str] = {
    "referral_decision": "start_s47 or close_no_further_action",
    "hold_icpc": "hold_icpc",
    "book_conference": "set_conference_date",
    "hold_first_core_group": "hold_core_group",
    "hold_core_group": "hold_core_group",
    "statutory_visit": "record_visit",
    "hold_first_review": "hold_review",
    "hold_review": "hold_review",
    "send_letter_before_proceedings": "send_letter_before_proceedings",
    "hold_initial_pre_proceedings_meeting": "hold_pre_proceedings_meeting",
    "hold_fgdm": "record_fgdm",
    "review_pre_proceedings": "hold_pre_proceedings_meeting",
    "conclude_pre_proceedings": "decide_pre_proceedings",
    "apply_to_court": "apply_to_court",
    "send_letter_initiating_proceedings": "send_letter_initiating_proceedings",
    "decide_child_participation": "record_child_participation",
}

# Actions counted from the date of the conference being planned, opened once that date is known.
CONFERENCE_DATE_ACTIONS = (
    "chair_pre_meeting",
    "send_leaflet",
    "submit_agency_reports",
    "share_reports_with_family",
    "decide_child_participation",
)
PLAN_ACTIONS = frozenset(
    {"hold_first_core_group", "hold_core_group", "statutory_visit", "hold_first_review", "hold_review"}
)
FOLLOW_UP_ACTIONS = ("send_decision_letter", "circulate_minutes", "seek_feedback")


@dataclass(frozen=True)
class Opening:
    """An action to open: its kind, and the timescale and fact to count from when not the policy's own."""

    kind: str
    rule: str | None = None
    anchor: str | None = None


@dataclass
class ActionChanges:
    """What one trigger does to a case's actions; built up step by step, then applied once."""

    actions: list[Action]
    opened: list[Action] = field(default_factory=list)
    closed: list[Action] = field(default_factory=list)
    moved: list[tuple[Action, date]] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)

    def _swap(self, old: Action, new: Action) -> None:
        index = next(i for i, action in enumerate(self.actions) if action is old)
        self.actions[index] = new

    def close(self, kinds: Iterable[str], status: ActionStatus, on: date | None, reason: str) -> None:
        """Close every open action of `kinds` as done (on `on`) or cancelled, with a close reason code."""
        wanted = frozenset(kinds)
        for action in [a for a in self.actions if a.status == "open" and a.kind in wanted]:
            self.close_one(action, status, on, reason)

    def close_one(self, action: Action, status: ActionStatus, on: date | None, reason: str) -> None:
        """Close one open action as done or cancelled, with a close reason code."""
        closed = replace(action, status=status, done_on=on, close_reason=reason)
        self._swap(action, closed)
        self.closed.append(closed)

    def complete_first(self, kind: str, on: date) -> Action | None:
        """Mark done the open action of `kind` due soonest; None when none is open."""
        candidates = [a for a in self.actions if a.status == "open" and a.kind == kind]
        if not candidates:
            return None
        action = min(candidates, key=lambda a: a.due_on)
        self.close_one(action, "done", on, "completed")
        return self.closed[-1]

    def move(
        self, action: Action, due_on: date, policy_version: str, rule: str | None = None, anchor: str | None = None
    ) -> None:
        """Give an open action a new due date from policy `policy_version` (and, when given, a new rule and fact)."""
        moved = replace(
            action,
            due_on=due_on,
            rule=rule or action.rule,
            anchor=anchor or action.anchor,
            policy_version=policy_version,
        )
        self._swap(action, moved)
        self.moved.append((moved, action.due_on))

    def open(self, opening: Opening, case: Case, policy: Policy, today: date) -> None:
        """Open an action counted from the case's fact; skipped when that fact has no date yet."""
        rule = policy.action_rule(opening.kind)
        timescale = opening.rule or rule.timescale
        anchor = opening.anchor or policy.timescale(timescale).counts_from
        anchor_date = case.fact_date(anchor)
        if anchor_date is None:
            return
        action = Action(
            kind=opening.kind,
            owner_role=rule.owner_role,
            status="open",
            due_on=policy.due_date(timescale, anchor_date),
            opened_on=today,
            done_on=None,
            mandatory=rule.mandatory,
            rule=timescale,
            anchor=anchor,
            policy_version=policy.version,
        )
        self.actions.append(action)
        self.opened.append(action)


# Planned dates: setting one again reschedules the meeting, so the actions counted from it move. A date on which
# something happened (a conference held, a visit made) is a new fact when recorded again: the open follow-ups of
# the earlier meeting (its minutes, its decision letter) keep the due dates that meeting gave them.
RESCHEDULABLE_ANCHORS = frozenset({"conference_date", "review_date", "child_only_conference_date"})


def move_counted_from(changes: ActionChanges, case: Case, facts_changed: Iterable[str], policy: Policy) -> None:
    """Recount every open action counted from a planned date that changed; record those whose due date moved."""
    changed = frozenset(facts_changed) & RESCHEDULABLE_ANCHORS
    for action in [a for a in changes.actions if a.status == "open" and a.anchor in changed]:
        anchor_date = case.fact_date(action.anchor)
        if anchor_date is None:
            continue
        due_on = policy.due_date(action.rule, anchor_date)
        if due_on != action.due_on:
            changes.move(action, due_on, policy.version)


def leave_phase(changes: ActionChanges, dest: CaseStatus, policy: Policy, override_reason: str | None) -> None:
    """Settle the open actions `dest` leaves behind: refuse, require an override reason, or cancel, per policy."""
    left = [a for a in changes.actions if a.status == "open" and dest not in LIVES_IN.get(a.kind, _ANYWHERE)]
    blocking = [a for a in left if a.mandatory and policy.action_rule(a.kind).on_leave is OnLeave.REFUSE]
    if blocking:
        raise OpenActionsBlockTransition(
            f"cannot move to {dest.value}: mandatory actions still open: {_kinds(blocking)}; complete them first",
            tuple(a.kind for a in blocking),
        )
    needing = [a for a in left if a.mandatory and policy.action_rule(a.kind).on_leave is OnLeave.OVERRIDE]
    if needing and override_reason is None:
        raise OpenActionsBlockTransition(
            f"cannot move to {dest.value}: mandatory actions still open: {_kinds(needing)}; "
            "complete them or give an override_reason",
            tuple(a.kind for a in needing),
        )
    for action in left:
        overridden = any(action is other for other in needing)
        changes.close_one(action, "cancelled", None, "overridden" if overridden else "phase_left")
        if overridden:
            changes.overridden.append(action.kind)


def _kinds(actions: list[Action]) -> str:
    return ", ".join(f"{a.kind} (due {a.due_on})" for a in actions)
