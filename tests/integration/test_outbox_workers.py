"""Outbox workers: in parallel across cases, in order within a case, each row once in effect, from several workers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text, update

from tests.integration.transition_fixtures import case_service
from tests.integration.worker_fixtures import (
    RunRecorder,
    fire_round_robin,
    running_workers,
    undelivered,
    wait_until,
)
from workflows.delivery import OutboxClaims, OutboxEntry, backlog, notify_workers, workers
from workflows.persistence import NotificationRow, OutboxRow
from workflows.settings import utc_now

pytestmark = pytest.mark.both_databases  # claims are row locks and NOTIFY on PostgreSQL
_outbox = OutboxRow.__table__


def test_three_workers_deliver_fifty_cases_of_ten_triggers_each_once_in_effect_and_each_case_in_order(
    engine: Engine, database_url: str
) -> None:
    recorder = RunRecorder(engine)
    references = [f"CP-{number:03d}" for number in range(50)]
    with running_workers(database_url, recorder, count=3):
        fired = fire_round_robin(case_service(engine), references)  # committed while the workers deliver
        wait_until(lambda: undelivered(engine) == 0, timeout=240, what="every row delivered")

    assert fired == 500
    assert sorted(recorder.started) == sorted(set(recorder.started)) and len(recorder.started) == 500  # once each
    assert recorder.overlaps == [] and recorder.out_of_order() == []
    with engine.connect() as connection:
        keys = connection.execute(select(NotificationRow.__table__.c.key)).scalars().all()
        rows = connection.execute(select(_outbox.c.attempts, _outbox.c.claimed_until)).all()
    assert keys and len(keys) == len(set(keys))
    assert all(attempts == 1 and until is None for attempts, until in rows)


def test_a_case_head_goes_to_one_of_two_workers_claiming_at_once_and_its_later_rows_wait(engine: Engine) -> None:
    service = case_service(engine)
    fire_round_robin(service, ["CP-A", "CP-B"], triggers=3)
    first, second = OutboxClaims(engine, "worker-1"), OutboxClaims(engine, "worker-2")
    taken: list[list[OutboxEntry]] = [[], []]
    ready = threading.Barrier(2)

    def claim(claims: OutboxClaims, into: list[OutboxEntry]) -> None:
        ready.wait()
        into.extend(claims.claim(10))

    threads = [threading.Thread(target=claim, args=pair) for pair in ((first, taken[0]), (second, taken[1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    claimed = taken[0] + taken[1]
    assert sorted(entry.case_reference for entry in claimed) == ["CP-A", "CP-B"]  # one head each, never a later row
    assert all(entry.trigger == "receive_referral" for entry in claimed)
    assert first.claim(10) == [] and second.claim(10) == []  # nothing free while the heads are held


def test_a_claim_that_runs_out_passes_to_another_worker_and_the_first_can_no_longer_settle_it(engine: Engine) -> None:
    fire_round_robin(case_service(engine), ["CP-1"], triggers=2)
    now = [utc_now()]
    dead = OutboxClaims(engine, "dead", lease=timedelta(seconds=30), clock=lambda: now[0])
    alive = OutboxClaims(engine, "alive", lease=timedelta(seconds=30), clock=lambda: now[0])
    [held] = dead.claim(5)

    assert alive.claim(5) == []
    now[0] += timedelta(seconds=31)  # the dead worker's lease has run out
    [again] = alive.claim(5)
    assert again.id == held.id
    assert not dead.delivered(held)  # the first holder's late result changes nothing
    assert alive.delivered(again)
    [second] = alive.claim(5)
    assert second.trigger == "start_s47"


def test_a_worker_that_stops_gives_back_what_it_had_not_started_and_forgets_itself(
    engine: Engine, database_url: str
) -> None:
    gate, entered = threading.Event(), threading.Event()
    runs: list[int] = []

    def slow(entry: OutboxEntry) -> None:
        runs.append(entry.id)
        entered.set()
        assert gate.wait(60)

    fire_round_robin(case_service(engine), [f"CP-{n}" for n in range(4)], triggers=1)
    with running_workers(database_url, slow, count=1, concurrency=1) as [worker]:
        assert entered.wait(30)
        with engine.connect() as connection:
            [record] = workers(connection, utc_now())
            assert (record.name, record.in_flight) == (worker.name, 1)
            assert backlog(connection, utc_now()).undelivered == 4
        stopping = threading.Thread(target=worker.stop)
        stopping.start()
        gate.set()  # the run in progress finishes; the rows not started are given back
        stopping.join()

    assert len(runs) == 1
    assert undelivered(engine) == 3
    with engine.connect() as connection:
        assert workers(connection, utc_now()) == []
        held = connection.execute(select(_outbox.c.claimed_until).where(_outbox.c.claimed_until.is_not(None)))
        assert held.all() == []


def test_a_worker_is_woken_by_the_commit_of_a_trigger_without_waiting_for_its_poll(
    engine: Engine, database_url: str, backend: str
) -> None:
    recorder = RunRecorder(engine)
    # On PostgreSQL the poll is an hour: only the NOTIFY of the commit can wake the worker in time.
    poll = timedelta(hours=1) if backend == "postgresql" else timedelta(seconds=0.05)
    with running_workers(database_url, recorder, count=1, poll=poll):
        wait_until(lambda: _listening(engine, backend), timeout=30, what="the worker listening")
        fire_round_robin(case_service(engine), ["CP-1"], triggers=1)
        wait_until(lambda: undelivered(engine) == 0, timeout=30, what="the row delivered on its commit")
    assert len(recorder.finished) == 1


def _listening(engine: Engine, backend: str) -> bool:
    if backend != "postgresql":
        return True
    with engine.connect() as connection:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE :listen")
        return bool(connection.execute(query, {"listen": "LISTEN caseflow_outbox%"}).scalar_one())


def test_the_scheduler_can_wake_listening_workers_in_a_transaction_of_its_own(engine: Engine) -> None:
    with engine.begin() as connection:
        notify_workers(connection)  # NOTIFY on PostgreSQL, nothing on SQLite: never an error


def test_rows_backing_off_are_counted_in_the_backlog_and_not_claimed(engine: Engine) -> None:
    fire_round_robin(case_service(engine), ["CP-1", "CP-2"], triggers=1)
    later = utc_now() + timedelta(minutes=5)
    with engine.begin() as connection:
        connection.execute(update(_outbox).where(_outbox.c.case_reference == "CP-1").values(next_attempt_at=later))
    claims = OutboxClaims(engine, "worker")
    assert [entry.case_reference for entry in claims.claim(5)] == ["CP-2"]
    with engine.connect() as connection:
        found = backlog(connection, utc_now())
    assert (found.undelivered, found.in_flight, found.backing_off) == (2, 1, 1)
    assert Counter(e.case_reference for e in claims.claim(5)) == Counter()


def test_a_case_head_behind_another_cases_many_rows_is_found_by_a_longer_read(engine: Engine) -> None:
    service = case_service(engine)
    fire_round_robin(service, ["CP-BUSY"], triggers=5)
    fire_round_robin(service, ["CP-QUIET"], triggers=1)
    [busy] = OutboxClaims(engine, "other", window=3, pages=2).claim(1)

    claimed = OutboxClaims(engine, "worker", window=3, pages=2).claim(5)

    assert busy.case_reference == "CP-BUSY"
    assert [(entry.case_reference, entry.trigger) for entry in claimed] == [("CP-QUIET", "receive_referral")]
