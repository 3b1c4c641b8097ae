"""The triggers that open a case, allocate it and decide on an enquiry: referral, transfer in, allocation, section 47,
no further action."""

from __future__ import annotations

from datetime import date
from typing import cast

from states import event_data as ev
from states.conference_triggers import open_advocate
from states.errors import InvalidEventData
from states.trigger_step import Step, not_before, trigger_of, unborn


def receive_referral(step: Step) -> None:
    data = cast(ev.ReceiveReferral, step.data)
    _record_birth_facts(step, data, data.referral_date)
    step.set_fact("referral_date", data.referral_date)
    step.open("referral_decision")


def receive_transfer_in(step: Step) -> None:
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
    open_advocate(step, notice, requested=False)


def _record_birth_facts(step: Step, data: ev.ReceiveReferral | ev.ReceiveTransferIn, referral: date) -> None:
    if data.date_of_birth is not None and data.date_of_birth > referral:
        raise InvalidEventData(f"{trigger_of(data)}: date_of_birth is after the referral ({referral})")
    if data.expected_delivery_date is not None and data.expected_delivery_date <= referral:
        raise InvalidEventData(
            f"{trigger_of(data)}: expected_delivery_date is not after the referral ({referral}): give date_of_birth"
        )
    step.case.date_of_birth = data.date_of_birth
    step.case.expected_delivery_date = data.expected_delivery_date
    step.case.team = data.team
    step.case.allocated_worker = data.allocated_worker
    step.case.child_id, step.case.sex, step.case.upn = data.child_id, data.sex, data.upn


def allocate(step: Step) -> None:
    data = cast(ev.Allocate, step.data)
    if step.case.allocated_worker == data.worker:
        raise InvalidEventData(f"allocate: case {step.case.reference} is already allocated to {data.worker}")
    step.case.allocated_worker = data.worker


def start_s47(step: Step) -> None:
    data = cast(ev.StartS47, step.data)
    step.set_fact("strategy_discussion_date", data.strategy_discussion_date)
    step.changes.close(["referral_decision"], "done", data.strategy_discussion_date, "completed")
    if unborn(step.case) and "pre_birth_conference" in step.policy.timescales:
        step.open("hold_icpc", rule="pre_birth_conference")
    else:
        step.open("hold_icpc")


def close_no_further_action(step: Step) -> None:
    data = cast(ev.CloseNoFurtherAction, step.data)
    on = data.occurred_on(step.today)
    step.changes.close(["referral_decision"], "done", on, "completed")
    step.changes.close(["hold_icpc"], "cancelled", None, "not_needed")
    step.set_fact("closed_date", on)
    step.set_fact("closure_reason", data.reason)


def icpc_not_required(step: Step) -> None:
    data = cast(ev.IcpcNotRequired, step.data)
    on = data.occurred_on(step.today)
    not_before(data, "date", on, step, "strategy_discussion_date")
    step.changes.close(["hold_icpc"], "cancelled", None, "not_needed")
    step.set_fact("icpc_not_required_date", on)
    step.set_fact("cin_plan_start_date" if data.outcome == "cin_plan" else "closed_date", on)
