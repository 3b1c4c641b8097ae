"""Builders for lifecycle tests: the default policy, actors, and cases walked to each status by real triggers.

The standard journey (November 2026, no bank holidays): referral Mon 2026-11-02, strategy discussion Tue 11-03,
conference decided Wed 11-04 for Tue 11-24, held Tue 11-24 with a plan.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from states.case import Action, Actor, Case, TransitionResult
from states.firing import fire
from states.policy import Policy
from states.trigger_step import age_on
from workflows.persistence import load_policy

POLICIES = Path(__file__).resolve().parents[2] / "config" / "policies"
POLICY = load_policy(POLICIES, "default")

SOCIAL_WORKER = Actor("sw-1", "social_worker")
TEAM_MANAGER = Actor("tm-1", "team_manager")
CHAIR = Actor("chair-1", "cp_chair")
BUSINESS_SUPPORT = Actor("bs-1", "business_support")
FGDM_COORDINATOR = Actor("fgdm-1", "fgdm_coordinator")

# Who fires each trigger in the builders unless a test says otherwise (each allowed by the default policy).
DEFAULT_ACTOR = {
    "receive_referral": SOCIAL_WORKER,
    "receive_transfer_in": TEAM_MANAGER,
    "start_s47": SOCIAL_WORKER,
    "close_no_further_action": TEAM_MANAGER,
    "icpc_not_required": TEAM_MANAGER,
    "convene_icpc": TEAM_MANAGER,
    "set_conference_date": BUSINESS_SUPPORT,
    "arrange_child_only_conference": CHAIR,
    "hold_child_only_conference": CHAIR,
    "cancel_child_only_conference": CHAIR,
    "hold_icpc": CHAIR,
    "hold_core_group": SOCIAL_WORKER,
    "record_visit": SOCIAL_WORKER,
    "convene_review": CHAIR,
    "hold_review": CHAIR,
    "end_plan": TEAM_MANAGER,
    "close_case": TEAM_MANAGER,
    "record_birth": SOCIAL_WORKER,
    "complete_action": BUSINESS_SUPPORT,
    "start_pre_proceedings": TEAM_MANAGER,
    "send_letter_before_proceedings": SOCIAL_WORKER,
    "record_fgdm": FGDM_COORDINATOR,
    "hold_pre_proceedings_meeting": SOCIAL_WORKER,
    "decide_pre_proceedings": TEAM_MANAGER,
    "apply_to_court": TEAM_MANAGER,
    "send_letter_initiating_proceedings": SOCIAL_WORKER,
    "record_child_participation": SOCIAL_WORKER,
}

REFERRAL = date(2026, 11, 2)
STRATEGY_DISCUSSION = date(2026, 11, 3)
DECISION = date(2026, 11, 4)
ICPC = date(2026, 11, 24)
BORN_2016 = date(2016, 5, 1)


def make_policy(base: Policy = POLICY, **changes: Any) -> Policy:
    """The base policy with top-level keys replaced, validated again."""
    return Policy.model_validate({**base.model_dump(mode="json"), **changes})


def with_ages(**ages: Any) -> Policy:
    """The default policy with some age settings replaced."""
    return make_policy(ages={**POLICY.ages.model_dump(mode="json"), **ages})


def step(
    case: Case | None,
    trigger: str,
    today: date,
    actor: Actor | None = None,
    policy: Policy = POLICY,
    **data: Any,
) -> TransitionResult:
    """Fire one trigger as its usual actor; a new case gets reference CP-1 in authority default."""
    return fire(
        case, trigger, data, actor or DEFAULT_ACTOR[trigger], today, policy, reference="CP-1", authority="default"
    )


def referred(born: date | None = BORN_2016, expected: date | None = None, policy: Policy = POLICY) -> Case:
    """A case referred on Mon 2026-11-02."""
    birth = {"date_of_birth": born} if born else {"expected_delivery_date": expected}
    return step(None, "receive_referral", REFERRAL, policy=policy, referral_date=REFERRAL, **birth).case


def in_s47(born: date | None = BORN_2016, expected: date | None = None, policy: Policy = POLICY) -> Case:
    """A case whose s47 enquiry started at a strategy discussion on Tue 2026-11-03."""
    case = referred(born, expected, policy)
    return step(
        case, "start_s47", STRATEGY_DISCUSSION, policy=policy, strategy_discussion_date=STRATEGY_DISCUSSION
    ).case


def in_icpc_planning(
    born: date | None = BORN_2016, expected: date | None = None, policy: Policy = POLICY, conference: date | None = ICPC
) -> Case:
    """A case with a conference decided on Wed 2026-11-04, for Tue 2026-11-24 unless told otherwise."""
    case = in_s47(born, expected, policy)
    dates = {"conference_date": conference} if conference else {}
    return step(case, "convene_icpc", DECISION, policy=policy, decision_date=DECISION, **dates).case


def complete_all(case: Case, kinds: tuple[str, ...], on: date, policy: Policy = POLICY) -> Case:
    """Mark done, on `on`, the open action of each kind that has one."""
    for kind in kinds:
        if open_actions(case, kind):
            case = step(case, "complete_action", on, policy=policy, kind=kind, done_on=on).case
    return case


PLANNING_WORK = (
    "refer_family_group_conference",
    "request_advocate",
    "chair_pre_meeting",
    "send_leaflet",
    "submit_agency_reports",
    "share_reports_with_family",
)


def on_plan(born: date | None = BORN_2016, expected: date | None = None, policy: Policy = POLICY) -> Case:
    """A case whose initial conference on Tue 2026-11-24 made a plan (category NEG), planning work all done."""
    case = complete_all(in_icpc_planning(born, expected, policy), PLANNING_WORK, date(2026, 11, 20), policy)
    # The policy's default for the child's age on the conference day, which needs no reason: a child at or over the
    # age for invitation attends; a younger one sends a letter; an unborn child takes no part.
    invited = born is not None and age_on(born, ICPC) >= policy.ages.invite_to_conference_from
    how = "in_person" if invited else "views_by_letter" if born else "none"
    participation = {"invited": invited, "how": [how], "advocate": False}
    case = step(case, "record_child_participation", date(2026, 11, 17), policy=policy, **participation).case
    return step(case, "hold_icpc", ICPC, policy=policy, date=ICPC, outcome="cp_plan", category="NEG").case


def open_actions(case: Case, kind: str) -> list[Action]:
    """The open actions of `kind`."""
    return [action for action in case.actions if action.kind == kind and action.status == "open"]


def the_open(case: Case, kind: str) -> Action:
    """The one open action of `kind`."""
    found = open_actions(case, kind)
    assert len(found) == 1, f"expected one open {kind}, found {len(found)}"
    return found[0]


def due(case: Case, kind: str) -> date:
    """The due date of the one open action of `kind`."""
    return the_open(case, kind).due_on
