"""The lifecycle as a whole: the pinned transition table, the shared machine, and refusals common to every trigger."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from states.case import Actor
from states.errors import (
    InvalidEventData,
    PermissionDenied,
    TransitionNotAllowed,
    TriggerRefused,
    UnknownTrigger,
)
from states.event_data import DATA_MODELS
from states.firing import HANDLERS, fire
from states.lifecycle import MACHINE, TRANSITIONS, TRIGGERS, CaseStatus, next_status
from tests.unit.lifecycle_builders import (
    ICPC,
    POLICY,
    REFERRAL,
    SOCIAL_WORKER,
    in_icpc_planning,
    in_s47,
    on_plan,
    referred,
    step,
)

N, R, S47, IP, COC, CG, RP, CIN, CL = (
    "new",
    "referred",
    "s47_enquiry",
    "icpc_planning",
    "child_only_conference",
    "core_groups",
    "review_planning",
    "cin_plan",
    "closed",
)
LIVE = (R, S47, IP, COC, CG, RP, CIN)

# The whole table, written out by hand: any change to the lifecycle must change this too.
EXPECTED_TABLE = [
    ("receive_referral", (N,), R, None),
    ("receive_transfer_in", (N,), IP, None),
    ("start_s47", (R,), S47, None),
    ("close_no_further_action", (R, S47), CL, None),
    ("icpc_not_required", (S47,), CIN, 'outcome == "cin_plan"'),
    ("icpc_not_required", (S47,), CL, 'outcome == "no_further_action"'),
    ("convene_icpc", (S47,), IP, None),
    ("set_conference_date", (IP,), IP, None),
    ("set_conference_date", (RP,), RP, None),
    ("set_conference_date", (COC,), COC, None),
    *[("record_child_participation", (s,), s, None) for s in (IP, RP, COC)],
    ("arrange_child_only_conference", (IP, RP), COC, None),
    ("hold_child_only_conference", (COC,), IP, "came from icpc_planning"),
    ("hold_child_only_conference", (COC,), RP, "came from review_planning"),
    ("cancel_child_only_conference", (COC,), IP, "came from icpc_planning"),
    ("cancel_child_only_conference", (COC,), RP, "came from review_planning"),
    ("hold_icpc", (IP,), CG, 'outcome == "cp_plan"'),
    ("hold_icpc", (IP,), CIN, 'outcome == "cin_plan"'),
    ("hold_icpc", (IP,), CL, 'outcome == "no_further_action"'),
    *[("hold_core_group", (s,), s, None) for s in (CG, RP, COC)],
    *[("record_visit", (s,), s, None) for s in (CG, RP, COC)],
    ("convene_review", (CG,), RP, None),
    ("hold_review", (RP,), CG, 'outcome == "continue_plan"'),
    ("hold_review", (RP,), CIN, 'outcome == "end_plan_cin"'),
    ("hold_review", (RP,), CL, 'outcome == "end_plan_close"'),
    ("end_plan", (CG, RP), CL, 'outcome == "close"'),
    ("end_plan", (CG, RP), CIN, 'outcome == "cin_plan"'),
    ("close_case", (CIN,), CL, None),
    *[("record_birth", (s,), s, None) for s in LIVE],
    *[("complete_action", (s,), s, None) for s in (*LIVE, CL)],
    # The pre-proceedings track runs beside a CP or CIN plan and keeps the case in its status.
    *[
        (trigger, (s,), s, None)
        for trigger in (
            "start_pre_proceedings",
            "send_letter_before_proceedings",
            "record_fgdm",
            "hold_pre_proceedings_meeting",
            "decide_pre_proceedings",
            "apply_to_court",
            "send_letter_initiating_proceedings",
        )
        for s in (CG, RP, COC, CIN)
    ],
    *[("allocate", (s,), s, None) for s in LIVE],
]


# the table and the machine


def test_the_transition_table_is_exactly_the_one_written_here() -> None:
    actual = [(t.trigger, tuple(s.value for s in t.sources), t.dest.value, t.condition) for t in TRANSITIONS]
    assert actual == EXPECTED_TABLE


def test_the_public_trigger_names_of_the_issue_are_all_there_unchanged() -> None:
    public = {
        "receive_referral",
        "start_s47",
        "close_no_further_action",
        "icpc_not_required",
        "convene_icpc",
        "receive_transfer_in",
        "arrange_child_only_conference",
        "hold_child_only_conference",
        "cancel_child_only_conference",
        "hold_icpc",
        "hold_core_group",
        "record_visit",
        "convene_review",
        "hold_review",
        "end_plan",
        "close_case",
        "start_pre_proceedings",
        "send_letter_before_proceedings",
        "record_fgdm",
        "hold_pre_proceedings_meeting",
        "decide_pre_proceedings",
        "apply_to_court",
        "send_letter_initiating_proceedings",
        "record_child_participation",
        "allocate",  # issue 11
    }
    assert public <= set(TRIGGERS)
    assert set(TRIGGERS) - public == {"set_conference_date", "record_birth", "complete_action"}


def test_every_status_is_explained_in_the_enum_docstring() -> None:
    doc = CaseStatus.__doc__ or ""
    missing = [status.value for status in CaseStatus if f"\n    {status.value}: " not in doc]
    assert missing == []


def test_every_trigger_has_its_data_model_its_handler_and_a_permission_in_the_default_policy() -> None:
    assert set(DATA_MODELS) == set(TRIGGERS) == set(HANDLERS)
    assert [t for t in TRIGGERS if not POLICY.permissions.get(t)] == []


def test_the_shared_machine_generates_no_unguarded_to_status_methods() -> None:
    assert MACHINE.auto_transitions is False
    assert set(MACHINE.events) == set(TRIGGERS)


def test_the_machine_picks_the_row_of_the_outcome() -> None:
    assert next_status(CaseStatus.ICPC_PLANNING, "hold_icpc", "cin_plan") is CaseStatus.CIN_PLAN
    assert next_status(CaseStatus.REVIEW_PLANNING, "end_plan", "close") is CaseStatus.CLOSED


def test_the_machine_refusal_becomes_our_transition_not_allowed() -> None:
    with pytest.raises(TransitionNotAllowed, match="'hold_review' is not allowed from status 'closed'"):
        next_status(CaseStatus.CLOSED, "hold_review", "continue_plan")


def test_every_refusal_is_a_trigger_refused_and_a_caseflow_error() -> None:
    from states.errors import CaseflowError

    assert issubclass(TriggerRefused, CaseflowError)
    for error in (UnknownTrigger, TransitionNotAllowed, InvalidEventData, PermissionDenied):
        assert issubclass(error, TriggerRefused)


# any trigger: refusals


def test_an_unknown_trigger_is_refused_and_the_error_lists_the_allowed_ones() -> None:
    with pytest.raises(UnknownTrigger) as refused:
        step(referred(), "hold_conference", REFERRAL, actor=SOCIAL_WORKER)
    assert "'hold_conference'" in str(refused.value)
    assert all(trigger in str(refused.value) for trigger in TRIGGERS)


def test_a_trigger_not_allowed_from_the_status_is_refused_naming_the_statuses_it_is_allowed_from() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        step(referred(), "hold_icpc", REFERRAL, date=REFERRAL, outcome="cin_plan")
    # From `referred` the table allows start_s47, close_no_further_action and the two in-place triggers.
    assert str(refused.value) == (
        "case CP-1: trigger 'hold_icpc' is not allowed from status 'referred': allowed now: start_s47, "
        "close_no_further_action, record_birth, complete_action, allocate; allowed from icpc_planning"
    )


def test_permission_is_checked_before_the_status() -> None:
    # end_plan is not allowed from referred either, but the social worker's role is what is refused first
    with pytest.raises(PermissionDenied, match="role 'social_worker' may not fire 'end_plan'"):
        step(referred(), "end_plan", REFERRAL, actor=SOCIAL_WORKER, date=REFERRAL, reason="died", outcome="close")


def test_a_role_the_policy_does_not_know_may_fire_nothing() -> None:
    with pytest.raises(PermissionDenied):
        step(referred(), "start_s47", REFERRAL, actor=Actor("x-1", "volunteer"), strategy_discussion_date=REFERRAL)


def test_a_trigger_other_than_a_referral_or_transfer_cannot_open_a_case() -> None:
    with pytest.raises(TransitionNotAllowed, match="a case opens with receive_referral or receive_transfer_in"):
        step(None, "start_s47", REFERRAL, strategy_discussion_date=REFERRAL)


def test_a_missing_required_field_is_refused_naming_it() -> None:
    with pytest.raises(InvalidEventData, match=r"^start_s47: strategy_discussion_date is required$"):
        step(referred(), "start_s47", REFERRAL)


def test_an_unknown_field_is_refused_naming_it() -> None:
    with pytest.raises(InvalidEventData, match="start_s47: unknown field 'note'"):
        step(referred(), "start_s47", REFERRAL, strategy_discussion_date=REFERRAL, note="x")


def test_a_date_that_is_not_a_calendar_date_is_refused() -> None:
    with pytest.raises(InvalidEventData, match=r"strategy_discussion_date: .*YYYY-MM-DD"):
        step(referred(), "start_s47", REFERRAL, strategy_discussion_date="2026-02-30")


def test_a_date_and_time_is_refused_where_a_date_is_expected() -> None:
    from datetime import datetime

    with pytest.raises(InvalidEventData, match="not a date and time"):
        step(referred(), "start_s47", REFERRAL, strategy_discussion_date=datetime(2026, 11, 2, 10, 0))


def test_a_meeting_dated_after_today_is_refused_as_not_yet_happened() -> None:
    with pytest.raises(InvalidEventData, match=r"date 2026-11-25 is after today \(2026-11-24\)"):
        step(in_icpc_planning(), "hold_icpc", ICPC, date=date(2026, 11, 25), outcome="cin_plan")


def test_a_date_before_the_referral_is_refused() -> None:
    with pytest.raises(
        InvalidEventData, match=r"strategy_discussion_date 2026-10-30 is before the referral \(2026-11-02\)"
    ):
        step(referred(), "start_s47", REFERRAL, strategy_discussion_date=date(2026, 10, 30))


def test_a_refused_trigger_leaves_the_case_exactly_as_it_was() -> None:
    case = in_s47()
    before = copy.deepcopy(case)
    with pytest.raises(InvalidEventData):
        step(case, "convene_icpc", date(2026, 11, 4), decision_date=date(2026, 11, 5))
    assert case == before


def test_fire_never_changes_the_case_it_is_given() -> None:
    case = in_icpc_planning()
    before = copy.deepcopy(case)
    result = step(case, "set_conference_date", date(2026, 11, 5), conference_date=date(2026, 11, 26))
    assert case == before
    assert result.case is not case


def test_every_trigger_raises_the_version_by_one() -> None:
    case = referred()
    assert case.version == 1
    assert step(case, "start_s47", REFERRAL, strategy_discussion_date=REFERRAL).case.version == 2


# the records a trigger produces


def test_the_outbox_carries_codes_ids_and_dates_but_no_free_text_or_personal_data() -> None:
    case = step(in_s47(), "icpc_not_required", date(2026, 11, 5), outcome="cin_plan").case
    result = step(case, "close_case", date(2026, 12, 1), date=date(2026, 12, 1), reason="Family moved; Jane Doe safe")
    text = json.dumps(result.outbox)
    assert "Jane" not in text and "2016-05-01" not in text
    assert result.outbox["reference"] == "CP-1" and result.outbox["to"] == "closed"
    # Kept beside the audit trail in the database, which rectifies or erases it; never in the chained event.
    assert result.private["reason"] == "Family moved; Jane Doe safe"
    assert "Jane" not in json.dumps(result.event)


def test_the_audit_event_and_outbox_are_json_safe_and_never_hold_the_date_of_birth() -> None:
    result = step(None, "receive_referral", REFERRAL, referral_date=REFERRAL, date_of_birth=date(2016, 5, 1))
    assert "2016-05-01" not in json.dumps(result.event) + json.dumps(result.outbox)
    assert result.outbox["opened"] == [
        {"kind": "referral_decision", "owner_role": "social_worker", "due_on": "2026-11-03"}
    ]


def test_a_case_with_a_plan_records_its_facts_as_json_safe_values() -> None:
    case = on_plan()
    json.dumps(case.facts)  # raises if a fact is not JSON-safe
    assert case.facts["plan_start_date"] == "2026-11-24"
    assert case.facts["initial_category"] == "NEG"


def test_an_error_never_repeats_a_date_of_birth() -> None:
    with pytest.raises(InvalidEventData) as refused:
        fire(
            None,
            "receive_referral",
            {"referral_date": REFERRAL, "date_of_birth": "2027-99-01"},
            SOCIAL_WORKER,
            REFERRAL,
            POLICY,
            reference="CP-1",
            authority="default",
        )
    assert "2027-99-01" not in str(refused.value)
