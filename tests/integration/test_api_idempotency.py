"""The idempotency store under the API's POSTs, on both databases: one of two requests with one key runs, the
other is told it is running; the first answer is kept; a claim left by a dead server is taken over after a minute."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from tests.e2e.api_server import add_staff
from workflows.api import IdempotencyKeyInProgress, IdempotencyKeyReused
from workflows.api.idempotency import IdempotencyStore, StoredResponse, request_hash
from workflows.persistence import make_engine

pytestmark = pytest.mark.both_databases

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    created = make_engine(database_url)
    add_staff(created, "cms", ("social_worker",), ("north",))
    yield created
    created.dispose()


def test_the_second_request_with_a_key_waits_for_the_first_and_then_gets_its_answer(engine: Engine) -> None:
    store = IdempotencyStore(engine, clock=lambda: START)
    digest = request_hash("POST", "/api/v1/cases/A-1/triggers/start_s47", b"{}")

    first = store.claim("cms", "key-1", digest)
    with pytest.raises(IdempotencyKeyInProgress):
        store.claim("cms", "key-1", digest)
    store.keep("cms", "key-1", StoredResponse(200, '{"version": 2}', "application/json"))

    assert first is None
    assert store.claim("cms", "key-1", digest) == StoredResponse(200, '{"version": 2}', "application/json")
    with pytest.raises(IdempotencyKeyReused):
        store.claim("cms", "key-1", request_hash("POST", "/api/v1/cases/A-1/triggers/start_s47", b"{ }"))


def test_a_released_key_runs_afresh_and_a_claim_older_than_a_minute_is_taken_over_once(engine: Engine) -> None:
    now = [START]
    store = IdempotencyStore(engine, clock=lambda: now[0])
    digest = request_hash("POST", "/api/v1/cases/A-1/escalations", b"{}")
    assert store.claim("cms", "key-2", digest) is None
    store.release("cms", "key-2")
    assert store.claim("cms", "key-2", digest) is None

    now[0] = START + timedelta(seconds=59)
    with pytest.raises(IdempotencyKeyInProgress):
        store.claim("cms", "key-2", digest)
    now[0] = START + timedelta(seconds=61)
    taken_over = store.claim("cms", "key-2", digest)
    with pytest.raises(IdempotencyKeyInProgress):
        store.claim("cms", "key-2", digest)  # the taker now holds it, as of 61 s

    assert taken_over is None
