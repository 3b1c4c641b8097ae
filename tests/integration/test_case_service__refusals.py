"""A refused trigger changes nothing of the case and is itself recorded: one `trigger_refused` audit event."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from states.case import Actor
from states.errors import (
    InvalidEventData,
    OpenActionsBlockTransition,
    PermissionDenied,
    TransitionNotAllowed,
    UnknownTrigger,
)
from tests.integration.test_case_service__builders import (
    BUSINESS_SUPPORT,
    CHAIR,
    CONVENE,
    SOCIAL_WORKER,
    TEAM_MANAGER,
    audit_events,
    in_s47_enquiry,
    make_service,
    referred,
    snapshot,
)
from workflows.persistence import audit
from workflows.services import InputTooLong

pytestmark = pytest.mark.both_databases

REFUSALS = {
    "a role the policy does not allow": (
        "convene_icpc",
        CONVENE,
        BUSINESS_SUPPORT,
        PermissionDenied,
        "role 'business_support' may not fire 'convene_icpc'",
        {"category": "not_permitted", "refusal": "PermissionDenied"},
    ),
    "a trigger not allowed from the status": (
        "start_s47",
        {"strategy_discussion_date": "2026-11-04"},
        SOCIAL_WORKER,
        TransitionNotAllowed,
        "not allowed from status 's47_enquiry'",
        {"category": "wrong_status", "refusal": "TransitionNotAllowed"},
    ),
    "data that does not validate": (
        "convene_icpc",
        {"decision_date": "4th November"},
        TEAM_MANAGER,
        InvalidEventData,
        "convene_icpc",
        {"category": "bad_data", "refusal": "InvalidEventData", "field": "decision_date"},
    ),
    "a trigger the lifecycle does not know": (
        "hold_party",
        {},
        TEAM_MANAGER,
        UnknownTrigger,
        "unknown trigger 'hold_party'",
        {"category": "unknown_trigger", "refusal": "UnknownTrigger"},
    ),
}


@pytest.mark.parametrize("why", list(REFUSALS))
def test_a_refused_trigger_leaves_the_case_unchanged_and_adds_exactly_one_refusal_event(
    engine: Engine, why: str
) -> None:
    trigger, data, actor, error, message, payload = REFUSALS[why]
    service = make_service(engine)
    in_s47_enquiry(service)
    before = snapshot(engine, "CP-1")

    with pytest.raises(error, match=message):
        service.fire("CP-1", trigger, data, actor, date(2026, 11, 4))

    after = snapshot(engine, "CP-1")
    assert {key: after[key] for key in ("case", "actions", "outbox")} == {
        key: before[key] for key in ("case", "actions", "outbox")
    }
    assert after["audit"][:-1] == before["audit"]
    refusal = audit_events(engine, "CP-1")[-1]
    # An unknown trigger's name is the value refused: not kept.
    kept_trigger = None if error is UnknownTrigger else trigger
    assert (refusal.seq, refusal.event_type, refusal.trigger) == (3, "trigger_refused", kept_trigger)
    assert (refusal.actor_id, refusal.actor_role) == (actor.id, actor.role)
    assert (refusal.from_status, refusal.to_status, refusal.occurred_on) == ("s47_enquiry", None, date(2026, 11, 4))
    assert refusal.payload == payload
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_a_refusal_for_open_mandatory_actions_records_which_actions_blocked_it(engine: Engine) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    service.fire("CP-1", "convene_icpc", {"decision_date": "2026-11-04"}, TEAM_MANAGER, date(2026, 11, 4))

    # book_conference is open and refuses to be left behind: the conference cannot be held before it is booked.
    with pytest.raises(OpenActionsBlockTransition, match="book_conference"):
        service.fire("CP-1", "hold_icpc", {"date": "2026-11-24", "outcome": "cin_plan"}, CHAIR, date(2026, 11, 24))

    refusal = audit_events(engine, "CP-1")[-1]
    assert refusal.event_type == "trigger_refused"
    assert "book_conference" in refusal.payload["open_actions"]
    assert service.case("CP-1").status.value == "icpc_planning"


def test_each_refusal_is_its_own_event_in_the_chain(engine: Engine) -> None:
    service = make_service(engine)
    referred(service)
    stranger = Actor("x-1", "head_of_service")

    for _ in range(3):
        with pytest.raises(PermissionDenied):
            service.fire("CP-1", "start_s47", {"strategy_discussion_date": "2026-11-03"}, stranger, date(2026, 11, 3))

    assert [(event.seq, event.event_type) for event in audit_events(engine, "CP-1")] == [
        (1, "trigger_fired"),
        (2, "trigger_refused"),
        (3, "trigger_refused"),
        (4, "trigger_refused"),
    ]
    assert service.case("CP-1").version == 1


def test_a_refused_trigger_on_a_case_that_does_not_exist_writes_nothing(engine: Engine) -> None:
    service = make_service(engine)

    with pytest.raises(TransitionNotAllowed, match="needs an existing case"):
        service.fire(
            "CP-404", "start_s47", {"strategy_discussion_date": "2026-11-03"}, SOCIAL_WORKER, date(2026, 11, 3)
        )

    assert snapshot(engine, "CP-404") == {"case": [], "actions": [], "audit": [], "outbox": []}


@pytest.mark.parametrize(
    ("reference", "actor", "message"),
    [
        ("CP-" + "9" * 70, SOCIAL_WORKER, "case reference is 73 characters long: expected at most 64"),
        ("CP-1", Actor("sw-" + "1" * 70, "social_worker"), "actor id is 73 characters long: expected at most 64"),
    ],
)
def test_identifiers_too_long_to_record_are_refused_before_anything_is_read(
    engine: Engine, reference: str, actor: Actor, message: str
) -> None:
    service = make_service(engine)
    referred(service)
    before = snapshot(engine, "CP-1")

    with pytest.raises(InputTooLong, match=message):
        service.fire(reference, "start_s47", {"strategy_discussion_date": "2026-11-03"}, actor, date(2026, 11, 3))

    assert snapshot(engine, "CP-1") == before
