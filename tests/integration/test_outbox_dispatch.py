"""The outbox dispatcher: at least once, in order per case, backing off, never holding up a trigger."""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import Engine, select

from tests.integration.transition_fixtures import (
    POLICIES,
    TEAM_MANAGER,
    case_service,
    convene_conference,
    count,
    installed_runtime,
    outbox_ids,
)
from tests.ports import free_port
from workflows.bootstrap import Runtime
from workflows.delivery import Backoff, OutboxDispatcher, OutboxEntry, incidents
from workflows.flows import deliver_to_prefect, outbox_dispatcher
from workflows.persistence import NotificationRow, OutboxRow
from workflows.services import incident_retry

__all__ = ["installed_runtime"]

_outbox = OutboxRow.__table__


def _rows(engine: Engine) -> list[tuple[int, int, bool]]:
    """(id, attempts, delivered) of every outbox row."""
    with engine.connect() as connection:
        rows = connection.execute(select(_outbox).order_by(_outbox.c.id))
        return [(row.id, row.attempts, row.delivered_at is not None) for row in rows]


def _timed_triggers(engine: Engine, prefix: str) -> float:
    """Open three cases to a convened conference (nine triggers); the median seconds per case.

    The median, not the slowest: on a shared machine one case can stall for reasons of its own.
    """
    service, seconds = case_service(engine), []
    for number in range(3):
        started = time.perf_counter()
        convene_conference(service, f"{prefix}-{number}")
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


