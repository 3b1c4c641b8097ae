"""Optimistic concurrency: of two triggers that read the same version of a case, one wins, the other changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from states.case import Actor
from states.errors import TransitionNotAllowed
from states.firing import fire
from tests.integration.test_case_service__builders import (
    CONVENE,
    NO_FURTHER_ACTION,
    POLICIES,
    RECORDED_AT,
    REFERRAL,
    TEAM_MANAGER,
    audit_events,
    in_s47_enquiry,
    make_service,
    outbox_rows,
    snapshot,
)
from workflows.persistence import ConcurrentUpdate, audit, case_store, make_session_factory
from workflows.services import CaseService

pytestmark = pytest.mark.both_databases


def read(engine: Engine, reference: str) -> case_store.LoadedCase:
    with engine.begin() as conn:
        loaded = case_store.load(conn, reference)
    assert loaded is not None
    return loaded


def test_of_two_writers_that_read_the_same_version_the_second_to_commit_gets_a_conflict(engine: Engine) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    first, second = read(engine, "CP-1"), read(engine, "CP-1")
    assert first.case.version == second.case.version == 2
    convened = fire(first.case, "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4), POLICIES["default"])
    closed = fire(
        second.case, "close_no_further_action", NO_FURTHER_ACTION, TEAM_MANAGER, date(2026, 11, 5), POLICIES["default"]
    )

    with engine.begin() as conn:
        case_store.save(conn, first, convened, ("tm-1", "team_manager"), RECORDED_AT)
    after_winner = snapshot(engine, "CP-1")
    stale = r"^case CP-1: changed by someone else since it was read \(it was at version 2\)"
    with pytest.raises(ConcurrentUpdate, match=stale), engine.begin() as conn:
        case_store.save(conn, second, closed, ("tm-2", "team_manager"), RECORDED_AT)

    assert snapshot(engine, "CP-1") == after_winner
    case = service.case("CP-1")
    assert (case.status.value, case.version) == ("icpc_planning", 3)
    assert "closed_date" not in case.facts


def test_a_trigger_fired_against_a_version_that_is_no_longer_current_is_refused_as_a_conflict(engine: Engine) -> None:
    service = make_service(engine)
    in_s47_enquiry(service)
    seen_by_both = service.case("CP-1").version
    service.fire("CP-1", "convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4), expected_version=seen_by_both)
    before = snapshot(engine, "CP-1")

    with pytest.raises(ConcurrentUpdate, match="case CP-1: changed by someone else"):
        service.fire(
            "CP-1",
            "close_no_further_action",
            NO_FURTHER_ACTION,
            TEAM_MANAGER,
            date(2026, 11, 5),
            expected_version=seen_by_both,
        )

    after = snapshot(engine, "CP-1")
    assert {key: after[key] for key in ("case", "actions", "outbox")} == {
        key: before[key] for key in ("case", "actions", "outbox")
    }
    assert after["audit"][:-1] == before["audit"]
    refusal = audit_events(engine, "CP-1")[-1]
    assert (refusal.event_type, refusal.trigger) == ("trigger_refused", "close_no_further_action")
    assert refusal.payload == {"category": "conflict", "refusal": "ConcurrentUpdate"}


def test_two_creations_of_the_same_reference_from_the_same_read_leave_one_case(engine: Engine) -> None:
    service = make_service(engine)
    policy = POLICIES["default"]
    creations = [
        fire(
            None,
            "receive_referral",
            REFERRAL,
            TEAM_MANAGER,
            date(2026, 11, 2),
            policy,
            reference="CP-7",
            authority="default",
        )
        for _ in range(2)
    ]
    with engine.begin() as conn:
        case_store.save(conn, None, creations[0], ("tm-1", "team_manager"), RECORDED_AT)

    created_meanwhile = r"case CP-7: changed by someone else since it was read \(it did not exist\)"
    with pytest.raises(ConcurrentUpdate, match=created_meanwhile), engine.begin() as conn:
        case_store.save(conn, None, creations[1], ("tm-1", "team_manager"), RECORDED_AT)

    assert [event.seq for event in audit_events(engine, "CP-7")] == [1]
    assert service.case("CP-7").version == 1


def race(service: CaseService, attempts: list[tuple[str, dict[str, str], Actor, date]]) -> list[object]:
    """Fire each attempt on CP-1 from its own thread at once; returns each one's result or error."""
    outcomes: list[object] = [None] * len(attempts)

    def attempt(index: int) -> None:
        trigger, data, actor, today = attempts[index]
        try:
            outcomes[index] = service.fire("CP-1", trigger, data, actor, today)
        except Exception as error:  # the test inspects whatever each thread ended with
            outcomes[index] = error

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def meeting_clock(parties: int) -> Callable[[], datetime]:
    """A clock that holds each caller until all have read the case: the service reads the clock after its read."""
    barrier = threading.Barrier(parties, timeout=20)
    met = threading.local()

    def now() -> datetime:
        # Each caller meets the others once: a refusal's own record reads the clock again, alone.
        if not getattr(met, "done", False):
            met.done = True
            barrier.wait()
        return RECORDED_AT

    return now


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_threads_that_both_read_version_2_race_and_exactly_one_commits(engine: Engine) -> None:
    # PostgreSQL only: SQLite's BEGIN IMMEDIATE lets one writer read at a time, so both can never hold version 2.
    in_s47_enquiry(make_service(engine))
    service = CaseService(make_session_factory(engine), POLICIES, clock=meeting_clock(2))

    outcomes = race(
        service,
        [
            ("convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4)),
            ("close_no_further_action", NO_FURTHER_ACTION, TEAM_MANAGER, date(2026, 11, 5)),
        ],
    )

    conflicts = [outcome for outcome in outcomes if isinstance(outcome, ConcurrentUpdate)]
    winners = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    assert (len(winners), len(conflicts)) == (1, 1), outcomes
    case = service.case("CP-1")
    assert (case.status, case.version) == (winners[0].case.status, 3)  # type: ignore[attr-defined]
    loser = next(attempt for attempt in ("convene_icpc", "close_no_further_action") if attempt != winners[0].trigger)  # type: ignore[attr-defined]
    assert [(event.event_type, event.trigger) for event in audit_events(engine, "CP-1")] == [
        ("trigger_fired", "receive_referral"),
        ("trigger_fired", "start_s47"),
        ("trigger_fired", winners[0].trigger),  # type: ignore[attr-defined]
        ("trigger_refused", loser),  # the conflict is on record too
    ]
    assert audit_events(engine, "CP-1")[-1].payload["category"] == "conflict"
    assert [row.idempotency_key for row in outbox_rows(engine, "CP-1")] == ["CP-1:1", "CP-1:2", "CP-1:3"]
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def test_racing_threads_firing_one_trigger_record_it_once(engine: Engine) -> None:
    in_s47_enquiry(make_service(engine))
    service = make_service(engine)

    outcomes = race(service, [("convene_icpc", CONVENE, TEAM_MANAGER, date(2026, 11, 4))] * 4)

    winners = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(winners) == 1
    # A loser either read before the winner committed (conflict) or after it (the case is no longer in s47).
    assert all(isinstance(loser, ConcurrentUpdate | TransitionNotAllowed) for loser in losers), losers
    fired = [event for event in audit_events(engine, "CP-1") if event.event_type == "trigger_fired"]
    assert [event.trigger for event in fired] == ["receive_referral", "start_s47", "convene_icpc"]
    assert len(outbox_rows(engine, "CP-1")) == 3
    with engine.connect() as conn:
        assert audit.verify(conn).ok
