"""A trigger is one transaction: status, actions, audit event and outbox row land together or not at all."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from tests.integration.test_case_service__builders import (
    CONVENE,
    RECORDED_AT,
    REFERRAL,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    audit_events,
    in_s47_enquiry,
    make_service,
    outbox_rows,
    snapshot,
)
from workflows.persistence import OutboxRow, audit

pytestmark = pytest.mark.both_databases


def block_outbox_key(engine: Engine, key: str) -> None:
    """Take the outbox key the next write of a case will need, so that write's last insert fails."""
    row = {
        "case_reference": "someone-else",
        "idempotency_key": key,
        "event_type": "x",
        "payload": {},
        "created_at": RECORDED_AT,
        "attempts": 0,
    }
    with engine.begin() as conn:
        conn.execute(sa.insert(OutboxRow.__table__), row)


def test_a_trigger_writes_status_actions_audit_event_and_outbox_row_together(engine: Engine) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)

    result = service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    case = service.case("CP-1")
    assert (case.status.value, case.version) == ("icpc_planning", 3)
    assert result.case.version == 3
    # Conference Tue 11-24: chair meets 1 WD before (Mon 11-23), leaflet 5 days before (Thu 11-19),
    # agency reports 3 WD before (Thu 11-19), reports to family 2 WD before (Fri 11-20); FGC referral and
    # advocate 1 WD after the decision on Wed 11-04 (Thu 11-05); hold_icpc still open from the s47 enquiry;
    # the child's participation decided 5 WD before (23, 20, 19, 18, 17 Nov: Tue 11-17).
    assert sorted((a.kind, a.due_on) for a in case.actions) == [
        ("chair_pre_meeting", date(2026, 11, 23)),
        ("decide_child_participation", date(2026, 11, 17)),
        ("hold_icpc", date(2026, 11, 24)),
        ("refer_family_group_conference", date(2026, 11, 5)),
        ("request_advocate", date(2026, 11, 5)),
        ("send_leaflet", date(2026, 11, 19)),
        ("share_reports_with_family", date(2026, 11, 20)),
        ("submit_agency_reports", date(2026, 11, 19)),
    ]
    assert all(action.id is not None for action in result.case.actions)
    newest = audit_events(engine, "CP-1")[-1]
    assert (newest.seq, newest.event_type, newest.trigger, newest.actor_id, newest.actor_role) == (
        3,
        "trigger_fired",
        "convene_icpc",
        "tm-1",
        "team_manager",
    )
    assert (newest.from_status, newest.to_status, newest.occurred_on) == (
        "s47_enquiry",
        "icpc_planning",
        date(2026, 11, 4),
    )
    message = outbox_rows(engine, "CP-1")[-1]
    assert (message.idempotency_key, message.event_type, message.payload["to"]) == (
        "CP-1:3",
        "case_transition",
        "icpc_planning",
    )
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_trigger_whose_outbox_insert_fails_leaves_status_actions_audit_and_outbox_as_they_were(
    engine: Engine,
) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    block_outbox_key(engine, "CP-1:3")
    before = snapshot(engine, "CP-1")

    with pytest.raises(sa.exc.IntegrityError):
        service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    assert snapshot(engine, "CP-1") == before
    assert before["case"] and len(before["actions"]) == 2 and len(before["audit"]) == 2


def test_a_creating_trigger_whose_outbox_insert_fails_leaves_no_case_behind(engine: Engine) -> None:
    service = make_service(engine)
    block_outbox_key(engine, "CP-9:1")

    with pytest.raises(sa.exc.IntegrityError):
        service.fire("CP-9", "receive_referral", REFERRAL, SOCIAL_WORKER, date(2026, 11, 2))

    assert snapshot(engine, "CP-9") == {"case": [], "actions": [], "audit": [], "outbox": []}


def test_after_a_failed_write_the_same_trigger_succeeds_once_the_cause_is_gone(engine: Engine) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    block_outbox_key(engine, "CP-1:3")
    with pytest.raises(sa.exc.IntegrityError):
        service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))
    with engine.begin() as conn:
        conn.execute(sa.delete(OutboxRow.__table__).where(OutboxRow.__table__.c.case_reference == "someone-else"))

    service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    assert [event.seq for event in audit_events(engine, "CP-1")] == [1, 2, 3]
    assert [row.idempotency_key for row in outbox_rows(engine, "CP-1")] == ["CP-1:1", "CP-1:2", "CP-1:3"]