@contextmanager
def hanging_prefect() -> Iterator[str]:
    """An API address that accepts connections and never answers: a Prefect server that has hung.

    Worse than a refused connection, which fails at once: a trigger that called Prefect would wait here for the
    client's timeout (many seconds), far beyond the margin the test allows.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever reads the requests
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api"


def test_triggers_commit_as_fast_with_prefect_hung_or_down_and_every_row_is_delivered_once_when_it_returns(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    baseline = _timed_triggers(engine, "UP")
    dispatcher = outbox_dispatcher(engine)
    assert len(dispatcher.dispatch_once().delivered) == 9
    delivered_before = count(engine, NotificationRow.__table__)

    with hanging_prefect() as hung_api, temporary_settings(updates={PREFECT_API_URL: hung_api}):
        while_hung = _timed_triggers(engine, "HUNG")
    # No trigger waits for Prefect: the same order of time as when it is up. The margin is wide for a shared
    # machine yet far below what one call to a hung server would cost (the client's timeout, many seconds).
    assert while_hung < baseline * 3 + 0.5

    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        report = dispatcher.dispatch_once()  # Prefect down: nothing delivered, nothing counted as an attempt
    assert report.postponed and not report.delivered and not report.failed
    assert [attempts for _, attempts, delivered in _rows(engine) if not delivered] == [0] * 9

    report = dispatcher.dispatch_once()  # Prefect is back
    assert len(report.delivered) == 9 and not report.failed
    assert all(delivered and attempts == 1 for _, attempts, delivered in _rows(engine))
    assert dispatcher.dispatch_once().delivered == []
    assert count(engine, NotificationRow.__table__) == 2 * delivered_before  # as many notices per case as before


def test_a_flow_run_that_cannot_reach_prefect_is_retried_after_its_backoff_and_then_delivered(
    engine: Engine, prefect_harness: str, installed_runtime: Runtime
) -> None:
    convene_conference(case_service(engine), "CP-1")
    now = [datetime(2026, 3, 10, 9, 0, tzinfo=UTC)]
    dispatcher = OutboxDispatcher(
        engine, deliver_to_prefect, is_ready=lambda: True, clock=lambda: now[0], backoff=Backoff(timedelta(seconds=30))
    )

    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        report = dispatcher.dispatch_once()
    assert report.failed == [outbox_ids(engine)[0][0]] and not report.delivered  # later rows of the case wait
    assert dispatcher.dispatch_once().delivered == []  # still inside its backoff

    now[0] += timedelta(seconds=31)
    assert len(dispatcher.dispatch_once().delivered) == 3
    assert [attempts for _, attempts, _ in _rows(engine)] == [2, 1, 1]


@pytest.mark.both_databases
def test_a_cases_later_rows_wait_while_an_earlier_one_fails_and_other_cases_go_on(engine: Engine) -> None:
    service = case_service(engine)
    convene_conference(service, "A-1")
    convene_conference(service, "B-1")
    failing = outbox_ids(engine)[0][0]
    attempted: list[int] = []

    def deliver(entry: OutboxEntry) -> None:
        attempted.append(entry.id)
        if entry.id == failing:
            raise ConnectionError("flow server went away")

    report = OutboxDispatcher(engine, deliver, is_ready=lambda: True).dispatch_once()

    b_rows = [outbox_id for outbox_id, reference, _ in outbox_ids(engine) if reference == "B-1"]
    assert attempted == [failing, *b_rows]
    assert report.delivered == b_rows and report.failed == [failing]


@pytest.mark.both_databases
def test_a_row_that_keeps_failing_backs_off_exponentially_becomes_an_incident_and_is_resolved_on_retry(
    engine: Engine,
) -> None:
    service = case_service(engine)
    service.fire(
        "CP-9",
        "receive_referral",
        {"referral_date": "2026-03-02", "date_of_birth": "2016-05-01"},
        TEAM_MANAGER,
        date(2026, 3, 2),
        authority="default",
    )
    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    healthy = [False]

    def deliver(_entry: OutboxEntry) -> None:
        if not healthy[0]:
            raise TimeoutError("no answer")

    dispatcher = OutboxDispatcher(
        engine,
        deliver,
        is_ready=lambda: True,
        clock=lambda: now[0],
        backoff=Backoff(timedelta(seconds=10)),
        incident_after=3,
    )
    waits = []
    for _ in range(3):
        dispatcher.dispatch_once()
        with engine.connect() as connection:
            next_attempt = connection.execute(select(_outbox.c.next_attempt_at)).scalar_one()
        wait = (next_attempt.replace(tzinfo=UTC) - now[0]).total_seconds()
        waits.append(wait)
        now[0] += timedelta(seconds=wait)
    assert waits == [10, 20, 40]

    with engine.connect() as connection:
        [incident] = incidents.open_incidents(connection)
        [stuck] = incidents.undelivered(connection)
    assert (incident.kind, incident.case_reference, stuck.attempts) == (incidents.OUTBOX_STUCK, "CP-9", 3)
    assert "TimeoutError: no answer" in incident.error

    healthy[0] = True
    incident_retry.retry(engine, incident.id, None, now[0] - timedelta(seconds=1), POLICIES)
    assert dispatcher.dispatch_once().delivered == [stuck.outbox_id]
    with engine.connect() as connection:
        assert incidents.open_incidents(connection) == [] and incidents.undelivered(connection) == []


@pytest.mark.both_databases
def test_a_pass_stops_between_rows_when_its_scheduler_halts_and_the_next_pass_delivers_the_rest(engine: Engine) -> None:
    import threading

    convene_conference(case_service(engine), "CP-1")  # three outbox rows: referral, s47, convene
    halting = threading.Event()
    delivered: list[int] = []

    def deliver(entry: OutboxEntry) -> None:
        delivered.append(entry.id)
        halting.set()  # the scheduler starts to shut down while the first row is being delivered

    dispatcher = OutboxDispatcher(engine, deliver, is_ready=lambda: True)
    first = dispatcher.dispatch_once(stop=halting)
    assert len(first.delivered) == 1 and len(delivered) == 1
    assert [done for _, _, done in _rows(engine)] == [True, False, False]

    rest = dispatcher.dispatch_once()
    assert len(rest.delivered) == 2
    assert all(done for _, _, done in _rows(engine))
