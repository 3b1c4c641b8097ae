"""Authority D, on the Families First model: the lead child protection practitioner takes the social worker's part."""

from __future__ import annotations

from datetime import date

from states.case import Actor, Case
from states.transition_plan import OpenAction, escalations, reminders_due
from tests.unit.lifecycle_builders import ICPC, POLICIES, POLICY, step
from workflows.persistence import load_policy

FAMILIES_FIRST = load_policy(POLICIES, "authority_d")
LEAD = Actor("lcpp-1", "lead_cp_practitioner")
LEAD_ROLE = "lead_cp_practitioner"


def test_the_lead_practitioner_may_fire_every_trigger_the_social_worker_may() -> None:
    social_worker_triggers = {t for t, roles in POLICY.permissions.items() if "social_worker" in roles}
    # The default's list counted by hand (nine, and the pre-proceedings track's four), so a new one is not missed here.
    assert len(social_worker_triggers) == 13
    assert {t for t in social_worker_triggers if FAMILIES_FIRST.may_fire(LEAD_ROLE, t)} == social_worker_triggers


def test_the_lead_practitioner_owns_every_action_the_social_worker_owns_after_the_referral() -> None:
    social_workers = {kind for kind, rule in POLICY.actions.items() if rule.owner_role == "social_worker"}
    owners = {kind: FAMILIES_FIRST.action_rule(kind).owner_role for kind in social_workers}
    assert owners.pop("referral_decision") == "social_worker"  # the front door's decision, before any CP case
    assert set(owners.values()) == {LEAD_ROLE} and len(owners) == 13  # nine, and the pre-proceedings track's four


def test_the_lead_practitioner_sees_only_their_teams_cases_like_a_social_worker() -> None:
    assert LEAD_ROLE in FAMILIES_FIRST.team_roles and LEAD_ROLE in FAMILIES_FIRST.roles


def planned() -> Case:
    """A CP case in authority D: the lead practitioner took the referral and started the s47 enquiry; the team
    manager convened the conference for Tue 2026-11-24."""
    case = step(
        None,
        "receive_referral",
        date(2026, 11, 2),
        LEAD,
        FAMILIES_FIRST,
        referral_date=date(2026, 11, 2),
        date_of_birth=date(2016, 5, 1),
    ).case
    case = step(
        case, "start_s47", date(2026, 11, 3), LEAD, FAMILIES_FIRST, strategy_discussion_date=date(2026, 11, 3)
    ).case
    decided = date(2026, 11, 4)
    return step(case, "convene_icpc", decided, None, FAMILIES_FIRST, decision_date=decided, conference_date=ICPC).case


def test_a_lead_practitioner_fires_the_social_workers_triggers_and_the_actions_are_theirs() -> None:
    case = planned()
    owners = {a.kind: a.owner_role for a in case.actions if a.status == "open"}
    for kind in ("decide_child_participation", "share_reports_with_family", "submit_agency_reports"):
        assert owners[kind] == LEAD_ROLE, kind
    assert owners["send_leaflet"] == "business_support" and owners["hold_icpc"] == "cp_chair"
    result = step(
        case,
        "record_child_participation",
        date(2026, 11, 16),
        LEAD,
        FAMILIES_FIRST,
        invited=False,
        how=["views_by_drawing"],
        advocate=True,
    )
    assert result.event["actor_role"] == LEAD_ROLE
    assert [(a.kind, a.status) for a in result.closed] == [("decide_child_participation", "done")]
    held = step(result.case, "hold_icpc", ICPC, None, FAMILIES_FIRST, date=ICPC, outcome="cp_plan", category="NEG").case
    plan_owners = {a.kind: a.owner_role for a in held.actions if a.status == "open"}
    assert plan_owners["hold_first_core_group"] == LEAD_ROLE and plan_owners["statutory_visit"] == LEAD_ROLE
    visited = step(
        held,
        "record_visit",
        date(2026, 11, 26),
        LEAD,
        FAMILIES_FIRST,
        date=date(2026, 11, 26),
        child_seen=True,
        seen_alone=True,
    )
    assert [a.owner_role for a in visited.opened] == [LEAD_ROLE]


def test_reminders_and_the_owner_rung_of_the_ladder_go_to_the_lead_practitioner_then_to_managers() -> None:
    # An action owned by the lead practitioner due Tue 2026-11-17; the ladder is the default's
    # (owner at 0, team manager at 1, service manager at 5, head of service at 10 working days overdue).
    action = OpenAction(1, "decide_child_participation", LEAD_ROLE, date(2026, 11, 17))
    # hand-checked: reminded 2 WD before, Fri 13 Nov; on Fri 13 Nov the reminder is due, to the owner role
    assert reminders_due(FAMILIES_FIRST, [action], date(2026, 11, 13)) == [action]
    due_today, a_day_late = (
        escalations(FAMILIES_FIRST, [action], date(2026, 11, 17)),
        escalations(FAMILIES_FIRST, [action], date(2026, 11, 18)),
    )
    assert [(e.level, e.recipient_role) for e in due_today] == [("owner", LEAD_ROLE)]
    assert [(e.level, e.recipient_role) for e in a_day_late] == [("team_manager", "team_manager")]
