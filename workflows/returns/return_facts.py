"""The audit-backed facts of each case that the statutory returns and timeliness measures are built from.

Dates come from the triggers recorded in the audit trail (what was fired, with its data) and due dates
from the action rows the policy opened: nothing here is recomputed from the calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa

from workflows.persistence import FIRED_EVENT, ActionRow, AuditEventRow, CaseRow
from workflows.returns.pre_proceedings_facts import Episode, apply_track

__all__ = ["ActionRecord", "CaseFacts", "Plan", "Visit", "previous_plans", "read_case_facts"]


@dataclass(frozen=True)
class Visit:
    """A statutory visit recorded on a child protection plan."""

    on: date
    child_seen: bool
    seen_alone: bool


@dataclass(frozen=True)
class ActionRecord:
    """One action row: what was due when, and when (if ever) it was done."""

    kind: str
    due_on: date
    done_on: date | None
    status: str
    close_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    """A child protection plan as the conferences recorded it."""

    start: date
    initial_category: str
    latest_category: str
    end: date | None = None
    end_reason: str | None = None
    reviews: tuple[date, ...] = ()
    # Every category decided, with the conference date: the latest as at any date can be read back.
    categories: tuple[tuple[date, str], ...] = ()

    def category_on(self, day: date) -> str:
        """The latest category decided on or before `day` (the initial one before any change)."""
        decided = [category for on, category in self.categories if on <= day]
        return decided[-1] if decided else self.initial_category


@dataclass(frozen=True)
class CaseFacts:
    """What the audit trail says happened on one case, in the terms the returns ask for."""

    reference: str
    authority: str
    team: str | None
    status: str
    date_of_birth: date | None
    expected_delivery_date: date | None
    referral_date: date
    # Who the child is in the authority's records (personal): the id links the child's cases.
    child_id: str | None = None
    sex: str | None = None
    upn: str | None = None
    # Plans the child had in other authorities, as the referral or transfer-in said.
    earlier_plans_elsewhere: int = 0
    # The staff id of the social worker who holds the case now (Annex A's "Allocated Worker").
    allocated_worker: str | None = None
    record: Mapping[str, Any] = field(default_factory=dict)
    referral_nfa: bool = False
    strategy_discussion_date: date | None = None
    icpc_target: date | None = None
    icpc_not_required_date: date | None = None
    icpc_decision_date: date | None = None
    icpc_date: date | None = None
    icpc_outcome: str | None = None
    plan: Plan | None = None
    cin_plan_start: date | None = None
    cin_plan_end: date | None = None
    closed_date: date | None = None
    death: bool = False
    transferred_out: bool = False
    core_groups: tuple[date, ...] = ()
    visits: tuple[Visit, ...] = ()
    child_only_conferences: tuple[date, ...] = ()
    # Each decision on the child's participation: when it was recorded, and whether the child contributes at all.
    participation: tuple[tuple[date, bool], ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    # The pre-proceedings episodes, oldest first (census module 5).
    pre_proceedings: tuple[Episode, ...] = ()

    @property
    def child_key(self) -> str:
        """What groups a child's cases: the child id when recorded; else the case stands alone (a child id
        has no colon, so the two kinds never meet)."""
        return self.child_id or f"case:{self.reference}"

    def actions_of(self, kind: str) -> list[ActionRecord]:
        """The action rows of `kind`, earliest due first."""
        return sorted((a for a in self.actions if a.kind == kind), key=lambda a: a.due_on)

    def last_visit(self, alone: bool = False) -> date | None:
        """The latest visit at which the child was seen (seen alone, if asked)."""
        seen = [v.on for v in self.visits if v.child_seen and (v.seen_alone or not alone)]
        return max(seen, default=None)


def previous_plans(caseload: Iterable[CaseFacts]) -> dict[str, int]:
    """Per case with a plan (by reference): how many plans the child had before it. Here: the plans of the
    child's cases (any year) that started earlier. Elsewhere: the most any of the child's cases referred by
    then said it had in other authorities (each referral may repeat the same plans, so they are not added up).
    Cases without a child id are children of their own."""
    by_child: dict[str, list[CaseFacts]] = defaultdict(list)
    for case in caseload:
        by_child[case.child_key].append(case)
    counts: dict[str, int] = {}
    for cases in by_child.values():
        for case in cases:
            if case.plan is None:
                continue
            start = case.plan.start
            here = sum(1 for other in cases if other.plan is not None and other.plan.start < start)
            elsewhere = max(other.earlier_plans_elsewhere for other in cases if other.referral_date <= start)
            counts[case.reference] = here + elsewhere
    return counts


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _opened_due(payload: Mapping[str, Any], kind: str) -> date | None:
    return next((_day(item["due_on"]) for item in payload.get("opened", []) if item.get("kind") == kind), None)


def _moved_due(payload: Mapping[str, Any], kind: str) -> date | None:
    return next((_day(item["to"]) for item in payload.get("moved", []) if item.get("kind") == kind), None)


def _apply(facts: CaseFacts, trigger: str, on: date, payload: Mapping[str, Any]) -> CaseFacts:
    """The facts after one fired trigger; triggers the returns do not speak of change nothing."""
    data: Mapping[str, Any] = payload.get("data", {})
    target = _moved_due(payload, "hold_icpc") or _opened_due(payload, "hold_icpc")
    if target is not None:
        facts = replace(facts, icpc_target=target)
    if trigger == "start_pre_proceedings" or facts.pre_proceedings:
        facts = replace(facts, pre_proceedings=apply_track(facts.pre_proceedings, trigger, on, payload))
    handler = _HANDLERS.get(trigger)
    return handler(facts, on, data) if handler else facts


def _opened(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, earlier_plans_elsewhere=int(data.get("earlier_plans_elsewhere") or 0))


def _start_s47(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, strategy_discussion_date=on)


def _close_no_further_action(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    # Closed straight from the referral (no strategy discussion): the DfE's "referral, no further action".
    return replace(facts, closed_date=on, referral_nfa=facts.strategy_discussion_date is None)


def _icpc_not_required(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    if data.get("outcome") == "cin_plan":
        return replace(facts, icpc_not_required_date=on, cin_plan_start=on)
    return replace(facts, icpc_not_required_date=on, closed_date=on)


def _convene_icpc(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, icpc_decision_date=on)


def _hold_icpc(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    outcome = str(data["outcome"])
    facts = replace(facts, icpc_date=on, icpc_outcome=outcome)
    if outcome == "cp_plan":
        category = str(data["category"])
        plan = Plan(start=on, initial_category=category, latest_category=category, categories=((on, category),))
        return replace(facts, plan=plan)
    if outcome == "cin_plan":
        return replace(facts, cin_plan_start=on)
    return replace(facts, closed_date=on)


def _hold_review(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    if facts.plan is None:
        return facts
    plan = replace(facts.plan, reviews=(*facts.plan.reviews, on))
    if data.get("category"):
        category = str(data["category"])
        plan = replace(plan, latest_category=category, categories=(*plan.categories, (on, category)))
    outcome = data.get("outcome")
    if outcome == "continue_plan":
        return replace(facts, plan=plan)
    facts = replace(facts, plan=replace(plan, end=on, end_reason="review"))
    return replace(facts, cin_plan_start=on) if outcome == "end_plan_cin" else replace(facts, closed_date=on)


def _end_plan(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    reason = str(data.get("reason"))
    plan = replace(facts.plan, end=on, end_reason=reason) if facts.plan else None
    facts = replace(facts, plan=plan, death=reason == "died", transferred_out=reason == "transferred_out")
    return replace(facts, cin_plan_start=on) if data.get("outcome") == "cin_plan" else replace(facts, closed_date=on)


def _close_case(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, cin_plan_end=on, closed_date=on)


def _hold_core_group(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, core_groups=(*facts.core_groups, on))


def _record_visit(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    visit = Visit(on, bool(data.get("child_seen")), bool(data.get("seen_alone")))
    return replace(facts, visits=(*facts.visits, visit))


def _hold_child_only_conference(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    return replace(facts, child_only_conferences=(*facts.child_only_conferences, on))


def _record_child_participation(facts: CaseFacts, on: date, data: Mapping[str, Any]) -> CaseFacts:
    contributes = any(way != "none" for way in data.get("how", ()))
    return replace(facts, participation=(*facts.participation, (on, contributes)))


_HANDLERS = {
    "receive_referral": _opened,
    "receive_transfer_in": _opened,
    "start_s47": _start_s47,
    "close_no_further_action": _close_no_further_action,
    "icpc_not_required": _icpc_not_required,
    "convene_icpc": _convene_icpc,
    "hold_icpc": _hold_icpc,
    "hold_review": _hold_review,
    "end_plan": _end_plan,
    "close_case": _close_case,
    "hold_core_group": _hold_core_group,
    "record_visit": _record_visit,
    "hold_child_only_conference": _hold_child_only_conference,
    "record_child_participation": _record_child_participation,
}


def _case_facts(case: Any, events: Sequence[Any], actions: Iterable[Any]) -> CaseFacts:
    """One case's facts from its row, its fired audit events in order and its action rows."""
    first = events[0] if events else None
    referral = (first.occurred_on if first is not None else None) or case.created_at.date()
    facts = CaseFacts(
        reference=case.reference,
        authority=case.authority,
        team=case.team,
        status=case.status,
        date_of_birth=case.date_of_birth,
        expected_delivery_date=case.expected_delivery_date,
        referral_date=referral,
        child_id=case.child_id,
        sex=case.sex,
        upn=case.upn,
        allocated_worker=case.allocated_worker,
        record=dict(case.facts or {}),
        actions=tuple(ActionRecord(a.kind, a.due_on, a.done_on, a.status, a.close_reason) for a in actions),
    )
    for event in events:
        if event.trigger is not None and event.occurred_on is not None:
            facts = _apply(facts, event.trigger, event.occurred_on, event.payload or {})
    return facts


def read_case_facts(connection: sa.Connection, authority: str | None = None) -> list[CaseFacts]:
    """The facts of every case (of one authority, if given), ordered by case reference."""
    cases_query = sa.select(CaseRow).order_by(CaseRow.reference)
    if authority is not None:
        cases_query = cases_query.where(CaseRow.authority == authority)
    cases = connection.execute(cases_query).all()
    if not cases:
        return []
    references = [row.reference for row in cases]
    events: dict[str, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(AuditEventRow)
        .where(AuditEventRow.event_type == FIRED_EVENT, AuditEventRow.case_reference.in_(references))
        .order_by(AuditEventRow.case_reference, AuditEventRow.seq)
    ):
        events[row.case_reference].append(row)
    actions: dict[int, list[Any]] = defaultdict(list)
    ids = [row.id for row in cases]
    for action in connection.execute(sa.select(ActionRow).where(ActionRow.case_id.in_(ids)).order_by(ActionRow.id)):
        actions[action.case_id].append(action)
    return [_case_facts(case, events[case.reference], actions[case.id]) for case in cases]
