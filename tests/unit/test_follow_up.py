"""What follows a transition is worked out from the actions as they stood at it, however late it is delivered."""

from __future__ import annotations

from datetime import date

from states.follow_up import CLOSED_SINCE, MOVED_SINCE, OPEN, follow_up, stood_open
from states.transition_plan import OpenAction, Transition
from tests.unit.lifecycle_builders import POLICY

# Case CP-1 leaves ICPC planning at its conference on Friday 20 March 2026 (version 5): the leaflet (due 13 March)
# was never sent; the conference opened the decision letter (due 25 March) and first core group (due 31 March).
LEAFLET = OpenAction(11, "send_leaflet", "business_support", date(2026, 3, 13))
LETTER = OpenAction(21, "send_decision_letter", "chair", date(2026, 3, 23))
CORE_GROUP = OpenAction(22, "hold_first_core_group", "social_worker", date(2026, 4, 10))
HELD = Transition(
    outbox_id=7,
    key="CP-1:5",
    case_reference="CP-1",
    case_id=1,
    authority="default",
    trigger="hold_icpc",
    from_status="icpc_planning",
    to_status="core_groups",
    occurred_on=date(2026, 3, 20),
    opened=(("send_decision_letter", LETTER.due_on), ("hold_first_core_group", CORE_GROUP.due_on)),
    version=5,
    stood_open=((11, LEAFLET.due_on), (21, LETTER.due_on), (22, CORE_GROUP.due_on)),
)
STOOD = [LEAFLET, LETTER, CORE_GROUP]
KINDS = {a.id: (a.kind, a.owner_role) for a in STOOD}


def test_delivered_at_once_the_leaflet_is_outstanding_and_late_and_the_letter_is_reminded_and_notified() -> None:
    plan = follow_up(POLICY, HELD, stood_open(HELD, KINDS, STOOD), STOOD, case_version=5)

    assert not plan.moved_on
    assert plan.outstanding == (LEAFLET,) and plan.now[LEAFLET.id] == OPEN
    assert [e.action for e in plan.escalations] == [LEAFLET]
    assert plan.reminders == (LETTER,)
    notices = {(n.kind, n.action_id) for n in plan.notices()}
    assert {("outstanding", 11), ("escalation", 11), ("reminder", 21), ("decision_letter", 21)} <= notices


def test_a_run_lagging_behind_its_case_sends_no_still_open_notice_for_an_action_closed_since() -> None:
    # By the time the row is delivered, the leaflet has been recorded as sent (the case is at version 6).
    now_open = [LETTER, CORE_GROUP]
    plan = follow_up(POLICY, HELD, stood_open(HELD, KINDS, now_open), now_open, case_version=6)

    assert plan.moved_on
    assert plan.outstanding == (LEAFLET,) and plan.now[LEAFLET.id] == CLOSED_SINCE  # listed as it stood
    assert plan.escalations == ()
    assert not any(n.action_id == LEAFLET.id for n in plan.notices())
    assert {(n.kind, n.action_id) for n in plan.notices()} >= {("reminder", 21), ("decision_letter", 21)}


def test_an_action_opened_after_the_transition_is_not_its_business() -> None:
    later = OpenAction(30, "hold_core_group", "social_worker", date(2026, 3, 1))  # long overdue, but opened later
    now_open = [*STOOD, later]
    plan = follow_up(
        POLICY, HELD, stood_open(HELD, {**KINDS, 30: ("hold_core_group", "social_worker")}, now_open), now_open, 7
    )

    assert later not in plan.stood
    assert all(n.action_id != 30 for n in plan.notices())


def test_an_action_whose_due_date_moved_since_is_neither_reminded_nor_escalated_by_this_run() -> None:
    moved = OpenAction(LETTER.id, LETTER.kind, LETTER.owner_role, date(2026, 4, 1))
    now_open = [LEAFLET, moved, CORE_GROUP]
    plan = follow_up(POLICY, HELD, stood_open(HELD, KINDS, now_open), now_open, case_version=6)

    assert plan.now[LETTER.id] == MOVED_SINCE
    assert plan.reminders == ()
    assert not any(n.action_id == LETTER.id for n in plan.notices())


def test_a_row_written_before_rows_recorded_their_open_actions_reads_the_case_as_it_is() -> None:
    legacy = Transition(**{**HELD.__dict__, "stood_open": None})
    plan = follow_up(POLICY, legacy, stood_open(legacy, KINDS, STOOD), STOOD, case_version=5)

    assert plan.stood == tuple(STOOD) and plan.outstanding == (LEAFLET,)
