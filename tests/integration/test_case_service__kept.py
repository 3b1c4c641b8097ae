"""A service keeps each case as it last committed it, and uses it only while the database says it is still current.

Dates: the standard journey of the builders (referral Mon 2026-11-02, strategy discussion Tue 11-03, conference
decided Wed 11-04 for Tue 11-24), checked against the November 2026 calendar by hand.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from states.errors import PermissionDenied, TransitionNotAllowed
from tests.integration.test_case_service__atomicity import block_outbox_key
from tests.integration.test_case_service__builders import (
    CONVENE,
    NO_FURTHER_ACTION,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    audit_events,
    in_s47_enquiry,
    make_service,
    outbox_rows,
)
from workflows.persistence import OutboxRow, audit

pytestmark = pytest.mark.both_databases


def test_a_case_moved_on_by_another_service_is_read_again_not_refused_from_the_status_this_service_saw(
    engine: Engine,
) -> None:
    ours, theirs = make_service(engine), make_service(engine)
    in_s47_enquiry(ours)  # ours last saw the case in s47_enquiry, at version 2
    theirs.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    # Allowed only once a conference is being planned, as the other service made it.
    result = ours.fire(
        "CP-1", "set_conference_date", {"conference_date": "2026-11-26"}, TEAM_MANAGER, date(2026, 11, 5)
    )

    assert (result.from_status.value, result.case.version) == ("icpc_planning", 4)
    # The chair's pre-meeting the other service opened (1 WD before Tue 11-24: Mon 11-23) was read and moved to
    # 1 WD before Thu 11-26: Wed 11-25.
    moved = {action.kind: (old, action.due_on) for action, old in result.moved}
    assert moved["chair_pre_meeting"] == (date(2026, 11, 23), date(2026, 11, 25))
    assert [e.trigger for e in audit_events(engine, "CP-1")] == [
        "receive_referral",
        "start_s47",
        "convene_icpc",
        "set_conference_date",
    ]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_trigger_allowed_from_the_status_this_service_saw_is_refused_from_the_status_stored_and_audited_once(
    engine: Engine,
) -> None:
    ours, theirs = make_service(engine), make_service(engine)
    in_s47_enquiry(ours)  # ours last saw the case in s47_enquiry, where convene_icpc is allowed
    theirs.fire("CP-1", "close_no_further_action", NO_FURTHER_ACTION, TEAM_MANAGER, date(2026, 11, 5))

    with pytest.raises(TransitionNotAllowed, match="from status 'closed'"):
        ours.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 5))

    events = audit_events(engine, "CP-1")
    assert [(e.seq, e.event_type, e.from_status) for e in events] == [
        (1, "trigger_fired", "new"),
        (2, "trigger_fired", "referred"),
        (3, "trigger_fired", "s47_enquiry"),
        (4, "trigger_refused", "closed"),
    ]
    assert [row.idempotency_key for row in outbox_rows(engine, "CP-1")] == ["CP-1:1", "CP-1:2", "CP-1:3"]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_refusal_audited_by_another_service_moves_the_chain_and_the_next_trigger_links_after_it(
    engine: Engine,
) -> None:
    ours, theirs = make_service(engine), make_service(engine)
    in_s47_enquiry(ours)
    with pytest.raises(PermissionDenied):
        theirs.fire("CP-1", "convene_icpc", CONVENE, SOCIAL_WORKER, date(2026, 11, 4))  # not a social worker's

    ours.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    events = audit_events(engine, "CP-1")
    assert [(e.seq, e.event_type) for e in events] == [
        (1, "trigger_fired"),
        (2, "trigger_fired"),
        (3, "trigger_refused"),
        (4, "trigger_fired"),
    ]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_trigger_that_was_rolled_back_is_not_remembered_and_the_next_one_writes_from_the_committed_case(
    engine: Engine,
) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    block_outbox_key(engine, "CP-1:3")
    with pytest.raises(sa.exc.IntegrityError):
        service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))
    with engine.begin() as conn:
        conn.execute(sa.delete(OutboxRow.__table__).where(OutboxRow.__table__.c.case_reference == "someone-else"))

    result = service.fire("CP-1", "close_no_further_action", NO_FURTHER_ACTION, TEAM_MANAGER, date(2026, 11, 5))

    # From s47_enquiry at version 2, as committed: the rolled-back convene_icpc left nothing behind.
    assert (result.from_status.value, result.to_status.value, result.case.version) == ("s47_enquiry", "closed", 3)
    assert [row.idempotency_key for row in outbox_rows(engine, "CP-1")] == ["CP-1:1", "CP-1:2", "CP-1:3"]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_the_case_a_trigger_returns_is_not_the_object_the_service_keeps(engine: Engine) -> None:
    service = make_service(engine)
    result = in_s47_enquiry(service)
    result.case.facts["strategy_discussion_date"] = "1999-01-01"  # a caller scribbling on what it was given
    result.case.actions.clear()

    convened = service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))

    assert convened.case.facts["strategy_discussion_date"] == "2026-11-03"
    assert "hold_icpc" in {a.kind for a in convened.case.actions if a.status == "open"}
